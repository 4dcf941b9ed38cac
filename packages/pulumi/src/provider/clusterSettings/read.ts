/**
 * `read` of the cluster settings resource (refresh and import).
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ClusterState, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import { clientFor, explainError, loadSdk, type ProviderRuntime } from "../runtime";
import { asInputs, dataPlaneOutputOf, outputsFrom, refOf } from "./state";
import type { ClusterSettingsInputs, ClusterSettingsOutputs, DataPlaneOutput } from "./types";

/**
 * Reads the cluster for refresh and import. Refresh: drift shows as changed `settings` (the cluster's values field by
 * field) and in `drift`, with the data plane's when verifyDataPlane. Import (no state): the current settings are adopted.
 * @param runtime - the provider's runtime
 * @param id - the resource id (the cluster's)
 * @param props - the state, or undefined on import
 */
export async function readClusterSettings(runtime: ProviderRuntime, id: string, props?: ClusterSettingsOutputs): Promise<pulumi.dynamic.ReadResult<ClusterSettingsOutputs>> {
  const sdk = loadSdk();
  const known = props !== undefined && typeof props.clusterName === "string" && props.clusterName !== "";
  let inputs: ClusterSettingsInputs;
  if (known) {
    inputs = asInputs(props);
  } else {
    const parsed = sdk.parseClusterId(id);
    inputs = {
      subscriptionId: parsed.subscriptionId,
      resourceGroupName: parsed.resourceGroup,
      clusterName: parsed.name,
      settings: {},
      apiVersion: sdk.DEFAULT_API_VERSION,
      restoreOnDelete: true,
      allowDisable: false,
      verifyDataPlane: false,
    };
  }
  const client = await clientFor(runtime, inputs.subscriptionId, inputs.apiVersion);
  let cluster: ClusterState;
  try {
    cluster = await client.getCluster(refOf(inputs));
  } catch (error) {
    if ((error as { code?: unknown }).code === "ClusterNotFound") return {};
    throw explainError(runtime, inputs.subscriptionId, error);
  }
  if (!known) {
    // Import: adopt what the cluster has now; delete would then put exactly this back.
    const current = cluster.kubeProxyConfig ?? {};
    const adopted = { ...inputs, settings: sdk.canonicalKubeProxySettings(current) };
    const outs = outputsFrom(adopted, cluster, { previousSettings: cluster.kubeProxyConfig ?? null, drift: [], warnings: [] });
    return { id: cluster.id, props: outs, inputs: outs };
  }
  const plan = sdk.planKubeProxyChange({ cluster, desired: inputs.settings, apiVersion: inputs.apiVersion, allowDisable: inputs.allowDisable });
  const drift = plan.changes.map((c) => c.path);
  if (plan.convergence.kind === "needs-reconcile" || plan.convergence.kind === "in-flight") drift.push("provisioningState");
  // Show drift field by field: the desired settings with each drifted field set to what the cluster has.
  let observed: KubeProxyConfig = inputs.settings;
  if (drift.length > 0) {
    const copy = JSON.parse(JSON.stringify(inputs.settings)) as Record<string, unknown>;
    for (const change of plan.changes) {
      const path = change.path.split(".");
      let target: Record<string, unknown> = copy;
      for (const part of path.slice(0, -1)) {
        const next = target[part];
        if (typeof next !== "object" || next === null) target[part] = {};
        target = target[part] as Record<string, unknown>;
      }
      const leaf = path[path.length - 1] as string;
      if (change.before === undefined) Reflect.deleteProperty(target, leaf);
      else target[leaf] = change.before;
    }
    // An ipvsConfig left empty reads as absent (the SDK compares them equal): drop it rather than show `{}`.
    for (const [key, value] of Object.entries(copy)) {
      if (typeof value === "object" && value !== null && Object.keys(value).length === 0) Reflect.deleteProperty(copy, key);
    }
    observed = sdk.canonicalKubeProxySettings(copy as KubeProxyConfig);
  }
  const previousSettings = (props as Partial<ClusterSettingsOutputs>).previousSettings ?? null;
  const warnings = (props as Partial<ClusterSettingsOutputs>).warnings ?? [];
  let dataPlane: DataPlaneOutput | null = null;
  if (inputs.verifyDataPlane) {
    // Drift found on the nodes: each mismatch as `dataPlane.<node>.<field>` (e.g. a node still on iptables).
    if (!client.verifyDataPlane) throw new Error("verifyDataPlane: this client cannot read the data plane.");
    const result = await client.verifyDataPlane(refOf(inputs), inputs.settings);
    dataPlane = dataPlaneOutputOf(result);
    for (const m of result.mismatches) drift.push(`dataPlane.${m.node ?? "daemonSet"}.${m.field}`);
    if (result.verdict === "unreachable") drift.push("dataPlane.unreachable");
  }
  const outs = outputsFrom(inputs, cluster, { previousSettings, drift, warnings, settings: observed, dataPlane });
  const newInputs: Record<string, unknown> = { ...inputs, settings: observed };
  return { id: cluster.id || id, props: outs, inputs: newInputs as unknown as ClusterSettingsOutputs };
}
