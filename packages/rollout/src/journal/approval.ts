/**
 * Approval gates: a wave with `approval: true` starts only once `rollout approve --wave NAME` recorded who approved it
 * and when. A file journal keeps the approval on its wave; a blob journal keeps one approval for the whole fleet in the
 * fleet record (every shard reads it there before the wave).
 * @packageDocumentation
 */
import { ValidationError } from "@aks-kube-proxy/sdk";
import type { JournalWave, RolloutJournal, WaveApproval } from "./journal";

/**
 * The journal's wave named `wave` (any case), provided the spec asks for its approval.
 * @param journal - a rollout journal
 * @param wave - the wave's name
 * @throws {@link ValidationError} naming the waves that do need one, when it is unknown or needs no approval
 */
export function approvableWave(journal: RolloutJournal, wave: string): JournalWave {
  const gated = journal.spec.waves.filter((w) => w.approval).map((w) => w.name);
  const found = journal.waves.find((w) => w.name.toLowerCase() === wave.toLowerCase());
  const spec = found ? journal.spec.waves.find((w) => w.name === found.name) : undefined;
  if (journal.operation !== "apply" || !found || !spec?.approval) {
    const which = gated.length > 0 ? `waves that need an approval: ${gated.join(", ")}` : "no wave of this rollout needs an approval";
    throw new ValidationError(`wave "${wave}" ${found ? "needs no approval" : "is not a wave of this rollout"} (${which}).`, [
      { path: "wave", message: found ? "needs no approval" : "unknown wave", found: wave, allowed: gated.join(", ") || "none" },
    ]);
  }
  return found;
}

/** What {@link JournalStore.approve} did. */
export interface ApprovalResult {
  /** The wave approved (as the journal spells it). */
  readonly wave: string;
  /** The approval recorded (an earlier one is kept). */
  readonly approval: WaveApproval;
  /** True when the wave had been approved before: nothing was written. */
  readonly alreadyApproved: boolean;
  /** Where it was recorded (the journal file, or the blob folder's fleet record). */
  readonly location: string;
}
