/**
 * Entry point of the `pulumi-resource-aks-kube-proxy` plugin (bin/pulumi-resource-aks-kube-proxy runs it with
 * Node.js; `scripts/release/plugin.mjs` bundles it into the self-contained plugin executable): serves {@link KubeProxyProvider} with `@pulumi/pulumi/provider`'s `main`, completed by the server adapter.
 * @packageDocumentation
 */
import { main } from "@pulumi/pulumi/provider";
import { KubeProxyProvider } from "./kubeProxyProvider";
import { PLUGIN_VERSION } from "./packageInfo";
import { PACKAGE_NAME } from "./schema";
import { installServerAdapter } from "./serverAdapter";

const provider = new KubeProxyProvider({ version: PLUGIN_VERSION });
installServerAdapter(provider, PACKAGE_NAME);
void main(provider, process.argv.slice(2));
