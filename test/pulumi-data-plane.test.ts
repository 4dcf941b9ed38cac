/**
 * The Pulumi cluster settings provider's `verifyDataPlane`, driven the way the engine drives it (check, create, read),
 * with the real SDK client against the emulator's ARM and Kubernetes API (real HTTPS, real @kubernetes/client-node):
 * create waits for the nodes and reports `dataPlane`; refresh reports drift found on the nodes.
 */
import { createClusterSettingsProvider, type ClusterSettingsOutputs, type KubeProxyApiFactory } from "@aks-kube-proxy/pulumi";
import { startTestEmulator, type TestEmulator } from "./support/emulator";

const SUB = "00000000-0000-0000-0000-000000000000";
const RG = "rg-pulumi-dp";
let t: TestEmulator;
let apiFactory: KubeProxyApiFactory;

beforeAll(async () => {
  t = await startTestEmulator({
    clusters: [{ resourceGroup: RG, name: "aks", kubernetesVersion: "1.33.2", networkPlugin: "azure" }],
    registeredFeatures: [{ namespace: "Microsoft.ContainerService", name: "KubeProxyConfigurationPreview" }],
    timings: { featureRegistrationMs: 20, providerRegistrationMs: 20, operationMs: 40, retryAfterSeconds: 0, kubeProxyRolloutPerNodeMs: 20 },
  });
  apiFactory = ({ subscriptionId, apiVersion }) => t.client({ subscriptionId, ...(apiVersion !== undefined ? { apiVersion } : {}) });
});
afterAll(() => t.stop());

test("create with verifyDataPlane waits until every node runs nftables; refresh then reports a node that disagrees as drift", async () => {
  const provider = createClusterSettingsProvider({ apiFactory });
  const checked = await provider.check({}, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks", settings: { mode: "NFTABLES" }, verifyDataPlane: true });
  expect(checked.failures).toEqual([]);
  const created = await provider.create(checked.inputs!);
  const outs = created.outs as ClusterSettingsOutputs;
  expect(outs.dataPlane).toMatchObject({ verdict: "converged", convergedNodes: 3, totalNodes: 3, mismatches: [] });
  expect(t.em.control.kubeState({ resourceGroup: RG, name: "aks" })?.nodes.every((n) => n.proxyMode === "nftables")).toBe(true);

  const node = t.em.control.kubeState({ resourceGroup: RG, name: "aks" })?.nodes[0]?.name as string;
  t.em.control.addKubeFault({ kind: "kube-proxy-mode-mismatch", cluster: { resourceGroup: RG, name: "aks" }, node, mode: "iptables" });
  const read = await provider.read(created.id, outs);
  expect(read.props?.drift).toEqual([`dataPlane.${node}.proxyMode`]);
  expect(read.props?.dataPlane).toMatchObject({ verdict: "mismatch", mismatches: [`${node}: proxyMode is iptables, expected nftables`] });
  // The settings in Azure are what was asked: the drift is on the nodes only.
  expect(read.props?.settings).toEqual({ mode: "NFTABLES" });
});
