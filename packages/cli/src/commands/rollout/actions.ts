/**
 * What the `aks-kube-proxy rollout` subcommands share (each has its own module beside this one: plan, apply, status,
 * merge, rollback, approve, report, skip, stop): flags, the journal store `--journal` names, the rollout file, the run
 * with live progress, reports and the exit code. Thin: the fleet package plans, runs, journals and reports.
 * @packageDocumentation
 */
import { access, writeFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import type { ArmRateLimiter, JournalStore, OpenRolloutJournal, RolloutClientFactory, RolloutJournal, RolloutProgressEvent, RolloutReport, RolloutRunResult, RolloutSpec, Shard } from "@aks-kube-proxy/rollout";
import { CliInterruptedError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { formatDuration, parseDurationInMs } from "../../runtime/duration";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { HEARTBEAT_INTERVAL_IN_MS, isInteractive } from "../../runtime/progress";
import { readRolloutFileOrPlan, type RolloutInput } from "../../inputs/rollout-file";
import { progressLine, reportTable, reportTsvRows } from "./render";

/** Flags of `rollout plan`. */
export interface RolloutPlanFlags {
  readonly shard?: string;
  readonly out?: string;
  readonly detailedExitcode?: boolean;
}

/** Flags of `rollout apply`. */
export interface RolloutApplyFlags {
  readonly journal?: string;
  readonly resume?: boolean;
  readonly retryFailed?: boolean;
  readonly shard?: string;
  readonly junit?: string;
  readonly report?: string;
  readonly wave?: string[];
  readonly clusterTimeout?: string;
  readonly yes?: boolean;
  readonly lockTimeout?: string;
  readonly leaseDuration?: string;
}

/** Flags of `rollout status` and `rollout merge`. */
export interface RolloutReportFlags {
  readonly journal?: string[];
  readonly junit?: string;
  readonly report?: string;
}

/** Flags of `rollout approve`. */
export interface RolloutApproveFlags {
  readonly journal?: string;
  readonly wave?: string;
}

/** Flags of `rollout rollback`. */
export interface RolloutRollbackFlags {
  readonly journal?: string;
  readonly shard?: string;
  readonly lockTimeout?: string;
  readonly leaseDuration?: string;
  readonly rollbackJournal?: string;
  readonly resume?: boolean;
  readonly retryFailed?: boolean;
  readonly junit?: string;
  readonly report?: string;
  readonly wave?: string[];
  readonly clusterTimeout?: string;
  readonly yes?: boolean;
  /** Run inside `rollout apply` (the automatic rollback of a halted wave): no result document of its own. @internal */
  readonly embedded?: boolean;
}

/** One client per subscription, for the run's rate limiter; `apiVersion` (a saved plan's) overrides `--api-version`. */
export function clientFactory(ctx: CommandContext, apiVersion?: string): RolloutClientFactory {
  return ({ subscriptionId, additionalPolicies }) => ctx.createClient({ subscriptionId, additionalPolicies: [...additionalPolicies], ...(apiVersion !== undefined ? { apiVersion } : {}) });
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * The journal store `--journal` names: a file, or (an http(s) URL) a folder in Azure Blob Storage, reached with the
 * same Microsoft Entra credential as ARM, or with AZURE_STORAGE_KEY / AZURE_STORAGE_SAS_TOKEN when one is set.
 */
export function journalStore(ctx: CommandContext, location: string, flags: { leaseDuration?: string } = {}): JournalStore {
  const rollout = ctx.rollout();
  if (!rollout.isBlobJournalUrl(location)) return rollout.journalStoreFor(location);
  const key = ctx.env.AZURE_STORAGE_KEY;
  const sas = ctx.env.AZURE_STORAGE_SAS_TOKEN;
  const lease = flags.leaseDuration !== undefined ? Math.round(parseDurationInMs(flags.leaseDuration, "--lease-duration") / 1000) : undefined;
  return rollout.journalStoreFor(location, {
    blob: {
      ...(key ? { accountKey: key } : sas ? { sasToken: sas } : { credential: ctx.credential() }),
      ...(lease !== undefined ? { leaseDurationInSeconds: lease } : {}),
    },
  });
}

/** Reads a rollout file (its warnings to stderr) or a saved rollout plan (`rollout plan --out`). */
export async function readRolloutInput(ctx: CommandContext, file: string): Promise<RolloutInput> {
  const input = await readRolloutFileOrPlan(ctx.sdk(), ctx.rollout(), file);
  if (input.kind === "spec") for (const w of input.parsed.warnings) ctx.out.warn(`${file} ${w.path ?? ""}: ${w.message}`);
  return input;
}

export function readShard(ctx: CommandContext, text: string | undefined): Shard | undefined {
  return text === undefined ? undefined : ctx.rollout().parseShard(text);
}

/** `<name>.journal.json`, or `<name>.shard-<i>-of-<n>.journal.json` for a shard. */
export function defaultJournalPath(spec: RolloutSpec, shard: Shard | undefined): string {
  const safe = spec.name.replace(/[^A-Za-z0-9._-]+/g, "-");
  return `${safe}${shard && shard.count > 1 ? `.shard-${shard.index}-of-${shard.count}` : ""}.journal.json`;
}

/** Consent for a run that writes: `--yes`, or a yes on the terminal; off a terminal without `--yes` it refuses (exit 5). */
export async function confirmOrStop(ctx: CommandContext, yes: boolean | undefined, question: string): Promise<void> {
  await ctx.requireConsent({ yes, question, nothingDone: "Nothing was written." });
}

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

/** Groups a report's small pieces into writes of about 64 KiB (one write per testcase would be thousands of syscalls). */
export function* inPieces(chunks: Iterable<string>, size = 64 * 1024): Generator<string> {
  let buffered: string[] = [];
  let length = 0;
  for (const chunk of chunks) {
    buffered.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield buffered.join("");
      buffered = [];
      length = 0;
    }
  }
  if (buffered.length > 0) yield buffered.join("");
}

export async function writeReports(ctx: CommandContext, report: RolloutReport, flags: { junit?: string; report?: string }): Promise<void> {
  const rollout = ctx.rollout();
  if (flags.junit) {
    await writeFile(flags.junit, inPieces(rollout.junitXmlChunks(report))); // streamed: a testcase at a time
    ctx.out.info(`JUnit report written to ${flags.junit}`);
  }
  if (flags.report) {
    await writeFile(flags.report, inPieces(rollout.jsonReportChunks(report))); // streamed: a cluster at a time
    ctx.out.info(`JSON report written to ${flags.report}`);
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

/** Reads journals: files, and every shard of each blob journal folder, live from the store. */
export async function readJournals(ctx: CommandContext, paths: readonly string[]): Promise<{ journal: RolloutJournal; path: string }[]> {
  const stores = paths.map((path) => journalStore(ctx, path));
  const lists = await ctx.withReadTimeout(`Reading ${paths.length === 1 ? `the journal ${paths[0] ?? ""}` : `${paths.length} journals`}`, (abortSignal) =>
    Promise.all(stores.map((store) => store.readAll(abortSignal ? { abortSignal } : {}))),
  );
  return lists.flat();
}

/**
 * Where a rollout's rollback keeps its own journal unless `--rollback-journal` says otherwise: `<journal>.rollback.json`
 * beside a journal file, `<folder>/rollback` in a blob journal's folder. One rule for the manual rollback and the
 * automatic one after a halt, so each finds (and resumes) the other's journal.
 * @param journal - the rollout's journal: a file path, or a blob journal folder's URL
 * @param kind - the journal's store
 */
export function defaultRollbackLocation(journal: string, kind: "file" | "blob"): string {
  return kind === "blob" ? `${journal}/rollback` : `${journal.replace(/\.json$/i, "")}.rollback.json`;
}

/**
 * Who approves, from the environment: `GITHUB_ACTOR` (the GitHub user who started the workflow run) in GitHub Actions,
 * else `BUILD_REQUESTEDFOR` (Azure Pipelines), else the operating-system user. Not an authentication: whoever may
 * write the journal may approve; protect the journal (file permissions, the storage account's RBAC) and, in CI, put
 * the approve job behind a protected environment with required reviewers.
 */
export function approverFromEnvironment(env: NodeJS.ProcessEnv): { by: string; source: string } {
  const host = hostname();
  if (env.GITHUB_ACTOR) return { by: env.GITHUB_ACTOR, source: `GITHUB_ACTOR${env.GITHUB_RUN_ID ? ` (run ${env.GITHUB_RUN_ID})` : ""} on ${host}` };
  if (env.BUILD_REQUESTEDFOR) return { by: env.BUILD_REQUESTEDFOR, source: `BUILD_REQUESTEDFOR on ${host}` };
  let user = env.USER ?? env.USERNAME ?? env.LOGNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = "unknown";
    }
  }
  return { by: user, source: `operating-system user on ${host}` };
}

/** Flags of `rollout skip` and `rollout stop`. */
export interface RolloutControlFlags {
  readonly journal?: string;
  readonly cluster?: string;
  readonly wave?: string;
  readonly lift?: boolean;
}
