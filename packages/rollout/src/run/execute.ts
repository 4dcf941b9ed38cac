/**
 * The rollout executor: `runRollout` runs (or resumes) a journal to its end, a halt, or an abort. It wires the parts,
 * each in its own module: the wave runner (`waveRunner.ts`: waves, bounds, soak, halt rule), the cluster runner
 * (`clusterRunner.ts`: one cluster through the SDK's apply, journaled), the preview check (`previewGate.ts`), progress
 * and the estimate (`progress.ts`), what `--retry-failed` reopens (`resume.ts`), and the per-subscription clients
 * with the rate limiter (`rolloutClient.ts`).
 * @packageDocumentation
 */
import { ClusterRunner } from "./clusterRunner";
import { countClusters, type RolloutCounts, type RolloutJournal, type RolloutOutcome } from "../journal/journal";
import type { OpenRolloutJournal } from "../journal/journalStoreTypes";
import { PreviewGate } from "./previewGate";
import { RolloutProgress, type RolloutProgressEvent } from "./progress";
import { ArmRateLimiter, type ArmRateLimiterStats } from "./rateLimiter";
import { reopenFailed } from "./resume";
import { RolloutClients, type RolloutClientFactory } from "./rolloutClient";
import { WaveRunner } from "./waveRunner";
import { readFileControl } from "../journal/control";

export type { RolloutClient, RolloutClientFactory } from "./rolloutClient";
export type { RolloutProgressEvent, RolloutProgressSnapshot, RolloutWaveProgress } from "./progress";
export { haltExceeded } from "./waveRunner";

/** Options of {@link runRollout}. */
export interface RunRolloutOptions {
  /** The journal to run, opened from a `JournalStore` (a file or a blob folder): created fresh from {@link createRolloutJournal}, or opened to resume. */
  readonly journal: OpenRolloutJournal;
  /** Builds one client per subscription. */
  readonly createClient: RolloutClientFactory;
  /** Paces ARM requests; shared with the listing. @default a new {@link ArmRateLimiter} */
  readonly rateLimiter?: ArmRateLimiter;
  /** Stops starting clusters and stops waiting; in-progress clusters stay `in-progress` with their operation URL for `--resume`. A shared journal's lost lock stops the run the same way. */
  readonly abortSignal?: AbortSignal;
  /** Progress events. */
  readonly onProgress?: (event: RolloutProgressEvent) => void;
  /** Timeout of one cluster's apply. @default the SDK's apply default */
  readonly clusterTimeoutInMs?: number;
  /** Resume: start failed clusters again (their waves reopen) and lift a halt. @default false */
  readonly retryFailed?: boolean;
  /** Run only these waves (by name), e.g. a CI job that runs the canary before the shards. @default every wave */
  readonly waves?: readonly string[];
  /**
   * The AKS resource provider's operation-status budget, requests refilled per second per subscription: each
   * operation's polls are capped so that a subscription's operations in flight stay within a share of it (see
   * {@link operationPollCapInMs}). Change it only to model another budget (a benchmark compressing time). @default 2
   */
  readonly operationStatusPerSecond?: number;
}

/** The result of {@link runRollout}. */
export interface RolloutRunResult {
  /** `completed` (every wave run), `halted` (the halt rule stopped it) or `aborted`. */
  readonly outcome: RolloutOutcome;
  /** Counts over the journal. */
  readonly counts: RolloutCounts;
  /** The journal as written last. */
  readonly journal: RolloutJournal;
  /** Set when halted. */
  readonly halt?: RolloutJournal["halt"];
  /** How long this run took. */
  readonly durationInMs: number;
  /** What the rate limiter saw. */
  readonly rateLimiter: ArmRateLimiterStats;
}

/**
 * Runs (or resumes) a rollout journal to its end, a halt, or an abort. Never throws for a cluster's failure (it is
 * recorded); throws only when the journal cannot be written, or (a shared journal) when another runner took it over
 * (`JournalLeaseLostError`: this run stopped starting clusters and wrote nothing more).
 * @param options - journal, client factory, abort signal, progress
 */
export async function runRollout(options: RunRolloutOptions): Promise<RolloutRunResult> {
  const startedAt = Date.now();
  const file = options.journal;
  const j = file.journal;
  // A shared journal whose lock is lost (another runner took it over) stops the run like an abort, then throws why.
  const abortSignal = file.lockLost ? (options.abortSignal ? AbortSignal.any([options.abortSignal, file.lockLost]) : file.lockLost) : options.abortSignal;
  const limiter = options.rateLimiter ?? new ArmRateLimiter();
  const progress = new RolloutProgress(j, limiter, options.onProgress);
  const clients = new RolloutClients(options.createClient, limiter);
  const abortOptions = (): { abortSignal?: AbortSignal } => (abortSignal ? { abortSignal } : {});
  const preview = new PreviewGate({ file, clients, abortOptions, emit: (e) => progress.emit(e) });
  const clusters = new ClusterRunner({
    file,
    clients,
    preview,
    progress,
    ...abortOptions(),
    ...(options.clusterTimeoutInMs !== undefined ? { clusterTimeoutInMs: options.clusterTimeoutInMs } : {}),
    ...(options.operationStatusPerSecond !== undefined ? { operationStatusPerSecond: options.operationStatusPerSecond } : {}),
  });
  const waves = new WaveRunner({
    file,
    progress,
    runCluster: (c, context) => clusters.run(c, context),
    ...abortOptions(),
    ...(options.waves ? { waves: options.waves } : {}),
    // A file journal's skip and stop requests live beside it (a blob journal's come with the fleet record).
    ...(file.fleet ? {} : { control: () => readFileControl(file.location) }),
  });

  // Every change the run makes to a cluster is declared (changed()), so a store may write only those: with the file
  // journal, the run's first steps are appends, not rewrites of the whole fleet (the first write after an open is a
  // whole write anyway, which carries whatever the caller changed before the run).
  file.changed();
  const resumed = j.runs.length > 0;
  if (options.retryFailed) {
    file.changed(...reopenFailed(j));
    await file.fleet?.clearHalt(j.waves.filter((w) => w.status === "pending").map((w) => w.name));
  }
  delete j.awaitingApproval;
  delete j.stopped;
  const run: RolloutJournal["runs"][number] = { startedAt: new Date().toISOString(), resumed };
  j.runs.push(run);
  let outcome: RolloutOutcome;
  try {
    if (j.halt) {
      outcome = "halted";
    } else {
      j.status = "running";
      await file.commit();
      outcome = await waves.runWaves();
    }
    j.status = outcome;
    run.endedAt = new Date().toISOString();
    run.outcome = outcome;
    await file.commit();
  } catch (error) {
    throw file.lockLostError ?? error;
  }
  if (file.lockLostError) throw file.lockLostError;
  return {
    outcome,
    counts: countClusters(j.clusters),
    journal: j,
    ...(j.halt ? { halt: j.halt } : {}),
    durationInMs: Date.now() - startedAt,
    rateLimiter: limiter.stats(),
  };
}
