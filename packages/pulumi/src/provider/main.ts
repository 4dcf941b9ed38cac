/**
 * Entry point of the `pulumi-resource-aks-kube-proxy` plugin (bin/pulumi-resource-aks-kube-proxy runs it with
 * Node.js): serves {@link KubeProxyProvider} with `@pulumi/pulumi/provider`'s `main`, completed by the server adapter.
 * @packageDocumentation
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "@pulumi/pulumi/provider";
import { KubeProxyProvider } from "./kubeProxyProvider";
import { PACKAGE_NAME } from "./schema";
import { installServerAdapter } from "./serverAdapter";

const { version } = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
const provider = new KubeProxyProvider({ version });
installServerAdapter(provider, PACKAGE_NAME);
void main(provider, process.argv.slice(2));
