/**
 * What `--resume --retry-failed` changes in a journal before it runs again: failed clusters, and those a halt kept
 * from starting, go back to pending, the halt is lifted, and every wave that holds such a cluster reopens (a wave
 * that completed with failures is `done` and would otherwise be passed over). Pure.
 * @packageDocumentation
 */
import type { JournalCluster, RolloutJournal } from "../journal/journal";

/** True for a cluster `--retry-failed` starts again: failed, or kept from starting by a halt. @internal */
function isReopenedByRetry(c: JournalCluster): boolean {
  return c.status === "failed" || (c.status === "skipped" && c.skipReason === "halted");
}

/** What a resumed run of a journal will run (see {@link resumeWork}). */
export interface ResumeWork {
  /** Clusters not started yet. */
  readonly pending: number;
  /** Clusters a stopped run left in progress: re-attached, not written again. */
  readonly inProgress: number;
  /** With `retryFailed`: failed clusters, started again. */
  readonly failed: number;
  /** With `retryFailed`: clusters a halt kept from starting, started now. */
  readonly haltSkipped: number;
  /** Everything the run will run: the sum of the above. */
  readonly total: number;
}

/**
 * What resuming a journal will run, counted before it runs (e.g. for the question asked before `--resume`): pending
 * and in-progress clusters, and with `retryFailed` the failed clusters and those a halt skipped, exactly the ones
 * {@link runRollout} reopens.
 * @param j - the journal
 * @param options - retryFailed
 */
export function resumeWork(j: Pick<RolloutJournal, "clusters">, options: { readonly retryFailed?: boolean } = {}): ResumeWork {
  let pending = 0;
  let inProgress = 0;
  let failed = 0;
  let haltSkipped = 0;
  for (const c of j.clusters) {
    if (c.status === "pending") pending++;
    else if (c.status === "in-progress") inProgress++;
    else if (options.retryFailed && isReopenedByRetry(c)) {
      if (c.status === "failed") failed++;
      else haltSkipped++;
    }
  }
  return { pending, inProgress, failed, haltSkipped, total: pending + inProgress + failed + haltSkipped };
}

/**
 * Reopens a journal's failed work for another run.
 * @param j - the journal (mutated)
 * @returns the clusters set back to pending (declare them changed to the journal file)
 * @internal
 */
export function reopenFailed(j: RolloutJournal): JournalCluster[] {
  const reopened: JournalCluster[] = [];
  for (const c of j.clusters) {
    if (isReopenedByRetry(c)) {
      c.status = "pending";
      delete c.skipReason;
      delete c.skipMessage;
      reopened.push(c);
    }
  }
  const waves = new Set(reopened.map((c) => c.wave));
  for (const w of j.waves) {
    if (w.status === "halted" || w.status === "skipped" || (waves.has(w.name) && w.status !== "pending")) {
      w.status = "pending";
      delete w.haltReason;
      delete w.finishedAt;
      delete w.soakUntil;
    }
  }
  delete j.halt;
  return reopened;
}
