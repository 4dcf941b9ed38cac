/**
 * A rollout killed mid-way (SIGKILL of the CLI process, as a crash or a cancelled CI job would) and resumed with
 * `rollout apply --resume`: no cluster is written twice, and a cluster whose operation was in progress is re-attached
 * (its operation URL polled) instead of written again. Spawns the built CLI (packages/cli/dist) against the emulator.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, readJournalNow, startFleetEmulator, SUBSCRIPTIONS, tempDir, writesByCluster } from "./rollout-fixtures";
import { waitFor } from "./support/waitFor";

const BIN = join(__dirname, "..", "packages", "cli", "dist", "bin.js");

function cli(t: TestEmulator, cwd: string, args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, "--endpoint", t.em.url, "--poll-interval", "20ms", ...args], {
    cwd,
    env: { ...process.env, ...t.em.env, CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

const readJournal = readJournalNow;


describe("rollout resume after a crash", () => {
  let t: TestEmulator;
  afterAll(async () => {
    await t?.stop();
  });

  test("a killed rollout resumes without writing a done cluster again and re-attaches to the in-progress operation", async () => {
    // Operations long enough to catch one in flight; two clusters at a time so the rollout takes a while.
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 4 }), timings: { operationMs: 700 } });
    const dir = tempDir();
    const rolloutFile = join(dir, "rollout.yaml");
    const journalPath = join(dir, "journal.json");
    writeFileSync(
      rolloutFile,
      [
        "name: resume-test",
        "subscriptions:",
        ...SUBSCRIPTIONS.map((s) => `  - ${s}`),
        "settings: { mode: IPVS, ipvsConfig: { scheduler: RoundRobin } }",
        "maxConcurrency: 2",
        "",
      ].join("\n"),
    );

    const first = cli(t, dir, ["rollout", "apply", rolloutFile, "--journal", journalPath, "--yes"]);
    // Kill it once some clusters are done and another one's operation is in progress (its URL in the journal).
    const atKill = await waitFor("done clusters and an in-progress operation in the journal", () => {
      const j = readJournal(journalPath);
      if (!j) return undefined;
      const done = j.clusters.filter((c) => c.status === "done");
      const inFlight = j.clusters.filter((c) => c.status === "in-progress" && c.operationUrl);
      return done.length >= 2 && inFlight.length >= 1 ? j : undefined;
    });
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");

    const journalAfterKill = readJournal(journalPath)!;
    const doneBefore = journalAfterKill.clusters.filter((c) => c.status === "done");
    const inFlight = journalAfterKill.clusters.filter((c) => c.status === "in-progress" && c.operationUrl);
    expect(doneBefore.length).toBeGreaterThanOrEqual(atKill.clusters.filter((c) => c.status === "done").length);
    expect(inFlight.length).toBeGreaterThanOrEqual(1);
    expect(journalAfterKill.status).toBe("running");

    // `rollout status` reads the crashed journal.
    const status = await cli(t, dir, ["rollout", "status", journalPath, "-o", "json"]).done;
    expect(status.code).toBe(0);
    const statusReport = JSON.parse(status.stdout) as { counts: { done: number; inProgress: number } };
    expect(statusReport.counts.done).toBe(doneBefore.length);

    const logBeforeResume = t.em.control.requestLog().length;
    const resumed = await cli(t, dir, ["rollout", "apply", rolloutFile, "--journal", journalPath, "--resume", "--yes", "-o", "json"]).done;
    expect(resumed.stderr).toContain("Resuming");
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout) as { status: string; counts: { total: number; done: number; failed: number } };
    expect(report.status).toBe("completed");
    expect(report.counts).toMatchObject({ total: 12, done: 12, failed: 0 });

    const log = t.em.control.requestLog();
    const resumedLog = log.slice(logBeforeResume);
    // Every cluster was written exactly once over both runs.
    const writes = writesByCluster(log);
    expect(writes.size).toBe(12);
    for (const [name, rs] of writes) expect([name, rs.length]).toEqual([name, 1]);
    // Nothing done before the crash was written (or even read) by the resumed run.
    const resumedWrites = writesByCluster(resumedLog);
    for (const c of doneBefore) {
      expect(resumedWrites.has(c.name.toLowerCase())).toBe(false);
      expect(resumedLog.some((r) => r.path.toLowerCase().endsWith(`/managedclusters/${c.name.toLowerCase()}`))).toBe(false);
    }
    // The in-progress cluster was re-attached: its operation URL polled by the resumed run, no new write.
    for (const c of inFlight) {
      expect(resumedWrites.has(c.name.toLowerCase())).toBe(false);
      const opPath = new URL(c.operationUrl!).pathname;
      expect(resumedLog.some((r) => r.method === "GET" && r.path === opPath)).toBe(true);
    }
    // And the emulator agrees: every cluster runs the new settings.
    for (const c of readJournal(journalPath)!.clusters) {
      const raw = t.em.control.getCluster({ subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, name: c.name })!;
      expect((raw["properties"] as { networkProfile: { kubeProxyConfig: unknown } }).networkProfile.kubeProxyConfig).toEqual({ mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } });
    }
  }, 60_000);
});
