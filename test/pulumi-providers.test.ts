/**
 * The Pulumi component's dynamic providers, driven method by method the way the Pulumi engine drives them, against
 * the ARM emulator (real HTTPS, real ClientSecretCredential). Each step checks what the emulator holds afterwards.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseKubeProxySettings, readKubeProxySettingsFile, type KubeProxyConfig } from "@aks-kube-proxy/sdk";
import {
  createClusterSettingsProvider,
  createPreviewEnablementProvider,
  type ClusterSettingsOutputs,
  type ClusterSettingsRawInputs,
  type KubeProxyApiFactory,
} from "@aks-kube-proxy/pulumi";
import { startTestEmulator, type TestEmulator } from "./support/emulator";

const SUB = "00000000-0000-0000-0000-000000000000";
const RG = "rg-pulumi";
const IPVS: KubeProxyConfig = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 } };

let t: TestEmulator;
let apiFactory: KubeProxyApiFactory;

beforeAll(async () => {
  t = await startTestEmulator({
    clusters: [
      { resourceGroup: RG, name: "aks-plain", kubernetesVersion: "1.33.2", networkPlugin: "azure" },
      { resourceGroup: RG, name: "aks-explicit", kubernetesVersion: "1.33.2", networkPlugin: "azure", kubeProxyConfig: { enabled: true, mode: "IPTABLES" } },
      { resourceGroup: RG, name: "aks-azure-policy", kubernetesVersion: "1.33.2", networkPlugin: "azure", networkPolicy: "azure" },
      { resourceGroup: RG, name: "aks-ga", kubernetesVersion: "1.33.2", networkPlugin: "azure", tags: { team: "a" } },
      { resourceGroup: RG, name: "aks-gone", kubernetesVersion: "1.33.2", networkPlugin: "azure" },
      { resourceGroup: RG, name: "aks-lro-fail", kubernetesVersion: "1.33.2", networkPlugin: "azure", kubeProxyConfig: { enabled: true, mode: "IPTABLES" } },
      { resourceGroup: RG, name: "aks-cilium", kubernetesVersion: "1.33.2", networkPlugin: "azure", networkDataplane: "cilium", networkPolicy: "cilium" },
    ],
  });
  apiFactory = ({ subscriptionId, apiVersion }) =>
    t.client({ subscriptionId, ...(apiVersion !== undefined ? { apiVersion } : {}), polling: { intervalInMs: 5, maxIntervalInMs: 20, consecutiveRegisteredReads: 2 } });
});

afterAll(async () => {
  await t.stop();
});

function rawKubeProxyConfig(name: string): unknown {
  const raw = t.em.control.getCluster({ resourceGroup: RG, name }) as { properties?: { networkProfile?: { kubeProxyConfig?: unknown } } };
  return raw.properties?.networkProfile?.kubeProxyConfig;
}

function writes(): { method: string; path: string }[] {
  return t.em.control.requestLog().filter((r) => r.kind === "write");
}

async function enablePreview(): Promise<void> {
  const preview = createPreviewEnablementProvider({ apiFactory });
  const checked = await preview.check({ subscriptionId: "" }, { subscriptionId: SUB });
  await preview.create(checked.inputs!);
}

/** check + create, as the engine does for a new resource. */
async function createSettings(provider: ReturnType<typeof createClusterSettingsProvider>, raw: ClusterSettingsRawInputs) {
  const checked = await provider.check({}, raw);
  expect(checked.failures).toEqual([]);
  return { checked: checked.inputs!, created: await provider.create(checked.inputs!) };
}

describe("preview enablement provider", () => {
  test("create registers the feature, waits for Registered and refreshes the provider; a second create skips the registration", async () => {
    const preview = createPreviewEnablementProvider({ apiFactory });
    expect(t.em.control.getFeatureState({ name: "KubeProxyConfigurationPreview" })).not.toBe("Registered");

    const checked = await preview.check({ subscriptionId: "" }, { subscriptionId: SUB });
    expect(checked.failures).toEqual([]);
    const first = await preview.create(checked.inputs!);
    expect(first.id).toBe(`/subscriptions/${SUB}/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/KubeProxyConfigurationPreview`);
    expect(first.outs).toMatchObject({ subscriptionId: SUB, featureState: "Registered", providerState: "Registered", featureRegistered: true, providerRefreshed: true });
    expect(t.em.control.getFeatureState({ name: "KubeProxyConfigurationPreview" })).toBe("Registered");
    expect(t.em.control.getProviderState({ namespace: "Microsoft.ContainerService" })).toBe("Registered");

    t.em.control.clearRequestLog();
    const second = await preview.create(checked.inputs!);
    expect(second.outs!.featureRegistered).toBe(false);
    expect(writes().filter((w) => w.path.includes("/features/"))).toEqual([]);
  });

  test("refresh notices an unregistered feature; the next update enables it again; delete leaves it registered", async () => {
    const preview = createPreviewEnablementProvider({ apiFactory });
    const { outs } = await preview.create({ subscriptionId: SUB });
    t.em.control.setFeatureState({ name: "KubeProxyConfigurationPreview", state: "NotRegistered" });

    const read = await preview.read(`/subscriptions/${SUB}/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/KubeProxyConfigurationPreview`, outs);
    expect(read.props!.featureState).toBe("NotRegistered");
    const diff = await preview.diff("id", read.props!, { subscriptionId: SUB });
    expect(diff).toMatchObject({ changes: true, replaces: [] });

    const updated = await preview.update("id", read.props!, { subscriptionId: SUB });
    expect(updated.outs!.featureState).toBe("Registered");
    expect(t.em.control.getFeatureState({ name: "KubeProxyConfigurationPreview" })).toBe("Registered");

    await preview.delete("id", updated.outs!);
    expect(t.em.control.getFeatureState({ name: "KubeProxyConfigurationPreview" })).toBe("Registered");
  });

  test("check refuses a missing subscription", async () => {
    const preview = createPreviewEnablementProvider({ apiFactory });
    const result = await preview.check({ subscriptionId: "" }, { subscriptionId: "" });
    expect(result.failures).toEqual([expect.objectContaining({ property: "subscriptionId" })]);
  });
});

describe("cluster settings provider", () => {
  beforeAll(enablePreview);

  test("check fails bad settings with the SDK's own message, and writes nothing", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    const bad = { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnections", tcpTimeoutSeconds: -1 } };
    let sdkMessage = "";
    try {
      parseKubeProxySettings(bad, { source: "settings" });
    } catch (error) {
      sdkMessage = (error as Error).message;
    }
    expect(sdkMessage).not.toBe("");
    t.em.control.clearRequestLog();
    const result = await provider.check({}, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-plain", settings: bad });
    expect(result.failures).toEqual([{ property: "settings", reason: sdkMessage }]);
    expect(t.em.control.requestLog()).toEqual([]);
  });

  test("check reports a missing settings file, a GA api-version and a malformed cluster id as failures", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    const missing = join(tmpdir(), "no-such-kube-proxy.json");
    const result = await provider.check({}, { clusterId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm", settingsFile: missing, apiVersion: "2025-09-01" });
    const byProperty = Object.fromEntries(result.failures!.map((f) => [f.property, f.reason]));
    expect(byProperty["settingsFile"]).toContain(missing);
    expect(byProperty["apiVersion"]).toMatch(/GA/);
    expect(byProperty["clusterId"]).toMatch(/not a managed cluster resource id/);
  });

  test("check reads an az-format settings file (docs' key spelling) into canonical settings, and resolves a cluster id", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    const dir = mkdtempSync(join(tmpdir(), "kp-"));
    const file = join(dir, "kube-proxy.json");
    writeFileSync(file, JSON.stringify({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", TCPTimeoutSeconds: 900, TCPFINTimeoutSeconds: 120, UDPTimeoutSeconds: 300 } }));
    const result = await provider.check({}, { clusterId: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/aks-plain`, settingsFile: file });
    expect(result.failures).toEqual([]);
    expect(result.inputs).toEqual({
      subscriptionId: SUB,
      resourceGroupName: RG,
      clusterName: "aks-plain",
      settings: (await readKubeProxySettingsFile(file)).settings,
      settingsFile: file,
      apiVersion: "2026-08-02-preview",
      restoreOnDelete: true,
      allowDisable: false,
      verifyDataPlane: false,
    });
    // Canonical: API key spelling, keys sorted, so the state never shows a change that is not one.
    expect(JSON.stringify(result.inputs!.settings)).toBe('{"enabled":true,"ipvsConfig":{"scheduler":"LeastConnection","tcpFinTimeoutSeconds":120,"tcpTimeoutSeconds":900,"udpTimeoutSeconds":300},"mode":"IPVS"}');
  });

  test("create configures the cluster; a changed setting diffs and updates only that field; drift shows on read; delete restores", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    const { checked, created } = await createSettings(provider, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-plain", settings: IPVS });
    // The id as ARM returns it (AKS spells "resourcegroups" in lower case); ARM ids compare without case.
    expect(created.id.toLowerCase()).toBe(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/aks-plain`.toLowerCase());
    expect(rawKubeProxyConfig("aks-plain")).toEqual(IPVS);
    let state: ClusterSettingsOutputs = created.outs!;
    expect(state).toMatchObject({ appliedSettings: IPVS, previousSettings: null, provisioningState: "Succeeded", apiVersion: "2026-08-02-preview", drift: [] });

    // Nothing changed: no diff.
    expect((await provider.diff(created.id, state, checked)).changes).toBe(false);

    // The scheduler changes: a field-level diff, never a replacement, and an update that writes once.
    const changed = await provider.check(checked, { ...checked, settings: { ...IPVS, ipvsConfig: { ...IPVS.ipvsConfig, scheduler: "RoundRobin" } } });
    const diff = await provider.diff(created.id, state, changed.inputs!);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    expect(diff.detailedDiff).toEqual({ "settings.ipvsConfig.scheduler": { kind: "update", inputDiff: true } });
    t.em.control.clearRequestLog();
    state = (await provider.update(created.id, state, changed.inputs!)).outs!;
    expect(writes()).toHaveLength(1);
    expect(rawKubeProxyConfig("aks-plain")).toEqual({ ...IPVS, ipvsConfig: { ...IPVS.ipvsConfig, scheduler: "RoundRobin" } });
    expect(state.previousSettings).toBeNull();

    // Someone switches the cluster back to iptables behind Pulumi's back: refresh reports it field by field.
    t.em.control.updateCluster({ resourceGroup: RG, name: "aks-plain" }, (raw) => {
      const np = (raw["properties"] as { networkProfile: Record<string, unknown> }).networkProfile;
      np["kubeProxyConfig"] = { enabled: true, mode: "IPTABLES" };
    });
    const read = await provider.read(created.id, state);
    expect(read.props!.drift.sort()).toEqual(["ipvsConfig.scheduler", "ipvsConfig.tcpFinTimeoutSeconds", "ipvsConfig.tcpTimeoutSeconds", "ipvsConfig.udpTimeoutSeconds", "mode"].sort());
    expect(read.props!.settings).toEqual({ enabled: true, mode: "IPTABLES" });
    expect(read.inputs!.settings).toEqual({ enabled: true, mode: "IPTABLES" });
    expect(read.props!.appliedSettings).toEqual({ enabled: true, mode: "IPTABLES" });
    const driftDiff = await provider.diff(created.id, read.props!, changed.inputs!);
    expect(driftDiff.changes).toBe(true);
    expect(driftDiff.replaces).toEqual([]);
    expect(Object.keys(driftDiff.detailedDiff).sort()).toEqual(["settings.ipvsConfig.scheduler", "settings.ipvsConfig.tcpFinTimeoutSeconds", "settings.ipvsConfig.tcpTimeoutSeconds", "settings.ipvsConfig.udpTimeoutSeconds", "settings.mode"]);

    // pulumi up converges it again.
    state = (await provider.update(created.id, read.props!, changed.inputs!)).outs!;
    expect(rawKubeProxyConfig("aks-plain")).toEqual(changed.inputs!.settings);
    expect((await provider.read(created.id, state)).props!.drift).toEqual([]);

    // Destroy with restoreOnDelete (the default): the cluster had no kubeProxyConfig, so it goes back to AKS's default,
    // written explicitly (the SDK's one restore target, restoreTargetOf).
    await provider.delete(created.id, state);
    expect(rawKubeProxyConfig("aks-plain")).toEqual({ enabled: true, mode: "IPTABLES" });
  });

  test("delete restores explicit previous settings exactly; restoreOnDelete false leaves the cluster and writes nothing", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    const { created } = await createSettings(provider, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-explicit", settings: IPVS });
    expect(created.outs!.previousSettings).toEqual({ enabled: true, mode: "IPTABLES" });
    await provider.delete(created.id, created.outs!);
    expect(rawKubeProxyConfig("aks-explicit")).toEqual({ enabled: true, mode: "IPTABLES" });

    const { created: again } = await createSettings(provider, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-explicit", settings: IPVS, restoreOnDelete: false });
    t.em.control.clearRequestLog();
    await provider.delete(again.id, again.outs!);
    expect(writes()).toEqual([]);
    expect(rawKubeProxyConfig("aks-explicit")).toEqual(IPVS);
  });

  test("a cluster updated later through a GA api-version (what azure-native does) keeps kubeProxyConfig, and read reports no drift", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    const { created } = await createSettings(provider, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-ga", settings: IPVS });

    // azure-native 3.28 manages ManagedCluster through GA 2025-09-01: GET, change a tag, PUT the whole body back.
    const token = (await t.credential.getToken(`${t.em.url}/.default`))!.token;
    const url = `${t.em.url}/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/aks-ga?api-version=2025-09-01`;
    const got = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(got.status).toBe(200);
    const body = (await got.json()) as { tags?: Record<string, string>; properties: { networkProfile: Record<string, unknown>; provisioningState?: string } };
    expect(body.properties.networkProfile["kubeProxyConfig"]).toBeUndefined();
    body.tags = { ...body.tags, team: "b" };
    const put = await fetch(url, { method: "PUT", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect(put.status).toBe(200);
    for (let i = 0; i < 200 && (t.em.control.getCluster({ resourceGroup: RG, name: "aks-ga" }) as { properties: { provisioningState: string } }).properties.provisioningState !== "Succeeded"; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((t.em.control.getCluster({ resourceGroup: RG, name: "aks-ga" }) as { tags: Record<string, string> }).tags["team"]).toBe("b");
    expect(rawKubeProxyConfig("aks-ga")).toEqual(IPVS);

    const read = await provider.read(created.id, created.outs!);
    expect(read.props!.drift).toEqual([]);
    expect(read.props!.settings).toEqual(created.outs!.settings);
    expect((await provider.diff(created.id, read.props!, (await provider.check({}, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-ga", settings: IPVS })).inputs!)).changes).toBe(false);
  });

  test("IPVS on a cluster with Azure Network Policy fails check (the preview) and create, before any write, with the SDK's finding", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    t.em.control.clearRequestLog();
    const checked = await provider.check({}, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-azure-policy", settings: IPVS });
    expect(checked.failures).toEqual([{ property: "settings", reason: expect.stringContaining("[ipvs-with-azure-network-policy]") }]);
    await expect(provider.create(checked.inputs!)).rejects.toThrow(/ipvs-with-azure-network-policy/);
    expect(writes()).toEqual([]);
  });

  test("settings that enable kube-proxy on a Cilium dataplane cluster fail check (the preview) and create, before any write", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    t.em.control.clearRequestLog();
    const checked = await provider.check({}, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-cilium", settings: { mode: "NFTABLES" } });
    expect(checked.failures).toEqual([{ property: "settings", reason: expect.stringMatching(/^\[cilium-dataplane-requires-kube-proxy-disabled\] .*CiliumDataplaneRequiresKubeProxyConfigDisabled/) }]);
    await expect(provider.create(checked.inputs!)).rejects.toThrow(/cilium-dataplane-requires-kube-proxy-disabled/);
    expect(writes()).toEqual([]);
    expect(rawKubeProxyConfig("aks-cilium")).toBeUndefined();
  });

  test("enabled: false on a Cilium dataplane cluster passes check, writes nothing (it runs no kube-proxy already), and destroy has nothing to put back", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    t.em.control.clearRequestLog();
    const { created } = await createSettings(provider, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-cilium", settings: { enabled: false } });
    expect(created.outs!.previousSettings).toBeNull();
    await provider.delete(created.id, created.outs!);
    expect(writes()).toEqual([]);
  });

  test("a write whose operation fails still reports the resource (with what it replaced) so Pulumi records it and destroy restores", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    const checked = await provider.check({}, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-lro-fail", settings: IPVS });
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "aks-lro-fail", count: 1, armCode: "InternalOperationError", message: "injected failure" });
    const failure = (await provider.create(checked.inputs!).then(
      () => undefined,
      (e: unknown) => e,
    )) as (Error & { id?: string; properties?: ClusterSettingsOutputs; reasons?: string[] }) | undefined;
    t.em.control.clearFaults();
    expect(failure).toBeDefined();
    expect(failure!.id!.toLowerCase()).toContain("/managedclusters/aks-lro-fail");
    expect(failure!.properties!.previousSettings).toEqual({ enabled: true, mode: "IPTABLES" });
    expect(failure!.reasons).toEqual([failure!.message]);

    await provider.delete(failure!.id!, failure!.properties!);
    expect(rawKubeProxyConfig("aks-lro-fail")).toEqual({ enabled: true, mode: "IPTABLES" });
  });

  test("read of a deleted cluster drops the resource; delete of a deleted cluster succeeds", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    const { created } = await createSettings(provider, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-gone", settings: IPVS });
    const client = t.client();
    await client.deleteCluster({ resourceGroup: RG, name: "aks-gone" }, { wait: true });
    expect(await provider.read(created.id, created.outs!)).toEqual({});
    await expect(provider.delete(created.id, created.outs!)).resolves.toBeUndefined();
  });

  test("import (read with only the id) adopts the cluster's current settings as both desired and previous", async () => {
    const provider = createClusterSettingsProvider({ apiFactory });
    t.em.control.updateCluster({ resourceGroup: RG, name: "aks-explicit" }, (raw) => {
      (raw["properties"] as { networkProfile: Record<string, unknown> }).networkProfile["kubeProxyConfig"] = IPVS;
    });
    const id = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/aks-explicit`;
    const read = await provider.read(id);
    expect(read.id!.toLowerCase()).toBe(id.toLowerCase());
    expect(read.props).toMatchObject({ resourceGroupName: RG, clusterName: "aks-explicit", settings: IPVS, previousSettings: IPVS, restoreOnDelete: true, drift: [] });
  });

  test("with no injected factory, credentials come from the configured azure-native keys; a wrong secret fails with where each value came from, never the secret", async () => {
    const wrong = "wrong-secret-value-0123456789";
    const provider = createClusterSettingsProvider({ env: {} });
    const config: Record<string, string> = {
      "azure-native:tenantId": t.em.tenantId,
      "azure-native:clientId": t.em.clientId,
      "azure-native:clientSecret": wrong,
      "aks-kube-proxy:endpoint": t.em.url,
      "aks-kube-proxy:authorityHost": t.em.url,
      "unrelated:key": "ignored",
    };
    await provider.configure({ config: { get: (k) => config[k], require: (k) => config[k]! } });
    const checked = await provider.check({}, { subscriptionId: SUB, resourceGroupName: RG, clusterName: "aks-explicit", settings: IPVS });
    const failure = await provider.create(checked.inputs!).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failure).toBeDefined();
    expect(failure!.message).toMatch(/Credential used: client-secret \(.*tenantId from azure-native:tenantId.*clientSecret from azure-native:clientSecret/);
    expect(failure!.message).toContain("clientId from azure-native:clientId");
    expect(`${failure!.message}\n${failure!.stack ?? ""}`).not.toContain(wrong);

    // The right secret works through the same path.
    config["azure-native:clientSecret"] = t.em.clientSecret;
    await provider.configure({ config: { get: (k) => config[k], require: (k) => config[k]! } });
    const created = await provider.create(checked.inputs!);
    expect(created.outs!.appliedSettings).toEqual(IPVS);
  });
});
