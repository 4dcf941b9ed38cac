/**
 * The run of a rollout or rollback journal from the CLI: live progress (a redrawn line on a terminal, heartbeat lines
 * otherwise), the reports it writes, and the exit code of its outcome.
 * @packageDocumentation
 */
import type { ArmRateLimiter, OpenRolloutJournal, RolloutProgressEvent, RolloutReport, RolloutRunResult } from "@aks-kube-proxy/rollout";
import { CliInterruptedError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { formatDuration, parseDurationInMs } from "../../runtime/duration";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { HEARTBEAT_INTERVAL_IN_MS, isInteractive } from "../../runtime/progress";
import { progressLine, reportTable, reportTsvRows } from "./render";
import { writeReports } from "./reports";
import { clientFactory, type RolloutApplyFlags } from "./actions";

interface RunArgs {
  readonly file: OpenRolloutJournal;
  readonly limiter: ArmRateLimiter;
  readonly retryFailed?: boolean;
  readonly waves?: readonly string[];
  readonly clusterTimeout?: string;
  readonly resumeCommand: string;
}

async function runWithProgress(ctx: CommandContext, args: RunArgs): Promise<RolloutRunResult> {
  const rollout = ctx.rollout();
  const live = isInteractive(ctx.out.stderr);
  const progress = ctx.progress({ quietWhenPlain: true });
  const started = Date.now();
  const stamp = (): string => `[${formatDuration(Date.now() - started)}]`;
  let lastDrawAt = 0;
  // Off a terminal, a line at least every ~15 s, so CI logs show the rollout is alive (a preview wait can be long).
  let lastLineAt = Date.now();
  let lastSnapshot: RolloutProgressEvent["snapshot"] | undefined;
  const lastPreviewLine = new Map<string, string>();
  const heartbeat = live
    ? undefined
    : setInterval(() => {
        if (Date.now() - lastLineAt < HEARTBEAT_INTERVAL_IN_MS - 100) return;
        lastLineAt = Date.now();
        ctx.out.info(`${stamp()} still running${lastSnapshot ? ` · ${progressLine(lastSnapshot)}` : ""}`);
      }, HEARTBEAT_INTERVAL_IN_MS);
  heartbeat?.unref();
  let lastWaiting = "";
  const onProgress = (e: RolloutProgressEvent): void => {
    lastSnapshot = e.snapshot;
    let line: string | undefined;
    switch (e.type) {
      case "wave-started":
        line = `wave ${e.wave}: ${e.total} cluster(s)`;
        break;
      case "soaking":
        line = `wave ${e.wave} done; soaking ${formatDuration(Math.max(0, e.untilInMs - Date.now()))} before the next wave`;
        break;
      case "halted":
        line = ctx.out.style("red", `halted: ${e.reason}`, ctx.out.stderr);
        break;
      case "awaiting-approval":
        line = `wave ${e.wave} needs an approval before it starts`;
        break;
      case "gate":
        if (ctx.out.verbose) line = `${e.name}: health gate ${e.status}: ${e.summary}`;
        break;
      case "waiting-for-shards": {
        // One line when the set of shards waited for changes, not one per poll.
        const waiting = `waiting for shard(s) ${e.shards.join(", ")} to finish wave ${e.wave}`;
        if (waiting !== lastWaiting) line = waiting;
        lastWaiting = waiting;
        break;
      }
      case "preview": {
        // Each state of the flag and the provider, once per change.
        const text = `subscription ${e.subscriptionId}: ${e.step} ${e.state}`;
        if (lastPreviewLine.get(e.subscriptionId) !== text) line = text;
        lastPreviewLine.set(e.subscriptionId, text);
        break;
      }
      case "cluster":
        if (e.status === "done" || e.status === "failed" || e.status === "skipped") {
          const what = e.status === "failed" ? ctx.out.style("red", "failed", ctx.out.stderr) : e.status;
          const why = e.error ? `: ${e.error.code}${e.error.armCode ? `/${e.error.armCode}` : ""} ${e.error.message.split("\n")[0]}` : "";
          line = `${what} ${e.name}${e.wave ? ` (wave ${e.wave})` : ""}${why} · ${progressLine(e.snapshot)}`;
        } else if (ctx.out.verbose && e.phase) {
          line = `${e.name}: ${e.phase}`;
        }
        break;
      default:
        break;
    }
    if (live) {
      // The live line is redrawn at most ten times a second, however many clusters report. It takes this event's
      // counts BEFORE the event's line is printed above it: printing redraws the live line, and with the previous
      // event's (lower) counts the terminal would show the counts going backwards after every finished cluster.
      if (line !== undefined || Date.now() - lastDrawAt >= 100) {
        lastDrawAt = Date.now();
        progress.update(progressLine(e.snapshot));
      }
      if (line !== undefined) progress.log(`${stamp()} ${line}`);
    } else if (line !== undefined) {
      lastLineAt = Date.now();
      ctx.out.info(`${stamp()} ${line}`);
    }
  };
  try {
    return await rollout.runRollout({
      journal: args.file,
      // A journal started from a saved plan is written with the plan's api-version.
      createClient: clientFactory(ctx, args.file.journal.planFile ? args.file.journal.apiVersion : undefined),
      rateLimiter: args.limiter,
      abortSignal: ctx.abortSignal,
      onProgress,
      ...(args.retryFailed ? { retryFailed: true } : {}),
      ...(args.waves && args.waves.length > 0 ? { waves: args.waves } : {}),
      ...(args.clusterTimeout !== undefined ? { clusterTimeoutInMs: parseDurationInMs(args.clusterTimeout, "--cluster-timeout") } : {}),
    });
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    progress.done();
    await args.file.close();
  }
}

export function finish(ctx: CommandContext, result: RolloutRunResult, report: RolloutReport, resumeCommand: string, approveCommand?: (wave: string) => string): ExitCodeValue {
  if (result.outcome === "stopped") {
    ctx.out.result({ table: () => reportTable(report, ctx.out), json: () => report });
    const by = result.journal.stopped;
    ctx.out.error(
      `Stopped by \`rollout stop\`${by ? ` (${by.by} at ${by.at})` : ""}: clusters in progress finished, no other was started. ` +
        `To go on: aks-kube-proxy rollout stop --journal <journal> --lift, then ${resumeCommand}`,
    );
    return ExitCode.Failure;
  }
  if (result.outcome === "awaiting-approval") {
    ctx.out.result({ table: () => reportTable(report, ctx.out), json: () => report });
    const wave = result.journal.awaitingApproval?.wave ?? "";
    ctx.out.error(
      `Awaiting approval: wave "${wave}" starts only once approved. Approve it with: ${approveCommand ? approveCommand(wave) : `aks-kube-proxy rollout approve --wave ${wave}`}` +
        `\nthen continue with: ${resumeCommand}`,
    );
    return ExitCode.AwaitingApproval;
  }
  if (result.outcome === "aborted") {
    const c = result.counts;
    throw new CliInterruptedError(
      `Interrupted: ${c.done} done, ${c.failed} failed, ${c.inProgress} in progress (their operations continue in Azure), ${c.pending} not started. ` +
        `The journal has every cluster's state; continue with: ${resumeCommand}`,
    );
  }
  ctx.out.result({ table: () => reportTable(report, ctx.out), json: () => report, tsv: () => reportTsvRows(report) });
  if (result.outcome === "halted") return ExitCode.Failure;
  if (result.counts.failed > 0) return ExitCode.Failure;
  const blocked = report.clusters.filter((c) => c.skipReason === "blocked").length;
  if (blocked > 0) {
    ctx.out.error(`${blocked} cluster(s) were blocked by a rule and skipped; nothing was written to them (see \`aks-kube-proxy rollout plan\`).`);
    return ExitCode.Blocked;
  }
  return ExitCode.Ok;
}

/** The run flags `rollout apply` and `rollout rollback` share. */
type RunFlags = Pick<RolloutApplyFlags, "retryFailed" | "wave" | "clusterTimeout" | "junit" | "report"> & { readonly embedded?: boolean };

/** Runs a journal (rollout or rollback) with progress, writes the requested reports, and maps the outcome to an exit code. */
export async function runJournal(
  ctx: CommandContext,
  args: {
    file: OpenRolloutJournal;
    path: string;
    limiter: ArmRateLimiter;
    flags: RunFlags;
    resumeCommand: string;
    approveCommand?: (wave: string) => string;
    /** After the run (journal closed), before the reports: e.g. the automatic rollback of a halted wave. */
    afterRun?: (result: RolloutRunResult) => Promise<RolloutRunResult>;
  },
): Promise<ExitCodeValue> {
  const { flags, resumeCommand } = args;
  const result = await runWithProgress(ctx, {
    file: args.file,
    limiter: args.limiter,
    ...(flags.retryFailed ? { retryFailed: true } : {}),
    ...(flags.wave ? { waves: flags.wave } : {}),
    ...(flags.clusterTimeout !== undefined ? { clusterTimeout: flags.clusterTimeout } : {}),
    resumeCommand,
  });
  const final = args.afterRun ? await args.afterRun(result) : result;
  const report = ctx.rollout().buildRolloutReport([{ journal: final.journal, path: args.path }]);
  if (flags.embedded) {
    const c = final.counts;
    ctx.out.info(`Rollback ${final.outcome}: ${c.done} restored, ${c.failed} failed, ${c.skipped} skipped (journal ${args.path}).`);
    return final.outcome === "completed" && c.failed === 0 ? ExitCode.Ok : ExitCode.Failure;
  }
  await writeReports(ctx, report, flags);
  return finish(ctx, final, report, resumeCommand, args.approveCommand);
}
