/**
 * `delete` of the cluster settings resource.
 * @packageDocumentation
 */
import { clientFor, explainError, loadSdk, type ProviderRuntime } from "../runtime";
import { asInputs, refOf } from "./state";
import type { ClusterSettingsOutputs } from "./types";

/**
 * Deletes the cluster settings resource: puts back the settings the cluster had before (the SDK's one restore target)
 * when `restoreOnDelete`, else leaves the cluster as it is. A cluster already gone is done.
 * @param runtime - the provider's runtime
 * @param props - the state
 */
export async function restoreClusterSettings(runtime: ProviderRuntime, props: ClusterSettingsOutputs): Promise<void> {
  const inputs = asInputs(props);
  if (!inputs.restoreOnDelete) return;
  const previous = (props as Partial<ClusterSettingsOutputs>).previousSettings ?? null;
  const target = loadSdk().restoreTargetOf(previous);
  const client = await clientFor(runtime, inputs.subscriptionId, inputs.apiVersion);
  try {
    await client.apply(refOf(inputs), target.settings, { allowDisable: target.allowDisable });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ClusterNotFound") return;
    // A Cilium dataplane cluster whose kubeProxyConfig was never set ran no kube-proxy, as it does now: nothing to put back.
    const findings = (error as { findings?: readonly { id: string }[] }).findings ?? [];
    const neverSet = previous === null || Object.keys(previous).length === 0;
    if (code === "PlanBlocked" && neverSet && findings.length > 0 && findings.every((f) => f.id === "cilium-dataplane-requires-kube-proxy-disabled")) return;
    const explained = explainError(runtime, inputs.subscriptionId, error);
    explained.message = `Restoring the kube-proxy settings the cluster had before (${JSON.stringify(previous)}) failed: ${explained.message}\nTo leave the cluster as it is, set restoreOnDelete: false, run pulumi up, then destroy again.`;
    throw explained;
  }
}
