/**
 * The journal's lock under real concurrency: separate processes (the lock is per process: pid and host) open one
 * journal at the same instant, with and without a stale lock left by a crashed process. Exactly one may hold it.
 * Also: a journal edited by hand or cut short is a clean ValidationError, and a crash's temporary files are removed.
 * The racers load the built rollout package (packages/rollout/dist), as the CLI does.
 */
import { fork, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_API_VERSION } from "@aks-kube-proxy/sdk";
import { createRolloutJournal, parseRolloutSpec, planRollout, readRolloutJournal, RolloutJournalFile, type RolloutJournal } from "../src/index";
import { reopenFailed } from "../src/run/resume";
import { clusterState, SUB } from "./support/clusters";

const DIST = join(__dirname, "..", "dist", "index.js");

function journal(): RolloutJournal {
  const { spec } = parseRolloutSpec({ name: "lock", subscriptions: [SUB], settings: { mode: "IPVS" } });
  return createRolloutJournal(planRollout({ spec, clusters: [clusterState("a"), clusterState("b")], apiVersion: DEFAULT_API_VERSION }), new Date("2026-01-01T00:00:00Z"));
}

const RACER = `
const { RolloutJournalFile } = require(${JSON.stringify(DIST)});
let held;
process.on("message", async (m) => {
  if (m.type === "go") {
    while (Date.now() < m.at) {} // spin: every racer calls open() at the same instant
    try {
      held = await RolloutJournalFile.open(m.path, { durable: false });
      process.send({ trial: m.trial, ok: true });
    } catch (e) {
      process.send({ trial: m.trial, ok: false, code: e && e.code, message: String(e && e.message) });
    }
  } else if (m.type === "release") {
    if (held) await held.close();
    held = undefined;
    process.send({ type: "released" });
  } else if (m.type === "exit") process.exit(0);
});
process.send({ type: "ready" });
`;

function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  return r.pid!;
}

interface Answer {
  trial: number;
  ok: boolean;
  code?: string;
  message?: string;
}

function next<T>(child: ChildProcess, pred: (m: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: T): void => {
      if (!pred(m)) return;
      child.off("message", on);
      resolve(m);
    };
    child.on("message", on);
  });
}

describe("journal lock", () => {
  test("5 processes opening one journal at the same instant: exactly one holds it, in 50 trials, with or without a stale lock to take over", async () => {
    expect(existsSync(DIST)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "journal-lock-"));
    const script = join(dir, "racer.cjs");
    writeFileSync(script, RACER);
    const racers = Array.from({ length: 5 }, () => fork(script, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] }));
    try {
      await Promise.all(racers.map((r) => next(r, (m: { type?: string }) => m.type === "ready")));
      const body = JSON.stringify(journal());
      const dead = deadPid();
      const holders: number[] = [];
      const wrongRefusals: string[] = [];
      for (let trial = 0; trial < 50; trial++) {
        const path = join(dir, `t${trial}.json`);
        writeFileSync(path, body);
        // Every other trial starts from a lock left by a crashed process: the racers all try to take it over.
        if (trial % 2 === 1) writeFileSync(`${path}.lock`, JSON.stringify({ pid: dead, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }));
        const at = Date.now() + 40;
        const answers = await Promise.all(
          racers.map((r) => {
            const p = next(r, (m: Answer) => m.trial === trial);
            r.send({ type: "go", trial, path, at });
            return p;
          }),
        );
        holders.push(answers.filter((a) => a.ok).length);
        for (const a of answers) if (!a.ok && a.code !== "JournalLocked") wrongRefusals.push(`${a.code}: ${a.message}`);
        await Promise.all(
          racers.map((r) => {
            const p = next(r, (m: { type?: string }) => m.type === "released");
            r.send({ type: "release" });
            return p;
          }),
        );
      }
      expect(wrongRefusals).toEqual([]);
      expect(holders).toEqual(Array.from({ length: 50 }, () => 1));
    } finally {
      for (const r of racers) r.kill();
    }
  }, 60_000);

  test("a refusal names the live process that holds the journal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-lock-"));
    const path = join(dir, "j.json");
    const held = await RolloutJournalFile.create(path, journal(), { purpose: "rollout apply" });
    try {
      await expect(RolloutJournalFile.open(path)).rejects.toMatchObject({
        code: "JournalLocked",
        holder: { pid: process.pid, host: hostname(), purpose: "rollout apply" },
        message: expect.stringContaining(`process ${process.pid} on ${hostname()} (rollout apply)`),
      });
    } finally {
      await held.close();
    }
  });

  test("opening a journal removes the temporary files a crashed writer left, and keeps everything else", async () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-lock-"));
    const path = join(dir, "j.json");
    writeFileSync(path, JSON.stringify(journal()));
    const dead = deadPid();
    writeFileSync(`${path}.${dead}.3.tmp`, '{"kind": "aks-kube-pro');
    writeFileSync(`${path}.lock.${dead}.a1b2c3.tmp`, "{}");
    writeFileSync(join(dir, "other.json.tmp"), "not ours");
    const file = await RolloutJournalFile.open(path);
    await file.close();
    expect(readdirSync(dir).sort()).toEqual(["j.json", "other.json.tmp"]);
  });
});

describe("hand-edited or half-written journals", () => {
  const cases: [string, (j: Record<string, unknown>) => void, RegExp][] = [
    ["a null cluster entry", (j) => ((j["clusters"] as unknown[])[0] = null), /\$\.clusters\[0\]: must be an object \(found null\)/],
    ["maxConcurrency: 0", (j) => ((j["spec"] as Record<string, unknown>)["maxConcurrency"] = 0), /\$\.spec\.maxConcurrency: must be a whole number of at least 1/],
    ["an unknown cluster status", (j) => (((j["clusters"] as Record<string, unknown>[])[1]!)["status"] = "finished"), /\$\.clusters\[1\]\.status: must be one of pending, in-progress, done, failed, skipped/],
    ["an unknown wave status", (j) => (((j["waves"] as Record<string, unknown>[])[0]!)["status"] = "paused"), /\$\.waves\[0\]\.status/],
    ["a cluster in a wave that does not exist", (j) => (((j["clusters"] as Record<string, unknown>[])[0]!)["wave"] = "nope"), /\$\.clusters\[0\]\.wave: must name one of the journal's waves/],
    ["clusters cut off", (j) => delete j["clusters"], /\$\.clusters: must be a list/],
  ];
  test.each(cases)("%s is a ValidationError naming the path, from read and from open", async (_name, edit, message) => {
    const dir = mkdtempSync(join(tmpdir(), "journal-edit-"));
    const path = join(dir, "j.json");
    const j = JSON.parse(JSON.stringify(journal())) as Record<string, unknown>;
    edit(j);
    writeFileSync(path, JSON.stringify(j));
    await expect(readRolloutJournal(path)).rejects.toMatchObject({ code: "ValidationError", message: expect.stringMatching(message) });
    await expect(RolloutJournalFile.open(path)).rejects.toMatchObject({ code: "ValidationError" });
    // The failed open released its lock.
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

describe("lock takeover and retry-failed bookkeeping", () => {
  test("a takeover lock left by a process that died mid-takeover does not block the next opener", async () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-lock-"));
    const path = join(dir, "j.json");
    writeFileSync(path, JSON.stringify(journal()));
    const dead = deadPid();
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: dead, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }));
    writeFileSync(`${path}.lock.takeover`, JSON.stringify({ pid: dead, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }));
    const file = await RolloutJournalFile.open(path);
    await file.close();
    expect(readdirSync(dir).sort()).toEqual(["j.json"]);
  });

  test("a lock held on another host is never taken over: the refusal names that host", async () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-lock-"));
    const path = join(dir, "j.json");
    writeFileSync(path, JSON.stringify(journal()));
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 1, host: "ci-runner-7", startedAt: "2026-01-01T00:00:00Z", purpose: "rollout apply" }));
    await expect(RolloutJournalFile.open(path)).rejects.toMatchObject({ code: "JournalLocked", message: expect.stringContaining("process 1 on ci-runner-7 (rollout apply)") });
  });

  test("retry-failed reopens failed and halted clusters and their waves, completed or halted, and lifts the halt", () => {
    const j = journal();
    const [a, b] = j.clusters.filter((c) => c.status === "pending");
    a!.status = "failed";
    b!.status = "skipped";
    b!.skipReason = "halted";
    for (const w of j.waves) w.status = "done";
    j.waves[0]!.status = "halted";
    j.halt = { wave: j.waves[0]!.name, failed: 1, total: 1, reason: "x" };
    const reopened = reopenFailed(j);
    expect(reopened.map((c) => c.name).sort()).toEqual([a!.name, b!.name].sort());
    expect([a!.status, b!.status, b!.skipReason]).toEqual(["pending", "pending", undefined]);
    const wavesOf = new Set([a!.wave, b!.wave]);
    for (const w of j.waves) expect([w.name, w.status]).toEqual([w.name, wavesOf.has(w.name) || w.index === 0 ? "pending" : "done"]);
    expect(j.halt).toBeUndefined();
  });
});
