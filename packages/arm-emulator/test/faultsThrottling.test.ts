/**
 * Faults on demand (deterministic, per path pattern and count) and per-subscription throttling.
 */
import { armRequest, clusterPath, startTestEmulator, waitFor, FAST_POLL, type TestEmulator } from "./support";

const FAST_RETRY = { retryOptions: { maxRetries: 3, retryDelayInMs: 1, maxRetryDelayInMs: 5 } };

describe("faults", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: "rg", name: "c" }] });
  });
  afterEach(() => t.stop());

  it("answers the next N matching requests with the injected status, then recovers", async () => {
    t.em.control.addFault({ kind: "status", status: 503, method: "GET", pathPattern: "/managedClusters/c$", count: 2, retryAfterSeconds: 0 });
    const first = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") });
    expect(first.status).toBe(503);
    expect(first.json).toMatchObject({ error: { code: "ServiceUnavailable" } });
    expect(first.headers["retry-after"]).toBe("0");
    expect((await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") })).status).toBe(503);
    expect((await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") })).status).toBe(200);
  });

  it("only hits the method and path it names", async () => {
    t.em.control.addFault({ kind: "status", status: 500, method: "PUT", pathPattern: "managedClusters", count: 1, armCode: "InternalServerError" });
    expect((await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") })).status).toBe(200);
    const current = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") });
    const put = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "c"), body: current.json });
    expect(put.status).toBe(500);
    expect(put.json).toMatchObject({ error: { code: "InternalServerError" } });
  });

  it("lets the SDK's retry policy recover from 500s", async () => {
    t.em.control.addFault({ kind: "status", status: 500, pathPattern: "/managedClusters/c$", count: 2 });
    const { ContainerServiceClient } = await import("@azure/arm-containerservice");
    const client = new ContainerServiceClient(t.credential, t.em.subscriptionId, { endpoint: t.em.url, credentialScopes: [`${t.em.url}/.default`], ...FAST_RETRY });
    expect((await client.managedClusters.get("rg", "c")).name).toBe("c");
    expect(t.em.control.requestLog().filter((r) => r.path.endsWith("/managedClusters/c")).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it("drops the connection without an answer", async () => {
    t.em.control.addFault({ kind: "drop", pathPattern: "/managedClusters/c$", count: 1 });
    await expect(armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") })).status).toBe(200);
    expect(t.em.control.requestLog().some((r) => r.status === 0)).toBe(true);
  });

  it("lets go of a request held by a slow fault when it stops, leaving no timer behind", async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await t.credential.getToken(`${t.em.url}/.default`);
    const before = timers();
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "/managedClusters/c$", count: 1, delayMs: 600_000 });
    const held = armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") }).then(
      () => "answered",
      () => "connection closed",
    );
    await waitFor(() => timers() > before);
    await t.stop();
    expect(await held).toBe("connection closed");
    expect(timers()).toBe(before);
  });

  it("answers slowly when told: a later request overtakes the delayed one", async () => {
    t.em.control.addFault({ kind: "slow", pathPattern: "/managedClusters/c$", count: 1, delayMs: 3000 });
    const order: string[] = [];
    const slow = armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") }).then((a) => order.push(`slow ${a.status}`));
    await new Promise((r) => setTimeout(r, 20));
    await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") }).then((a) => order.push(`fast ${a.status}`));
    await slow;
    expect(order).toEqual(["fast 200", "slow 200"]);
  });

  it("ends the next operation on a matching cluster Failed with the ARM error, and the poller surfaces it", async () => {
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "/managedClusters/c$", count: 1, armCode: "VMExtensionProvisioningError", message: "node bootstrap failed" });
    const client = t.aks("2026-08-02-preview");
    const mc = await client.managedClusters.get("rg", "c");
    await expect(client.managedClusters.beginCreateOrUpdateAndWait("rg", "c", { ...mc, tags: { x: "1" } }, FAST_POLL)).rejects.toThrow(/node bootstrap failed|VMExtensionProvisioningError/);
    const stored = t.em.control.getCluster({ resourceGroup: "rg", name: "c" })!;
    expect((stored.properties as Record<string, unknown>).provisioningState).toBe("Failed");
    const statusUrl = t.em.control.requestLog().find((r) => r.path.includes("/operations/"))!;
    const status = await armRequest(t, { method: "GET", path: `${statusUrl.path}?api-version=2016-03-30` });
    expect(status.json).toMatchObject({ status: "Failed", error: { code: "VMExtensionProvisioningError", message: "node bootstrap failed" } });
    // the fault is used up: the next write succeeds
    const again = await client.managedClusters.beginCreateOrUpdateAndWait("rg", "c", { ...mc, tags: { x: "2" } }, FAST_POLL);
    expect(again.provisioningState).toBe("Succeeded");
  });

  it("unknown-state shows its value in place of a cluster's provisioningState and an operation's status for N answers; the stored state and the operation are untouched", async () => {
    t.em.control.addFault({ kind: "unknown-state", pathPattern: "/managedClusters/c$", count: 1, value: "Weird" });
    const odd = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") });
    expect((odd.json as { properties: Record<string, unknown> }).properties["provisioningState"]).toBe("Weird");
    expect((t.em.control.getCluster({ resourceGroup: "rg", name: "c" })!.properties as Record<string, unknown>)["provisioningState"]).toBe("Succeeded");
    const next = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") });
    expect((next.json as { properties: Record<string, unknown> }).properties["provisioningState"]).toBe("Succeeded");

    t.em.control.setTimings({ operationMs: 600_000 });
    const put = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "c"), body: { ...(next.json as Record<string, unknown>), tags: { x: "1" } } });
    const operation = new URL(put.headers["azure-asyncoperation"] as string);
    t.em.control.addFault({ kind: "unknown-state", pathPattern: "/operations/", count: 2, value: "Paused" });
    const path = `${operation.pathname}${operation.search}`;
    expect((await armRequest(t, { method: "GET", path })).json).toMatchObject({ status: "Paused" });
    expect((await armRequest(t, { method: "GET", path })).json).toMatchObject({ status: "Paused" });
    expect((await armRequest(t, { method: "GET", path })).json).toMatchObject({ status: "InProgress" });
    expect((t.em.control.getCluster({ resourceGroup: "rg", name: "c" })!.properties as Record<string, unknown>)["provisioningState"]).toBe("Updating");
  });

  it("refuses an unknown-state fault without a value", () => {
    expect(() => t.em.control.addFault({ kind: "unknown-state", pathPattern: "c", count: 1, value: "" })).toThrow(/"value" must be a non-empty string/);
  });

  it("clears faults", async () => {
    t.em.control.addFault({ kind: "status", status: 500, pathPattern: ".*", count: 10 });
    t.em.control.clearFaults();
    expect((await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") })).status).toBe(200);
  });
});

describe("throttling", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({
      clusters: [{ resourceGroup: "rg", name: "c" }],
      throttling: { reads: { capacity: 3, refillPerSecond: 0.5 }, writes: { capacity: 1, refillPerSecond: 0.5 } },
    });
  });
  afterEach(() => t.stop());

  it("counts reads down in x-ms-ratelimit-remaining-subscription-reads and answers 429 with Retry-After when the bucket is empty", async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") });
      expect(answer.status).toBe(200);
      remaining.push(String(answer.headers["x-ms-ratelimit-remaining-subscription-reads"]));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const throttled = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") });
    expect(throttled.status).toBe(429);
    expect(throttled.json).toMatchObject({ error: { code: "SubscriptionRequestsThrottled" } });
    expect(Number(throttled.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  });

  it("keeps a separate write budget with x-ms-ratelimit-remaining-subscription-writes", async () => {
    const current = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") });
    const put = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "c"), body: current.json });
    expect(put.status).toBe(200);
    expect(put.headers["x-ms-ratelimit-remaining-subscription-writes"]).toBe("0");
    await waitFor(() => (t.em.control.getCluster({ resourceGroup: "rg", name: "c" })!.properties as Record<string, unknown>).provisioningState === "Succeeded");
    const second = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "c"), body: current.json });
    expect(second.status).toBe(429);
  });

  it("can be switched off", async () => {
    t.em.control.setThrottling(false);
    for (let i = 0; i < 6; i++) {
      const answer = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") });
      expect(answer.status).toBe(200);
      expect(answer.headers["x-ms-ratelimit-remaining-subscription-reads"]).toBeUndefined();
    }
  });

  it("applies ARM's defaults (reads 250, writes 200) when no budget is given", async () => {
    t.em.control.setThrottling(undefined);
    const answer = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") });
    expect(answer.headers["x-ms-ratelimit-remaining-subscription-reads"]).toBe("249");
  });
});
