/**
 * ARM throttling during a rollout: small per-subscription budgets on the emulator (token buckets, 429 with
 * Retry-After, x-ms-ratelimit-remaining-* headers) and injected 429s. The rate limiter paces requests and absorbs
 * the 429s: no cluster fails, and no cluster is written more than once.
 */
import { join } from "node:path";
import { DEFAULT_API_VERSION } from "@aks-kube-proxy/sdk";
import { ArmRateLimiter, createRolloutJournal, listRolloutClusters, parseRolloutSpec, planRollout, RolloutJournalFile, runRollout } from "@aks-kube-proxy/rollout";
import type { TestEmulator } from "./support/emulator";
import { clientFactory, fleetSeeds, startFleetEmulator, SUBSCRIPTIONS, tempDir } from "./rollout-fixtures";

describe("rollout under ARM throttling", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test("tight read and write budgets and injected 429s are absorbed: every cluster done, each written once", async () => {
    t = await startFleetEmulator({
      clusters: fleetSeeds({ perSubscription: 8 }),
      throttling: { reads: { capacity: 8, refillPerSecond: 60 }, writes: { capacity: 2, refillPerSecond: 20 } },
    });
    // Two more 429s on writes, as another client sharing the budget would cause.
    t.em.control.addFault({ kind: "status", status: 429, method: "PUT", pathPattern: "managedClusters/", count: 2, retryAfterSeconds: 1 });
    const { spec } = parseRolloutSpec({ subscriptions: SUBSCRIPTIONS, settings: { mode: "IPVS" }, maxConcurrency: 24, maxConcurrencyPerSubscription: 8 });
    const limiter = new ArmRateLimiter();
    // The client's own retry policy is allowed no retries: any 429 that got through the limiter would fail a cluster.
    const createClient = clientFactory(t, { retry: { maxRetries: 0 } });
    const clusters = await listRolloutClusters({ spec, createClient, rateLimiter: limiter });
    const file = await RolloutJournalFile.create(join(tempDir(), "j.json"), createRolloutJournal(planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION })));
    const result = await runRollout({ journal: file, createClient, rateLimiter: limiter });
    await file.close();

    expect(result.outcome).toBe("completed");
    expect(result.counts).toMatchObject({ total: 24, done: 24, failed: 0 });
    const log = t.em.control.requestLog();
    const throttled = log.filter((r) => r.status === 429);
    // Throttling did bind: at least the injected 429s arrived, and the limiter saw every one of them.
    expect(throttled.length).toBeGreaterThanOrEqual(2);
    const stats = result.rateLimiter;
    expect(stats.throttled.reads + stats.throttled.writes).toBe(throttled.length);
    // Each cluster has exactly one accepted write.
    const accepted = log.filter((r) => r.method === "PUT" && r.status >= 200 && r.status < 300);
    expect(accepted).toHaveLength(24);
    expect(new Set(accepted.map((r) => r.path.toLowerCase())).size).toBe(24);
  });
});
