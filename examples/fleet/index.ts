/**
 * The same kube-proxy settings on a list of clusters from stack configuration: one component per cluster, and one
 * preview enablement per subscription shared by all of that subscription's clusters.
 *
 * Pulumi.<stack>.yaml:
 *   config:
 *     aks-kube-proxy-fleet:clusters:
 *       - { subscriptionId: 00000000-0000-0000-0000-000000000000, resourceGroupName: rg-a, clusterName: aks-a }
 *       - { subscriptionId: 00000000-0000-0000-0000-000000000000, resourceGroupName: rg-b, clusterName: aks-b }
 *       - { clusterId: /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-c/providers/Microsoft.ContainerService/managedClusters/aks-c }
 *     aks-kube-proxy-fleet:settings: { mode: IPVS, ipvsConfig: { scheduler: RoundRobin } }
 *     aks-kube-proxy:clientId: …            # the provider plugin's credentials (or the ARM_* variables)
 *
 * For hundreds of clusters, with waves, soak times and a resumable journal, use `aks-kube-proxy rollout` instead.
 */
import * as pulumi from "@pulumi/pulumi";
import { KubeProxyConfig, type KubeProxySettings } from "@aks-kube-proxy/pulumi";

/** One cluster of the fleet, as written in the stack configuration. */
interface FleetCluster {
  /** Subscription (default: the one in clusterId, else aks-kube-proxy:subscriptionId, else ARM_SUBSCRIPTION_ID). */
  subscriptionId?: string;
  /** Resource group, with clusterName. */
  resourceGroupName?: string;
  /** Cluster name, with resourceGroupName. */
  clusterName?: string;
  /** Resource id, instead of the two names. */
  clusterId?: string;
  /** Resource name in the stack. @default "<resource group>-<cluster name>" */
  name?: string;
}

const config = new pulumi.Config();
const clusters = config.requireObject<FleetCluster[]>("clusters");
const settings = config.getObject<KubeProxySettings>("settings") ?? { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } };

const configured = clusters.map((cluster) => {
  const idParts = cluster.clusterId?.split("/") ?? [];
  const rg = cluster.resourceGroupName ?? idParts[4];
  const clusterName = cluster.clusterName ?? idParts[8];
  const name = cluster.name ?? `${rg}-${clusterName}`;
  return new KubeProxyConfig(`kube-proxy-${name}`, {
    ...(cluster.subscriptionId !== undefined ? { subscriptionId: cluster.subscriptionId } : {}),
    ...(cluster.clusterId !== undefined
      ? { clusterId: cluster.clusterId }
      : { resourceGroupName: cluster.resourceGroupName, clusterName: cluster.clusterName }),
    settings,
  });
});

/** Per cluster: its id and the settings it reports after `pulumi up`. */
export const fleet = configured.map((c) => ({ clusterId: c.clusterId, appliedSettings: c.appliedSettings, provisioningState: c.provisioningState }));
