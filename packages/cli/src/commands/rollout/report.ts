/**
 * `aks-kube-proxy rollout report`: the HTML report and the Markdown summary of journals.
 * @packageDocumentation
 */
import { writeFile } from "node:fs/promises";
import { CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { inPieces, readJournals } from "./reports";

/** Flags of `rollout report`. */
export interface RolloutHtmlReportFlags {
  readonly journal?: string[];
  readonly html?: string;
  readonly markdown?: string;
  readonly rolloutFile?: string;
}

/**
 * `rollout report --journal J [--html FILE] [--markdown FILE]`: the HTML page and the Markdown summary of one journal
 * or a blob folder's shards. Without --html or --markdown the Markdown goes to stdout. `--markdown -` is stdout too.
 */
export async function rolloutReport(ctx: CommandContext, positional: readonly string[]): Promise<ExitCodeValue> {
  const rollout = ctx.rollout();
  const flags = ctx.opts<RolloutHtmlReportFlags>();
  const paths = [...positional, ...(flags.journal ?? [])];
  if (paths.length === 0) throw new CliUsageError("Name the journal: `aks-kube-proxy rollout report --journal my-rollout.journal.json --html report.html`.");
  const report = rollout.buildRolloutReport(await readJournals(ctx, paths));
  const options = { journal: paths[0] as string, ...(flags.rolloutFile !== undefined ? { rolloutFile: flags.rolloutFile } : {}) };
  if (flags.html) {
    await writeFile(flags.html, inPieces(rollout.htmlReportChunks(report, options))); // streamed: a row at a time
    ctx.out.info(`HTML report written to ${flags.html}`);
  }
  const markdown = flags.markdown ?? (flags.html ? undefined : "-");
  if (markdown !== undefined && markdown !== "-") {
    await writeFile(markdown, rollout.toMarkdownReport(report, options));
    ctx.out.info(`Markdown summary written to ${markdown}`);
  }
  const written = { status: report.status, ...(flags.html ? { html: flags.html } : {}), ...(markdown !== undefined && markdown !== "-" ? { markdown } : {}) };
  if (markdown === "-") ctx.out.result({ table: () => rollout.toMarkdownReport(report, options), json: () => report });
  else if (ctx.out.json) ctx.out.result({ table: () => "", json: () => written });
  return ExitCode.Ok;
}
