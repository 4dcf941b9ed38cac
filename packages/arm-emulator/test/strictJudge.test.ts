/**
 * The emulator as a stricter judge: the AKS resource provider's own throttles, a write whose answer is dropped, 409
 * EtagMismatch, a DELETE that preempts a running update, and a hardened control API.
 */
import { startEmulator, unsafePatternReason } from "../src/index";
import { armRequest, clusterPath, enablePreview, startTestEmulator, type TestEmulator } from "./support";

const RG = "rg";

async function readCluster(t: TestEmulator, name: string): Promise<Record<string, unknown>> {
  const res = await armRequest(t, { method: "GET", path: clusterPath(t, RG, name) });
  return res.json as Record<string, unknown>;
}

async function putSame(t: TestEmulator, name: string, headers: Record<string, string> = {}) {
  const body = await readCluster(t, name);
  return armRequest(t, { method: "PUT", path: clusterPath(t, RG, name), body, headers });
}

describe("AKS resource provider throttles (on by default)", () => {
  let t: TestEmulator | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it("PUT managedCluster: 20 per cluster, then 429 Throttled with AKS's message and Retry-After of a 1-per-minute refill", async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "a" }, { resourceGroup: RG, name: "b" }], timings: { operationMs: 0 } });
    const body = await readCluster(t, "a");
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await armRequest(t, { method: "PUT", path: clusterPath(t, RG, "a"), body })).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const throttled = await armRequest(t, { method: "PUT", path: clusterPath(t, RG, "a"), body });
    expect(throttled.status).toBe(429);
    expect(throttled.json).toEqual({
      error: { code: "Throttled", message: `The PutManagedClusterHandler.PUT request limit has been exceeded for SubID='${t.em.subscriptionId}', please retry again in 60 seconds.` },
    });
    expect(throttled.headers["retry-after"]).toBe("60");
    // per cluster: another cluster still has its burst
    expect((await putSame(t, "b")).status).toBe(200);
  });

  it("timeScale speeds up the refill (documented for tests) and false turns the AKS throttles off", async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "a" }], timings: { operationMs: 0 }, aksThrottling: { timeScale: 60, putManagedCluster: { capacity: 1, refillPerSecond: 1 / 60 } } });
    expect((await putSame(t, "a")).status).toBe(200);
    const throttled = await putSame(t, "a");
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("1");
    t.em.control.setAksThrottling(false);
    for (let i = 0; i < 25; i++) expect((await putSame(t, "a")).status).toBe(200);
  });

  it("GET managedCluster: 60 per cluster; GET operation status: per subscription", async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "a" }], timings: { operationMs: 60_000 }, aksThrottling: { getOperationStatus: { capacity: 3, refillPerSecond: 0.01 } } });
    for (let i = 0; i < 60; i++) expect((await armRequest(t, { method: "GET", path: clusterPath(t, RG, "a") })).status).toBe(200);
    const get = await armRequest(t, { method: "GET", path: clusterPath(t, RG, "a") });
    expect(get.status).toBe(429);
    expect((get.json as { error: { message: string } }).error.message).toContain("GetManagedClusterHandler.GET request limit has been exceeded");

    t.em.control.setAksThrottling({ getOperationStatus: { capacity: 3, refillPerSecond: 0.01 } });
    const put = await putSame(t, "a");
    const op = new URL(String(put.headers["azure-asyncoperation"]));
    const polls: number[] = [];
    for (let i = 0; i < 4; i++) polls.push((await armRequest(t, { method: "GET", path: `${op.pathname}${op.search}` })).status);
    expect(polls).toEqual([200, 200, 200, 429]);
  });
});

describe("faults and conflicts", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "a" }], timings: { operationMs: 60_000 } });
    await enablePreview(t);
  });
  afterEach(() => t.stop());

  it("drop-response applies the write, then closes the connection without an answer (logged with the status it would have had)", async () => {
    t.em.control.addFault({ kind: "drop-response", method: "PUT", pathPattern: "managedClusters/a$", count: 1 });
    const before = (await readCluster(t, "a"))["eTag"];
    await expect(putSame(t, "a")).rejects.toThrow(/socket hang up|ECONNRESET/);
    const after = await readCluster(t, "a");
    expect(after["eTag"]).not.toBe(before);
    expect((after["properties"] as Record<string, unknown>)["provisioningState"]).toBe("Updating");
    const put = t.em.control.requestLog().filter((r) => r.method === "PUT");
    expect(put).toMatchObject([{ status: 200, responseDropped: true }]);
  });

  it("a conditional write while an operation runs answers 409 EtagMismatch; an unconditional one OperationNotAllowed", async () => {
    expect((await putSame(t, "a")).status).toBe(200);
    const current = String((await readCluster(t, "a"))["eTag"]);
    const conditional = await putSame(t, "a", { "If-Match": current });
    expect(conditional.status).toBe(409);
    expect(conditional.json).toEqual({ error: { code: "EtagMismatch", message: "Operation is not allowed: Another operation is in progress" } });
    const plain = await putSame(t, "a");
    expect(plain.status).toBe(409);
    expect((plain.json as { error: { code: string } }).error.code).toBe("OperationNotAllowed");
  });

  it("a DELETE preempts a running update, which ends Canceled with AKSOperationPreemptedByDelete", async () => {
    const put = await putSame(t, "a");
    const op = new URL(String(put.headers["azure-asyncoperation"]));
    expect((await armRequest(t, { method: "DELETE", path: clusterPath(t, RG, "a") })).status).toBe(202);
    const status = await armRequest(t, { method: "GET", path: `${op.pathname}${op.search}` });
    expect(status.json).toMatchObject({ status: "Canceled", error: { code: "AKSOperationPreemptedByDelete" } });
    const result = await armRequest(t, { method: "GET", path: `${op.pathname.replace("/operations/", "/operationresults/")}${op.search}` });
    expect(result.status).toBe(409);
    expect((result.json as { error: { code: string } }).error.code).toBe("AKSOperationPreemptedByDelete");
  });
});

describe("control API hardening", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "a" }] });
  });
  afterEach(() => t.stop());
  const control = (method: string, path: string, body?: unknown) => armRequest(t, { method, path: `/_emulator/${path}`, body, auth: false });

  it.each([
    ["PATCH", () => `clusters/${t.em.subscriptionId}/${RG}/a`, '{"__proto__":{"polluted":true}}'],
    ["PATCH", () => `clusters/${t.em.subscriptionId}/${RG}/a`, '{"properties":{"constructor":{"prototype":{"polluted":true}}}}'],
    ["POST", () => "faults", '{"kind":"status","status":500,"pathPattern":".*","count":1,"__proto__":{"armCode":"Polluted"}}'],
    ["PUT", () => "timings", '{"prototype":{"operationMs":1}}'],
  ])("%s %s with a prototype key is refused with 400 and changes nothing", async (method, path, body) => {
    const res = await control(method, path(), body);
    expect(res.status).toBe(400);
    expect((res.json as { error: { message: string } }).error.message).toMatch(/__proto__|constructor|prototype/);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(({} as Record<string, unknown>)["armCode"]).toBeUndefined();
    expect(t.em.control.getCluster({ resourceGroup: RG, name: "a" })).not.toHaveProperty("polluted");
  });

  it("refuses fault patterns the linear-time matcher cannot run (backreferences, lookaround, unbalanced, too long) with 400 saying why, and takes the rest", async () => {
    for (const pattern of ["(a)\\1", "(?=a)b", "(?<!a)b", "(", "a".repeat(513), ".{400}.{400}"]) {
      const res = await control("POST", "faults", { kind: "status", status: 500, pathPattern: pattern, count: 1 });
      expect([pattern.slice(0, 20), res.status]).toEqual([pattern.slice(0, 20), 400]);
      expect((res.json as { error: { message: string } }).error.message).toMatch(/pathPattern .* is refused: it (is not a pattern the linear-time matcher|is longer than 512|compiles to \d+ instructions)/);
      expect(() => t.em.control.addFault({ kind: "drop", pathPattern: pattern, count: 1 })).toThrow(/refused/);
    }
    for (const pattern of ["managedClusters/a$", "^/subscriptions/[^/]+/resourceGroups/rg/.*", "(operations|operationresults)/", "a+b*c?", "[(]+", "^/(a+)+$", "(a|a)*$", "(?:a+)+"]) {
      expect([pattern, unsafePatternReason(pattern)]).toEqual([pattern, undefined]);
    }
  });
});

describe("listening beyond loopback", () => {
  it("warns loudly (ARM_EMULATOR_NOT_LOOPBACK, process.emitWarning by default) when the host is not loopback, and not otherwise", async () => {
    const warnings: { code: string; message: string }[] = [];
    const onWarning = (w: { code: string; message: string }) => warnings.push(w);
    const loop = await startEmulator({ host: "127.0.0.1", throttling: false, onWarning });
    await loop.stop();
    const wide = await startEmulator({ host: "0.0.0.0", throttling: false, onWarning });
    await wide.stop();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "ARM_EMULATOR_NOT_LOOPBACK", message: expect.stringContaining("0.0.0.0") });
    expect(warnings[0]!.message).toMatch(/beyond loopback/);
  });
});
