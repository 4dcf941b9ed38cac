/**
 * `pnpm crash:matrix [runs-per-point]`: the crash matrix of fleet rollouts. For each kill point (before the PUT,
 * intent saved with the PUT never reaching Azure, PUT accepted, while polling, during a journal write) and each run:
 * a fresh emulator with 6 clusters, `rollout apply` through the built CLI killed with SIGKILL at the n-th occurrence
 * of the point (n varies by run), on every other run a second kill of the first resume at another point, then
 * `--resume` until it ends, then `rollout rollback`. Counted from the emulator's request log and stored clusters:
 * clusters with two accepted PUTs, clusters the journal says done that do not read the target and Succeeded (or left
 * neither done nor failed), and clusters whose settings changed that the rollback did not restore.
 * Not a test: it prints figures. Run after `pnpm build` (Node's type stripping runs this file).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as EmulatorModule from "../packages/arm-emulator/dist/index.js";
import type * as SdkModule from "../packages/sdk/dist/index.js";
import type * as RolloutModule from "../packages/rollout/dist/index.js";
import { CRASH_TARGET, crashScene, KILL_POINTS, killAt, resumeAndCheck, spawnCli, type CrashFigures, type KillPoint } from "../test/support/rollout-crash.ts";

const require = createRequire(import.meta.url);
const ROOT = join(import.meta.dirname, "..");
const { startEmulator } = require(join(ROOT, "packages/arm-emulator/dist/index.js")) as typeof EmulatorModule;
const sdk = require(join(ROOT, "packages/sdk/dist/index.js")) as typeof SdkModule;
const rollout = require(join(ROOT, "packages/rollout/dist/index.js")) as typeof RolloutModule;
const CLI_BIN = join(ROOT, "packages/cli/dist/bin.js");
const SUBSCRIPTIONS = ["cccccccc-0000-4000-8000-000000000001", "cccccccc-0000-4000-8000-000000000002"];
const RUNS = Number(process.argv[2] ?? 6);

/** What a rollback writes for a cluster that had no kubeProxyConfig: the SDK's one restore target. */
const RESTORE_OF_NEVER_SET = sdk.restoreTargetOf(null).settings;

interface Row {
  point: KillPoint;
  runs: number;
  killed: number;
  doubleWrites: number;
  wrongFinal: number;
  missedByRollback: number;
  samples: string[];
}

async function oneRun(point: KillPoint, run: number): Promise<{ killed: boolean; figures: CrashFigures }> {
  const scene = await crashScene({ startEmulator, journalReader: rollout, cliBin: CLI_BIN, subscriptions: SUBSCRIPTIONS, operationMs: 250 });
  try {
    // The n-th occurrence: journal writes come often; at most maxConcurrency (2) clusters are in progress at once.
    const occurrence = point === "journal-write" ? 2 + (run % 6) : point === "before-put" || point === "intent-saved" ? 1 + (run % 2) : 1 + (run % 3);
    const first = spawnCli(scene, ["rollout", "apply", scene.rolloutFile, "--journal", scene.journal, "--yes"]);
    const { killed } = await killAt(scene, first, point, occurrence);
    let firstExit = (await first.exited).code;
    if (run % 2 === 1) {
      // A chain: the first resume is killed too, at another point.
      const second = KILL_POINTS[(KILL_POINTS.indexOf(point) + 1 + (run % 4)) % KILL_POINTS.length] ?? "polling";
      const resume = spawnCli(scene, ["rollout", "apply", scene.rolloutFile, "--journal", scene.journal, "--resume", "--yes"]);
      await killAt(scene, resume, second, 1);
      firstExit = (await resume.exited).code;
    }
    const figures = await resumeAndCheck(scene, { target: CRASH_TARGET, restoreOfNeverSet: RESTORE_OF_NEVER_SET, firstExit, maxResumes: 4 });
    return { killed, figures };
  } finally {
    await scene.em.stop();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const started = Date.now();
  for (const point of KILL_POINTS) {
    const row: Row = { point, runs: 0, killed: 0, doubleWrites: 0, wrongFinal: 0, missedByRollback: 0, samples: [] };
    for (let run = 0; run < RUNS; run++) {
      const { killed, figures } = await oneRun(point, run);
      row.runs++;
      if (killed) row.killed++;
      row.doubleWrites += figures.doubleWrites.length;
      row.wrongFinal += figures.doneButWrong.length + figures.unaccounted.length;
      row.missedByRollback += figures.missedByRollback.length;
      for (const s of [...figures.doubleWrites, ...figures.doneButWrong, ...figures.unaccounted, ...figures.missedByRollback].slice(0, 2)) if (row.samples.length < 3) row.samples.push(s);
    }
    rows.push(row);
    console.log(`${point.padEnd(14)} runs ${row.runs}  killed ${row.killed}  double writes ${row.doubleWrites}  wrong final states ${row.wrongFinal}  missed by rollback ${row.missedByRollback}${row.samples.length ? `  e.g. ${row.samples.join("; ")}` : ""}`);
  }
  const sum = (k: "runs" | "killed" | "doubleWrites" | "wrongFinal" | "missedByRollback"): number => rows.reduce((n, r) => n + r[k], 0);
  console.log(`clusters per run: ${SUBSCRIPTIONS.length * 3}; elapsed ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`total: ${sum("runs")} runs (${KILL_POINTS.length} kill points x ${RUNS}), ${sum("killed")} killed, double writes ${sum("doubleWrites")}, wrong final states ${sum("wrongFinal")}, missed by rollback ${sum("missedByRollback")}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
