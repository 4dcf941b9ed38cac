/**
 * Clusters as JSON (the stable `--output json` shape) and as a status table.
 * @packageDocumentation
 */
import type { ClusterState } from "@aks-kube-proxy/sdk";
import { loadSdk, loadTable } from "../runtime/lazy";
import type { Output } from "../runtime/output";
import { describeReturnedShape, describeSettings } from "./settings";

/** The JSON shape of one cluster in every command's output. */
export interface ClusterJson {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  kubernetesVersion: string | null;
  networkPlugin: string | null;
  networkPolicy: string | null;
  /** `networkProfile.networkDataplane` (`cilium`: Azure CNI Powered by Cilium, which replaces kube-proxy). */
  networkDataplane: string | null;
  provisioningState: string | null;
  /** The SDK's classification of provisioningState: succeeded, in-flight (wait), needs-reconcile (Failed/Canceled), unknown. */
  provisioning: "succeeded" | "in-flight" | "needs-reconcile" | "unknown";
  /** kubeProxyConfig exactly as Azure returned it; null when absent. */
  kubeProxyConfig: unknown;
  /** What the cluster effectively runs (absent and `{}` read as enabled IPTABLES; a Cilium dataplane as disabled). */
  effective: unknown;
}

/**
 * @param state - the SDK's cluster state
 */
export function clusterJson(state: ClusterState): ClusterJson {
  return {
    id: state.id,
    subscriptionId: state.subscriptionId,
    resourceGroup: state.resourceGroup,
    name: state.name,
    location: state.location,
    kubernetesVersion: state.kubernetesVersion ?? null,
    networkPlugin: state.networkPlugin ?? null,
    networkPolicy: state.networkPolicy ?? null,
    networkDataplane: state.networkDataplane ?? null,
    provisioningState: state.provisioningState ?? null,
    provisioning: provisioningOf(state),
    kubeProxyConfig: state.kubeProxyConfig ?? null,
    effective: state.effective,
  };
}

/**
 * The SDK's one classification of a cluster's provisioningState; `unknown` (shown loudly) instead of throwing, so a
 * status listing still shows every other cluster.
 * @param state - the SDK's cluster state
 */
export function provisioningOf(state: ClusterState): ClusterJson["provisioning"] {
  try {
    return loadSdk().classifyProvisioningState(state.provisioningState);
  } catch {
    return "unknown";
  }
}

const STATE_NOTE: Record<ClusterJson["provisioning"], string> = { succeeded: "", "in-flight": " (operation in flight)", "needs-reconcile": " (needs reconcile)", unknown: " (UNKNOWN STATE)" };

/** No borders, columns separated by spaces (as `kubectl get` and `az -o table` print). */
const BORDERLESS = {
  top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
  left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "",
};

/**
 * A table of clusters and their kube-proxy settings.
 * @param clusters - cluster states
 * @param out - the output (for colours)
 */
export function clusterTable(clusters: readonly ClusterState[], out: Output): string {
  if (clusters.length === 0) return "No clusters found.";
  const Table = loadTable();
  const head = ["NAME", "RESOURCE GROUP", "K8S", "PLUGIN", "POLICY", "STATE", "KUBE-PROXY", "RETURNED"].map((h) => out.style("bold", h));
  const table = new Table({ head, chars: BORDERLESS, style: { head: [], border: [], "padding-left": 0, "padding-right": 2 } });
  for (const c of clusters) {
    table.push([
      c.name,
      c.resourceGroup,
      c.kubernetesVersion ?? "-",
      c.networkPlugin ?? "-",
      c.networkPolicy ?? "none",
      `${c.provisioningState ?? "-"}${STATE_NOTE[provisioningOf(c)]}`,
      loadSdk().isCiliumDataplane(c) ? "none: Cilium dataplane replaces it" : describeSettings(c.effective),
      describeReturnedShape(c.kubeProxyConfig),
    ]);
  }
  return table
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}
