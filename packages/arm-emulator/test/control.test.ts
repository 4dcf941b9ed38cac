/**
 * The control surface, in-process and over HTTP under /_emulator/ (for spawned processes).
 */
import { armRequest, clusterPath, startTestEmulator, type TestEmulator } from "./support";

describe("control API", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: "rg", name: "seeded", networkPolicy: "calico", tags: { env: "dev" }, agentPoolCount: 2 }] });
  });
  afterEach(() => t.stop());

  const sub = () => t.em.subscriptionId;
  const control = (method: string, path: string, body?: unknown) => armRequest(t, { method, path: `/_emulator/${path}`, body, auth: false });

  it("seeds a realistic cluster (version, network profile, agent pools, fqdn) and reads it back raw", async () => {
    const raw = t.em.control.getCluster({ resourceGroup: "rg", name: "seeded" })!;
    expect(raw).toMatchObject({
      name: "seeded",
      location: "westus2",
      tags: { env: "dev" },
      eTag: expect.any(String),
      properties: {
        provisioningState: "Succeeded",
        kubernetesVersion: "1.33.2",
        fqdn: expect.stringMatching(/\.hcp\.westus2\.azmk8s\.io$/),
        networkProfile: { networkPlugin: "azure", networkPolicy: "calico" },
      },
    });
    expect((raw.properties as { agentPoolProfiles: unknown[] }).agentPoolProfiles).toHaveLength(2);
  });

  it("seeds, reads, patches (drift, new etag) and resets over HTTP", async () => {
    const seeded = await control("POST", "clusters", { resourceGroup: "rg2", name: "viahttp", kubeProxyConfig: { enabled: true, mode: "IPVS" } });
    expect(seeded.status).toBe(201);
    const before = (await control("GET", `clusters/${sub()}/rg2/viahttp`)).json as { eTag: string };
    const patched = await control("PATCH", `clusters/${sub()}/rg2/viahttp`, { properties: { networkProfile: { kubeProxyConfig: { enabled: true, mode: "IPTABLES" } } } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ properties: { networkProfile: { kubeProxyConfig: { mode: "IPTABLES" } } } });
    expect((patched.json as { eTag: string }).eTag).not.toBe(before.eTag);
    expect((await control("GET", `clusters/${sub()}/rg2/viahttp/effective-kube-proxy-mode`)).json).toEqual({ mode: "IPTABLES" });
    expect((await control("POST", "reset")).status).toBe(200);
    expect((await control("GET", `clusters/${sub()}/rg2/viahttp`)).status).toBe(404);
    expect((await control("GET", `clusters/${sub()}/rg/seeded`)).status).toBe(200);
  });

  it("sets and reads feature and provider states over HTTP", async () => {
    await control("PUT", "features", { name: "KubeProxyConfigurationPreview", state: "Registered" });
    expect((await control("GET", `features/${sub()}/Microsoft.ContainerService/KubeProxyConfigurationPreview`)).json).toEqual({ state: "Registered" });
    expect((await control("GET", `providers/${sub()}/Microsoft.ContainerService`)).json).toEqual({ registrationState: "Registered" });
  });

  it("finishes held operations on request, in-process and over HTTP: the cluster reads Succeeded and the status ends", async () => {
    expect((await control("PUT", "timings", { operationMs: 600_000, retryAfterSeconds: 0 })).status).toBe(200);
    const put = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "seeded"), body: t.em.control.getCluster({ resourceGroup: "rg", name: "seeded" }) });
    expect(put.status).toBe(200);
    const opUrl = new URL(String(put.headers["azure-asyncoperation"]));
    const status = async () => ((await armRequest(t, { method: "GET", path: `${opUrl.pathname}${opUrl.search}` })).json as { status: string }).status;
    expect(await status()).toBe("InProgress");
    expect((t.em.control.getCluster({ resourceGroup: "rg", name: "seeded" })!["properties"] as Record<string, unknown>)["provisioningState"]).toBe("Updating");
    expect((await control("POST", "operations/finish")).json).toEqual({ finished: 1 });
    expect(await status()).toBe("Succeeded");
    expect((t.em.control.getCluster({ resourceGroup: "rg", name: "seeded" })!["properties"] as Record<string, unknown>)["provisioningState"]).toBe("Succeeded");
    expect(t.em.control.finishOperations()).toBe(0);
    expect((await control("POST", "operations/other")).status).toBe(404);
  });

  it("adds and clears faults, sets timings and throttling over HTTP", async () => {
    await control("POST", "faults", { kind: "status", status: 503, pathPattern: "seeded", count: 1 });
    expect((await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "seeded") })).status).toBe(503);
    await control("POST", "faults", { kind: "status", status: 503, pathPattern: "seeded", count: 5 });
    await control("DELETE", "faults");
    expect((await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "seeded") })).status).toBe(200);
    expect((await control("PUT", "timings", { retryAfterSeconds: 7 })).status).toBe(200);
    const del = await armRequest(t, { method: "DELETE", path: clusterPath(t, "rg", "seeded") });
    expect(del.headers["retry-after"]).toBe("7");
    expect((await control("PUT", "throttling", { reads: { capacity: 1, refillPerSecond: 0.01 } })).status).toBe(200);
    await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "seeded") });
    expect((await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "seeded") })).status).toBe(429);
  });

  it("serves the request log over HTTP with kinds", async () => {
    await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "seeded") });
    const log = (await control("GET", "requests")).json as { value: { kind: string; method: string; path: string; status: number; id: string }[] };
    const armRead = log.value.find((r) => r.kind === "read" && r.path.endsWith("/seeded"));
    expect(armRead).toMatchObject({ method: "GET", status: 200, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(log.value.some((r) => r.kind === "token")).toBe(true);
    await control("DELETE", "requests");
    const after = (await control("GET", "requests")).json as { value: { kind: string }[] };
    expect(after.value.every((r) => r.kind === "control")).toBe(true);
  });

  it("refuses malformed control requests with 400", async () => {
    expect((await control("POST", "clusters", { name: "no-group" })).status).toBe(400);
    expect((await control("POST", "faults", { kind: "status", status: 500, pathPattern: "(", count: 1 })).status).toBe(400);
    expect((await control("GET", "nothing-here")).status).toBe(404);
  });

  it("moves an out-of-band change (drift) into what clients read", async () => {
    t.em.control.updateCluster({ resourceGroup: "rg", name: "seeded" }, (raw) => {
      (raw.properties as { networkProfile: Record<string, unknown> }).networkProfile.kubeProxyConfig = {};
    });
    const mc = await t.aks("2026-08-02-preview").managedClusters.get("rg", "seeded");
    expect(mc.networkProfile?.kubeProxyConfig).toEqual({});
  });
});
