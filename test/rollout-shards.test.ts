/**
 * Sharded rollouts as a CI matrix runs them: `rollout plan/apply --shard i/n` in separate processes, then
 * `rollout merge` into one JSON report and one JUnit file. Every cluster is in exactly one shard; the merged reports
 * parse and match the emulator's state. Spawns the built CLI.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import type { RolloutJournal, RolloutReport } from "@aks-kube-proxy/rollout";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, rolloutCli, startFleetEmulator, SUBSCRIPTIONS, tempDir, writesByCluster } from "./rollout-fixtures";

interface JUnitCase {
  "@_classname": string;
  "@_name": string;
  failure?: unknown;
  skipped?: { "@_message": string };
}

describe("sharded rollout", () => {
  let t: TestEmulator;
  afterAll(async () => {
    await t?.stop();
  });

  test("three shards cover every cluster exactly once, and merge gives one JSON and one JUnit report matching the emulator", async () => {
    const seeds = fleetSeeds({ perSubscription: 5, seed: (i) => (i === 4 ? { kubeProxyConfig: { mode: "IPVS" } } : {}) });
    t = await startFleetEmulator({ clusters: seeds });
    const dir = tempDir();
    const rolloutFile = join(dir, "rollout.json");
    writeFileSync(rolloutFile, JSON.stringify({ name: "sharded", subscriptions: SUBSCRIPTIONS, settings: { mode: "IPVS" }, waves: [{ name: "canary", count: 1 }, { name: "rest" }] }));

    // Plans of the shards: disjoint, and together the whole fleet.
    const plans = await Promise.all([1, 2, 3].map((i) => rolloutCli(t, dir, ["rollout", "plan", rolloutFile, "--shard", `${i}/3`, "-o", "json"])));
    const planned = plans.map((p) => {
      expect(p.code).toBe(0);
      return (JSON.parse(p.stdout) as { clusters: { id: string }[] }).clusters.map((c) => c.id.toLowerCase());
    });
    const all = planned.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set(seeds.map((s) => `/subscriptions/${s.subscriptionId}/resourcegroups/${s.resourceGroup}/providers/microsoft.containerservice/managedclusters/${s.name}`)));
    expect(planned.every((p) => p.length > 0)).toBe(true);

    // The matrix: three jobs at once, each with its own journal.
    const runs = await Promise.all([1, 2, 3].map((i) => rolloutCli(t, dir, ["rollout", "apply", rolloutFile, "--shard", `${i}/3`, "--journal", join(dir, `shard-${i}.json`), "--yes"])));
    for (const r of runs) expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
    const journals = [1, 2, 3].map((i) => JSON.parse(readFileSync(join(dir, `shard-${i}.json`), "utf8")) as RolloutJournal);
    const journalIds = journals.flatMap((j) => j.clusters.map((c) => c.id.toLowerCase()));
    expect(journalIds.sort()).toEqual([...all].sort());

    // Every changed cluster written once; converged ones never.
    const writes = writesByCluster(t.em.control.requestLog());
    expect(writes.size).toBe(12);
    expect([...writes.values()].every((w) => w.length === 1)).toBe(true);

    // Merge: one report, one JUnit file.
    const junitPath = join(dir, "rollout.xml");
    const reportPath = join(dir, "rollout.report.json");
    const merged = await rolloutCli(t, dir, ["rollout", "merge", ...[1, 2, 3].map((i) => join(dir, `shard-${i}.json`)), "--junit", junitPath, "--report", reportPath, "-o", "json"]);
    expect(merged.code).toBe(0);
    const report = JSON.parse(merged.stdout) as RolloutReport;
    expect(JSON.parse(readFileSync(reportPath, "utf8"))).toEqual(report);
    expect(report.status).toBe("completed");
    expect(report.shards).toEqual({ count: 3, present: [1, 2, 3], missing: [] });
    expect(report.counts).toMatchObject({ total: 15, done: 12, changed: 12, skipped: 3, failed: 0 });
    for (const c of report.clusters) {
      const raw = t.em.control.getCluster({ subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, name: c.name })!;
      const actual = (raw["properties"] as { networkProfile: { kubeProxyConfig?: unknown } }).networkProfile.kubeProxyConfig;
      if (c.status === "done") expect(c.after).toEqual(actual);
      expect(actual).toEqual({ mode: "IPVS" });
    }

    const xml = readFileSync(junitPath, "utf8");
    const parsed = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "testsuite" || name === "testcase" }).parse(xml) as {
      testsuites: { "@_tests": string; "@_failures": string; "@_skipped": string; testsuite: { "@_name": string; testcase: JUnitCase[] }[] };
    };
    expect(parsed.testsuites["@_tests"]).toBe("15");
    expect(parsed.testsuites["@_failures"]).toBe("0");
    expect(parsed.testsuites["@_skipped"]).toBe("3");
    const cases = parsed.testsuites.testsuite.flatMap((s) => s.testcase);
    expect(cases).toHaveLength(15);
    const byName = new Map(report.clusters.map((c) => [c.name, c]));
    for (const tc of cases) {
      const c = byName.get(tc["@_name"])!;
      expect(tc["@_classname"]).toBe(`${c.subscriptionId}.${c.resourceGroup}`);
      expect(tc.failure).toBeUndefined();
      expect(tc.skipped !== undefined).toBe(c.status === "skipped");
      if (tc.skipped) expect(tc.skipped["@_message"]).toMatch(/^converged/);
    }

    // Merging the same shard twice, or an incomplete set, is refused or reported.
    const dup = await rolloutCli(t, dir, ["rollout", "merge", join(dir, "shard-1.json"), join(dir, "shard-1.json")]);
    expect(dup.code).toBe(3);
    expect(dup.stderr).toContain("repeats shard 1/3");
    const partial = await rolloutCli(t, dir, ["rollout", "merge", join(dir, "shard-1.json"), "-o", "json"]);
    expect(partial.code).toBe(1);
    expect((JSON.parse(partial.stdout) as RolloutReport).shards.missing).toEqual([2, 3]);
  }, 60_000);
});
