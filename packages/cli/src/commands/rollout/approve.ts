/**
 * `aks-kube-proxy rollout approve`: approves the wave an approval gate waits for.
 * @packageDocumentation
 */
import { CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { type RolloutApproveFlags, journalStore, approverFromEnvironment } from "./actions";

/** `rollout approve --journal J --wave NAME`: records who approved the wave and when; `--resume` then runs it. */
export async function rolloutApprove(ctx: CommandContext): Promise<ExitCodeValue> {
  const flags = ctx.opts<RolloutApproveFlags>();
  if (!flags.journal) throw new CliUsageError("Name the rollout's journal: `aks-kube-proxy rollout approve --journal my-rollout.journal.json --wave prod`.");
  if (!flags.wave) throw new CliUsageError("Name the wave to approve: `--wave NAME`.");
  const who = approverFromEnvironment(ctx.env);
  const store = journalStore(ctx, flags.journal);
  const result = await store.approve(flags.wave, { by: who.by, source: who.source, at: new Date().toISOString() });
  const text = result.alreadyApproved
    ? `Wave ${result.wave} was already approved by ${result.approval.by} at ${result.approval.at}; nothing changed.`
    : `Approved wave ${result.wave} as ${result.approval.by} (${result.approval.source ?? ""}) at ${result.approval.at}, recorded in ${result.location}. Continue the rollout with --resume.`;
  ctx.out.result({ table: () => text, json: () => ({ wave: result.wave, approval: result.approval, alreadyApproved: result.alreadyApproved, location: result.location }) });
  return ExitCode.Ok;
}
