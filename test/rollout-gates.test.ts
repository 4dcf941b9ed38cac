/**
 * Progressive delivery, end to end from the command line against the emulator (its ARM API and each cluster's
 * Kubernetes API over real HTTPS): health gates that see the data plane (a canary whose kube-proxy never converges
 * halts the fleet before wave 2 with one write in total; `halt.rollback` restores it; a crash during the gate resumes
 * the gate, not the write), approval gates (`rollout approve`), and idempotent CI re-runs. Spawns the built CLI:
 * `pnpm build` first.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RolloutJournal } from "@aks-kube-proxy/rollout";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, readJournalNow, rolloutCli, startFleetEmulator, SUBSCRIPTIONS, tempDir, writesByCluster } from "./rollout-fixtures";
import { emulatorEnv, emulatorFlags, runCli } from "../packages/cli/test/support/run-cli";

const SUBS = SUBSCRIPTIONS.slice(0, 2);
const NFTABLES = { mode: "NFTABLES" };

function writeRollout(dir: string, body: Record<string, unknown>): string {
  const file = join(dir, "rollout.json");
  writeFileSync(file, JSON.stringify({ name: "gates", subscriptions: SUBS, settings: NFTABLES, ...body }));
  return file;
}

/** The journal as on disk now: its snapshot and its log (a run in progress appends its steps to the log). */
function readJournal(path: string): RolloutJournal {
  const j = readJournalNow(path);
  if (!j) throw new Error(`${path}: not written yet, or read during a compaction`);
  return j;
}

function totalWrites(t: TestEmulator): number {
  return [...writesByCluster(t.em.control.requestLog()).values()].reduce((n, rs) => n + rs.length, 0);
}

/** Every cluster of the fleet, as the emulator's fault API names them. */
function everyCluster(): { subscriptionId: string; resourceGroup: string; name: string }[] {
  return fleetSeeds({ subscriptions: SUBS, perSubscription: 2 }).map((s) => ({ subscriptionId: s.subscriptionId!, resourceGroup: s.resourceGroup, name: s.name }));
}

describe("rollout health gates (data plane)", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  async function start(): Promise<void> {
    t = await startFleetEmulator({ clusters: fleetSeeds({ subscriptions: SUBS, perSubscription: 2 }), subscriptions: SUBS, timings: { kubeProxyRolloutPerNodeMs: 10 } });
  }

  test("a canary whose data plane never converges halts the fleet before wave 2: one write in total, the gate's nodes and reason in the journal", async () => {
    await start();
    // Every cluster has a node that never takes the new kube-proxy: whichever is the canary, its gate cannot pass.
    for (const cluster of everyCluster()) t.em.control.addKubeFault({ kind: "kube-node-stuck", cluster });
    const dir = tempDir();
    const file = writeRollout(dir, { waves: [{ name: "canary", count: 1, healthGate: { dataPlane: true, timeout: "2s" } }, { name: "rest" }] });
    const run = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--yes"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/halted: 1 of 1 clusters in wave "canary" failed/);
    expect(totalWrites(t)).toBe(1);
    const j = readJournal(join(dir, "j.json"));
    const canary = j.clusters.find((c) => c.wave === "canary")!;
    expect(canary.status).toBe("failed");
    expect(canary.error?.code).toBe("HealthGateFailed");
    const state = t.em.control.kubeState({ subscriptionId: canary.subscriptionId, resourceGroup: canary.resourceGroup, name: canary.name })!;
    const stuck = state.nodes.find((n) => n.os === "linux" && n.pod?.command.includes("--proxy-mode=iptables"))!.name;
    expect(canary.gate).toMatchObject({ status: "failed", nodes: [stuck] });
    expect(canary.error?.message).toContain(stuck);
    expect(j.clusters.filter((c) => c.wave === "rest").every((c) => c.status === "skipped" && c.skipReason === "halted")).toBe(true);
    expect(j.halt?.wave).toBe("canary");
  }, 60_000);

  test("halt with rollback: true restores the canary through the rollback (its settings back as before), and the wave records it", async () => {
    await start();
    for (const cluster of everyCluster()) t.em.control.addKubeFault({ kind: "kube-node-stuck", cluster });
    const dir = tempDir();
    const file = writeRollout(dir, {
      waves: [{ name: "canary", count: 1, halt: { maxFailures: 0, rollback: true } }, { name: "rest" }],
      healthGate: { dataPlane: true, timeout: "2s" },
    });
    const run = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--yes", "-o", "json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Halt with rollback: restoring the 1 written cluster\(s\) of wave canary/);
    const j = readJournal(join(dir, "j.json"));
    const canary = j.clusters.find((c) => c.wave === "canary")!;
    const writes = writesByCluster(t.em.control.requestLog());
    // The rollout's write, then the rollback's; nobody else was written.
    expect(writes.size).toBe(1);
    expect(writes.get(canary.name.toLowerCase())).toHaveLength(2);
    const cluster = t.em.control.getCluster({ subscriptionId: canary.subscriptionId, resourceGroup: canary.resourceGroup, name: canary.name }) as {
      properties: { networkProfile: { kubeProxyConfig?: { mode?: string } }; provisioningState: string };
    };
    expect(cluster.properties.networkProfile.kubeProxyConfig?.mode).toBe("IPTABLES");
    expect(cluster.properties.provisioningState).toBe("Succeeded");
    expect(j.waves.find((w) => w.name === "canary")?.rolledBack).toMatchObject({ clusters: 1, outcome: "completed" });
    const rollback = readJournal(join(dir, "j.rollback.json"));
    expect(rollback.clusters.find((c) => c.id === canary.id)?.status).toBe("done");
    // One JSON document on stdout: the rollout's report.
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "halted", operation: "apply" });
  }, 60_000);

  test("gates that pass: every cluster done only after kube-proxy runs the mode on its nodes", async () => {
    await start();
    const dir = tempDir();
    const file = writeRollout(dir, { waves: [{ name: "canary", count: 1 }, { name: "rest" }], healthGate: { dataPlane: true, timeout: "30s" } });
    const run = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--yes"]);
    expect([run.code, run.stderr]).toEqual([0, expect.any(String)]);
    const j = readJournal(join(dir, "j.json"));
    for (const c of j.clusters) {
      expect([c.name, c.status, c.gate?.status, c.gate?.verdict]).toEqual([c.name, "done", "passed", "converged"]);
      const state = t.em.control.kubeState({ subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, name: c.name })!;
      expect(state.nodes.filter((n) => n.os === "linux").every((n) => n.proxyMode === "nftables")).toBe(true);
    }
    expect(totalWrites(t)).toBe(4);
  }, 60_000);

  test("an unreachable API server fails the gate (halt) by default, and counts as done, recorded as skipped, with unreachable: skip", async () => {
    await start();
    for (const cluster of everyCluster()) t.em.control.addKubeFault({ kind: "kube-unreachable", cluster, how: "refuse" });
    const dir = tempDir();
    const failing = writeRollout(dir, { waves: [{ name: "canary", count: 1 }, { name: "rest" }], healthGate: { dataPlane: true, timeout: "20s" } });
    const failed = await rolloutCli(t, dir, ["rollout", "apply", failing, "--journal", "fail.json", "--yes"]);
    expect(failed.code).toBe(1);
    const jf = readJournal(join(dir, "fail.json"));
    const canary = jf.clusters.find((c) => c.wave === "canary")!;
    expect(canary).toMatchObject({ status: "failed", gate: { status: "failed", verdict: "unreachable" } });
    expect(canary.error?.message).toContain("unreachable: skip");

    const dir2 = tempDir();
    const skipping = writeRollout(dir2, { waves: [{ name: "canary", count: 1 }, { name: "rest" }], healthGate: { dataPlane: true, timeout: "20s", unreachable: "skip" } });
    const passed = await rolloutCli(t, dir2, ["rollout", "apply", skipping, "--journal", "skip.json", "--yes"]);
    expect([passed.code, passed.stderr]).toEqual([0, expect.any(String)]);
    const js = readJournal(join(dir2, "skip.json"));
    // The first rollout's canary already runs NFTABLES in ARM: planned as converged, never gated. Every other one was gated.
    const gated = js.clusters.filter((c) => c.skipReason !== "converged");
    expect(gated).toHaveLength(3);
    expect(gated.every((c) => c.status === "done" && c.gate?.status === "skipped" && c.gate.verdict === "unreachable")).toBe(true);
  }, 60_000);

  test("killed while the gate waits: the resume continues the gate (same deadline) and never writes the cluster again", async () => {
    await start();
    // A node that does not take the new kube-proxy until the fault is cleared (the controller comes back to it).
    for (const cluster of everyCluster()) t.em.control.addKubeFault({ kind: "kube-node-stuck", cluster });
    const dir = tempDir();
    const file = writeRollout(dir, { waves: [{ name: "canary", count: 1 }, { name: "rest" }], healthGate: { dataPlane: true, timeout: "5m" } });
    let timer: NodeJS.Timeout | undefined;
    // Killed once the journal holds the gate's wait state (the deadline), while kube-proxy still rolls out.
    const first = await runCli([...emulatorFlags(t.em), "rollout", "apply", file, "--journal", "j.json", "--yes"], {
      cwd: dir,
      env: emulatorEnv(t.em, { CI: "true" }),
      onSpawn: (child) => {
        timer = setInterval(() => {
          try {
            const j = readJournal(join(dir, "j.json"));
            if (j.clusters.some((c) => c.gate?.status === "waiting" && c.gate.waitState !== undefined)) {
              clearInterval(timer);
              child.kill("SIGKILL");
            }
          } catch {
            // not written yet, or being replaced
          }
        }, 20);
      },
    });
    clearInterval(timer);
    expect(first.signal).toBe("SIGKILL");
    const before = readJournal(join(dir, "j.json"));
    const canary = before.clusters.find((c) => c.wave === "canary")!;
    expect(canary).toMatchObject({ status: "in-progress", phase: "gate", gate: { status: "waiting" } });
    const deadline = (JSON.parse(canary.gate!.waitState!) as { deadlineAt: number }).deadlineAt;
    expect(totalWrites(t)).toBe(1);

    t.em.control.clearKubeFaults();
    const resumed = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--resume", "--yes"]);
    expect([resumed.code, resumed.stderr]).toEqual([0, expect.any(String)]);
    const after = readJournal(join(dir, "j.json"));
    const c = after.clusters.find((x) => x.id === canary.id)!;
    expect(c).toMatchObject({ status: "done", gate: { status: "passed" } });
    // The canary was written once (before the kill); the resume wrote only the other clusters, once each.
    const writes = writesByCluster(t.em.control.requestLog());
    expect(writes.get(canary.name.toLowerCase())).toHaveLength(1);
    expect([...writes.values()].every((rs) => rs.length === 1)).toBe(true);
    expect(deadline).toBeGreaterThan(Date.parse(canary.gate!.startedAt));
    // The same gate continued (started before the kill), not a new one.
    expect(c.gate?.startedAt).toBe(canary.gate!.startedAt);
  }, 90_000);
});

describe("rollout approval gates", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test("approval: true stops before the wave (exit 6, the approve command printed) until `rollout approve`; status shows it; --resume then runs it", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ subscriptions: SUBS, perSubscription: 2 }), subscriptions: SUBS });
    const dir = tempDir();
    const file = writeRollout(dir, { waves: [{ name: "canary", count: 1 }, { name: "prod", approval: true }] });
    const run = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--yes"]);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('Awaiting approval: wave "prod"');
    expect(run.stderr).toContain("aks-kube-proxy rollout approve --journal j.json --wave prod");
    expect(totalWrites(t)).toBe(1);
    let j = readJournal(join(dir, "j.json"));
    expect(j.status).toBe("awaiting-approval");
    expect(j.awaitingApproval?.wave).toBe("prod");
    expect(j.clusters.filter((c) => c.wave === "prod").every((c) => c.status === "pending")).toBe(true);

    const status = await rolloutCli(t, dir, ["rollout", "status", "j.json"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/prod: AWAITING APPROVAL/);

    // Without the approval, a resume stops again and writes nothing.
    const again = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--resume", "--yes"]);
    expect(again.code).toBe(6);
    expect(totalWrites(t)).toBe(1);

    const wrong = await rolloutCli(t, dir, ["rollout", "approve", "--journal", "j.json", "--wave", "canary"]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain("waves that need an approval: prod");

    const approve = await runCli([...emulatorFlags(t.em), "rollout", "approve", "--journal", "j.json", "--wave", "prod"], { cwd: dir, env: emulatorEnv(t.em, { GITHUB_ACTOR: "octo-approver" }) });
    expect([approve.code, approve.stderr]).toEqual([0, ""]);
    expect(approve.stdout).toContain("Approved wave prod as octo-approver");
    j = readJournal(join(dir, "j.json"));
    expect(j.waves.find((w) => w.name === "prod")?.approval).toMatchObject({ by: "octo-approver", source: expect.stringContaining("GITHUB_ACTOR") });

    const status2 = await rolloutCli(t, dir, ["rollout", "status", "j.json"]);
    expect(status2.stdout).toMatch(/prod: approved by octo-approver at /);

    const done = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--resume", "--yes"]);
    expect([done.code, done.stderr]).toEqual([0, expect.any(String)]);
    expect(totalWrites(t)).toBe(4);
    expect(readJournal(join(dir, "j.json")).status).toBe("completed");

    // Its rollback (same waves) is not held for the approval: it restores every cluster in one run.
    const rollback = await rolloutCli(t, dir, ["rollout", "rollback", "--journal", "j.json", "--yes"]);
    expect([rollback.code, rollback.stderr]).toEqual([0, expect.any(String)]);
    expect(totalWrites(t)).toBe(8);
  }, 60_000);
});

describe("idempotent CI re-runs", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test("re-running apply with the same file and journal after it finished reports already done (exit 0, no write); a changed file is refused naming the change", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ subscriptions: SUBS, perSubscription: 2 }), subscriptions: SUBS });
    const dir = tempDir();
    const file = writeRollout(dir, { waves: [{ name: "canary", count: 1 }, { name: "rest" }] });
    const first = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--yes"]);
    expect(first.code).toBe(0);
    expect(totalWrites(t)).toBe(4);
    const second = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--yes"]);
    expect([second.code, second.stderr]).toEqual([0, expect.stringContaining("Already done: j.json completed")]);
    expect(totalWrites(t)).toBe(4);

    writeRollout(dir, { settings: { mode: "IPVS" }, waves: [{ name: "canary", count: 1 }, { name: "rest" }] });
    const changed = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--yes"]);
    expect(changed.code).toBe(3);
    expect(changed.stderr).toContain('settings.mode: "NFTABLES" → "IPVS"');
    expect(totalWrites(t)).toBe(4);
  }, 60_000);

  test("re-running apply after an interrupted run continues it: the clusters left are written once, the others not again", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ subscriptions: SUBS, perSubscription: 2 }), subscriptions: SUBS });
    const dir = tempDir();
    const file = writeRollout(dir, { waves: [{ name: "canary", count: 1 }, { name: "prod", approval: true }] });
    // The first run stops before prod (a run that did not finish); approving and re-running without --resume goes on.
    expect((await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--yes"])).code).toBe(6);
    expect((await rolloutCli(t, dir, ["rollout", "approve", "--journal", "j.json", "--wave", "prod"])).code).toBe(0);
    const rerun = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", "j.json", "--yes"]);
    expect([rerun.code, rerun.stderr]).toEqual([0, expect.stringContaining("exists: continuing it")]);
    const writes = writesByCluster(t.em.control.requestLog());
    expect(writes.size).toBe(4);
    expect([...writes.values()].every((rs) => rs.length === 1)).toBe(true);
  }, 60_000);
});
