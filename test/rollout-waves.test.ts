/**
 * Fleet rollouts against the emulator (real HTTP, real credential): waves in order with soak, the halt rule,
 * converged and blocked clusters never written, the preview enabled once per subscription.
 */
import { join } from "node:path";
import { DEFAULT_API_VERSION, FEATURE_NAME } from "@aks-kube-proxy/sdk";
import { createRolloutJournal, listRolloutClusters, parseRolloutSpec, planRollout, runRollout, ArmRateLimiter, RolloutJournalFile, type RolloutProgressEvent, type RolloutSpec } from "@aks-kube-proxy/rollout";
import type { TestEmulator } from "./support/emulator";
import { clientFactory, fleetSeeds, startFleetEmulator, SUBSCRIPTIONS, tempDir, writesByCluster } from "./rollout-fixtures";

const IPVS = { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900 } };

async function rollout(t: TestEmulator, input: Record<string, unknown>, extra: { onProgress?: (e: RolloutProgressEvent) => void } = {}) {
  const { spec } = parseRolloutSpec({ subscriptions: SUBSCRIPTIONS, settings: IPVS, ...input });
  const limiter = new ArmRateLimiter();
  const createClient = clientFactory(t);
  const clusters = await listRolloutClusters({ spec, createClient, rateLimiter: limiter });
  const plan = planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION });
  const file = await RolloutJournalFile.create(join(tempDir(), "journal.json"), createRolloutJournal(plan));
  const result = await runRollout({ journal: file, createClient, rateLimiter: limiter, ...extra });
  await file.close();
  return { spec: spec as RolloutSpec, plan, result, file };
}

describe("fleet rollout waves", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test("waves run in order: no write of a wave starts before the previous wave finished and soaked", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 4 }) });
    const events: RolloutProgressEvent[] = [];
    const { result, plan } = await rollout(
      t,
      { waves: [{ name: "canary", count: 1 }, { name: "half", percent: 50 }, { name: "rest" }], soakTime: "150ms", maxConcurrency: 4 },
      { onProgress: (e) => events.push(e) },
    );
    expect(result.outcome).toBe("completed");
    expect(result.counts).toMatchObject({ total: 12, done: 12, changed: 12, failed: 0 });
    expect(plan.waves.map((w) => w.clusterIds.length)).toEqual([1, 6, 5]);

    const log = t.em.control.requestLog();
    const writes = writesByCluster(log);
    const waveOf = new Map(result.journal.clusters.map((c) => [c.name.toLowerCase(), c.wave!]));
    const writeTimes = (wave: string) => [...writes].filter(([name]) => waveOf.get(name) === wave).map(([, rs]) => Date.parse(rs[0]!.time));
    // Exactly one write per cluster.
    expect([...writes.values()].every((rs) => rs.length === 1)).toBe(true);
    expect(writes.size).toBe(12);
    for (const [prev, next] of [
      ["canary", "half"],
      ["half", "rest"],
    ] as const) {
      const prevWave = result.journal.waves.find((w) => w.name === prev)!;
      const prevFinished = Math.max(...result.journal.clusters.filter((c) => c.wave === prev).map((c) => Date.parse(c.finishedAt!)));
      expect(Math.min(...writeTimes(next))).toBeGreaterThanOrEqual(prevFinished);
      // The soak ended before the next wave's first write.
      expect(Math.min(...writeTimes(next))).toBeGreaterThanOrEqual(Date.parse(prevWave.soakUntil!));
    }
    // No soak after the last wave.
    expect(result.journal.waves.find((w) => w.name === "rest")!.soakUntil).toBeUndefined();
    // Progress: waves start in order, soaking reported between them, snapshots count up to 12 done.
    expect(events.filter((e) => e.type === "wave-started").map((e) => (e as { wave: string }).wave)).toEqual(["canary", "half", "rest"]);
    expect(events.filter((e) => e.type === "soaking").map((e) => (e as { wave: string }).wave)).toEqual(["canary", "half"]);
    expect(events.at(-1)!.snapshot.counts.done).toBe(12);
    // The emulator agrees with the journal.
    for (const c of result.journal.clusters) {
      const raw = t.em.control.getCluster({ subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, name: c.name })!;
      expect((raw["properties"] as { networkProfile: { kubeProxyConfig: unknown } }).networkProfile.kubeProxyConfig).toEqual(IPVS);
    }
  });

  test("tag rings: ring 0 first, then ring 1, clusters without a wave are skipped and never written", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 3 }) });
    const { result } = await rollout(t, {
      waves: [
        { name: "ring0", select: { tags: { ring: "0" } } },
        { name: "ring1", select: { tags: { ring: 1 } } },
      ],
    });
    expect(result.outcome).toBe("completed");
    const byReason = result.journal.clusters.filter((c) => c.status === "skipped").map((c) => c.skipReason);
    expect(byReason).toEqual(["not-in-any-wave", "not-in-any-wave", "not-in-any-wave"]);
    const writes = writesByCluster(t.em.control.requestLog());
    expect(writes.size).toBe(6);
    for (const c of result.journal.clusters.filter((x) => x.skipReason === "not-in-any-wave")) expect(writes.has(c.name.toLowerCase())).toBe(false);
    const ring1First = Math.min(...[...writes].filter(([n]) => result.journal.clusters.find((c) => c.name.toLowerCase() === n)!.wave === "ring1").map(([, r]) => Date.parse(r[0]!.time)));
    const ring0Done = Math.max(...result.journal.clusters.filter((c) => c.wave === "ring0").map((c) => Date.parse(c.finishedAt!)));
    expect(ring1First).toBeGreaterThanOrEqual(ring0Done);
  });

  test("halt: failures above the threshold stop new clusters; later waves are skipped as halted and never written", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 4 }) });
    // Every operation started from now on ends Failed, twice.
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "managedClusters/", count: 2, armCode: "KubeProxyUpgradeFailed", message: "node image rollout failed" });
    const { result } = await rollout(t, {
      waves: [{ name: "first", count: 6 }, { name: "second" }],
      halt: { maxFailures: 1 },
      maxConcurrency: 1,
    });
    expect(result.outcome).toBe("halted");
    expect(result.halt).toMatchObject({ wave: "first", failed: 2, total: 6 });
    const first = result.journal.clusters.filter((c) => c.wave === "first");
    expect(first.filter((c) => c.status === "failed")).toHaveLength(2);
    expect(first.filter((c) => c.status === "failed").every((c) => c.error?.code === "OperationFailed" && c.error.armCode === "KubeProxyUpgradeFailed")).toBe(true);
    // With one cluster at a time, the halt came right after the second failure: nothing else in the wave started.
    expect(first.filter((c) => c.status === "skipped" && c.skipReason === "halted")).toHaveLength(4);
    const second = result.journal.clusters.filter((c) => c.wave === "second");
    expect(second.every((c) => c.status === "skipped" && c.skipReason === "halted")).toBe(true);
    const writes = writesByCluster(t.em.control.requestLog());
    expect(writes.size).toBe(2);
    for (const c of [...second, ...first.filter((x) => x.status === "skipped")]) expect(writes.has(c.name.toLowerCase())).toBe(false);
    // The later wave will not start: it reads skipped, not pending (issue 16).
    expect(result.journal.waves.map((w) => w.status)).toEqual(["halted", "skipped"]);
  });

  test("halt by percent counts the wave's failures against its size", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 4 }) });
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "managedClusters/", count: 1 });
    const { result } = await rollout(t, { halt: { maxFailurePercent: 10 }, maxConcurrency: 1 });
    // 1 of 12 is 8.3%: not above 10%, so the rollout goes on.
    expect(result.outcome).toBe("completed");
    expect(result.counts).toMatchObject({ failed: 1, done: 11 });
  });

  test("converged and blocked clusters are reported and never written; the preview is confirmed once per subscription", async () => {
    const seeds = fleetSeeds({
      perSubscription: 3,
      seed: (i) => (i === 0 ? { kubeProxyConfig: IPVS } : i === 1 ? { networkPolicy: "azure" } : {}),
    });
    t = await startFleetEmulator({ clusters: seeds });
    const { result, plan } = await rollout(t, {});
    expect(plan.totals).toMatchObject({ selected: 9, change: 3, converged: 3, blocked: 3 });
    expect(result.outcome).toBe("completed");
    const blocked = result.journal.clusters.filter((c) => c.skipReason === "blocked");
    expect(blocked).toHaveLength(3);
    expect(blocked[0]!.skipMessage).toContain("ipvs-with-azure-network-policy");
    const log = t.em.control.requestLog();
    const writes = writesByCluster(log);
    expect(writes.size).toBe(3);
    for (const c of result.journal.clusters.filter((x) => x.status === "skipped")) expect(writes.has(c.name.toLowerCase())).toBe(false);
    // One preview status read per subscription (feature + provider), no registration sent: it was already enabled.
    const featureReads = log.filter((r) => r.path.includes(`/features/${FEATURE_NAME}`) && r.method === "GET");
    expect(featureReads).toHaveLength(SUBSCRIPTIONS.length);
    expect(log.filter((r) => r.method === "POST" && r.path.endsWith("/register"))).toHaveLength(0);
  });

  test("a write refused for the preview (flag Registered, provider not refreshed) enables it fully once and retries", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 2 }) });
    const sub = SUBSCRIPTIONS[2]!;
    // The flag reads Registered, but the provider was not re-registered after it: Azure refuses the write.
    t.em.control.setFeatureState({ subscriptionId: sub, name: FEATURE_NAME, state: "Registered" });
    const { result } = await rollout(t, { maxConcurrencyPerSubscription: 1 });
    expect(result.outcome).toBe("completed");
    expect(result.counts).toMatchObject({ done: 6, failed: 0 });
    const log = t.em.control.requestLog();
    const refused = log.filter((r) => r.method === "PUT" && r.path.startsWith(`/subscriptions/${sub}/`) && r.status >= 400);
    const refreshes = log.filter((r) => r.method === "POST" && r.path === `/subscriptions/${sub}/providers/Microsoft.ContainerService/register`);
    // Exactly one refusal, which led to one provider refresh, then the write again.
    expect(refused).toHaveLength(1);
    expect(refreshes).toHaveLength(1);
    expect(Date.parse(refreshes[0]!.time)).toBeGreaterThanOrEqual(Date.parse(refused[0]!.time));
    expect(log.filter((r) => r.method === "PUT" && r.path.startsWith(`/subscriptions/${sub}/`) && r.status < 300)).toHaveLength(2);
  });

  test("an aborted rollout leaves in-progress clusters with their operation, and resuming finishes without writing twice", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 2 }), timings: { operationMs: 300 } });
    const { spec } = parseRolloutSpec({ subscriptions: SUBSCRIPTIONS, settings: IPVS, maxConcurrency: 2 });
    const createClient = clientFactory(t);
    const clusters = await listRolloutClusters({ spec, createClient });
    const path = join(tempDir(), "journal.json");
    const file = await RolloutJournalFile.create(path, createRolloutJournal(planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION })));
    const controller = new AbortController();
    const first = await runRollout({
      journal: file,
      createClient,
      abortSignal: controller.signal,
      onProgress: (e) => {
        if (e.type === "cluster" && e.phase === "polling" && e.snapshot.counts.done >= 1) controller.abort();
      },
    });
    await file.close();
    expect(first.outcome).toBe("aborted");
    expect(first.counts.failed).toBe(0);
    const inFlight = first.journal.clusters.filter((c) => c.status === "in-progress");
    expect(inFlight.length).toBeGreaterThanOrEqual(1);
    expect(inFlight.some((c) => c.operationUrl)).toBe(true);
    expect(first.counts.pending).toBeGreaterThanOrEqual(1);

    const resumed = await RolloutJournalFile.open(path);
    const second = await runRollout({ journal: resumed, createClient });
    await resumed.close();
    expect(second.outcome).toBe("completed");
    expect(second.counts).toMatchObject({ done: 6, failed: 0 });
    expect(second.journal.runs.map((r) => [r.resumed, r.outcome])).toEqual([
      [false, "aborted"],
      [true, "completed"],
    ]);
    const writes = writesByCluster(t.em.control.requestLog());
    expect(writes.size).toBe(6);
    expect([...writes.values()].every((w) => w.length === 1)).toBe(true);
  });

  test("the preview is enabled before a subscription's first write when it is not", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 2 }) });
    t.em.control.setFeatureState({ subscriptionId: SUBSCRIPTIONS[1]!, name: FEATURE_NAME, state: "NotRegistered" });
    const { result } = await rollout(t, {});
    expect(result.outcome).toBe("completed");
    expect(result.counts.done).toBe(6);
    const log = t.em.control.requestLog();
    const sub = SUBSCRIPTIONS[1]!;
    const registers = log.filter((r) => r.method === "POST" && r.path.startsWith(`/subscriptions/${sub}`) && r.path.endsWith("/register"));
    expect(registers.length).toBeGreaterThanOrEqual(2); // the feature, then the provider refresh
    const firstWrite = log.find((r) => r.method === "PUT" && r.path.startsWith(`/subscriptions/${sub}/`))!;
    expect(Date.parse(firstWrite.time)).toBeGreaterThanOrEqual(Date.parse(registers.at(-1)!.time));
    expect(result.journal.subscriptions[sub]!.previewEnabled).toBe(true);
  });
});
