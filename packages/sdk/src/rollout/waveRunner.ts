/**
 * The wave runner: runs a journal's waves in order, each wave's clusters many at once (bounded overall, per wave and
 * per subscription), soaks between waves, and halts when a wave's failures exceed its halt rule.
 * @packageDocumentation
 */
import { sleep } from "../poll";
import { runBounded } from "./concurrency";
import type { JournalCluster, JournalWave, RolloutJournal, RolloutOutcome } from "./journal";
import type { RolloutJournalFile } from "./journalFile";
import type { RolloutProgress } from "./progress";
import type { HaltRule, RolloutSpec } from "./spec";

/**
 * True when failures exceed the halt rule.
 * @internal
 */
export function haltExceeded(rule: HaltRule, failed: number, total: number): boolean {
  if (rule.maxFailures !== undefined && failed > rule.maxFailures) return true;
  if (rule.maxFailurePercent !== undefined && total > 0 && (failed * 100) / total > rule.maxFailurePercent) return true;
  return false;
}

function haltRuleOf(spec: RolloutSpec, waveName: string): HaltRule {
  return spec.waves.find((w) => w.name === waveName)?.halt ?? spec.halt;
}

/** What the wave runner needs. @internal */
export interface WaveRunnerArgs {
  readonly file: RolloutJournalFile;
  readonly progress: RolloutProgress;
  /** Runs one cluster (never throws for the cluster's own failure). */
  readonly runCluster: (c: JournalCluster) => Promise<void>;
  readonly abortSignal?: AbortSignal;
  /** Only these waves (by name). */
  readonly waves?: readonly string[];
}

/**
 * Runs the waves.
 * @internal
 */
export class WaveRunner {
  /** @param args - journal file, progress, cluster runner, abort signal, wave filter */
  constructor(private readonly args: WaveRunnerArgs) {}

  private get j(): RolloutJournal {
    return this.args.file.journal;
  }

  private get aborted(): boolean {
    return this.args.abortSignal?.aborted ?? false;
  }

  /** Runs every wave not done yet (or those named), in order. */
  async runWaves(): Promise<RolloutOutcome> {
    const j = this.j;
    const only = this.args.waves?.map((w) => w.toLowerCase());
    for (const [i, wave] of j.waves.entries()) {
      if (wave.status === "done") continue;
      if (only && !only.includes(wave.name.toLowerCase())) continue;
      if (this.aborted) return "aborted";
      this.args.progress.currentWave = wave.name;
      if (wave.status !== "soaking") {
        const outcome = await this.runWave(wave);
        if (outcome !== "completed") return outcome;
      }
      // Soak before the next wave that has work, unless this wave was empty.
      const laterWork = j.waves.slice(i + 1).some((w) => w.total > 0 && w.status !== "done" && (!only || only.includes(w.name.toLowerCase())));
      const soakMs = j.spec.waves.find((w) => w.name === wave.name)?.soakTimeInMs ?? j.spec.soakTimeInMs;
      if (wave.total > 0 && laterWork && soakMs > 0) {
        if (wave.status !== "soaking") {
          wave.status = "soaking";
          wave.soakUntil = new Date(Date.now() + soakMs).toISOString();
          await this.args.file.commit();
        }
        const until = Date.parse(wave.soakUntil ?? new Date().toISOString());
        this.args.progress.emit({ type: "soaking", wave: wave.name, untilInMs: until });
        try {
          await sleep(until - Date.now(), this.args.abortSignal, `soaking after wave ${wave.name}`);
        } catch (error) {
          if (this.aborted) return "aborted";
          throw error;
        }
      }
      wave.status = "done";
      await this.args.file.commit();
      this.args.progress.emit({ type: "wave-finished", wave: wave.name, status: "done" });
    }
    return "completed";
  }

  private async runWave(wave: JournalWave): Promise<RolloutOutcome> {
    const j = this.j;
    const members = j.clusters.filter((c) => c.wave === wave.name);
    // Clusters left in progress by an earlier run go first: they are re-attached, not written again.
    const todo = [...members.filter((c) => c.status === "in-progress"), ...members.filter((c) => c.status === "pending")];
    wave.status = "running";
    wave.startedAt ??= new Date().toISOString();
    await this.args.file.commit();
    this.args.progress.emit({ type: "wave-started", wave: wave.name, index: wave.index, total: wave.total });

    const rule = haltRuleOf(j.spec, wave.name);
    const spec = j.spec;
    const waveSpec = spec.waves.find((w) => w.name === wave.name);
    const perSubscription = new Map(spec.subscriptions.map((s) => [s.id.toLowerCase(), s.maxConcurrency ?? spec.maxConcurrencyPerSubscription]));
    let halted = haltExceeded(rule, members.filter((c) => c.status === "failed").length, members.length);
    const activeFrom = Date.now();
    await runBounded({
      items: todo,
      maxConcurrency: Math.min(spec.maxConcurrency, waveSpec?.maxConcurrency ?? Number.POSITIVE_INFINITY),
      keyOf: (c) => c.subscriptionId,
      maxPerKey: (key) => perSubscription.get(key) ?? spec.maxConcurrencyPerSubscription,
      shouldStop: () => halted || this.aborted,
      run: async (c) => {
        await this.args.runCluster(c);
        if (!halted && haltExceeded(rule, members.filter((m) => m.status === "failed").length, members.length)) halted = true;
      },
    });
    this.args.progress.addActiveTime(Date.now() - activeFrom);
    if (this.aborted) {
      await this.args.file.commit();
      return "aborted";
    }
    if (halted) return this.halt(wave, members, rule);
    wave.finishedAt = new Date().toISOString();
    await this.args.file.commit();
    return "completed";
  }

  /** Records the halt: the wave halted, the clusters not started in it and in later waves skipped. */
  private async halt(wave: JournalWave, members: readonly JournalCluster[], rule: HaltRule): Promise<RolloutOutcome> {
    const j = this.j;
    const failed = members.filter((c) => c.status === "failed").length;
    const limit = rule.maxFailures !== undefined ? `more than ${rule.maxFailures}` : "";
    const pct = rule.maxFailurePercent !== undefined ? `more than ${rule.maxFailurePercent}%` : "";
    const reason = `${failed} of ${members.length} clusters in wave "${wave.name}" failed (halt rule: ${[limit, pct].filter(Boolean).join(" or ")}); no further clusters were started. Inspect the failures, then run again with --resume --retry-failed, or roll back.`;
    wave.status = "halted";
    wave.haltReason = reason;
    wave.finishedAt = new Date().toISOString();
    j.halt = { wave: wave.name, failed, total: members.length, reason };
    const haltedIndex = wave.index;
    for (const c of j.clusters) {
      const w = j.waves.find((x) => x.name === c.wave);
      if (c.status === "pending" && w && w.index >= haltedIndex) {
        c.status = "skipped";
        c.skipReason = "halted";
        c.skipMessage = `not started: wave "${wave.name}" hit the halt rule`;
        this.args.file.changed(c);
      }
    }
    await this.args.file.commit();
    this.args.progress.emit({ type: "halted", wave: wave.name, reason });
    return "halted";
  }
}
