/**
 * `rollout stop` and `rollout skip` through the journal, from the command line against the emulator: a running
 * rollout honours a stop at its next cluster (the cluster in progress finishes, no other starts, outcome `stopped`,
 * exit 1), skip requests recorded meanwhile are honoured when it goes on (never written, reason `requested`), and
 * `stop --lift` then `--resume` finishes the rest, each cluster written once. Spawns the built CLI: `pnpm build` first.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RolloutJournal } from "@aks-kube-proxy/rollout";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, readJournalNow, rolloutCli, startFleetEmulator, SUBSCRIPTIONS, tempDir, writesByCluster } from "./rollout-fixtures";
import { emulatorEnv, emulatorFlags, runCli } from "../packages/cli/test/support/run-cli";

let t: TestEmulator;
afterEach(async () => {
  await t?.stop();
});

/** The journal as on disk now: its snapshot and its log (a run in progress appends its steps to the log). */
function journalAt(path: string): RolloutJournal | undefined {
  return readJournalNow(path);
}

test("stop is honoured by the running rollout at its next cluster; skips of a cluster and a wave are honoured when it goes on; lift and resume finish the rest once", async () => {
  t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 2 }), timings: { operationMs: 200 } });
  const dir = tempDir();
  const file = join(dir, "rollout.json");
  writeFileSync(file, JSON.stringify({ name: "skip-stop", subscriptions: SUBSCRIPTIONS, settings: { mode: "NFTABLES" }, maxConcurrency: 1, waves: [{ name: "one", count: 4 }, { name: "two" }] }));
  const journal = join(dir, "j.json");
  let stopped: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const run = await runCli([...emulatorFlags(t.em), "rollout", "apply", file, "--journal", "j.json", "--yes"], {
    cwd: dir,
    env: emulatorEnv(t.em, { CI: "true" }),
    onSpawn: () => {
      // Once the first cluster is done (and the next one runs), hold every operation that starts from now on, so the
      // rollout cannot finish before the stop (a CLI of its own) is recorded; then record the stop and release them.
      timer = setInterval(() => {
        const j = journalAt(journal);
        if (!stopped && j && j.clusters.filter((c) => c.status === "done").length >= 1) {
          clearInterval(timer);
          t.em.control.setTimings({ operationMs: 600_000 });
          stopped = rolloutCli(t, dir, ["rollout", "stop", "--journal", "j.json"]).then((r) => {
            t.em.control.setTimings({ operationMs: 200 });
            t.em.control.finishOperations();
            return r;
          });
        }
      }, 10);
    },
  });
  clearInterval(timer);
  await stopped;
  expect(run.code).toBe(1);
  expect(run.stderr).toContain("Stopped by `rollout stop`");
  let j = journalAt(journal)!;
  expect(j.status).toBe("stopped");
  expect(j.stopped?.by).toBeTruthy();
  expect(j.clusters.filter((c) => c.status === "in-progress")).toHaveLength(0);
  const doneBefore = j.clusters.filter((c) => c.status === "done").length;
  expect(doneBefore).toBeGreaterThanOrEqual(1);
  expect(doneBefore).toBeLessThan(6);
  expect(writesByCluster(t.em.control.requestLog()).size).toBe(doneBefore);

  // While stopped: skip one pending cluster of wave one, and the whole of wave two.
  const pendingOne = j.clusters.find((c) => c.wave === "one" && c.status === "pending");
  if (pendingOne) expect((await rolloutCli(t, dir, ["rollout", "skip", "--journal", "j.json", "--cluster", pendingOne.id])).code).toBe(0);
  expect((await rolloutCli(t, dir, ["rollout", "skip", "--journal", "j.json", "--wave", "two"])).code).toBe(0);
  expect((await rolloutCli(t, dir, ["rollout", "skip", "--journal", "j.json", "--wave", "nope"])).code).toBe(3);

  // Still stopped: a resume starts nothing.
  const still = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--resume", "--yes"]);
  expect(still.code).toBe(1);
  expect(writesByCluster(t.em.control.requestLog()).size).toBe(doneBefore);

  expect((await rolloutCli(t, dir, ["rollout", "stop", "--journal", "j.json", "--lift"])).code).toBe(0);
  const resumed = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--resume", "--yes"]);
  expect([resumed.code, resumed.stderr]).toEqual([0, expect.any(String)]);
  j = journalAt(journal)!;
  const requested = j.clusters.filter((c) => c.skipReason === "requested");
  expect(requested.map((c) => c.wave).filter((w) => w === "two")).toHaveLength(2);
  if (pendingOne) expect(j.clusters.find((c) => c.id === pendingOne.id)).toMatchObject({ status: "skipped", skipReason: "requested" });
  const writes = writesByCluster(t.em.control.requestLog());
  for (const c of requested) expect(writes.has(c.name.toLowerCase())).toBe(false);
  expect([...writes.values()].every((rs) => rs.length === 1)).toBe(true);
  expect(j.clusters.filter((c) => c.status === "done")).toHaveLength(6 - requested.length);
}, 90_000);
