import {
  ArmError,
  ClusterBusyError,
  EtagUnavailableError,
  FEATURE_NAME,
  MAX_LOST_WRITE_ANSWERS,
  OperationFailedError,
  OperationTimeoutError,
  ThrottledError,
  ValidationError,
  isKubeProxyError,
  type ApplyOperationState,
  type KubeProxyConfig,
} from "@aks-kube-proxy/sdk";
import type { LoggedRequest } from "@aks-kube-proxy/arm-emulator";
import { startTestEmulator, type TestEmulator } from "../../../test/support/emulator";
import { waitFor } from "../../../test/support/waitFor";

const RG = "rg";
const ref = (name: string) => ({ resourceGroup: RG, name });
const IPVS: KubeProxyConfig = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } };
const puts = (log: LoggedRequest[], name: string) => log.filter((r) => r.method === "PUT" && r.path.endsWith(`/managedClusters/${name}`));
const accepted = (log: LoggedRequest[], name: string) => puts(log, name).filter((r) => r.status >= 200 && r.status < 300);
const props = (raw: Record<string, unknown> | undefined) => (raw?.["properties"] ?? {}) as Record<string, unknown>;

describe("convergence you can trust (apply poller against the emulator)", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "aks1" }, { resourceGroup: RG, name: "aks2" }], registeredFeatures: [{ name: FEATURE_NAME }] });
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => {
    t.em.control.reset();
  });

  test("re-apply after a Failed operation plans a reconcile with its reason, writes once and ends Succeeded", async () => {
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "managedClusters/aks1$", count: 1, armCode: "VMExtensionProvisioningError" });
    const first = await t.client().apply(ref("aks1"), IPVS).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(OperationFailedError);
    expect(first).toMatchObject({ writeAccepted: true, operationUrl: expect.stringMatching(/\/operations\//) });
    expect(props(t.em.control.getCluster(ref("aks1")))["provisioningState"]).toBe("Failed");

    const plan = await t.client().plan(ref("aks1"), IPVS);
    expect(plan.changes).toEqual([]);
    expect(plan.hasChanges).toBe(true);
    expect(plan.convergence).toMatchObject({ kind: "needs-reconcile", provisioningState: "Failed", reason: expect.stringContaining("ended Failed") });

    t.em.control.clearRequestLog();
    const second = await t.client().apply(ref("aks1"), IPVS);
    expect(second.changed).toBe(true);
    expect(second.writes).toBe(1);
    expect(second.plan.convergence.kind).toBe("needs-reconcile");
    expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(1);
    expect(props(t.em.control.getCluster(ref("aks1")))["provisioningState"]).toBe("Succeeded");
    // and now it is converged: no third write
    const third = await t.client().apply(ref("aks1"), IPVS);
    expect(third.writes).toBe(0);
  });

  test("plan and apply on a cluster another writer keeps Updating wait for it and write nothing when its result matches", async () => {
    t.em.control.setTimings({ operationMs: 400 });
    const other = t.client().beginApply(ref("aks1"), IPVS);
    await other.poll(); // read
    await other.poll(); // write: Azure accepted it, the operation runs
    expect(other.operationState?.writeAccepted).toBe(true);
    expect(props(t.em.control.getCluster(ref("aks1")))["provisioningState"]).toBe("Updating");
    t.em.control.clearRequestLog();

    const waited: string[] = [];
    const plan = await t.client().plan(ref("aks1"), IPVS, { onProgress: (e) => e.phase === "waiting-for-cluster" && waited.push(e.provisioningState) });
    expect(waited).toContain("Updating");
    expect(plan.convergence.kind).toBe("converged");
    expect(plan.hasChanges).toBe(false);

    t.em.control.updateCluster(ref("aks1"), (raw) => {
      (raw["properties"] as Record<string, unknown>)["provisioningState"] = "Updating";
    });
    setTimeout(() => t.em.control.updateCluster(ref("aks1"), (raw) => void ((raw["properties"] as Record<string, unknown>)["provisioningState"] = "Succeeded")), 150);
    const result = await t.client().apply(ref("aks1"), IPVS);
    expect(result.writes).toBe(0);
    expect(result.changed).toBe(false);
    expect(puts(t.em.control.requestLog(), "aks1")).toHaveLength(0);
  });

  test("plan's timeoutInMs gives up a cluster read Azure holds: OperationTimeoutError (code Timeout) naming the timeout, while the GET is still unanswered", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "managedClusters/aks1$", count: 1000, delayMs: 600_000 });
    const error = await t.client().plan(ref("aks1"), IPVS, { timeoutInMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationTimeoutError);
    expect(error).toMatchObject({ code: "Timeout", lastState: "reading the cluster" });
    expect((error as Error).message).toBe(
      "Planning rg/aks1 timed out after 300ms: Azure Resource Manager had not answered the read of the cluster. Nothing was written. Run again, or allow a longer timeout.",
    );
    // The emulator logs a request when it answers it: the held GET is still held, so plan gave up on its own deadline.
    expect(t.em.control.requestLog().filter((r) => r.method === "GET" && r.path.endsWith("/managedClusters/aks1"))).toHaveLength(0);
  });

  test("plan's timeoutInMs while another operation keeps the cluster Updating returns the in-flight classification of its last read", async () => {
    t.em.control.setTimings({ operationMs: 600_000 });
    const other = t.client().beginApply(ref("aks1"), IPVS);
    await other.poll(); // read
    await other.poll(); // write: Azure accepted it, the operation runs
    expect(other.operationState?.writeAccepted).toBe(true);
    const waited: string[] = [];
    const client = t.client({ polling: { intervalInMs: 50, maxIntervalInMs: 100 } });
    const plan = await client.plan(ref("aks1"), IPVS, { timeoutInMs: 500, onProgress: (e) => e.phase === "waiting-for-cluster" && waited.push(e.provisioningState) });
    expect(plan.convergence).toMatchObject({ kind: "in-flight", provisioningState: "Updating" });
    expect(waited[0]).toBe("Updating");
    expect(props(t.em.control.getCluster(ref("aks1")))["provisioningState"]).toBe("Updating");
  });

  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("plan refuses timeoutInMs %p with a ValidationError before any request", async (timeoutInMs) => {
    t.em.control.clearRequestLog();
    await expect(t.client().plan(ref("aks1"), IPVS, { timeoutInMs })).rejects.toBeInstanceOf(ValidationError);
    expect(t.em.control.requestLog().filter((r) => r.kind === "read")).toHaveLength(0);
  });

  test("a 2 s deadline against an operation held in progress ends while it still runs, with the operation to re-attach to; the restored poller finishes it without a second PUT", async () => {
    t.em.control.setTimings({ operationMs: 600_000 });
    // polls every 50-100 ms: the default test polling (5 ms) would spend AKS's operation-status budget (200 per subscription)
    const client = t.client({ polling: { intervalInMs: 50, maxIntervalInMs: 100 } });
    const error = await client.apply(ref("aks1"), IPVS, { timeoutInMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationTimeoutError);
    expect(props(t.em.control.getCluster(ref("aks1")))["provisioningState"]).toBe("Updating"); // the apply gave up at its deadline, not when the operation ended
    const e = error as OperationTimeoutError;
    expect(e.writeAccepted).toBe(true);
    expect(e.operationUrl).toMatch(/\/providers\/Microsoft\.ContainerService\/locations\/westus2\/operations\//);
    expect(e.message).toContain(e.operationUrl);
    expect(e.message).toContain("Azure accepted the write");
    expect(e.message).not.toMatch(/aks-kube-proxy /);
    expect(e.resumeState).toBeDefined();

    const resumed = client.restoreApplyPoller(e.resumeState!);
    expect(resumed.operationState?.phase).toBe("operation");
    expect(t.em.control.finishOperations()).toBe(1);
    const result = await resumed.pollUntilDone();
    expect(result.changed).toBe(true);
    expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(1);
  });

  test("a 2 s deadline against a PUT whose answer is held ends before the answer comes; the resume never sends a second accepted PUT", async () => {
    t.em.control.addFault({ kind: "slow", method: "PUT", pathPattern: "managedClusters/aks1$", count: 1, delayMs: 6000 });
    const saved: string[] = [];
    const error = await t
      .client()
      .apply(ref("aks1"), IPVS, { timeoutInMs: 2000, beforeWrite: (_s, serialized) => void saved.push(serialized) })
      .catch((e: unknown) => e);
    expect(puts(t.em.control.requestLog(), "aks1")).toHaveLength(0); // the emulator logs a request when it answers it
    expect(error).toBeInstanceOf(OperationTimeoutError);
    expect(error).toMatchObject({ writeAccepted: false, writeMayHaveBeenSent: true });
    expect(saved).toHaveLength(1);
    expect(JSON.parse(saved[0]!).state).toMatchObject({ phase: "write", writeMayHaveBeenSent: true, previousKubeProxyConfig: null });

    // resume from what beforeWrite saved (as a journal would), while the held PUT is still on its way
    const result = await t.client().restoreApplyPoller(saved[0]!).pollUntilDone();
    expect(result.cluster.effective.mode).toBe("IPVS");
    // the held PUT is answered (logged) after the resume's own PUTs, if any; wait for it so it cannot land in a later test
    await waitFor("the held PUT to be answered", () => puts(t.em.control.requestLog(), "aks1").length >= result.writes + 1, { timeoutInMs: 15_000 });
    expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(1);
  });

  describe("a process that dies around the PUT, resumed from what beforeWrite saved", () => {
    async function saveThenDie(name: string, die: "before-put" | "after-accepted" | "never"): Promise<{ saved: string; error: unknown }> {
      let saved = "";
      const controller = new AbortController();
      const error = await t
        .client()
        .apply(ref(name), IPVS, {
          abortSignal: controller.signal,
          beforeWrite: (_state, serialized) => {
            saved = serialized;
            if (die === "before-put") throw new Error("killed before the PUT left");
          },
          onProgress: (e) => {
            if (die === "after-accepted" && e.phase === "accepted") controller.abort();
          },
        })
        .catch((e: unknown) => e);
      return { saved, error };
    }

    test("intent saved, PUT never sent: the resume writes exactly once and converges", async () => {
      const { saved } = await saveThenDie("aks1", "before-put");
      expect(puts(t.em.control.requestLog(), "aks1")).toHaveLength(0);
      const result = await t.client().restoreApplyPoller(saved).pollUntilDone();
      expect(result.writes).toBe(1);
      expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(1);
    });

    test("PUT accepted and its operation still running: the resume waits for it and sends no second PUT", async () => {
      t.em.control.setTimings({ operationMs: 500 });
      const { saved, error } = await saveThenDie("aks1", "after-accepted");
      expect(isKubeProxyError(error) && error.code).toBe("Aborted");
      const waited: string[] = [];
      const result = await t.client().restoreApplyPoller(saved, { onProgress: (e) => e.phase === "waiting-for-cluster" && waited.push(e.provisioningState) }).pollUntilDone();
      expect(waited).toContain("Updating");
      expect(result.changed).toBe(true);
      expect(result.cluster.provisioningState).toBe("Succeeded");
      expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(1);
    });

    test("PUT accepted and its operation ended Failed: the resume reports the failed write, it does not write again", async () => {
      t.em.control.addFault({ kind: "lro-failed", pathPattern: "managedClusters/aks1$", count: 1 });
      const { saved, error } = await saveThenDie("aks1", "never");
      expect(error).toBeInstanceOf(OperationFailedError);
      const resumed = await t.client().restoreApplyPoller(saved).pollUntilDone().catch((e: unknown) => e);
      expect(resumed).toBeInstanceOf(OperationFailedError);
      expect(resumed).toMatchObject({ writeAccepted: true });
      expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(1);
      // a fresh apply (not a resume) then reconciles it, once
      await t.client().apply(ref("aks1"), IPVS);
      expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(2);
    });
  });

  test("409 EtagMismatch waits, re-reads and re-plans; it never resends the same PUT in a loop", async () => {
    t.em.control.addFault({ kind: "status", status: 409, method: "PUT", pathPattern: "managedClusters/aks1$", count: 2, armCode: "EtagMismatch" });
    const result = await t.client().apply(ref("aks1"), IPVS);
    expect(result.writes).toBe(1);
    const log = t.em.control.requestLog();
    expect(puts(log, "aks1").map((r) => r.status)).toEqual([409, 409, 200]);
    // each PUT came after a fresh read
    const kinds = log.filter((r) => r.path.endsWith("/managedClusters/aks1")).map((r) => r.method);
    expect(kinds.join(",")).toMatch(/^GET,PUT,GET,PUT,GET,PUT/);

    t.em.control.reset();
    t.em.control.addFault({ kind: "status", status: 409, method: "PUT", pathPattern: "managedClusters/aks2$", count: 1000, armCode: "EtagMismatch" });
    const busy = await t.client().apply(ref("aks2"), IPVS).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(ClusterBusyError);
    expect(busy).toMatchObject({ armCode: "EtagMismatch", writeAccepted: undefined });
    expect(puts(t.em.control.requestLog(), "aks2")).toHaveLength(6);
  });

  test("AKS Throttled 429 on PUT stops after the bounded retries with advice, and nothing was accepted", async () => {
    t.em.control.addFault({ kind: "status", status: 429, method: "PUT", pathPattern: "managedClusters/aks1$", count: 1000, armCode: "Throttled", retryAfterSeconds: 0 });
    const error = await t.client({ retry: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 } }).apply(ref("aks1"), IPVS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ code: "Throttled", armCode: "Throttled", statusCode: 429 });
    expect((error as Error).message).toMatch(/run again/);
    expect((error as Error).message).not.toMatch(/aks-kube-proxy /);
    expect(puts(t.em.control.requestLog(), "aks1")).toHaveLength(4);
    expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(0);
  });

  test("throttled operation polls after an accepted write are waited out (bounded), not reported as a failed apply", async () => {
    t.em.control.addFault({ kind: "status", status: 429, method: "GET", pathPattern: "/operations/", count: 12, armCode: "Throttled", retryAfterSeconds: 0 });
    const client = t.client({ retry: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 } });
    const result = await client.apply(ref("aks1"), IPVS);
    expect(result.writes).toBe(1);
    expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(1);

    t.em.control.reset();
    t.em.control.setTimings({ operationMs: 2000 });
    t.em.control.addFault({ kind: "status", status: 429, method: "GET", pathPattern: "/operations/", count: 1000, armCode: "Throttled", retryAfterSeconds: 0 });
    const error = await client.apply(ref("aks2"), IPVS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ writeAccepted: true, operationUrl: expect.stringMatching(/\/operations\//) });
    // 1 + MAX_THROTTLED_POLLS rounds of (1 + 2 pipeline retries) polls, then it stops
    expect(t.em.control.requestLog().filter((r) => r.path.includes("/operations/"))).toHaveLength(18);
  });

  test("a deadline bounds the pipeline's own throttling retries (persistent 429 with a long Retry-After) for apply and create", async () => {
    t.em.control.addFault({ kind: "status", status: 429, method: "PUT", pathPattern: "managedClusters/", count: 1000, armCode: "Throttled", retryAfterSeconds: 5 });
    const patient = t.client({ retry: { maxRetries: 10, retryDelayInMs: 5, maxRetryDelayInMs: 10_000 } });
    for (const run of [
      () => patient.apply(ref("aks1"), IPVS, { timeoutInMs: 1000 }),
      () => patient.createCluster({ resourceGroup: RG, name: "fresh", kubeProxyConfig: IPVS, timeoutInMs: 1000 }),
    ]) {
      const error = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperationTimeoutError);
    }
    // Each run sent its PUT once: the pipeline's retry would come 5 s later (Retry-After), after the 1 s deadline.
    expect(puts(t.em.control.requestLog(), "aks1").map((r) => r.status)).toEqual([429]);
    expect(puts(t.em.control.requestLog(), "fresh").map((r) => r.status)).toEqual([429]);
  });

  test("a resumed Location-only operation (200/204 without a status body) ends instead of polling to the deadline", async () => {
    t.em.control.setTimings({ operationMs: 300 });
    const first = t.client().beginApply(ref("aks1"), IPVS);
    await first.poll();
    await first.poll();
    const state = JSON.parse(await first.serialize()) as { state: ApplyOperationState };
    const url = state.state.operation!.url.replace("/operations/", "/operationresults/");
    const locationOnly = JSON.stringify({ ...state, state: { ...state.state, operation: { url, kind: "Location" } } });
    const result = await t.client().restoreApplyPoller(locationOnly, { timeoutInMs: 5000 }).pollUntilDone();
    expect(result.changed).toBe(true);
    expect(result.operationUrl).toBe(url);
    expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(1);
    // the legacy string form is recognised as a Location URL too
    t.em.control.setTimings({ operationMs: 300 });
    await t.client().waitForOperation(url, { timeoutInMs: 5000 });
  });

  test("a lost answer to an accepted update PUT is not resent blindly: the cluster is read and the write adopted", async () => {
    t.em.control.setTimings({ operationMs: 200 });
    t.em.control.addFault({ kind: "drop-response", method: "PUT", pathPattern: "managedClusters/aks1$", count: 1 });
    const result = await t.client().apply(ref("aks1"), IPVS);
    expect(result.changed).toBe(true);
    expect(result.cluster.effective.mode).toBe("IPVS");
    expect(result.cluster.provisioningState).toBe("Succeeded");
    expect(accepted(t.em.control.requestLog(), "aks1")).toHaveLength(1);
  });

  test("PUTs whose answers keep being lost and that never land are sent MAX_LOST_WRITE_ANSWERS times, then the apply fails saying none landed", async () => {
    t.em.control.addFault({ kind: "drop", method: "PUT", pathPattern: "managedClusters/aks1$", count: 1000 });
    const before = props(t.em.control.getCluster(ref("aks1")))["networkProfile"];
    const error = await t.client({ retry: { maxRetries: 1 } }).apply(ref("aks1"), IPVS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArmError);
    expect(error).toMatchObject({ code: "ArmError" });
    expect((error as { writeAccepted?: boolean }).writeAccepted).not.toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`answers to ${MAX_LOST_WRITE_ANSWERS} writes were lost.*none of them landed`));
    // each apply-level write is one PUT plus the pipeline's one retry; every one was dropped before it was applied
    expect(puts(t.em.control.requestLog(), "aks1").map((r) => r.status)).toEqual(Array(MAX_LOST_WRITE_ANSWERS * 2).fill(0));
    expect(props(t.em.control.getCluster(ref("aks1")))["networkProfile"]).toEqual(before);
  });

  test("a lost answer to an accepted create is adopted: the retried PUT's 412 leads to a read of the cluster being created with our settings", async () => {
    t.em.control.setTimings({ operationMs: 200 });
    t.em.control.addFault({ kind: "drop-response", method: "PUT", pathPattern: "managedClusters/fresh$", count: 1 });
    const created = await t.client().createCluster({ resourceGroup: RG, name: "fresh", kubeProxyConfig: IPVS });
    expect(created).toMatchObject({ name: "fresh", provisioningState: "Succeeded", effective: { mode: "IPVS" } });
    const log = puts(t.em.control.requestLog(), "fresh");
    expect(log.map((r) => r.status)).toEqual([201, 412]);
    expect(accepted(t.em.control.requestLog(), "fresh")).toHaveLength(1);
  });

  test("a create whose 412 comes from someone else's cluster (other settings) does not adopt it", async () => {
    // the cluster appears between our existence check (answered 404) and our PUT
    t.em.control.seedCluster({ resourceGroup: RG, name: "other", kubeProxyConfig: { enabled: true, mode: "IPTABLES" } });
    t.em.control.addFault({ kind: "status", status: 404, armCode: "ResourceNotFound", method: "GET", pathPattern: "managedClusters/other$", count: 1 });
    const error = await t.client().createCluster({ resourceGroup: RG, name: "other", kubeProxyConfig: IPVS }).catch((e: unknown) => e);
    expect(isKubeProxyError(error) && error.code).toBe("ClusterExists");
    expect((error as Error).message).toContain("not created by this call");
    expect(puts(t.em.control.requestLog(), "other").map((r) => r.status)).toEqual([412]);
  });

  test("an api-version without eTag refuses to write unless the caller opts in", async () => {
    const old = t.client({ apiVersion: "2024-03-02-preview" });
    const error = await old.apply(ref("aks1"), IPVS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtagUnavailableError);
    expect((error as Error).message).toContain("allowWriteWithoutEtag");
    expect(puts(t.em.control.requestLog(), "aks1")).toHaveLength(0);
    const result = await old.apply(ref("aks1"), IPVS, { allowWriteWithoutEtag: true });
    expect(result.writes).toBe(1);
    expect(puts(t.em.control.requestLog(), "aks1")[0]?.requestHeaders["if-match"]).toBeUndefined();
  });

  test("beforeWrite is awaited before the PUT leaves, and a failing hook sends nothing", async () => {
    const order: string[] = [];
    await t.client().apply(ref("aks1"), IPVS, {
      beforeWrite: async (state) => {
        await new Promise((r) => setTimeout(r, 50));
        order.push(`hook:${state.phase}:${state.writeMayHaveBeenSent}:${puts(t.em.control.requestLog(), "aks1").length}`);
      },
    });
    expect(order).toEqual(["hook:write:true:0"]);
    const error = await t
      .client()
      .apply(ref("aks2"), IPVS, {
        beforeWrite: () => {
          throw new Error("journal is full");
        },
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe("journal is full");
    expect(puts(t.em.control.requestLog(), "aks2")).toHaveLength(0);
  });

  test("a serialized state that is not one is refused with a ValidationError", () => {
    expect(() => t.client().restoreApplyPoller("{}")).toThrow(/Not a serialized apply poller/);
    let caught: unknown;
    try {
      t.client().restoreApplyPoller(JSON.stringify({ kind: "aks-kube-proxy/apply-poller", version: 1, state: { phase: "warp" } }));
    } catch (e) {
      caught = e;
    }
    expect(isKubeProxyError(caught) && caught.code).toBe("ValidationError");
  });
  test("an operation status the SDK does not know fails apply and waitForOperation at once (one status poll), while the operation still runs", async () => {
    t.em.control.setTimings({ operationMs: 600_000 });
    t.em.control.addFault({ kind: "unknown-state", pathPattern: "/operations/", count: 2, value: "Weird" });
    const polls = () => t.em.control.requestLog().filter((r) => r.path.includes("/operations/"));
    const error = await t.client().apply(ref("aks1"), IPVS).catch((e: unknown) => e);
    expect(isKubeProxyError(error) && error.code).toBe("UnknownOperationStatus");
    expect(error).toMatchObject({ status: "Weird", writeAccepted: true });
    const url = (error as { operationUrl: string }).operationUrl;
    expect(url).toContain("/operations/");
    expect((error as Error).message).toContain('"Weird"');
    expect(polls()).toHaveLength(1);
    expect(props(t.em.control.getCluster(ref("aks1")))["provisioningState"]).toBe("Updating");

    const waited = await t.client().waitForOperation(url).catch((e: unknown) => e);
    expect(isKubeProxyError(waited) && waited.code).toBe("UnknownOperationStatus");
    expect(polls()).toHaveLength(2);
    expect(props(t.em.control.getCluster(ref("aks1")))["provisioningState"]).toBe("Updating");
  });

  test("a cluster whose provisioningState the SDK does not know fails apply at once and writes nothing", async () => {
    t.em.control.addFault({ kind: "unknown-state", pathPattern: "/managedClusters/aks1$", count: 1, value: "Frobnicating" });
    const error = await t.client().apply(ref("aks1"), IPVS).catch((e: unknown) => e);
    expect(isKubeProxyError(error) && error.code).toBe("UnknownClusterState");
    expect(puts(t.em.control.requestLog(), "aks1")).toHaveLength(0);
  });

  test("plan whose wait for an operation in flight runs out returns in-flight with hasChanges true, never converged", async () => {
    t.em.control.setTimings({ operationMs: 600_000 });
    const other = t.client().beginApply(ref("aks1"), IPVS);
    await other.poll(); // read
    await other.poll(); // write accepted: the operation runs
    const plan = await t.client().plan(ref("aks1"), IPVS, { waitForOperationInMs: 50 });
    expect(plan.convergence.kind).toBe("in-flight");
    expect(plan.converged).toBe(false);
    expect(plan.hasChanges).toBe(true);
    expect(props(t.em.control.getCluster(ref("aks1")))["provisioningState"]).toBe("Updating");
  });
});
