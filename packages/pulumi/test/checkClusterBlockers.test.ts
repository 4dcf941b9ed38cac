/**
 * `check` (what `pulumi preview` runs) reads the cluster when every input is known and fails on the blockers that
 * depend on it, such as a Cilium data plane (`networkDataplane: cilium`), which Azure would refuse with
 * CiliumDataplaneRequiresKubeProxyConfigDisabled; a cluster it cannot read yet is left to up.
 */
import { effectiveKubeProxySettings, type ClusterState, type KubeProxyConfig } from "@aks-kube-proxy/sdk";
import type { KubeProxyApi } from "../src/provider/api";
import { createClusterSettingsProvider } from "../src/provider/clusterSettingsProvider";
import { UNKNOWN } from "../src/provider/values";

const SUB = "00000000-0000-0000-0000-000000000000";
const ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks`;

function cluster(networkDataplane: string | undefined, kubeProxyConfig?: KubeProxyConfig): ClusterState {
  const parsed = effectiveKubeProxySettings(kubeProxyConfig);
  return {
    id: ID,
    subscriptionId: SUB,
    resourceGroup: "rg",
    name: "aks",
    location: "westus2",
    tags: {},
    kubernetesVersion: "1.33.2",
    networkPlugin: "azure",
    ...(networkDataplane ? { networkDataplane } : {}),
    provisioningState: "Succeeded",
    kubeProxyConfig,
    effective: networkDataplane === "cilium" ? { ...parsed, enabled: false } : parsed,
  };
}

function providerReading(state: ClusterState | Error) {
  const reads: string[] = [];
  const api: Partial<KubeProxyApi> = {
    getCluster: async (ref) => {
      const { resourceGroup, name } = ref as { resourceGroup: string; name: string };
      reads.push(`${resourceGroup}/${name}`);
      if (state instanceof Error) throw state;
      return state;
    },
    apply: async () => {
      throw new Error("check must never write");
    },
  };
  return { provider: createClusterSettingsProvider({ apiFactory: () => api as KubeProxyApi }), reads };
}

const news = (settings: unknown) => ({ subscriptionId: SUB, resourceGroupName: "rg", clusterName: "aks", settings });

describe("check fails the preview on the cluster's blockers", () => {
  test("settings that enable kube-proxy on a Cilium dataplane cluster fail check with the finding, before any write", async () => {
    const { provider, reads } = providerReading(cluster("cilium"));
    const result = await provider.check({}, news({ mode: "NFTABLES" }));
    expect(reads).toEqual(["rg/aks"]);
    expect(result.failures).toEqual([{ property: "settings", reason: expect.stringMatching(/^\[cilium-dataplane-requires-kube-proxy-disabled\] .*CiliumDataplaneRequiresKubeProxyConfigDisabled/) }]);
  });

  test("enabled: false on the Cilium cluster, and the same settings on another data plane, pass", async () => {
    expect((await providerReading(cluster("cilium")).provider.check({}, news({ enabled: false }))).failures).toEqual([]);
    expect((await providerReading(cluster("azure")).provider.check({}, news({ mode: "NFTABLES" }))).failures).toEqual([]);
  });

  test("other cluster-dependent blockers fail the preview too (NFTABLES before Kubernetes 1.33)", async () => {
    const old = { ...cluster(undefined), kubernetesVersion: "1.32.7" };
    const result = await providerReading(old).provider.check({}, news({ mode: "NFTABLES" }));
    expect((result.failures ?? []).map((f) => f.reason.slice(0, f.reason.indexOf("]") + 1))).toEqual(["[nftables-needs-k8s-1.33]"]);
  });

  test("a cluster that cannot be read now (not created yet, no credential) is left to up; unknown inputs are not read", async () => {
    const notFound = Object.assign(new Error("not found"), { code: "ClusterNotFound" });
    const { provider, reads } = providerReading(notFound);
    expect((await provider.check({}, news({ mode: "NFTABLES" }))).failures).toEqual([]);
    expect(reads).toEqual(["rg/aks"]);
    const unknown = providerReading(cluster("cilium"));
    expect((await unknown.provider.check({}, { ...news({ mode: "NFTABLES" }), clusterName: UNKNOWN })).failures).toEqual([]);
    expect((await unknown.provider.check({}, news(UNKNOWN))).failures).toEqual([]);
    expect(unknown.reads).toEqual([]);
  });
});
