/**
 * Clusters as the rollout's unit tests plan them: one subscription, resource group `rg`, Kubernetes 1.33.2, Azure CNI,
 * Succeeded; kubeProxyConfig, network policy, tags and eTag as a test needs them.
 */
import { effectiveKubeProxySettings, type ClusterState, type KubeProxyConfig } from "@aks-kube-proxy/sdk";

/** The subscription of these clusters. */
export const SUB = "11111111-1111-1111-1111-111111111111";

/** What a test may set on a cluster. */
export interface ClusterExtra {
  readonly kubeProxyConfig?: KubeProxyConfig;
  readonly networkPolicy?: string;
  readonly tags?: Record<string, string>;
  readonly etag?: string;
}

/**
 * One cluster of {@link SUB}, as a read of it gives.
 * @param name - the cluster's name (in resource group `rg`)
 * @param extra - its settings, network policy, tags, eTag
 */
export function clusterState(name: string, extra: ClusterExtra = {}): ClusterState {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
    subscriptionId: SUB,
    resourceGroup: "rg",
    name,
    location: "westus2",
    tags: extra.tags ?? {},
    kubernetesVersion: "1.33.2",
    networkPlugin: "azure",
    ...(extra.networkPolicy ? { networkPolicy: extra.networkPolicy } : {}),
    provisioningState: "Succeeded",
    kubeProxyConfig: extra.kubeProxyConfig,
    effective: effectiveKubeProxySettings(extra.kubeProxyConfig),
    ...(extra.etag !== undefined ? { etag: extra.etag } : {}),
  };
}

/**
 * `n` clusters `aks-0` … `aks-(n-1)` that never had kubeProxyConfig.
 * @param n - how many
 */
export function fleetOf(n: number): ClusterState[] {
  return Array.from({ length: n }, (_, i) => clusterState(`aks-${i}`));
}
