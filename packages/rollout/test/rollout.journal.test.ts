import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { DEFAULT_API_VERSION, isKubeProxyError } from "@aks-kube-proxy/sdk";
import { buildRolloutReport, createRollbackJournal, createRolloutJournal, parseRolloutSpec, planRollout, readRolloutJournal, RolloutJournalFile, toJUnitXml, type RolloutJournal } from "../src/index";
import { clusterState, SUB } from "./support/clusters";
import { runBounded } from "../src/run/concurrency";
import { haltExceeded } from "../src/run/execute";

const state = clusterState;

const fleet = [
  state("a"),
  state("b", { kubeProxyConfig: { mode: "IPTABLES" } }),
  state("c", { kubeProxyConfig: { mode: "IPVS" } }), // converged
  state("d", { networkPolicy: "azure" }), // blocked
  state("e"),
];

function journal(shard?: { index: number; count: number }): RolloutJournal {
  const { spec } = parseRolloutSpec({ name: "unit", subscriptions: [SUB], settings: { mode: "IPVS" }, waves: [{ name: "canary", count: 1 }, { name: "rest" }] });
  return createRolloutJournal(planRollout({ spec, clusters: fleet, apiVersion: DEFAULT_API_VERSION, ...(shard ? { shard } : {}) }), new Date("2026-01-01T00:00:00Z"));
}

const dir = (): string => mkdtempSync(join(tmpdir(), "journal-"));

describe("rollout plan and journal", () => {
  test("a fresh journal: changes pending in waves, converged and blocked clusters skipped with their reason, previous settings recorded", () => {
    const j = journal();
    expect(j.status).toBe("planned");
    expect(j.waves.map((w) => [w.name, w.total])).toEqual([
      ["canary", 1],
      ["rest", 2],
    ]);
    const byName = Object.fromEntries(j.clusters.map((c) => [c.name, c]));
    expect(byName["c"]).toMatchObject({ status: "skipped", skipReason: "converged" });
    expect(byName["d"]).toMatchObject({ status: "skipped", skipReason: "blocked" });
    expect(byName["d"]!.skipMessage).toContain("ipvs-with-azure-network-policy");
    expect(byName["a"]).toMatchObject({ status: "pending", previous: null, desired: { mode: "IPVS" } });
    expect(byName["b"]).toMatchObject({ status: "pending", previous: { mode: "IPTABLES" } });
    expect(j.clusters.filter((c) => c.status === "pending").every((c) => c.wave !== undefined)).toBe(true);
  });

  test("the journal file is replaced atomically, leaves no temporary file, and reads back equal", async () => {
    const path = join(dir(), "j.json");
    const j = journal();
    const file = await RolloutJournalFile.create(path, j);
    j.clusters[0]!.status = "in-progress";
    j.clusters[0]!.operationUrl = "https://arm/op/1";
    file.changed(j.clusters[0]!);
    // Many steps at once are grouped; every commit resolves once its step is on disk.
    await Promise.all([file.commit(), file.commit(), file.commit()]);
    expect((await readRolloutJournal(path)).clusters[0]).toMatchObject({ status: "in-progress", operationUrl: "https://arm/op/1" });
    await file.close();
    expect(readdirSync(join(path, "..")).sort()).toEqual(["j.json"]);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(JSON.parse(JSON.stringify(j)));
  });

  test("declared changes are written; a journal is not created over an existing one; a live lock refuses a second writer", async () => {
    const d = dir();
    const path = join(d, "j.json");
    const file = await RolloutJournalFile.create(path, journal());
    await expect(RolloutJournalFile.create(path, journal())).rejects.toMatchObject({ code: "JournalLocked" });
    await expect(RolloutJournalFile.open(path)).rejects.toMatchObject({ code: "JournalLocked" });
    await file.close();
    await expect(RolloutJournalFile.create(path, journal())).rejects.toMatchObject({ code: "ValidationError" });
    // A lock left by a process that is gone (a crash) does not block --resume.
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname() }));
    const reopened = await RolloutJournalFile.open(path);
    reopened.journal.clusters[1]!.status = "done";
    reopened.changed(reopened.journal.clusters[1]!);
    await reopened.close();
    expect((await readRolloutJournal(path)).clusters[1]!.status).toBe("done");
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test("reading a missing, broken or foreign journal fails with a message that names the file", async () => {
    const d = dir();
    await expect(readRolloutJournal(join(d, "nope.json"))).rejects.toThrow(/nope\.json: file not found/);
    writeFileSync(join(d, "broken.json"), '{"kind": "aks-kube-proxy.rollout-journal", ');
    await expect(readRolloutJournal(join(d, "broken.json"))).rejects.toThrow(/not valid JSON/);
    writeFileSync(join(d, "other.json"), '{"kind": "something-else"}');
    await expect(readRolloutJournal(join(d, "other.json"))).rejects.toThrow(/not a rollout journal/);
  });
});

describe("halt rule and scheduling", () => {
  test("halt when failures exceed the count or the percentage, not when they reach it", () => {
    expect(haltExceeded({ maxFailures: 0 }, 0, 10)).toBe(false);
    expect(haltExceeded({ maxFailures: 0 }, 1, 10)).toBe(true);
    expect(haltExceeded({ maxFailures: 2 }, 2, 10)).toBe(false);
    expect(haltExceeded({ maxFailurePercent: 10 }, 1, 10)).toBe(false);
    expect(haltExceeded({ maxFailurePercent: 10 }, 2, 10)).toBe(true);
    expect(haltExceeded({ maxFailures: 5, maxFailurePercent: 10 }, 2, 10)).toBe(true);
  });

  test("the scheduler never exceeds the overall and per-subscription bounds, and a busy subscription does not hold up others", async () => {
    const items = [...Array.from({ length: 8 }, (_, i) => ({ sub: "a", i })), ...Array.from({ length: 4 }, (_, i) => ({ sub: "b", i }))];
    let running = 0;
    const perSub = new Map<string, number>();
    let peak = 0;
    const peakPerSub = new Map<string, number>();
    const order: string[] = [];
    await runBounded({
      items,
      maxConcurrency: 3,
      keyOf: (x) => x.sub,
      maxPerKey: (k) => (k === "a" ? 2 : 1),
      shouldStop: () => false,
      run: async (x) => {
        running++;
        perSub.set(x.sub, (perSub.get(x.sub) ?? 0) + 1);
        peak = Math.max(peak, running);
        peakPerSub.set(x.sub, Math.max(peakPerSub.get(x.sub) ?? 0, perSub.get(x.sub)!));
        order.push(x.sub);
        await new Promise((r) => setImmediate(r));
        running--;
        perSub.set(x.sub, perSub.get(x.sub)! - 1);
      },
    });
    expect(order).toHaveLength(12);
    expect(peak).toBe(3);
    expect(peakPerSub.get("a")).toBe(2);
    expect(peakPerSub.get("b")).toBe(1);
    // b's first item started among the first three although eight a's were queued before it.
    expect(order.slice(0, 3)).toContain("b");
  });

  test("the overall bound is shared by every subscription: with fewer slots than the subscriptions' bounds together, no subscription waits while another holds two slots", async () => {
    // Ordered by subscription, as a listing returns them: 4 subscriptions of 6, 4 slots, 3 per subscription.
    const items = ["a", "b", "c", "d"].flatMap((sub) => Array.from({ length: 6 }, (_, i) => ({ sub, i })));
    const running = new Map<string, number>();
    const snapshots: string[][] = [];
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const done = runBounded({
      items,
      maxConcurrency: 4,
      keyOf: (x) => x.sub,
      maxPerKey: () => 3,
      shouldStop: () => false,
      run: async (x) => {
        running.set(x.sub, (running.get(x.sub) ?? 0) + 1);
        await gate;
        running.set(x.sub, running.get(x.sub)! - 1);
      },
    });
    let finished = false;
    void done.then(() => (finished = true));
    for (let round = 0; !finished && round < 100; round++) {
      await new Promise((r) => setImmediate(r));
      const snap = [...running].filter(([, n]) => n > 0).map(([k, n]) => `${k}${n}`).sort();
      if (snap.length > 0) snapshots.push(snap);
      const open = release;
      gate = new Promise<void>((r) => (release = r));
      open();
    }
    await done;
    expect(snapshots).toHaveLength(6);
    // Each round, the four slots went to the four subscriptions, one each (the earliest-first rule gave a three, b one).
    for (const snap of snapshots) expect(snap).toEqual(["a1", "b1", "c1", "d1"]);
  });
});

describe("reports", () => {
  function finished(j: RolloutJournal): RolloutJournal {
    for (const c of j.clusters) {
      if (c.status !== "pending") continue;
      if (c.name === "e") {
        c.status = "failed";
        c.error = { code: "OperationFailed", message: "the operation ended Failed <boom> & more", armCode: "Oops", requestId: "req-1" };
      } else {
        c.status = "done";
        c.changed = true;
        c.written = true;
        c.after = c.desired ?? null;
        c.durationInMs = 1500;
      }
    }
    j.status = "completed";
    return j;
  }

  test("JUnit: one test case per cluster, failures as <failure>, skips as <skipped>, valid XML with escaped text", () => {
    const report = buildRolloutReport([{ journal: finished(journal()) }], new Date("2026-01-01T00:00:00Z"));
    const xml = toJUnitXml(report);
    const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === "testsuite" || n === "testcase" }).parse(xml) as {
      testsuites: { "@_tests": string; "@_failures": string; "@_skipped": string; testsuite: { testcase: { "@_name": string; failure?: { "@_type": string; "@_message": string }; skipped?: unknown }[] }[] };
    };
    expect(doc.testsuites).toMatchObject({ "@_tests": "5", "@_failures": "1", "@_skipped": "2" });
    const cases = doc.testsuites.testsuite.flatMap((s) => s.testcase);
    expect(cases.map((c) => c["@_name"]).sort()).toEqual(["a", "b", "c", "d", "e"]);
    const e = cases.find((c) => c["@_name"] === "e")!;
    expect(e.failure).toMatchObject({ "@_type": "OperationFailed", "@_message": "the operation ended Failed <boom> & more" });
    expect(cases.filter((c) => c.skipped !== undefined).map((c) => c["@_name"]).sort()).toEqual(["c", "d"]);
  });

  test("JUnit: each testcase carries its own cluster's start time, a suite its first cluster's, never one shared time", () => {
    const j = finished(journal());
    const started = (i: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, i * 7)).toISOString();
    j.clusters.forEach((c, i) => {
      if (c.status === "done" || c.status === "failed") {
        c.startedAt = started(i);
        c.finishedAt = started(i + 1);
      }
    });
    const report = buildRolloutReport([{ journal: j }], new Date("2026-06-01T00:00:00Z"));
    const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === "testsuite" || n === "testcase" }).parse(toJUnitXml(report)) as {
      testsuites: { testsuite: { "@_timestamp": string; testcase: { "@_name": string; "@_timestamp"?: string; "system-out": string }[] }[] };
    };
    const byName = new Map(j.clusters.map((c) => [c.name, c]));
    const cases = doc.testsuites.testsuite.flatMap((s) => s.testcase);
    for (const tc of cases) {
      const c = byName.get(tc["@_name"])!;
      expect([tc["@_name"], tc["@_timestamp"]]).toEqual([tc["@_name"], c.startedAt]);
      if (c.startedAt) expect(tc["system-out"]).toContain(`started: ${c.startedAt}`);
    }
    const stamps = cases.map((tc) => tc["@_timestamp"]).filter((x) => x !== undefined);
    expect(stamps.length).toBeGreaterThan(1);
    expect(new Set(stamps).size).toBe(stamps.length);
    for (const suite of doc.testsuites.testsuite) {
      const starts = suite.testcase.map((tc) => tc["@_timestamp"]).filter((x): x is string => x !== undefined).sort();
      expect(suite["@_timestamp"]).toBe(starts[0] ?? report.generatedAt);
    }
  });

  test("merge: shards of one rollout combine into one report; other rollouts, repeated shards and missing shards are caught", () => {
    const shards = [1, 2].map((index) => finished(journal({ index, count: 2 })));
    const report = buildRolloutReport(shards.map((j, i) => ({ journal: j, path: `s${i + 1}.json` })));
    expect(report.shards).toEqual({ count: 2, present: [1, 2], missing: [] });
    expect(report.clusters.map((c) => c.name).sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(report.counts.total).toBe(5);
    expect(() => buildRolloutReport([{ journal: shards[0]!, path: "x.json" }, { journal: shards[0]!, path: "y.json" }])).toThrow(/repeats shard 1\/2/);
    const other = journal({ index: 2, count: 2 });
    other.specHash = "f".repeat(64);
    expect(() => buildRolloutReport([{ journal: shards[0]! }, { journal: other }])).toThrow(/another rollout/);
    const partial = buildRolloutReport([{ journal: shards[0]! }]);
    expect(partial.status).toBe("incomplete");
    expect(partial.shards.missing).toEqual([2]);
  });

  test("rollback journal: written clusters get their previous settings back in the same waves; the rest is skipped", () => {
    const source = finished(journal());
    const rb = createRollbackJournal({ source, sourcePath: "unit.journal.json" });
    expect(rb.operation).toBe("rollback");
    const byName = Object.fromEntries(rb.clusters.map((c) => [c.name, c]));
    expect(byName["a"]).toMatchObject({ status: "pending", desired: { enabled: true, mode: "IPTABLES" } });
    expect(byName["b"]).toMatchObject({ status: "pending", desired: { mode: "IPTABLES" }, wave: source.clusters.find((c) => c.name === "b")!.wave });
    expect(byName["c"]).toMatchObject({ status: "skipped", skipReason: "nothing-to-roll-back" });
    expect(byName["e"]).toMatchObject({ status: "skipped" }); // failed before any write was sent
    expect(rb.waves.map((w) => w.name)).toEqual(["canary", "rest"]);
    expect(() => createRollbackJournal({ source: rb })).toThrow(/cannot be rolled back/);
  });

  test("rollback journal: a cluster whose intent was saved stays in it after a failure, and gets the settings of its first intent back", () => {
    const source = journal();
    const a = source.clusters.find((c) => c.name === "a")!;
    const b = source.clusters.find((c) => c.name === "b")!;
    // a: the intent was flushed before the PUT, then the process died; a resume found the operation Failed.
    a.status = "failed";
    a.intent = { previous: { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } }, at: "2026-01-01T00:00:01Z" };
    // b: only the poller state says a PUT may have been sent (crash right after it left).
    b.status = "in-progress";
    b.pollerState = '{"kind":"aks-kube-proxy/apply-poller"}';
    const rb = createRollbackJournal({ source });
    const byName = Object.fromEntries(rb.clusters.map((c) => [c.name, c]));
    // The intent's previous settings win over those read when planning (the cluster changed in between).
    expect(byName["a"]).toMatchObject({ status: "pending", desired: { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } } });
    expect(byName["b"]).toMatchObject({ status: "pending", desired: { mode: "IPTABLES" } });
    expect(byName["e"]).toMatchObject({ status: "skipped", skipReason: "nothing-to-roll-back" });
  });

  test("errors from the journal layer are SDK errors with stable codes", async () => {
    const error = await readRolloutJournal(join(dir(), "x.json")).catch((e: unknown) => e);
    expect(isKubeProxyError(error)).toBe(true);
    expect((error as { code: string }).code).toBe("ValidationError");
  });
});
