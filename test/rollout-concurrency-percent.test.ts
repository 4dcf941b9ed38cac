/**
 * `maxConcurrency` as Fleet Manager writes it, a count or a percentage: "25%" of a wave of 12 clusters keeps at most 3
 * in progress at once (seen in every progress snapshot of a real run against the emulator); the per-subscription and
 * per-wave percentages are taken of the clusters of that subscription in the wave, and of the wave.
 */
import { join } from "node:path";
import { DEFAULT_API_VERSION } from "@aks-kube-proxy/sdk";
import { ArmRateLimiter, createRolloutJournal, listRolloutClusters, parseRolloutSpec, planRollout, RolloutJournalFile, runRollout } from "@aks-kube-proxy/rollout";
import { concurrencyBounds } from "../packages/rollout/src/run/waveRunner";
import type { TestEmulator } from "./support/emulator";
import { clientFactory, fleetSeeds, startFleetEmulator, SUBSCRIPTIONS, tempDir } from "./rollout-fixtures";

describe("maxConcurrency as a count or a percentage", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test('"25%" overall: a wave of 12 clusters never has more than 3 in progress, and does reach 3', async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 4 }), timings: { operationMs: 150 } });
    const { spec } = parseRolloutSpec({ subscriptions: SUBSCRIPTIONS, settings: { mode: "NFTABLES" }, maxConcurrency: "25%", maxConcurrencyPerSubscription: 10 });
    expect(spec.maxConcurrencyPercent).toBe(25);
    const limiter = new ArmRateLimiter();
    const createClient = clientFactory(t);
    const plan = planRollout({ spec, clusters: await listRolloutClusters({ spec, createClient, rateLimiter: limiter }), apiVersion: DEFAULT_API_VERSION });
    const file = await RolloutJournalFile.create(join(tempDir(), "j.json"), createRolloutJournal(plan));
    let most = 0;
    const result = await runRollout({ journal: file, createClient, rateLimiter: limiter, onProgress: (e) => (most = Math.max(most, e.snapshot.counts.inProgress)) });
    await file.close();
    expect(result.counts).toMatchObject({ done: 12, failed: 0 });
    expect(most).toBe(3);
  }, 60_000);

  test("per subscription and per wave: percentages of that subscription's clusters in the wave, and of the wave; counts as before", () => {
    const [a, b] = SUBSCRIPTIONS as [string, string];
    const { spec } = parseRolloutSpec({
      subscriptions: [{ id: a, maxConcurrency: "50%" }, b],
      settings: {},
      maxConcurrencyPerSubscription: "10%",
      waves: [{ name: "w", maxConcurrency: "40%" }],
    });
    const members = [...Array.from({ length: 6 }, () => ({ subscriptionId: a })), ...Array.from({ length: 4 }, () => ({ subscriptionId: b }))];
    const bounds = concurrencyBounds(spec, "w", members);
    expect(bounds.overall).toBe(4); // 40% of 10
    expect(bounds.perSubscription.get(a)).toBe(3); // 50% of 6
    expect(bounds.perSubscription.get(b)).toBe(1); // 10% of 4, rounded up
    const counts = parseRolloutSpec({ subscriptions: [a], settings: {}, maxConcurrency: 7, waves: [{ name: "w", maxConcurrency: 5 }] }).spec;
    expect(concurrencyBounds(counts, "w", members).overall).toBe(5);
    expect(() => parseRolloutSpec({ subscriptions: [a], settings: {}, maxConcurrency: "0%" })).toThrow(/maxConcurrency/);
  });
});
