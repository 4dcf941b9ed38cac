/**
 * What `--resume --retry-failed` changes in a journal before it runs again: failed clusters, and those a halt kept
 * from starting, go back to pending, the halt is lifted, and every wave that holds such a cluster reopens (a wave
 * that completed with failures is `done` and would otherwise be passed over). Pure.
 * @packageDocumentation
 */
import type { JournalCluster, RolloutJournal } from "./journal";

/**
 * Reopens a journal's failed work for another run.
 * @param j - the journal (mutated)
 * @returns the clusters set back to pending (declare them changed to the journal file)
 * @internal
 */
export function reopenFailed(j: RolloutJournal): JournalCluster[] {
  const reopened: JournalCluster[] = [];
  for (const c of j.clusters) {
    if (c.status === "failed" || (c.status === "skipped" && c.skipReason === "halted")) {
      c.status = "pending";
      delete c.skipReason;
      delete c.skipMessage;
      reopened.push(c);
    }
  }
  const waves = new Set(reopened.map((c) => c.wave));
  for (const w of j.waves) {
    if (w.status === "halted" || (waves.has(w.name) && w.status !== "pending")) {
      w.status = "pending";
      delete w.haltReason;
      delete w.finishedAt;
      delete w.soakUntil;
    }
  }
  delete j.halt;
  return reopened;
}
