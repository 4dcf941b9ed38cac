/**
 * `create` and `update` of the cluster settings resource: apply through the SDK (after recording the settings the
 * cluster had), with the data plane wait when asked, and the partial state a failed write leaves.
 * @packageDocumentation
 */
import type { ClusterState, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import type { KubeProxyApi } from "../api";
import { clientFor, explainError, type ProviderRuntime } from "../runtime";
import { dataPlaneOutputOf, fileWarnings, formatFindings, outputsFrom, refOf } from "./state";
import type { ClusterSettingsInputs, ClusterSettingsOutputs, DataPlaneOutput, PartialStateError } from "./types";

/**
 * Whether a failed apply may have changed the cluster: the SDK's error says a write was sent (its answer not seen) or
 * accepted (`writeMayHaveBeenSent`, `writeAccepted`, or the operation URL of an accepted write).
 * @param error - what the SDK's apply threw
 */
export function writeMayHaveReachedCluster(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { writeMayHaveBeenSent?: unknown; writeAccepted?: unknown; operationUrl?: unknown };
  return e.writeMayHaveBeenSent === true || e.writeAccepted === true || (typeof e.operationUrl === "string" && e.operationUrl !== "");
}

/** How long the read after a failed write (for the partial state's outputs) may take before it is given up. */
const PARTIAL_STATE_READ_TIMEOUT_IN_MS = 60_000;

/**
 * The error a create or update throws when its write may have reached the cluster: the SDK's error, with the id,
 * the outputs the resource has now (the desired settings as inputs, the previous settings delete restores, the
 * cluster as read after the failure) and the reasons, which `@pulumi/pulumi/provider` sends the engine as
 * `ErrorResourceInitFailed`. The engine then records the resource as partially initialized: the next `up` updates
 * it (applies again), `destroy` deletes it (restores).
 */
async function partialState(
  client: Pick<KubeProxyApi, "getCluster">,
  inputs: ClusterSettingsInputs,
  explained: Error,
  known: { id: string; previousSettings: KubeProxyConfig | null; before?: ClusterState },
): Promise<Error> {
  // What the cluster has now (settings, provisioningState); best effort, bounded: the failure may be the network's.
  const now = await client.getCluster(refOf(inputs), { abortSignal: AbortSignal.timeout(PARTIAL_STATE_READ_TIMEOUT_IN_MS) }).catch(() => undefined);
  const id = now?.id || known.id;
  if (id === "") return explained;
  const warnings = await fileWarnings(inputs);
  const extra = { previousSettings: known.previousSettings, drift: [], warnings };
  const cluster = now ?? known.before;
  const properties: ClusterSettingsOutputs = cluster
    ? { ...outputsFrom(inputs, cluster, extra), ...(now === undefined ? { appliedSettings: null, provisioningState: null } : {}) }
    : { ...inputs, clusterId: id, appliedSettings: null, previousSettings: known.previousSettings, provisioningState: null, kubernetesVersion: null, networkPlugin: null, networkPolicy: null, drift: [], warnings, dataPlane: null };
  explained.message =
    `${explained.message}\nA write may have reached the cluster, so Pulumi records this resource as partially created: ` +
    `the next pulumi up applies the settings again${inputs.restoreOnDelete ? "; pulumi destroy puts back the settings the cluster had before" : ""}.`;
  const failure: PartialStateError = Object.assign(explained, { id, properties, reasons: [explained.message] });
  return failure;
}

/**
 * Applies `inputs.settings`; returns the outputs (previousSettings as given, or read first). A failure after a write
 * that may have reached the cluster is a {@link PartialStateError}; any other failure is plain (nothing recorded).
 * Create passes `"read"` (the cluster's settings before are recorded), update the state's previous settings.
 * @param runtime - the provider's runtime
 * @param inputs - the resource's inputs
 * @param previousSettings - what delete will restore, or "read" to read it from the cluster first
 * @param knownId - the resource's id, when it has one (update)
 */
export async function applyDesired(
  runtime: ProviderRuntime,
  inputs: ClusterSettingsInputs,
  previousSettings: KubeProxyConfig | null | "read",
  knownId = "",
): Promise<{ id: string; outs: ClusterSettingsOutputs }> {
  const client = await clientFor(runtime, inputs.subscriptionId, inputs.apiVersion).catch((error: unknown) => {
    throw explainError(runtime, inputs.subscriptionId, error);
  });
  const ref = refOf(inputs);
  let previous: KubeProxyConfig | null;
  let before: ClusterState | undefined;
  if (previousSettings === "read") {
    try {
      before = await client.getCluster(ref);
    } catch (error) {
      throw explainError(runtime, inputs.subscriptionId, error);
    }
    previous = before.kubeProxyConfig ?? null;
  } else {
    previous = previousSettings;
  }
  try {
    const result = await client.apply(ref, inputs.settings, { allowDisable: inputs.allowDisable });
    const warnings = [...(await fileWarnings(inputs)), ...formatFindings(result.plan.warnings)];
    let dataPlane: DataPlaneOutput | null = null;
    if (inputs.verifyDataPlane) {
      // Converged includes the nodes when asked: wait for the kube-proxy rollout (reads only; a re-run waits again).
      if (!client.waitForDataPlane) throw new Error("verifyDataPlane: this client cannot read the data plane.");
      const checked = dataPlaneOutputOf(await client.waitForDataPlane(ref, inputs.settings));
      if (checked.verdict !== "converged") {
        throw Object.assign(new Error(`Azure applied the kube-proxy settings, but the data plane is ${checked.verdict}: ${checked.summary}`), { code: "DataPlaneNotConverged", writeAccepted: true });
      }
      dataPlane = checked;
    }
    return { id: result.cluster.id, outs: outputsFrom(inputs, result.cluster, { previousSettings: previous, drift: [], warnings, dataPlane }) };
  } catch (error) {
    const explained = explainError(runtime, inputs.subscriptionId, error);
    if (!writeMayHaveReachedCluster(error)) throw explained;
    throw await partialState(client, inputs, explained, { id: before?.id ?? knownId, previousSettings: previous, ...(before ? { before } : {}) });
  }
}
