/**
 * What a cluster waits for in the journal, through the SDK's runner against the emulator: its PUT waits for its intent
 * to be on disk (crash safety), but its slot does not wait for the record of its outcome (nothing is sent on the faith
 * of that record), so the next cluster starts at once.
 */
import { join } from "node:path";
import { createRolloutJournal, DEFAULT_API_VERSION, listRolloutClusters, parseRolloutSpec, planRollout, RolloutJournalFile, runRollout, type OpenRolloutJournal } from "@aks-kube-proxy/sdk";
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
});
