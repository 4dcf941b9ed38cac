/**
 * A rollout tells the truth at the edges, through the SDK's runner against the emulator: a cluster whose operation
 * status or provisioningState is a value the SDK does not know fails at once with that reason (in the journal), never
 * waiting out its deadline; a write Azure refused (429) is reported as refused, not as "may have reached Azure".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_API_VERSION } from "@aks-kube-proxy/sdk";
import { createRolloutJournal, listRolloutClusters, parseRolloutSpec, planRollout, RolloutJournalFile, runRollout, type RolloutJournal } from "@aks-kube-proxy/rollout";
import type { TestEmulator } from "./support/emulator";
import { clientFactory, fleetSeeds, startFleetEmulator, SUBSCRIPTIONS, tempDir } from "./rollout-fixtures";

const TWO = SUBSCRIPTIONS.slice(0, 2);

async function rollout(t: TestEmulator, options: { maxRetries?: number; clusterTimeoutInMs?: number } = {}): Promise<{ result: Awaited<ReturnType<typeof runRollout>>; journal: RolloutJournal }> {
  const { spec } = parseRolloutSpec({ subscriptions: TWO, settings: { mode: "IPVS" }, maxConcurrency: 2, halt: { maxFailures: 10 } });
  const createClient = clientFactory(t, { retry: { maxRetries: options.maxRetries ?? 0, retryDelayInMs: 10, maxRetryDelayInMs: 60_000 } });
  const clusters = await listRolloutClusters({ spec, createClient });
  const path = join(tempDir(), "j.json");
  const file = await RolloutJournalFile.create(path, createRolloutJournal(planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION })));
  const result = await runRollout({ journal: file, createClient, ...(options.clusterTimeoutInMs !== undefined ? { clusterTimeoutInMs: options.clusterTimeoutInMs } : {}) });
  await file.close();
  return { result, journal: JSON.parse(readFileSync(path, "utf8")) as RolloutJournal };
}

describe("a rollout on states the SDK does not know", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test("a cluster whose operation status is unknown, and one whose provisioningState is unknown, each fail at once with that reason in the journal", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ subscriptions: TWO, perSubscription: 1 }), subscriptions: TWO, timings: { operationMs: 600_000 } });
    const [odd, weird] = ["aks-1-000", "aks-2-000"];
    t.em.control.addFault({ kind: "unknown-state", pathPattern: `/managedClusters/${odd}$`, count: 1000, value: "Frobnicating" });
    t.em.control.addFault({ kind: "unknown-state", pathPattern: "/operations/", count: 1000, value: "Weird" });
    const { result, journal } = await rollout(t);
    expect(result.counts).toMatchObject({ total: 2, failed: 2, done: 0 });
    const byName = Object.fromEntries(journal.clusters.map((c) => [c.name, c]));
    expect(byName[odd]).toMatchObject({ status: "failed", error: { code: "UnknownClusterState", message: expect.stringContaining('"Frobnicating"') } });
    expect(byName[weird]).toMatchObject({ status: "failed", error: { code: "UnknownOperationStatus", message: expect.stringContaining('"Weird"') } });
    const log = t.em.control.requestLog();
    // at once: no write to the unknown cluster, one status poll of the other's operation, which still runs
    expect(log.filter((r) => r.method === "PUT" && r.path.endsWith(`/managedClusters/${odd}`))).toHaveLength(0);
    expect(log.filter((r) => r.method === "GET" && r.path.includes("/operations/"))).toHaveLength(1);
    const raw = t.em.control.getCluster({ subscriptionId: TWO[1]!, resourceGroup: "rg-green", name: weird }) as { properties: Record<string, unknown> };
    expect(raw.properties["provisioningState"]).toBe("Updating");
    expect(byName[weird]?.operationUrl).toContain("/operations/");
  });

  test("a cluster whose every write Azure refused with 429 until its time ran out (the client waiting to retry) fails as refused: nothing reached Azure, and the journal does not say it may have", async () => {
    const options = { maxRetries: 5, clusterTimeoutInMs: 2_500 };
    t = await startFleetEmulator({ clusters: fleetSeeds({ subscriptions: TWO, perSubscription: 1 }), subscriptions: TWO });
    t.em.control.addFault({ kind: "status", status: 429, method: "PUT", pathPattern: "managedClusters/", count: 1000, retryAfterSeconds: 1 });
    const { result, journal } = await rollout(t, options);
    expect(result.counts).toMatchObject({ total: 2, failed: 2 });
    for (const c of journal.clusters) {
      expect(c.status).toBe("failed");
      expect(c.error?.message).toMatch(/429|throttled/i);
      expect(c.error?.message).not.toMatch(/may have reached/i);
      expect(c.error?.message).toContain("nothing reached Azure");
    }
    expect(t.em.control.requestLog().filter((r) => r.method === "PUT" && r.status !== 429)).toEqual([]);
  });
});
