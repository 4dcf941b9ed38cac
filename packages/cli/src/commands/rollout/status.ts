/**
 * `aks-kube-proxy rollout status`: the report of one or more journals.
 * @packageDocumentation
 */
import { CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { reportTable, reportTsvRows } from "./render";
import type { RolloutReportFlags } from "./actions";
import { writeReports, readJournals } from "./reports";

/** `rollout status [JOURNAL...]`: the state recorded in journals. */
export async function rolloutStatus(ctx: CommandContext, positional: readonly string[]): Promise<ExitCodeValue> {
  const flags = ctx.opts<RolloutReportFlags>();
  const paths = [...positional, ...(flags.journal ?? [])];
  if (paths.length === 0) throw new CliUsageError("Name the journal to read: `aks-kube-proxy rollout status my-rollout.journal.json`.");
  const report = ctx.rollout().buildRolloutReport(await readJournals(ctx, paths));
  await writeReports(ctx, report, flags);
  ctx.out.result({ table: () => reportTable(report, ctx.out, { clusters: true }), json: () => report, tsv: () => reportTsvRows(report) });
  return ExitCode.Ok;
}
