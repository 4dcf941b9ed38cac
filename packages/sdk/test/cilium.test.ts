/**
 * Cilium dataplane clusters (`networkDataplane: cilium`, Azure CNI Powered by Cilium) run no kube-proxy, and Azure
 * refuses a kubeProxyConfig that enables it (CiliumDataplaneRequiresKubeProxyConfigDisabled): the SDK blocks such
 * settings before any write, reads the cluster as running no kube-proxy, and lets `enabled: false` through.
 */
import {
  checkKubeProxyRules,
  effectiveKubeProxySettings,
  FEATURE_NAME,
  isCiliumDataplane,
  PlanBlockedError,
  planKubeProxyChange,
  type ClusterState,
  type KubeProxyConfig,
} from "@aks-kube-proxy/sdk";
import { startTestEmulator, type TestEmulator } from "../../../test/support/emulator";

const ID = "cilium-dataplane-requires-kube-proxy-disabled";
const API = "2026-08-02-preview";
const rules = (desired: KubeProxyConfig, networkDataplane: string | undefined, current?: KubeProxyConfig) =>
  checkKubeProxyRules({
    facts: { kubernetesVersion: "1.33.2", networkPlugin: "azure", ...(networkDataplane !== undefined ? { networkDataplane } : {}) },
    current: effectiveKubeProxySettings(current),
    desired,
    apiVersion: API,
  }).map((f) => `${f.severity}:${f.id}`);

describe("the Cilium dataplane rule", () => {
  test.each<[string, KubeProxyConfig]>([
    ["enabled: true", { enabled: true, mode: "IPTABLES" }],
    ["NFTABLES", { enabled: true, mode: "NFTABLES" }],
    ["enabled absent (means true)", { mode: "IPVS" }],
    ["{} (the AKS default, enabled)", {}],
  ])("%s on a Cilium dataplane cluster is a blocker", (_what, desired) => {
    expect(rules(desired, "cilium")).toContain(`blocker:${ID}`);
    expect(rules(desired, "Cilium")).toContain(`blocker:${ID}`);
  });

  test("the blocker names Azure's code and what to do", () => {
    const [finding] = checkKubeProxyRules({ facts: { networkDataplane: "cilium" }, current: effectiveKubeProxySettings(undefined), desired: { mode: "IPTABLES" }, apiVersion: API });
    expect(finding).toMatchObject({ id: ID, severity: "blocker", path: "enabled" });
    expect(finding!.message).toMatch(/CiliumDataplaneRequiresKubeProxyConfigDisabled/);
    expect(finding!.message).toMatch(/enabled is absent, which means true/);
    expect(finding!.message).toMatch(/\{ "enabled": false \}/);
  });

  test("enabled: false on a Cilium cluster is no blocker (Azure requires it there; not a bring-your-own-CNI question)", () => {
    expect(rules({ enabled: false }, "cilium")).toEqual([]);
    expect(rules({ enabled: false }, "cilium", { enabled: true })).toEqual([]);
  });

  test("other data planes, and Cilium as network policy only, are not concerned", () => {
    expect(rules({ enabled: true, mode: "IPTABLES" }, "azure")).toEqual([]);
    expect(rules({ enabled: true, mode: "IPTABLES" }, undefined)).toEqual([]);
    expect(
      checkKubeProxyRules({ facts: { networkPolicy: "cilium" }, current: effectiveKubeProxySettings(undefined), desired: { mode: "IPTABLES" }, apiVersion: API }).map((f) => f.id),
    ).not.toContain(ID);
    expect(isCiliumDataplane({ networkDataplane: "CILIUM" })).toBe(true);
    expect(isCiliumDataplane({})).toBe(false);
  });
});

describe("planning on a Cilium cluster", () => {
  const cluster = (kubeProxyConfig: KubeProxyConfig | undefined): ClusterState => ({
    id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c",
    subscriptionId: "s",
    resourceGroup: "rg",
    name: "c",
    location: "westus2",
    tags: {},
    kubernetesVersion: "1.33.2",
    networkPlugin: "azure",
    networkDataplane: "cilium",
    provisioningState: "Succeeded",
    kubeProxyConfig,
    effective: { ...effectiveKubeProxySettings(kubeProxyConfig), enabled: false },
  });

  test("the AKS default settings are blocked, never 'no changes' (no kube-proxy runs there)", () => {
    const plan = planKubeProxyChange({ cluster: cluster(undefined), desired: { enabled: true, mode: "IPTABLES" }, apiVersion: API });
    expect(plan.blockers.map((b) => b.id)).toEqual([ID]);
    expect(plan.hasChanges).toBe(true);
    expect(plan.changes).toEqual([{ path: "enabled", before: false, after: true }]);
  });

  test("enabled: false is already the case: no change, no blocker", () => {
    const plan = planKubeProxyChange({ cluster: cluster(undefined), desired: { enabled: false }, apiVersion: API });
    expect(plan.blockers).toEqual([]);
    expect(plan.hasChanges).toBe(false);
  });
});

describe("a Cilium cluster on the emulator", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      registeredFeatures: [{ name: FEATURE_NAME }],
      clusters: [{ resourceGroup: "rg", name: "cil", networkDataplane: "cilium", networkPolicy: "cilium" }],
    });
  });
  afterAll(() => t.stop());
  beforeEach(() => t.em.control.reset());

  test("reads networkDataplane and no running kube-proxy", async () => {
    const state = await t.client().getCluster({ resourceGroup: "rg", name: "cil" });
    expect(state).toMatchObject({ networkDataplane: "cilium", kubeProxyConfig: undefined, effective: { enabled: false, mode: "IPTABLES" } });
  });

  test("apply of settings that enable kube-proxy is PlanBlocked before any write", async () => {
    const error = await t.client().apply({ resourceGroup: "rg", name: "cil" }, { enabled: true, mode: "NFTABLES" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanBlockedError);
    expect((error as PlanBlockedError).findings.map((f) => f.id)).toEqual([ID]);
    expect(t.em.control.requestLog().filter((r) => r.kind === "write")).toEqual([]);
  });

  test("apply of enabled: false writes nothing: the cluster already runs no kube-proxy", async () => {
    const result = await t.client().apply({ resourceGroup: "rg", name: "cil" }, { enabled: false });
    expect(result.changed).toBe(false);
    expect(t.em.control.requestLog().filter((r) => r.kind === "write")).toEqual([]);
  });
});
