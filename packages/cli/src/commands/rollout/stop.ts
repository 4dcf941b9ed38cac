/**
 * `aks-kube-proxy rollout stop`: records a stop request beside a journal.
 * @packageDocumentation
 */
import { CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { journalStore, approverFromEnvironment, type RolloutControlFlags } from "./actions";

/** `rollout stop --journal J [--lift]`: running runners start no further cluster (clusters in progress finish). */
export async function rolloutStop(ctx: CommandContext): Promise<ExitCodeValue> {
  const flags = ctx.opts<RolloutControlFlags>();
  if (!flags.journal) throw new CliUsageError("Name the rollout's journal: `aks-kube-proxy rollout stop --journal my-rollout.journal.json`.");
  const store = journalStore(ctx, flags.journal);
  const who = approverFromEnvironment(ctx.env);
  const r = await store.updateControl(flags.lift ? { type: "lift-stop" } : { type: "stop", by: who.by, at: new Date().toISOString() });
  const text = flags.lift
    ? `${r.changed ? "Lifted the stop" : "No stop was recorded"} (${r.location}); continue with rollout apply --resume.`
    : `${r.changed ? "Recorded a stop" : "Already stopped"} (${r.location}): running runners start no further cluster; those in progress finish. Lift it with --lift.`;
  ctx.out.result({ table: () => text, json: () => ({ changed: r.changed, control: r.control, location: r.location }) });
  return ExitCode.Ok;
}
