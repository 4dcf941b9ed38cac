/**
 * The provider's `verifyDataPlane` input and `dataPlane` output: create waits for the nodes after Azure's Succeeded,
 * a data plane that does not converge fails the create (recorded as partially created), and refresh reports drift
 * found on the nodes. The SDK client is injected (its data-plane calls are proved end to end in test/).
 */
import { KubeProxyProvider } from "../src/provider/kubeProxyProvider";
import type { ApplyResult, ClusterState, DataPlaneResult, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import type { KubeProxyApi } from "../src/provider/api";

const URN = "urn:pulumi:dev::proj::aks-kube-proxy:index:KubeProxyConfig$aks-kube-proxy:index:ClusterKubeProxySettings::kube-proxy";
const CLUSTER_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";
const NFT: KubeProxyConfig = { enabled: true, mode: "NFTABLES" };
const INPUTS = { subscriptionId: "s", resourceGroupName: "rg", clusterName: "aks", apiVersion: "2026-08-02-preview", restoreOnDelete: true, allowDisable: false, settings: NFT, verifyDataPlane: true };
const cluster = { id: CLUSTER_ID, name: "aks", resourceGroup: "rg", kubeProxyConfig: NFT, provisioningState: "Succeeded", kubernetesVersion: "1.33.2", networkPlugin: "azure", effective: { enabled: true, mode: "NFTABLES" } } as ClusterState;

function dataPlane(verdict: DataPlaneResult["verdict"], mismatches: DataPlaneResult["mismatches"] = []): DataPlaneResult {
  return {
    cluster: { id: CLUSTER_ID, resourceGroup: "rg", name: "aks" },
    verdict,
    summary: `kube-proxy rollout 3/3 nodes (${verdict})`,
    desired: { enabled: true, mode: "NFTABLES" },
    credential: "user",
    rollout: { message: "done", convergedNodes: 3, totalNodes: 3 },
    flags: [],
    nodes: [],
    checkedNodes: ["n0", "n1", "n2"],
    skippedNodes: [],
    pendingNodes: [],
    mismatches,
  };
}

function provider(api: Partial<KubeProxyApi>): KubeProxyProvider {
  return new KubeProxyProvider({ version: "0.1.0", apiFactory: () => ({ getCluster: async () => cluster, apply: async () => ({ cluster, changed: true, plan: { warnings: [] } }) as unknown as ApplyResult, ...api }) as KubeProxyApi });
}

describe("verifyDataPlane (Pulumi)", () => {
  test("create waits for the data plane and reports it in the dataPlane output", async () => {
    const waited: unknown[] = [];
    const created = await provider({
      waitForDataPlane: async (_ref, desired) => {
        waited.push(desired);
        return dataPlane("converged");
      },
    }).create(URN, INPUTS);
    expect(waited).toEqual([NFT]);
    expect((created as { outs?: unknown }).outs).toMatchObject({ dataPlane: { verdict: "converged", convergedNodes: 3, totalNodes: 3, checkedNodes: ["n0", "n1", "n2"] } });
  });

  test("without verifyDataPlane the nodes are not read and dataPlane is null", async () => {
    let calls = 0;
    const created = await provider({
      waitForDataPlane: async () => {
        calls++;
        return dataPlane("converged");
      },
    }).create(URN, { ...INPUTS, verifyDataPlane: false });
    expect(calls).toBe(0);
    expect((created as { outs?: unknown }).outs).toMatchObject({ dataPlane: null });
  });

  test("a data plane that does not converge fails the create, recorded as partially created (the write was accepted)", async () => {
    const failure = await provider({ waitForDataPlane: async () => dataPlane("mismatch", [{ node: "n1", field: "proxyMode", expected: "nftables", found: "iptables" }]) })
      .create(URN, INPUTS)
      .then(
        () => undefined,
        (e: unknown) => e as Error & { id?: string },
      );
    expect(failure?.message).toContain("data plane is mismatch");
    expect(failure?.id).toBe(CLUSTER_ID);
  });

  test("refresh reports drift found on the nodes as dataPlane.<node>.<field>", async () => {
    const read = await provider({ verifyDataPlane: async () => dataPlane("mismatch", [{ node: "n1", field: "proxyMode", expected: "nftables", found: "iptables" }]) }).read(CLUSTER_ID, URN, {
      ...INPUTS,
      clusterId: CLUSTER_ID,
      appliedSettings: NFT,
      previousSettings: null,
      drift: [],
      warnings: [],
    });
    expect(read.props).toMatchObject({ drift: ["dataPlane.n1.proxyMode"], dataPlane: { verdict: "mismatch", mismatches: ["n1: proxyMode is iptables, expected nftables"] } });
  });
});
