/**
 * A rollout's progress: the events it reports, and the snapshot attached to each (counts over the journal and per
 * wave, elapsed time, and the estimate of the time left from this run's throughput and the soak times ahead).
 * @packageDocumentation
 */
import { addToCounts, zeroCounts, type JournalCluster, type JournalError, type JournalWave, type RolloutCounts, type RolloutJournal } from "../journal/journal";
import type { ArmRateLimiter } from "./rateLimiter";

/** Per-wave counts in a progress snapshot. */
export interface RolloutWaveProgress extends RolloutCounts {
  /** Wave name. */
  readonly name: string;
  /** Wave status. */
  readonly status: JournalWave["status"];
}

/** Where the rollout stands, attached to every progress event. */
export interface RolloutProgressSnapshot {
  /** Since this run started. */
  readonly elapsedInMs: number;
  /** Estimated time left (from this run's throughput and the soak times ahead); absent until a cluster finished. */
  readonly estimatedRemainingInMs?: number;
  /** Counts over the whole journal. */
  readonly counts: RolloutCounts;
  /** Counts per wave. */
  readonly waves: readonly RolloutWaveProgress[];
  /** The wave running or soaking. */
  readonly currentWave?: string;
  /** 429 answers received so far (absorbed by the rate limiter). */
  readonly throttled: number;
}

/** A progress event without its snapshot. @internal */
export type RolloutProgressEventBody =
  | { readonly type: "preview"; readonly subscriptionId: string; readonly step: string; readonly state: string }
  | { readonly type: "wave-started"; readonly wave: string; readonly index: number; readonly total: number }
  | { readonly type: "cluster"; readonly wave?: string; readonly clusterId: string; readonly name: string; readonly status: JournalCluster["status"]; readonly phase?: string; readonly error?: JournalError }
  | { readonly type: "wave-finished"; readonly wave: string; readonly status: JournalWave["status"] }
  | { readonly type: "soaking"; readonly wave: string; readonly untilInMs: number }
  | { readonly type: "halted"; readonly wave: string; readonly reason: string }
  | { readonly type: "awaiting-approval"; readonly wave: string }
  | { readonly type: "gate"; readonly wave?: string; readonly clusterId: string; readonly name: string; readonly status: string; readonly summary: string }
  | { readonly type: "waiting-for-shards"; readonly wave: string; readonly shards: readonly number[] };

/** Progress of a rollout: what happened, and a snapshot of where the rollout stands. */
export type RolloutProgressEvent = RolloutProgressEventBody & { readonly snapshot: RolloutProgressSnapshot };

/**
 * Emits a run's progress events with their snapshot; keeps the throughput figures the estimate needs.
 * @internal
 */
export class RolloutProgress {
  private readonly startedAt = Date.now();
  private activeMs = 0;
  private finishedThisRun = 0;
  /** The wave running or soaking. */
  currentWave: string | undefined;

  /**
   * @param journal - the journal being run
   * @param limiter - for the throttling count
   * @param callback - the caller's progress callback (its errors are ignored)
   */
  constructor(
    private readonly journal: RolloutJournal,
    private readonly limiter: ArmRateLimiter,
    private readonly callback: ((event: RolloutProgressEvent) => void) | undefined,
  ) {}

  /** Time spent running waves (not soaking), for the estimate. */
  addActiveTime(ms: number): void {
    this.activeMs += ms;
  }

  /** One more cluster finished in this run. */
  clusterFinished(): void {
    this.finishedThisRun++;
  }

  /** Reports an event. */
  emit(event: RolloutProgressEventBody): void {
    if (!this.callback) return;
    try {
      // The snapshot is a pass over the whole journal: computed when the callback reads it (once), not for every event
      // of a fleet of thousands whose callback looks at few of them.
      let snapshot: RolloutProgressSnapshot | undefined;
      const full = Object.defineProperty({ ...event }, "snapshot", { enumerable: true, get: () => (snapshot ??= this.snapshot()) }) as RolloutProgressEvent;
      this.callback(full);
    } catch {
      // a progress callback must never break the rollout
    }
  }

  /** Reports a cluster's status and phase. */
  emitCluster(c: JournalCluster): void {
    this.emit({
      type: "cluster",
      clusterId: c.id,
      name: c.name,
      status: c.status,
      ...(c.wave !== undefined ? { wave: c.wave } : {}),
      ...(c.phase !== undefined ? { phase: c.phase } : {}),
      ...(c.error ? { error: c.error } : {}),
    });
  }

  /** Where the rollout stands now. */
  snapshot(): RolloutProgressSnapshot {
    const j = this.journal;
    // One pass over the clusters, counting per wave without building lists (this runs on every event).
    const counts = zeroCounts();
    const perWave = new Map<string, RolloutCounts>(j.waves.map((w) => [w.name, zeroCounts()]));
    for (const c of j.clusters) {
      addToCounts(counts, c);
      const w = c.wave === undefined ? undefined : perWave.get(c.wave);
      if (w) addToCounts(w, c);
    }
    const waves: RolloutWaveProgress[] = j.waves.map((w) => ({ name: w.name, status: w.status, ...(perWave.get(w.name) ?? zeroCounts()) }));
    const elapsedInMs = Date.now() - this.startedAt;
    const estimatedRemainingInMs = this.estimate(counts, elapsedInMs);
    const stats = this.limiter.stats();
    return {
      elapsedInMs,
      counts,
      waves,
      throttled: stats.throttled.reads + stats.throttled.writes,
      ...(estimatedRemainingInMs !== undefined ? { estimatedRemainingInMs } : {}),
      ...(this.currentWave !== undefined ? { currentWave: this.currentWave } : {}),
    };
  }

  /** Time left: clusters left at this run's pace per cluster, plus the soak times still ahead. */
  private estimate(counts: RolloutCounts, elapsedInMs: number): number | undefined {
    if (this.finishedThisRun === 0) return undefined;
    const j = this.journal;
    const perCluster = Math.max(this.activeMs, elapsedInMs) / this.finishedThisRun;
    const left = counts.pending + counts.inProgress;
    const soakLeft = j.waves
      .filter((w) => w.status === "pending" || w.status === "running")
      .slice(0, -1)
      .reduce((sum, w) => sum + (j.spec.waves.find((s) => s.name === w.name)?.soakTimeInMs ?? j.spec.soakTimeInMs), 0);
    return Math.round(left * perCluster + soakLeft);
  }
}
