/**
 * The providers' pure parts: check during preview (unknown values), the field-level diff, and the shim that Pulumi
 * serializes. No Azure call is made by anything here.
 */
import { createClusterSettingsProvider } from "../src/provider/clusterSettingsProvider";
import { createPreviewEnablementProvider } from "../src/provider/previewEnablementProvider";
import { createProviderShim } from "../src/provider/shim";
import { containsUnknown, diffProperty, UNKNOWN } from "../src/provider/values";
import type { ClusterSettingsOutputs } from "../src/provider/clusterSettingsProvider";

const SUB = "00000000-0000-0000-0000-000000000000";
const noApi = () => {
  throw new Error("no Azure call expected");
};

function state(overrides: Partial<ClusterSettingsOutputs> = {}): ClusterSettingsOutputs {
  return {
    subscriptionId: SUB,
    resourceGroupName: "rg",
    clusterName: "aks",
    settings: { enabled: true, ipvsConfig: { scheduler: "RoundRobin" }, mode: "IPVS" },
    apiVersion: "2026-08-02-preview",
    restoreOnDelete: true,
    allowDisable: false,
    verifyDataPlane: false,
    dataPlane: null,
    clusterId: `/subscriptions/${SUB}/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks`,
    appliedSettings: null,
    previousSettings: null,
    provisioningState: "Succeeded",
    kubernetesVersion: "1.33.2",
    networkPlugin: "azure",
    networkPolicy: null,
    drift: [],
    warnings: [],
    ...overrides,
  };
}

describe("diffProperty", () => {
  test("reports leaves added, deleted and updated, by path", () => {
    expect(diffProperty("settings", { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin", tcpTimeoutSeconds: 900 } }, { mode: "IPVS", enabled: true, ipvsConfig: { scheduler: "LeastConnection" } })).toEqual([
      { path: "settings.enabled", kind: "add" },
      { path: "settings.ipvsConfig.scheduler", kind: "update" },
      { path: "settings.ipvsConfig.tcpTimeoutSeconds", kind: "delete" },
    ]);
  });

  test("equal objects with keys in another order have no difference", () => {
    expect(diffProperty("settings", { a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toEqual([]);
  });

  test("an unknown new value is one update of the whole property", () => {
    expect(diffProperty("settings", { mode: "IPVS" }, UNKNOWN)).toEqual([{ path: "settings", kind: "update" }]);
    expect(containsUnknown({ a: [1, { b: UNKNOWN }] })).toBe(true);
  });
});

describe("cluster settings provider, without Azure", () => {
  const provider = createClusterSettingsProvider({ apiFactory: noApi });

  test.each(["Failed", "Canceled", "Updating"])("diff shows a change when the cluster last read %s, even with the desired settings (not converged)", async (provisioningState) => {
    const diff = await provider.diff("id", state({ provisioningState }), { ...state() });
    expect(diff.changes).toBe(true);
    expect(diff.detailedDiff).toEqual({ provisioningState: { kind: "update", inputDiff: true } });
  });

  test("diff of a Succeeded cluster with the desired settings has no change, and an unknown state fails loudly", async () => {
    expect((await provider.diff("id", state(), { ...state() })).changes).toBe(false);
    await expect(provider.diff("id", state({ provisioningState: "Frobnicating" }), { ...state() })).rejects.toThrow(/does not know/);
  });

  test("check during preview passes unknown cluster names and settings through without failures", async () => {
    const result = await provider.check({}, { subscriptionId: SUB, resourceGroupName: UNKNOWN, clusterName: UNKNOWN, settings: UNKNOWN });
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject({ resourceGroupName: UNKNOWN, clusterName: UNKNOWN, settings: UNKNOWN, restoreOnDelete: true });
  });

  test("check with an unknown cluster id leaves the resolved names unknown", async () => {
    const result = await provider.check({}, { clusterId: UNKNOWN, settings: { mode: "IPVS" } });
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject({ subscriptionId: UNKNOWN, resourceGroupName: UNKNOWN, clusterName: UNKNOWN, settings: { mode: "IPVS" } });
  });

  test("check refuses both settings and a settings file, and neither", async () => {
    expect((await provider.check({}, { subscriptionId: SUB, resourceGroupName: "rg", clusterName: "a", settings: { mode: "IPVS" }, settingsFile: "x.json" })).failures).toEqual([
      { property: "settings", reason: "Give either settings or settingsFile, not both." },
    ]);
    expect((await provider.check({}, { subscriptionId: SUB, resourceGroupName: "rg", clusterName: "a" })).failures).toEqual([
      expect.objectContaining({ property: "settings" }),
    ]);
  });

  test("a failed check returns inputs without undefined values (the pulumi-nodejs host's protobuf Struct refuses them)", async () => {
    const result = await provider.check({}, { subscriptionId: SUB, resourceGroupName: "rg", clusterName: "a", settingsFile: "/nonexistent/kube-proxy.json" });
    expect(result.failures).toEqual([expect.objectContaining({ property: "settingsFile" })]);
    expect(Object.entries(result.inputs ?? {}).filter(([, value]) => value === undefined)).toEqual([]);
  });

  test("check refuses a subscription that contradicts the cluster id", async () => {
    const result = await provider.check({}, { subscriptionId: "11111111-1111-1111-1111-111111111111", clusterId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a`, settings: {} });
    expect(result.failures).toEqual([expect.objectContaining({ property: "subscriptionId", reason: expect.stringContaining("differs from the subscription in clusterId") })]);
  });

  test("a settings change is an update of exactly that field, never a replacement", async () => {
    const news = { ...state(), settings: { enabled: true, ipvsConfig: { scheduler: "LeastConnection" }, mode: "IPVS" } };
    const diff = await provider.diff("id", state(), news);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false, detailedDiff: { "settings.ipvsConfig.scheduler": { kind: "update", inputDiff: true } } });
  });

  test("another cluster is a replacement; a different letter case of the same names is not a change", async () => {
    expect((await provider.diff("id", state(), { ...state(), clusterName: "other" })).replaces).toEqual(["clusterName"]);
    expect((await provider.diff("id", state(), { ...state(), resourceGroupName: "RG" })).changes).toBe(false);
  });

  test("an unknown cluster name during preview is reported as a possible replacement", async () => {
    const diff = await provider.diff("id", state(), { ...state(), clusterName: UNKNOWN });
    expect(diff.replaces).toEqual(["clusterName"]);
  });

  test("changing restoreOnDelete or the api-version is an update", async () => {
    const diff = await provider.diff("id", state(), { ...state(), restoreOnDelete: false, apiVersion: "2025-09-02-preview" });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    expect(Object.keys(diff.detailedDiff).sort()).toEqual(["apiVersion", "restoreOnDelete"]);
  });
});

describe("preview enablement provider, without Azure", () => {
  const provider = createPreviewEnablementProvider({ apiFactory: noApi });
  const registered = { subscriptionId: SUB, featureName: "Microsoft.ContainerService/KubeProxyConfigurationPreview", featureState: "Registered", providerState: "Registered", featureRegistered: true, providerRefreshed: true };

  test("a registered subscription has no diff; another subscription is a replacement", async () => {
    expect(await provider.diff("id", registered, { subscriptionId: SUB })).toMatchObject({ changes: false, replaces: [] });
    expect(await provider.diff("id", registered, { subscriptionId: "11111111-1111-1111-1111-111111111111" })).toMatchObject({ changes: true, replaces: ["subscriptionId"] });
  });

  test("check refuses a non-positive timeout", async () => {
    expect((await provider.check({ subscriptionId: SUB }, { subscriptionId: SUB, timeoutInMs: -5 })).failures).toEqual([expect.objectContaining({ property: "timeoutInMs" })]);
  });
});

describe("provider shim", () => {
  test("delegates every method to the package's provider, loaded by name", async () => {
    const shim = createProviderShim("createClusterSettingsProvider");
    const direct = createClusterSettingsProvider();
    const news = { subscriptionId: SUB, resourceGroupName: "rg", clusterName: "aks", settings: { Mode: "IPVS" } };
    expect(await shim.check({}, news)).toEqual(await direct.check({}, news));
    expect(await shim.diff("id", state(), state())).toEqual(await direct.diff("id", state(), state()));
  });
});
