/**
 * examples/fleet, exactly as written, under the real Pulumi engine against the ARM emulator: three clusters in two
 * subscriptions, one of them already configured. Also `pulumi import` of a cluster's settings.
 */
import { startEmulator, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import { createEngineStack, storedKubeProxyConfig, writesOf, type EngineStack } from "./support/pulumi-engine";

jest.setTimeout(180_000);

const SUB_A = "00000000-0000-0000-0000-000000000000";
const SUB_B = "11111111-1111-1111-1111-111111111111";
const ROUND_ROBIN = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } };
const clusterIdOf = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`;

let em: RunningEmulator;
let engine: EngineStack;

function kubeProxyOf(subscriptionId: string, resourceGroup: string, name: string): unknown {
  return storedKubeProxyConfig(em, { subscriptionId, resourceGroup, name });
}

beforeAll(async () => {
  em = await startEmulator({
    throttling: false,
    subscriptions: [SUB_A, SUB_B],
    clusters: [
      { subscriptionId: SUB_A, resourceGroup: "rg-a", name: "aks-a" },
      { subscriptionId: SUB_A, resourceGroup: "rg-b", name: "aks-b", kubeProxyConfig: { enabled: true, mode: "IPTABLES" } },
      // Already converged: the fleet adopts it without a write.
      { subscriptionId: SUB_B, resourceGroup: "rg-c", name: "aks-c", kubeProxyConfig: ROUND_ROBIN },
    ],
  });
  engine = await createEngineStack({
    example: "fleet",
    em,
    config: {
      clusters: JSON.stringify([
        { subscriptionId: SUB_A, resourceGroupName: "rg-a", clusterName: "aks-a" },
        { subscriptionId: SUB_A, resourceGroupName: "rg-b", clusterName: "aks-b" },
        { clusterId: clusterIdOf(SUB_B, "rg-c", "aks-c") },
      ]),
      settings: JSON.stringify(ROUND_ROBIN),
    },
  });
});

afterAll(async () => {
  await engine?.cleanup();
  await em?.stop();
});

test("preview of the fleet writes nothing", async () => {
  em.control.clearRequestLog();
  const preview = await engine.stack.preview(engine.io);
  // stack + per cluster (component + settings) + one enablement per subscription
  expect(preview.changeSummary.create).toBe(1 + 3 * 2 + 2);
  expect(writesOf(em)).toEqual([]);
});

test("up enables the preview once per subscription and PUTs only the clusters that change; the converged one is adopted without a write", async () => {
  em.control.clearRequestLog();
  const up = await engine.stack.up(engine.io);
  expect(up.summary.result).toBe("succeeded");
  const writes = writesOf(em);
  const registrations = writes.filter((w) => /features\/KubeProxyConfigurationPreview\/register$/i.test(w.path)).map((w) => w.path.split("/")[2]);
  expect(registrations.sort()).toEqual([SUB_A, SUB_B]);
  const puts = writes.filter((w) => w.method === "PUT").map((w) => w.path.split("/").pop());
  expect(puts.sort()).toEqual(["aks-a", "aks-b"]);
  for (const [sub, rg, name] of [[SUB_A, "rg-a", "aks-a"], [SUB_A, "rg-b", "aks-b"], [SUB_B, "rg-c", "aks-c"]] as const) {
    expect(kubeProxyOf(sub, rg, name)).toEqual(ROUND_ROBIN);
  }
  const fleet = up.outputs["fleet"]?.value as { clusterId: string; appliedSettings: unknown; provisioningState: string }[];
  expect(fleet).toHaveLength(3);
  expect(fleet.map((c) => c.appliedSettings)).toEqual([ROUND_ROBIN, ROUND_ROBIN, ROUND_ROBIN]);
  expect(fleet[2]!.clusterId.toLowerCase()).toBe(clusterIdOf(SUB_B, "rg-c", "aks-c").toLowerCase());
  const adopted = (await engine.stateResources()).find((r) => r.urn.endsWith("ClusterKubeProxySettings::kube-proxy-rg-c-aks-c"));
  expect(adopted?.outputs?.["previousSettings"]).toEqual(ROUND_ROBIN);
});

test("pulumi import of a cluster's settings adopts them as they are, without a write; destroy of the imported resource puts them back unchanged", async () => {
  em.control.clearRequestLog();
  const imported = await engine.stack.import({
    resources: [{ type: "aks-kube-proxy:index:ClusterKubeProxySettings", name: "imported", id: clusterIdOf(SUB_B, "rg-c", "aks-c") }],
    protect: false,
    generateCode: false,
    ...engine.io,
  });
  expect(imported.summary.result).toBe("succeeded");
  const state = (await engine.stateResources()).find((r) => r.urn.endsWith("::imported"));
  expect(state?.type).toBe("aks-kube-proxy:index:ClusterKubeProxySettings");
  expect(state?.outputs?.["settings"]).toEqual(ROUND_ROBIN);
  expect(state?.outputs?.["previousSettings"]).toEqual(ROUND_ROBIN);
  expect(state?.outputs?.["clusterName"]).toBe("aks-c");
  expect(writesOf(em)).toEqual([]);
  // The destroy below deletes it too: restoring what was adopted, which the cluster still has, writes nothing.
});

test("destroy restores each changed cluster's previous settings and leaves the converged one as it was found", async () => {
  em.control.clearRequestLog();
  await engine.stack.destroy(engine.io);
  // aks-a had no kubeProxyConfig: the SDK's one restore target (restoreTargetOf) writes Azure's default explicitly.
  expect(kubeProxyOf(SUB_A, "rg-a", "aks-a")).toEqual({ enabled: true, mode: "IPTABLES" });
  expect(kubeProxyOf(SUB_A, "rg-b", "aks-b")).toEqual({ enabled: true, mode: "IPTABLES" });
  expect(kubeProxyOf(SUB_B, "rg-c", "aks-c")).toEqual(ROUND_ROBIN);
  expect(writesOf(em).filter((w) => w.method === "PUT").map((w) => w.path.split("/").pop()).sort()).toEqual(["aks-a", "aks-b"]);
  expect(em.control.getFeatureState({ subscriptionId: SUB_A, name: "KubeProxyConfigurationPreview" })).toBe("Registered");
});
