/**
 * Entry point of the `pulumi-resource-aks-kube-proxy` plugin (bin/pulumi-resource-aks-kube-proxy runs it with
 * Node.js; `scripts/release/plugin.mjs` bundles it into the self-contained plugin executable): serves {@link KubeProxyProvider} with `@pulumi/pulumi/provider`'s `main`, completed by the
 * server adapter; exits 1, before announcing a port, when the adapter cannot complete it.
 * @packageDocumentation
 */
import { main } from "@pulumi/pulumi/provider";
import { KubeProxyProvider } from "./kubeProxyProvider";
import { PLUGIN_VERSION } from "./packageInfo";
import { PACKAGE_NAME } from "./schema";
import { serveProvider } from "./serverAdapter";

const provider = new KubeProxyProvider({ version: PLUGIN_VERSION });
try {
  void serveProvider(provider, PACKAGE_NAME, process.argv.slice(2), main);
} catch (error) {
  // Before the port is announced: the engine reports that the plugin failed to start, with this message.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
