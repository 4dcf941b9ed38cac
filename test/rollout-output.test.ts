/**
 * What `rollout` prints for scripts and people: `-o tsv` without `--query` is one row per cluster (not the report's
 * few top-level scalars), and `rollout apply --help` lists every exit code it can end with, from the one table.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RolloutReport } from "@aks-kube-proxy/rollout";
import { runCli } from "../packages/cli/test/support/run-cli";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, rolloutCli, startFleetEmulator, SUBSCRIPTIONS, tempDir } from "./rollout-fixtures";

describe("rollout -o tsv", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    // Two clusters per subscription; the first of each already runs the target settings (skipped as converged).
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 2, seed: (i) => (i === 0 ? { kubeProxyConfig: { mode: "IPVS" } } : {}) }) });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("rollout plan, apply and status print one tab-separated row per cluster without --query; --query still selects", async () => {
    const dir = tempDir();
    const file = join(dir, "rollout.json");
    const journal = join(dir, "j.json");
    writeFileSync(file, JSON.stringify({ name: "tsv", subscriptions: SUBSCRIPTIONS, settings: { mode: "IPVS" } }));

    const plan = await rolloutCli(t, dir, ["rollout", "plan", file, "-o", "tsv"]);
    expect(plan.code).toBe(0);
    const planRows = plan.stdout.trimEnd().split("\n").map((l) => l.split("\t"));
    expect(planRows).toHaveLength(SUBSCRIPTIONS.length * 2);
    expect(planRows.every((r) => r.length === 5 && SUBSCRIPTIONS.includes(r[0]!))).toBe(true);

    const apply = await rolloutCli(t, dir, ["rollout", "apply", file, "--journal", journal, "--yes", "-o", "tsv"]);
    expect(apply.code).toBe(0);
    const rows = apply.stdout.trimEnd().split("\n").map((l) => l.split("\t"));
    const status = await rolloutCli(t, dir, ["rollout", "status", journal, "-o", "json"]);
    const report = JSON.parse(status.stdout) as RolloutReport;
    expect(rows).toEqual(
      report.clusters.map((c) => [c.subscriptionId, c.resourceGroup, c.name, c.wave ?? "", c.status, c.status === "done" ? String(c.changed === true) : "", c.status === "failed" ? (c.error?.code ?? "") : (c.skipReason ?? "")]),
    );
    expect(rows.filter((r) => r[4] === "done" && r[5] === "true")).toHaveLength(SUBSCRIPTIONS.length);
    expect(rows.filter((r) => r[4] === "skipped" && r[6] === "converged")).toHaveLength(SUBSCRIPTIONS.length);

    const statusTsv = await rolloutCli(t, dir, ["rollout", "status", journal, "-o", "tsv"]);
    expect(statusTsv.stdout).toBe(apply.stdout);
    const queried = await rolloutCli(t, dir, ["rollout", "status", journal, "-o", "tsv", "--query", "counts.total"]);
    expect(queried.stdout.trim()).toBe(String(SUBSCRIPTIONS.length * 2));
  });
});

describe("rollout apply --help", () => {
  it("lists every exit code a run can end with: 0, 1, 3, 4, 5 and 130 (not 2: no --detailed-exitcode)", async () => {
    for (const command of ["apply", "rollback"]) {
      const help = await runCli(["rollout", command, "--help"]);
      expect(help.code).toBe(0);
      const text = help.stdout.slice(help.stdout.indexOf("# Exit codes:")).replace(/\n\s*#\s+/g, " ");
      for (const code of ["0", "1", "3", "4", "5", "130"]) expect(text).toMatch(new RegExp(`(: |, )${code} `));
      expect(text).not.toMatch(/, 2 /);
      expect(text).toContain("4 a cluster blocked by a rule was skipped");
      expect(text).toContain("5 not confirmed (no terminal and no --yes");
    }
  });
});
