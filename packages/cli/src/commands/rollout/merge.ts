/**
 * `aks-kube-proxy rollout merge`: one report from the journals of all shards.
 * @packageDocumentation
 */
import { CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { reportTable, reportTsvRows } from "./render";
import type { RolloutReportFlags } from "./actions";
import { writeReports, readJournals } from "./reports";

/** `rollout merge JOURNAL...`: one report from the shards' journals; fails when the rollout did not fully succeed. */
export async function rolloutMerge(ctx: CommandContext, positional: readonly string[]): Promise<ExitCodeValue> {
  const flags = ctx.opts<RolloutReportFlags>();
  const paths = [...positional, ...(flags.journal ?? [])];
  if (paths.length === 0) throw new CliUsageError("Name the shard journals to merge: `aks-kube-proxy rollout merge journals/*.json --junit rollout.xml`.");
  const report = ctx.rollout().buildRolloutReport(await readJournals(ctx, paths));
  await writeReports(ctx, report, flags);
  ctx.out.result({ table: () => reportTable(report, ctx.out), json: () => report, tsv: () => reportTsvRows(report) });
  if (report.shards.missing.length > 0) ctx.out.warn(`shard journal(s) missing: ${report.shards.missing.map((i) => `${i}/${report.shards.count}`).join(", ")}`);
  return report.status === "completed" && report.counts.failed === 0 ? ExitCode.Ok : ExitCode.Failure;
}
