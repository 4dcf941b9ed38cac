/**
 * managedClusters as ARM answers them, driven through the real @azure/arm-containerservice client
 * (and raw HTTPS where the SDK hides status codes and headers).
 */
import type { ManagedCluster } from "@azure/arm-containerservice";
import { CUSTOM_FEATURE_HEADER_VALUE } from "../src/index";
import { armRequest, clusterPath, enablePreview, startTestEmulator, waitFor, FAST_POLL, type TestEmulator } from "./support";

const IPVS = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 } };

function withKubeProxy(mc: ManagedCluster, kubeProxyConfig: unknown): ManagedCluster {
  return { ...mc, networkProfile: { ...mc.networkProfile, kubeProxyConfig: kubeProxyConfig as never } };
}

async function rawCluster(t: TestEmulator, rg: string, name: string, apiVersion = "2026-08-02-preview"): Promise<Record<string, unknown>> {
  const answer = await armRequest(t, { method: "GET", path: clusterPath(t, rg, name, apiVersion) });
  expect(answer.status).toBe(200);
  return answer.json as Record<string, unknown>;
}

function kubeProxyOf(raw: Record<string, unknown>): unknown {
  return ((raw.properties as Record<string, unknown>).networkProfile as Record<string, unknown>).kubeProxyConfig;
}

describe("preview gating of kubeProxyConfig writes", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: "rg", name: "c1" }, { resourceGroup: "rg", name: "ipvs", kubeProxyConfig: IPVS }] });
  });
  afterEach(() => t.stop());

  it("refuses a kubeProxyConfig change with KubeProxyConfigFeatureNotRegistered when the feature is not registered", async () => {
    const client = t.aks("2026-08-02-preview");
    const mc = await client.managedClusters.get("rg", "c1");
    await expect(client.managedClusters.beginCreateOrUpdateAndWait("rg", "c1", withKubeProxy(mc, IPVS), FAST_POLL)).rejects.toMatchObject({
      statusCode: 400,
      code: "KubeProxyConfigFeatureNotRegistered",
    });
    expect(kubeProxyOf(t.em.control.getCluster({ resourceGroup: "rg", name: "c1" })!)).toBeUndefined();
  });

  it("still refuses when the feature is Registered but the provider was not re-registered after it", async () => {
    const features = t.features();
    await features.features.register("Microsoft.ContainerService", "KubeProxyConfigurationPreview");
    await new Promise((r) => setTimeout(r, 60));
    expect((await features.features.get("Microsoft.ContainerService", "KubeProxyConfigurationPreview")).properties?.state).toBe("Registered");
    const client = t.aks("2026-08-02-preview");
    const mc = await client.managedClusters.get("rg", "c1");
    await expect(client.managedClusters.beginCreateOrUpdateAndWait("rg", "c1", withKubeProxy(mc, IPVS), FAST_POLL)).rejects.toMatchObject({
      code: "KubeProxyConfigFeatureNotRegistered",
    });
  });

  it("accepts the change once the feature is Registered and the provider re-registered after it", async () => {
    await enablePreview(t);
    const client = t.aks("2026-08-02-preview");
    const mc = await client.managedClusters.get("rg", "c1");
    const result = await client.managedClusters.beginCreateOrUpdateAndWait("rg", "c1", withKubeProxy(mc, IPVS), FAST_POLL);
    expect(result.provisioningState).toBe("Succeeded");
    expect(result.networkProfile?.kubeProxyConfig).toEqual(IPVS);
  });

  it("accepts the change with the AKSHTTPCustomFeatures header Azure's own tests send", async () => {
    const raw = await rawCluster(t, "rg", "c1");
    (raw.properties as { networkProfile: Record<string, unknown> }).networkProfile.kubeProxyConfig = IPVS;
    const answer = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "c1"), body: raw, headers: { AKSHTTPCustomFeatures: CUSTOM_FEATURE_HEADER_VALUE } });
    expect(answer.status).toBe(200);
    expect(kubeProxyOf(answer.json as Record<string, unknown>)).toEqual(IPVS);
  });

  it("accepts a PUT that carries the existing kubeProxyConfig unchanged without the feature", async () => {
    const client = t.aks("2026-08-02-preview");
    const mc = await client.managedClusters.get("rg", "ipvs");
    const result = await client.managedClusters.beginCreateOrUpdateAndWait("rg", "ipvs", { ...mc, tags: { touched: "yes" } }, FAST_POLL);
    expect(result.tags).toEqual({ touched: "yes" });
    expect(result.networkProfile?.kubeProxyConfig).toEqual(IPVS);
  });
});

describe("api-version rules", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({
      registeredFeatures: [{ name: "KubeProxyConfigurationPreview" }],
      clusters: [
        { resourceGroup: "rg", name: "ipvs", kubeProxyConfig: IPVS },
        { resourceGroup: "rg", name: "plain" },
        { resourceGroup: "rg", name: "old", kubernetesVersion: "1.32.4" },
      ],
    });
  });
  afterEach(() => t.stop());

  it("answers 400 MissingApiVersionParameter without api-version", async () => {
    const answer = await armRequest(t, { method: "GET", path: `/subscriptions/${t.em.subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/plain` });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: "MissingApiVersionParameter" } });
  });

  it("answers 400 NoRegisteredProviderFound for an api-version managedClusters does not have", async () => {
    const answer = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "plain", "2099-01-01-preview") });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: "NoRegisteredProviderFound" } });
  });

  it("does not return kubeProxyConfig through a GA api-version", async () => {
    const mc = await t.aks("2025-08-01").managedClusters.get("rg", "ipvs");
    expect(mc.networkProfile?.kubeProxyConfig).toBeUndefined();
    expect(kubeProxyOf(await rawCluster(t, "rg", "ipvs", "2025-08-01"))).toBeUndefined();
  });

  it("does not return kubeProxyConfig through a preview older than 2022-08-02-preview", async () => {
    expect(kubeProxyOf(await rawCluster(t, "rg", "ipvs", "2022-07-02-preview"))).toBeUndefined();
    expect(kubeProxyOf(await rawCluster(t, "rg", "ipvs", "2022-08-02-preview"))).toEqual(IPVS);
  });

  it("keeps the stored kubeProxyConfig when a GA api-version PUT (which cannot express it) updates the cluster", async () => {
    const client = t.aks("2025-08-01");
    const mc = await client.managedClusters.get("rg", "ipvs");
    await client.managedClusters.beginCreateOrUpdateAndWait("rg", "ipvs", { ...mc, tags: { by: "azure-native" } }, FAST_POLL);
    const stored = t.em.control.getCluster({ resourceGroup: "rg", name: "ipvs" })!;
    expect(kubeProxyOf(stored)).toEqual(IPVS);
    expect(stored.tags).toEqual({ by: "azure-native" });
  });

  it("ignores a kubeProxyConfig sent through a GA api-version", async () => {
    const raw = await rawCluster(t, "rg", "plain", "2025-08-01");
    (raw.properties as { networkProfile: Record<string, unknown> }).networkProfile.kubeProxyConfig = IPVS;
    const answer = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "plain", "2025-08-01"), body: raw });
    expect(answer.status).toBe(200);
    expect(kubeProxyOf(t.em.control.getCluster({ resourceGroup: "rg", name: "plain" })!)).toBeUndefined();
  });

  it("refuses NFTABLES through an api-version older than 2025-09-02-preview", async () => {
    const client = t.aks("2025-08-02-preview");
    const mc = await client.managedClusters.get("rg", "plain");
    await expect(client.managedClusters.beginCreateOrUpdateAndWait("rg", "plain", withKubeProxy(mc, { enabled: true, mode: "NFTABLES" }), FAST_POLL)).rejects.toMatchObject({
      statusCode: 400,
      code: "KubeProxyConfigValueUnsupported",
    });
  });

  it("accepts NFTABLES from 2025-09-02-preview on", async () => {
    const client = t.aks("2025-09-02-preview");
    const mc = await client.managedClusters.get("rg", "plain");
    const result = await client.managedClusters.beginCreateOrUpdateAndWait("rg", "plain", withKubeProxy(mc, { enabled: true, mode: "NFTABLES" }), FAST_POLL);
    expect(result.networkProfile?.kubeProxyConfig).toEqual({ enabled: true, mode: "NFTABLES" });
    expect(t.em.control.effectiveKubeProxyMode({ resourceGroup: "rg", name: "plain" })).toBe("NFTABLES");
  });

  it("accepts NFTABLES on Kubernetes older than 1.33 and keeps reporting it, while the cluster keeps running iptables", async () => {
    const client = t.aks("2026-08-02-preview");
    const mc = await client.managedClusters.get("rg", "old");
    const result = await client.managedClusters.beginCreateOrUpdateAndWait("rg", "old", withKubeProxy(mc, { enabled: true, mode: "NFTABLES" }), FAST_POLL);
    expect(result.provisioningState).toBe("Succeeded");
    expect((await client.managedClusters.get("rg", "old")).networkProfile?.kubeProxyConfig?.mode).toBe("NFTABLES");
    expect(t.em.control.effectiveKubeProxyMode({ resourceGroup: "rg", name: "old" })).toBe("IPTABLES");
  });

  it("returns eTag from 2024-04-02-preview (and GA 2024-09-01) on, not before", async () => {
    expect(typeof (await rawCluster(t, "rg", "plain", "2024-04-02-preview")).eTag).toBe("string");
    expect(typeof (await rawCluster(t, "rg", "plain", "2024-09-01")).eTag).toBe("string");
    expect((await rawCluster(t, "rg", "plain", "2024-03-02-preview")).eTag).toBeUndefined();
    expect((await rawCluster(t, "rg", "plain", "2024-07-01")).eTag).toBeUndefined();
  });
});

describe("kubeProxyConfig validation (spec of the api-version, documented restrictions)", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      registeredFeatures: [{ name: "KubeProxyConfigurationPreview" }],
      clusters: [
        { resourceGroup: "rg", name: "c", networkPlugin: "azure" },
        { resourceGroup: "rg", name: "azpolicy", networkPlugin: "azure", networkPolicy: "azure" },
        { resourceGroup: "rg", name: "byocni", networkPlugin: "none" },
        { resourceGroup: "rg", name: "ancient", kubernetesVersion: "1.21.9" },
      ],
    });
  });
  afterAll(() => t.stop());

  async function putKubeProxy(name: string, kubeProxyConfig: unknown) {
    const raw = await rawCluster(t, "rg", name);
    (raw.properties as { networkProfile: Record<string, unknown> }).networkProfile.kubeProxyConfig = kubeProxyConfig;
    return armRequest(t, { method: "PUT", path: clusterPath(t, "rg", name), body: raw });
  }

  async function settle(name: string) {
    // wait for the operation so the next test's write is not refused with 409
    await waitFor(() => (t.em.control.getCluster({ resourceGroup: "rg", name })!.properties as Record<string, unknown>).provisioningState === "Succeeded");
  }

  it.each([
    ["an unknown mode", { mode: "IPVSS" }, "KubeProxyConfigValueUnsupported"],
    ["an unknown scheduler (the docs' old LeastConnections)", { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnections" } }, "KubeProxyConfigValueUnsupported"],
    ["a negative timeout", { mode: "IPVS", ipvsConfig: { tcpTimeoutSeconds: -1 } }, "KubeProxyConfigValueUnsupported"],
    ["a string timeout", { mode: "IPVS", ipvsConfig: { tcpTimeoutSeconds: "900" } }, "InvalidRequestContent"],
    ["a fractional timeout", { mode: "IPVS", ipvsConfig: { udpTimeoutSeconds: 1.5 } }, "InvalidRequestContent"],
    ["a non-boolean enabled", { enabled: "yes" }, "InvalidRequestContent"],
    ["an unknown property", { mode: "IPTABLES", foo: 1 }, "InvalidRequestContent"],
    ["an unknown ipvsConfig property", { mode: "IPVS", ipvsConfig: { weight: 1 } }, "InvalidRequestContent"],
    ["ipvsConfig with NFTABLES", { mode: "NFTABLES", ipvsConfig: { scheduler: "RoundRobin" } }, "KubeProxyConfigFieldUnsupported"],
    ["ipvsConfig with IPTABLES", { mode: "IPTABLES", ipvsConfig: { scheduler: "RoundRobin" } }, "KubeProxyConfigFieldUnsupported"],
    ["enabled false without bring-your-own CNI", { enabled: false }, "KubeProxyConfigDisabledBYOCNIOnly"],
  ])("refuses %s with 400 %s", async (_what, config, code) => {
    const answer = await putKubeProxy("c", config);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: { code, message: expect.any(String) } });
  });

  it("refuses IPVS when the cluster uses Azure Network Policy", async () => {
    const answer = await putKubeProxy("azpolicy", { enabled: true, mode: "IPVS" });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: "KubeProxyConfigValueUnsupported", message: expect.stringContaining("Azure Network Policy") } });
  });

  it("refuses IPVS on Kubernetes older than 1.22", async () => {
    const answer = await putKubeProxy("ancient", { enabled: true, mode: "IPVS" });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: "KubeProxyConfigValueUnsupported" } });
  });

  it("allows disabling kube-proxy on a bring-your-own-CNI cluster", async () => {
    const answer = await putKubeProxy("byocni", { enabled: false });
    expect(answer.status).toBe(200);
    await settle("byocni");
    expect(t.em.control.effectiveKubeProxyMode({ resourceGroup: "rg", name: "byocni" })).toBe("DISABLED");
  });

  it("matches property names without regard to case and stores them under the spec's names", async () => {
    const answer = await putKubeProxy("c", { Enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", TCPTimeoutSeconds: 900, TCPFINTimeoutSeconds: 120, UDPTimeoutSeconds: 300 } });
    expect(answer.status).toBe(200);
    expect(kubeProxyOf(answer.json as Record<string, unknown>)).toEqual(IPVS);
    await settle("c");
  });

  it("echoes kubeProxyConfig as sent, fills no defaults, and replaces it whole on update", async () => {
    const first = await putKubeProxy("c", { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } });
    expect(kubeProxyOf(first.json as Record<string, unknown>)).toEqual({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } });
    await settle("c");
    const second = await putKubeProxy("c", { mode: "IPTABLES" });
    expect(kubeProxyOf(second.json as Record<string, unknown>)).toEqual({ mode: "IPTABLES" });
    await settle("c");
    expect(kubeProxyOf(await rawCluster(t, "rg", "c"))).toEqual({ mode: "IPTABLES" });
  });
});

describe("cluster shapes", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      clusters: [
        { resourceGroup: "rg", name: "never" },
        { resourceGroup: "rg", name: "disabled", networkPlugin: "none", kubeProxyConfig: {} },
      ],
    });
  });
  afterAll(() => t.stop());

  it("returns no kubeProxyConfig for a cluster that never had one", async () => {
    const mc = await t.aks("2026-08-02-preview").managedClusters.get("rg", "never");
    expect(mc.networkProfile?.kubeProxyConfig).toBeUndefined();
    expect("kubeProxyConfig" in ((await rawCluster(t, "rg", "never")).properties as { networkProfile: object }).networkProfile).toBe(false);
  });

  it("returns {} when seeded so (azure-rest-api-specs #22208)", async () => {
    expect(kubeProxyOf(await rawCluster(t, "rg", "disabled"))).toEqual({});
  });

  it("with disabledKubeProxyReadsAsEmpty, returns a disabled kube-proxy as {} while storing what was sent (azure-rest-api-specs #22208)", async () => {
    const quirky = await startTestEmulator({
      disabledKubeProxyReadsAsEmpty: true,
      clusters: [{ resourceGroup: "rg", name: "byo", networkPlugin: "none", kubeProxyConfig: { enabled: false } }, { resourceGroup: "rg", name: "on", kubeProxyConfig: IPVS }],
    });
    try {
      expect(kubeProxyOf(await rawCluster(quirky, "rg", "byo"))).toEqual({});
      expect(kubeProxyOf(await rawCluster(quirky, "rg", "on"))).toEqual(IPVS);
      expect(kubeProxyOf(quirky.em.control.getCluster({ resourceGroup: "rg", name: "byo" })!)).toEqual({ enabled: false });
    } finally {
      await quirky.stop();
    }
  });

  it("answers 404 ResourceNotFound with ARM's envelope for a missing cluster", async () => {
    const answer = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "missing") });
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: { code: "ResourceNotFound", message: expect.stringContaining("managedClusters/missing") } });
    expect(answer.headers["x-ms-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers["x-ms-correlation-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});
