/**
 * Rollout bookkeeping a user (and rollback) can trust, through the built CLI against the emulator:
 * `--resume --retry-failed` runs exactly the failed clusters again (their waves reopen), after a completed rollout and
 * after a halt; a rollback is refused while its rollout holds the journal; a hand-edited journal is a clean exit 3.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LoggedRequest } from "@aks-kube-proxy/arm-emulator";
import type { RolloutJournal, RolloutReport } from "@aks-kube-proxy/rollout";
import { CLI_BIN, emulatorEnv, emulatorFlags } from "../packages/cli/test/support/run-cli";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, readJournalNow, rolloutCli, startFleetEmulator, SUBSCRIPTIONS, tempDir } from "./rollout-fixtures";

const TARGET = { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } };

function rolloutYaml(dir: string, extra: string[] = []): string {
  const file = join(dir, "rollout.yaml");
  writeFileSync(file, ["name: book", `subscriptions: [${SUBSCRIPTIONS.join(", ")}]`, "settings: { mode: IPVS, ipvsConfig: { scheduler: RoundRobin } }", ...extra, ""].join("\n"));
  return file;
}

/** PUTs Azure accepted (200/201), by lower-cased cluster name. */
function acceptedPuts(log: readonly LoggedRequest[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of log) {
    const m = /\/managedClusters\/([^/?]+)$/i.exec(r.path);
    if (r.method !== "PUT" || !m || (r.status !== 200 && r.status !== 201)) continue;
    out.set(m[1]!.toLowerCase(), (out.get(m[1]!.toLowerCase()) ?? 0) + 1);
  }
  return out;
}

function clusterState(t: TestEmulator, c: { subscriptionId: string; resourceGroup: string; name: string }): { kubeProxyConfig: unknown; provisioningState: unknown } {
  const raw = t.em.control.getCluster(c)!;
  const p = raw["properties"] as { networkProfile: { kubeProxyConfig?: unknown }; provisioningState?: unknown };
  return { kubeProxyConfig: p.networkProfile.kubeProxyConfig, provisioningState: p.provisioningState };
}

describe("--resume --retry-failed", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test.each([
    ["a rollout that completed with failures", ["halt: { maxFailures: 100 }"], "completed"],
    ["a halted rollout", ["halt: { maxFailures: 1 }", "maxConcurrency: 1", "waves: [{ name: first, count: 6 }, { name: second }]"], "halted"],
  ])("after %s, it runs exactly the failed clusters again, and they end with the target settings and Succeeded", async (_name, extra, firstOutcome) => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 3 }) });
    const dir = tempDir();
    const file = rolloutYaml(dir, extra);
    const journal = join(dir, "j.json");
    // The next 2 operations end Failed: AKS keeps the requested settings and reads provisioningState Failed.
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "managedClusters/", count: 2, armCode: "KubeProxyUpgradeFailed", message: "node image rollout failed" });
    const first = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", journal, "--yes", "-o", "json"]);
    expect(first.code).toBe(1);
    const firstReport = JSON.parse(first.stdout) as RolloutReport;
    expect(firstReport.status).toBe(firstOutcome);
    expect(firstReport.counts.failed).toBe(2);
    const j1 = JSON.parse(readFileSync(journal, "utf8")) as RolloutJournal;
    const failed = j1.clusters.filter((c) => c.status === "failed");
    const notStarted = j1.clusters.filter((c) => c.status === "skipped" && c.skipReason === "halted");
    // A failed operation is failed in the journal, never done, even though the cluster holds the requested settings.
    for (const c of failed) expect(clusterState(t, c)).toEqual({ kubeProxyConfig: TARGET, provisioningState: "Failed" });

    const before = t.em.control.requestLog().length;
    const retried = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", journal, "--resume", "--retry-failed", "--yes", "-o", "json"]);
    expect([retried.code, retried.stderr]).toEqual([0, expect.any(String)]);
    const report = JSON.parse(retried.stdout) as RolloutReport;
    expect(report.status).toBe("completed");
    expect(report.counts).toMatchObject({ total: 9, done: 9, failed: 0, pending: 0 });
    // Exactly the failed clusters (and those the halt kept from starting) were written again, once each.
    const puts = acceptedPuts(t.em.control.requestLog().slice(before));
    expect([...puts.keys()].sort()).toEqual([...failed, ...notStarted].map((c) => c.name.toLowerCase()).sort());
    expect([...puts.values()].every((n) => n === 1)).toBe(true);
    for (const c of j1.clusters) expect([c.name, clusterState(t, c)]).toEqual([c.name, { kubeProxyConfig: TARGET, provisioningState: "Succeeded" }]);
  }, 60_000);

  it("after a halt, the wave that never started reads skipped (not pending), and the resume question counts what will run", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 3 }) });
    const dir = tempDir();
    const file = rolloutYaml(dir, ["halt: { maxFailures: 1 }", "maxConcurrency: 1", "waves: [{ name: first, count: 6 }, { name: second }]"]);
    const journal = join(dir, "j.json");
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "managedClusters/", count: 2, armCode: "KubeProxyUpgradeFailed", message: "node image rollout failed" });
    const first = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", journal, "--yes", "-o", "json"]);
    expect(first.code).toBe(1);
    const j1 = JSON.parse(readFileSync(journal, "utf8")) as RolloutJournal;
    const second = j1.clusters.filter((c) => c.wave === "second");
    expect(second.length).toBeGreaterThan(0);
    expect(second.every((c) => c.status === "skipped" && c.skipReason === "halted")).toBe(true);
    expect(j1.waves.map((w) => [w.name, w.status])).toEqual([["first", "halted"], ["second", "skipped"]]);
    const status = await rolloutCli(t, dir, ["rollout", "status", journal, "-o", "json"]);
    expect((JSON.parse(status.stdout) as RolloutReport).waves.map((w) => [w.name, w.status])).toEqual([["first", "halted"], ["second", "skipped"]]);

    // No terminal, no --yes: the question is refused (exit 5), and it names what --retry-failed would run.
    const failed = j1.clusters.filter((c) => c.status === "failed").length;
    const halted = j1.clusters.filter((c) => c.status === "skipped" && c.skipReason === "halted").length;
    const pending = j1.clusters.filter((c) => c.status === "pending").length;
    expect(failed).toBe(2);
    const before = t.em.control.requestLog().length;
    const asked = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", journal, "--resume", "--retry-failed"]);
    expect(asked.code).toBe(5);
    const parts = [pending > 0 ? `${pending} pending` : undefined, `${failed} failed (retried)`, `${halted} skipped by the halt (started now)`].filter(Boolean).join(", ");
    expect(asked.stderr).toContain(`Resume the rollout: run ${pending + failed + halted} cluster(s): ${parts}?`);
    expect(acceptedPuts(t.em.control.requestLog().slice(before)).size).toBe(0);
    // With --yes it runs exactly that many, and the reopened waves finish.
    const run = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", journal, "--resume", "--retry-failed", "--yes", "-o", "json"]);
    expect(run.code).toBe(0);
    expect(acceptedPuts(t.em.control.requestLog().slice(before)).size).toBe(pending + failed + halted);
    expect((JSON.parse(run.stdout) as RolloutReport).waves.map((w) => w.status)).toEqual(["done", "done"]);
  }, 60_000);
});

describe("journal safety through the CLI", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test("rollback is refused while its rollout runs, naming the process; it works once the rollout ended", async () => {
    // Long operations, one cluster at a time: the rollout surely still runs while the rollback is attempted.
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 2 }), timings: { operationMs: 1500 } });
    const dir = tempDir();
    const file = rolloutYaml(dir, ["maxConcurrency: 1"]);
    const journal = join(dir, "j.json");
    const child = spawn(process.execPath, [CLI_BIN, ...emulatorFlags(t.em), "rollout", "apply", file, "--journal", journal, "--yes"], { cwd: dir, env: emulatorEnv(t.em, { CI: "true" }), stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Wait until the rollout holds its journal and has written something.
    for (let i = 0; i < 2000; i++) {
      const j = (() => {
        try {
          return readJournalNow(journal);
        } catch {
          return undefined;
        }
      })();
      if (j?.clusters.some((c) => c.status === "in-progress")) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const refused = await rolloutCli(t, dir, ["rollout", "rollback", "--journal", journal, "--yes"]);
    const stillRunning = child.exitCode === null;
    expect(stillRunning).toBe(true);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Cannot roll back while the rollout runs: its journal ${journal} is in use by process ${child.pid}`);
    expect(refused.stderr).toContain("(rollout apply)");
    // Nothing was started: no rollback journal was created.
    expect(() => readFileSync(join(dir, "j.rollback.json"))).toThrow();
    t.em.control.setTimings({ operationMs: 20 });
    expect(await exited).toBe(0);
    const rolledBack = await rolloutCli(t, dir, ["rollout", "rollback", "--journal", journal, "--yes"]);
    expect(rolledBack.code).toBe(0);
  }, 60_000);

  test("a hand-edited journal (a null entry, maxConcurrency: 0, an unknown status): resume, status and rollback exit 3 with the path of the problem, no TypeError, nothing written", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ subscriptions: [SUBSCRIPTIONS[0]!], perSubscription: 2 }) });
    const dir = tempDir();
    const file = join(dir, "rollout.yaml");
    writeFileSync(file, `name: book\nsubscriptions: [${SUBSCRIPTIONS[0]}]\nsettings: { mode: IPVS }\n`);
    const journal = join(dir, "j.json");
    // A journal as the rollout writes it before running a wave (no wave matches), then edited.
    const created = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", journal, "--yes", "--wave", "none-such"]);
    expect(created.code).toBe(0);
    const original = readFileSync(journal, "utf8");
    const edits: [string, (j: Record<string, unknown>) => void, RegExp, string[][]][] = [
      [
        "a null cluster entry",
        (j) => ((j["clusters"] as unknown[])[0] = null),
        /\$\.clusters\[0\]: must be an object \(found null\)/,
        [
          ["rollout", "apply", file, "--journal", journal, "--resume", "--yes"],
          ["rollout", "status", journal],
          ["rollout", "rollback", "--journal", journal, "--yes"],
        ],
      ],
      ["maxConcurrency: 0", (j) => ((j["spec"] as Record<string, unknown>)["maxConcurrency"] = 0), /\$\.spec\.maxConcurrency/, [["rollout", "apply", file, "--journal", journal, "--resume", "--yes"]]],
      ["an unknown status", (j) => ((j["clusters"] as Record<string, unknown>[])[0]!["status"] = "finished"), /\$\.clusters\[0\]\.status/, [["rollout", "status", journal]]],
    ];
    const before = t.em.control.requestLog().length;
    for (const [name, edit, problem, commands] of edits) {
      const j = JSON.parse(original) as Record<string, unknown>;
      edit(j);
      writeFileSync(journal, JSON.stringify(j));
      for (const args of commands) {
        const run = await rolloutCli(t, dir, args);
        expect([name, args[1], run.code]).toEqual([name, args[1], 3]);
        expect(run.stderr).toMatch(problem);
        expect(run.stderr).not.toMatch(/TypeError|Unexpected error/);
      }
    }
    // Nothing was written to any cluster.
    expect(t.em.control.requestLog().slice(before).filter((r) => r.method === "PUT")).toEqual([]);
  }, 60_000);
});
