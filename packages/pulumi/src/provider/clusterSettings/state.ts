/**
 * The cluster settings resource's state: its inputs as stored, and the outputs built from them and a cluster read
 * (`appliedSettings`, `previousSettings`, `drift`, `warnings`, `dataPlane`…).
 * @packageDocumentation
 */
import type { ClusterRef, ClusterState, DataPlaneResult, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import { loadSdk } from "../runtime";
import { booleanOr, optionalString } from "../values";
import type { ClusterSettingsInputs, ClusterSettingsOutputs, ClusterSettingsRawInputs, DataPlaneOutput } from "./types";

/** The `dataPlane` output of an SDK result. */
export function dataPlaneOutputOf(result: DataPlaneResult): DataPlaneOutput {
  return {
    verdict: result.verdict,
    summary: result.summary,
    convergedNodes: result.rollout?.convergedNodes ?? 0,
    totalNodes: result.rollout?.totalNodes ?? 0,
    checkedNodes: [...result.checkedNodes],
    skippedNodes: [...result.skippedNodes],
    pendingNodes: [...result.pendingNodes],
    mismatches: result.mismatches.map((m) => `${m.node ?? "DaemonSet kube-system/kube-proxy"}: ${m.field} is ${m.found ?? "absent"}, expected ${m.expected}`),
  };
}

/**
 * The inputs held in a resource's inputs or state (after `check`), with the defaults of absent flags.
 * @param props - inputs or outputs
 */
export function asInputs(props: ClusterSettingsRawInputs | ClusterSettingsOutputs): ClusterSettingsInputs {
  const p = props as Record<string, unknown>;
  const settingsFile = optionalString(p["settingsFile"]);
  return {
    subscriptionId: String(p["subscriptionId"]),
    resourceGroupName: String(p["resourceGroupName"]),
    clusterName: String(p["clusterName"]),
    settings: (p["settings"] ?? {}) as KubeProxyConfig,
    ...(settingsFile !== undefined ? { settingsFile } : {}),
    apiVersion: String(p["apiVersion"]),
    restoreOnDelete: booleanOr(p["restoreOnDelete"], true),
    allowDisable: booleanOr(p["allowDisable"], false),
    verifyDataPlane: booleanOr(p["verifyDataPlane"], false),
  };
}

/**
 * The SDK's findings as the `warnings` output shows them (`[id] message`).
 * @param findings - warnings or notes
 */
export function formatFindings(findings: readonly { id: string; message: string }[]): string[] {
  return findings.map((f) => `[${f.id}] ${f.message}`);
}

/** What the outputs add to the inputs and the cluster read. */
export interface OutputExtras {
  /** What delete restores. */
  readonly previousSettings: KubeProxyConfig | null;
  /** Drifted paths. */
  readonly drift: string[];
  /** Findings as `[id] message`. */
  readonly warnings: string[];
  /** The settings to record instead of the inputs' (refresh: the cluster's values field by field). */
  readonly settings?: KubeProxyConfig;
  /** The data plane, with verifyDataPlane. */
  readonly dataPlane?: DataPlaneOutput | null;
}

/**
 * The resource's outputs: its inputs plus what the cluster read says.
 * @param inputs - the resource's inputs
 * @param cluster - the cluster as read or returned by apply
 * @param extra - what is not in either
 */
export function outputsFrom(inputs: ClusterSettingsInputs, cluster: ClusterState, extra: OutputExtras): ClusterSettingsOutputs {
  return {
    ...inputs,
    ...(extra.settings !== undefined ? { settings: extra.settings } : {}),
    clusterId: cluster.id,
    appliedSettings: cluster.kubeProxyConfig ?? null,
    previousSettings: extra.previousSettings,
    provisioningState: cluster.provisioningState ?? null,
    kubernetesVersion: cluster.kubernetesVersion ?? null,
    networkPlugin: cluster.networkPlugin ?? null,
    networkPolicy: cluster.networkPolicy ?? null,
    drift: extra.drift,
    warnings: extra.warnings,
    dataPlane: extra.dataPlane ?? null,
  };
}

/**
 * The settings file's notes (e.g. the docs' `TCPTimeoutSeconds` spelling), which check's canonical settings no longer show.
 * @param inputs - the resource's inputs
 */
export async function fileWarnings(inputs: ClusterSettingsInputs): Promise<string[]> {
  if (inputs.settingsFile === undefined) return [];
  try {
    return formatFindings((await loadSdk().readKubeProxySettingsFile(inputs.settingsFile)).warnings);
  } catch {
    return [];
  }
}

/**
 * The SDK's cluster reference of the resource's inputs.
 * @param inputs - the resource's inputs
 */
export function refOf(inputs: ClusterSettingsInputs): ClusterRef {
  return { subscriptionId: inputs.subscriptionId, resourceGroup: inputs.resourceGroupName, name: inputs.clusterName };
}
