/**
 * `aks-kube-proxy rollout skip`: records a skip request beside a journal.
 * @packageDocumentation
 */
import { CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { journalStore, type RolloutControlFlags } from "./actions";

/** `rollout skip --journal J (--cluster ID | --wave NAME)`: running runners skip it at their next cluster. */
export async function rolloutSkip(ctx: CommandContext): Promise<ExitCodeValue> {
  const flags = ctx.opts<RolloutControlFlags>();
  if (!flags.journal) throw new CliUsageError("Name the rollout's journal: `aks-kube-proxy rollout skip --journal my-rollout.journal.json --cluster ID`.");
  if ((flags.cluster === undefined) === (flags.wave === undefined)) throw new CliUsageError("Pass either --cluster ID or --wave NAME.");
  const store = journalStore(ctx, flags.journal);
  if (flags.wave !== undefined) {
    const journals = await store.readAll({ abortSignal: ctx.abortSignal });
    const known = journals[0]?.journal.waves.map((w) => w.name) ?? [];
    if (!known.some((w) => w.toLowerCase() === flags.wave?.toLowerCase())) throw new CliUsageError(`wave "${flags.wave}" is not a wave of this rollout (waves: ${known.join(", ")}).`);
  }
  const change = flags.cluster !== undefined ? ({ type: "skip-cluster", id: flags.cluster } as const) : ({ type: "skip-wave", wave: flags.wave ?? "" } as const);
  const r = await store.updateControl(change);
  const what = flags.cluster !== undefined ? `cluster ${flags.cluster}` : `wave ${flags.wave}`;
  ctx.out.result({
    table: () => `${r.changed ? "Recorded" : "Already recorded"}: skip ${what} (in ${r.location}). Running runners skip it at their next cluster; a cluster already in progress finishes.`,
    json: () => ({ changed: r.changed, control: r.control, location: r.location }),
  });
  return ExitCode.Ok;
}
