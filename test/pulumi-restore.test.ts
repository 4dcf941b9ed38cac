/**
 * The one restore target, through the Pulumi component's delete: a bring-your-own-CNI cluster whose kube-proxy the
 * stack disabled, and which had no kubeProxyConfig before, gets Azure's default back (enabled, IPTABLES), even though
 * Azure returns its disabled kube-proxy as `{}` (azure-rest-api-specs #22208).
 */
import { FEATURE_NAME } from "@aks-kube-proxy/sdk";
import { createClusterSettingsProvider, type KubeProxyApiFactory } from "@aks-kube-proxy/pulumi";
import { startTestEmulator, type TestEmulator } from "./support/emulator";

const SUB = "00000000-0000-0000-0000-000000000000";
const RG = "rg-restore";
let t: TestEmulator;
let apiFactory: KubeProxyApiFactory;

beforeAll(async () => {
  t = await startTestEmulator({
    clusters: [{ resourceGroup: RG, name: "byo", networkPlugin: "none" }],
    registeredFeatures: [{ name: FEATURE_NAME }],
    disabledKubeProxyReadsAsEmpty: true,
  });
  apiFactory = ({ subscriptionId, apiVersion }) => t.client({ subscriptionId, ...(apiVersion !== undefined ? { apiVersion } : {}) });
});
afterAll(async () => {
  await t.stop();
});

const stored = () => ((t.em.control.getCluster({ resourceGroup: RG, name: "byo" }) as { properties: { networkProfile: Record<string, unknown> } }).properties.networkProfile["kubeProxyConfig"]);

test("destroy restores a never-set kubeProxyConfig on a BYO-CNI cluster with kube-proxy disabled to Azure's default, explicitly", async () => {
  const provider = createClusterSettingsProvider({ apiFactory });
  const checked = await provider.check({}, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "byo", settings: { enabled: false }, allowDisable: true });
  expect(checked.failures).toEqual([]);
  const created = await provider.create(checked.inputs!);
  expect(created.outs?.previousSettings).toBeNull();
  expect(stored()).toEqual({ enabled: false });
  expect(t.em.control.effectiveKubeProxyMode({ resourceGroup: RG, name: "byo" })).toBe("DISABLED");

  t.em.control.clearRequestLog();
  await provider.delete(created.id, created.outs!);
  expect(stored()).toEqual({ enabled: true, mode: "IPTABLES" });
  expect(t.em.control.effectiveKubeProxyMode({ resourceGroup: RG, name: "byo" })).toBe("IPTABLES");
  expect(t.em.control.requestLog().filter((r) => r.method === "PUT" && r.status === 200)).toHaveLength(1);
});
