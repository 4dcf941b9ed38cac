/**
 * What a cluster waits for in the journal, through the SDK's runner against the emulator: its PUT waits for its intent
 * to be on disk (crash safety), but its slot does not wait for the record of its outcome (nothing is sent on the faith
 * of that record), so the next cluster starts at once. A cluster skipped by `rollout skip` while the wave runs is on
 * disk as skipped before the runner goes on to the next cluster (a kill -9 then cannot find it pending).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_API_VERSION } from "@aks-kube-proxy/sdk";
import { createRolloutJournal, listRolloutClusters, parseRolloutSpec, planRollout, RolloutJournalFile, runRollout, type OpenRolloutJournal } from "@aks-kube-proxy/rollout";
import type { TestEmulator } from "./support/emulator";
import { clientFactory, fleetSeeds, readJournalNow, startFleetEmulator, SUBSCRIPTIONS, tempDir } from "./rollout-fixtures";
import { waitFor } from "./support/waitFor";

const ONE = SUBSCRIPTIONS.slice(0, 1);

describe("journal writes on a cluster's path", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test("with one slot, the next cluster starts while the first one's outcome is still being written, and sends its PUT only once its own intent is on disk", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ subscriptions: ONE, perSubscription: 2 }), subscriptions: ONE, timings: { operationMs: 50 } });
    const { spec } = parseRolloutSpec({ subscriptions: ONE, settings: { mode: "IPVS" }, maxConcurrency: 1 });
    const createClient = clientFactory(t);
    const clusters = await listRolloutClusters({ spec, createClient });
    const path = join(tempDir(), "j.json");
    const file = await RolloutJournalFile.create(path, createRolloutJournal(planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION })));
    t.em.control.clearRequestLog();
    const pathOf = (id: string): string => new URL(id, "https://x").pathname.toLowerCase();
    const done = () => file.journal.clusters.find((c) => c.status === "done");
    // Every commit asked for once a cluster is done is held (its outcome, then the next cluster's intent).
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held: OpenRolloutJournal = {
      journal: file.journal,
      location: file.location,
      get writes() {
        return file.writes;
      },
      changed: (...cs) => file.changed(...cs),
      commit: () => (done() ? Promise.all([file.commit(), released]).then(() => undefined) : file.commit()),
      close: () => file.close(),
    };
    const run = runRollout({ journal: held, createClient });
    // The next cluster is read while the first one's outcome is held...
    const second = await waitFor("the next cluster read while the first one's outcome is held", () => {
      const first = done();
      return first && file.journal.clusters.find((c) => c !== first && c.status === "in-progress" && t.em.control.requestLog().some((r) => r.method === "GET" && r.path.toLowerCase() === pathOf(c.id)));
    });
    const requestsToSecond = () => t.em.control.requestLog().filter((r) => r.path.toLowerCase() === pathOf(second.id));
    // ...its intent is in the journal (the flush was asked for), but its PUT has not left: that flush is held too.
    await waitFor("the next cluster's intent asked to be flushed", () => second.written === true);
    expect(requestsToSecond().filter((r) => r.method === "PUT")).toHaveLength(0);
    release();
    const result = await run;
    await file.close();
    expect(result.counts).toMatchObject({ done: 2, failed: 0 });
    expect(requestsToSecond().filter((r) => r.method === "PUT" && r.status < 300)).toHaveLength(1);
    expect(readJournalNow(path)?.clusters.filter((c) => c.status === "done")).toHaveLength(2);
  });

  test("a cluster skipped by a skip request while its wave runs is skipped on disk before the next cluster starts", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ subscriptions: ONE, perSubscription: 3 }), subscriptions: ONE, timings: { operationMs: 50 } });
    const { spec } = parseRolloutSpec({ subscriptions: ONE, settings: { mode: "IPVS" }, maxConcurrency: 1 });
    const createClient = clientFactory(t);
    const clusters = await listRolloutClusters({ spec, createClient });
    const path = join(tempDir(), "j.json");
    const file = await RolloutJournalFile.create(path, createRolloutJournal(planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION })));
    const [first, second, third] = file.journal.clusters.filter((c) => c.status === "pending");
    if (!first || !second || !third) throw new Error("expected three clusters to change");
    // Once the first cluster is done, `rollout skip` of the second is recorded (the runner reads it before the second).
    let requested = false;
    /** What the journal on disk said about the second cluster when the third one started. */
    let onDiskWhenThirdStarted: string | undefined;
    const watched: OpenRolloutJournal = {
      journal: file.journal,
      location: file.location,
      get writes() {
        return file.writes;
      },
      changed: (...cs) => {
        if (onDiskWhenThirdStarted === undefined && cs.includes(third) && third.status === "in-progress") {
          onDiskWhenThirdStarted = readJournalNow(path)?.clusters.find((c) => c.id === second.id)?.status ?? "missing";
        }
        file.changed(...cs);
      },
      commit: () => {
        if (!requested && first.status === "done") {
          requested = true;
          writeFileSync(`${path}.control.json`, JSON.stringify({ skipClusters: [second.id.toLowerCase()], skipWaves: [] }));
        }
        return file.commit();
      },
      close: () => file.close(),
    };
    const result = await runRollout({ journal: watched, createClient });
    await file.close();
    expect(result.counts).toMatchObject({ done: 2, skipped: 1, failed: 0 });
    expect(second).toMatchObject({ status: "skipped", skipReason: "requested" });
    expect(onDiskWhenThirdStarted).toBe("skipped");
  });
});
