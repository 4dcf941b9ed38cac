/**
 * The dynamic provider behind one cluster's kube-proxy settings: validates with the SDK (`check`), shows which
 * setting changes (`diff`), applies through the SDK (`create`/`update`), notices drift (`read`) and puts the previous
 * settings back (`delete`, when `restoreOnDelete`).
 *
 * Each job is its own module in ./clusterSettings (types, state, check, diff, apply, read, restore); this module
 * only binds them to one runtime. Pulumi stores a shim in the state, not this code (see provider/shim); the provider
 * is still kept serializable by Pulumi's closure serializer (no top-level runtime import but this package's own
 * modules, the SDK required inside the functions, nothing captured but `options` and an empty runtime), so it can be
 * handed to `pulumi.dynamic.Resource` directly, e.g. with an injected API factory.
 * @packageDocumentation
 */
import type { KubeProxyProviderOptions } from "./api";
import { configureProviderRuntime, newProviderRuntime } from "./runtime";
import { applyDesired } from "./clusterSettings/apply";
import { checkClusterSettings } from "./clusterSettings/check";
import { diffClusterSettings } from "./clusterSettings/diff";
import { readClusterSettings } from "./clusterSettings/read";
import { restoreClusterSettings } from "./clusterSettings/restore";
import { asInputs } from "./clusterSettings/state";
import type { ClusterSettingsOutputs, ClusterSettingsProvider } from "./clusterSettings/types";

export type {
  ClusterSettingsInputs,
  ClusterSettingsOutputs,
  ClusterSettingsProvider,
  ClusterSettingsRawInputs,
  DataPlaneOutput,
  DetailedDiffResult,
  PartialStateError,
} from "./clusterSettings/types";
export { writeMayHaveReachedCluster } from "./clusterSettings/apply";
export { dataPlaneOutputOf } from "./clusterSettings/state";

/**
 * Creates the cluster settings provider.
 * @param options - injectable API factory (tests), explicit auth, environment
 */
export function createClusterSettingsProvider(options: KubeProxyProviderOptions = {}): ClusterSettingsProvider {
  const runtime = newProviderRuntime(options);
  return {
    async configure(req) {
      configureProviderRuntime(runtime, req.config);
    },
    check: async (_olds, news) => checkClusterSettings(runtime, news),
    diff: async (_id, olds, news) => diffClusterSettings(olds, news),
    create: async (inputs) => applyDesired(runtime, asInputs(inputs), "read"),
    async update(id, olds, news) {
      const previous = (olds as Partial<ClusterSettingsOutputs>).previousSettings ?? null;
      const { outs } = await applyDesired(runtime, asInputs(news), previous, id);
      return { outs };
    },
    read: async (id, props) => readClusterSettings(runtime, id, props),
    delete: async (_id, props) => restoreClusterSettings(runtime, props),
  };
}
