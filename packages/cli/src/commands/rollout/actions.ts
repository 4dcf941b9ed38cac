/**
 * The actions of `aks-kube-proxy rollout plan|apply|status|merge|rollback`. Thin: the SDK plans, runs, journals and
 * reports; these functions read flags, show progress and write files and results.
 * @packageDocumentation
 */
import { access, writeFile } from "node:fs/promises";
import type {
  ArmRateLimiter,
  JournalStore,
  OpenRolloutJournal,
  RolloutClientFactory,
  RolloutJournal,
  RolloutJournalFile,
  RolloutProgressEvent,
  RolloutReport,
  RolloutRunResult,
  RolloutSpec,
  Shard,
} from "@aks-kube-proxy/sdk";
import { CliInterruptedError, CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { formatDuration, parseDurationInMs } from "../../runtime/duration";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { HEARTBEAT_INTERVAL_IN_MS, isInteractive } from "../../runtime/progress";
import { readRolloutSpecFile } from "../../inputs/rollout-file";
import { planJson, planTable, planTotals, planTsvRows, progressLine, reportTable, reportTsvRows } from "./render";

/** Flags of `rollout plan`. */
export interface RolloutPlanFlags {
  readonly shard?: string;
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
}

function clientFactory(ctx: CommandContext): RolloutClientFactory {
  return ({ subscriptionId, additionalPolicies }) => ctx.createClient({ subscriptionId, additionalPolicies: [...additionalPolicies] });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * The journal store `--journal` names: a file, or (an http(s) URL) a folder in Azure Blob Storage, reached with the
 * same Microsoft Entra credential as ARM, or with AZURE_STORAGE_KEY / AZURE_STORAGE_SAS_TOKEN when one is set.
 */
function journalStore(ctx: CommandContext, location: string, flags: { leaseDuration?: string } = {}): JournalStore {
  const sdk = ctx.sdk();
  if (!sdk.isBlobJournalUrl(location)) return sdk.journalStoreFor(location);
  const key = ctx.env.AZURE_STORAGE_KEY;
  const sas = ctx.env.AZURE_STORAGE_SAS_TOKEN;
  const lease = flags.leaseDuration !== undefined ? Math.round(parseDurationInMs(flags.leaseDuration, "--lease-duration") / 1000) : undefined;
  return sdk.journalStoreFor(location, {
    blob: {
      ...(key ? { accountKey: key } : sas ? { sasToken: sas } : { credential: ctx.credential() }),
      ...(lease !== undefined ? { leaseDurationInSeconds: lease } : {}),
    },
  });
}

async function readSpec(ctx: CommandContext, file: string): Promise<RolloutSpec> {
  const { spec, warnings } = await readRolloutSpecFile(ctx.sdk(), file);
  for (const w of warnings) ctx.out.warn(`${file} ${w.path ?? ""}: ${w.message}`);
  return spec;
}

function readShard(ctx: CommandContext, text: string | undefined): Shard | undefined {
  return text === undefined ? undefined : ctx.sdk().parseShard(text);
}

/** `<name>.journal.json`, or `<name>.shard-<i>-of-<n>.journal.json` for a shard. */
export function defaultJournalPath(spec: RolloutSpec, shard: Shard | undefined): string {
  const safe = spec.name.replace(/[^A-Za-z0-9._-]+/g, "-");
  return `${safe}${shard && shard.count > 1 ? `.shard-${shard.index}-of-${shard.count}` : ""}.journal.json`;
}

/** Consent for a run that writes: `--yes`, or a yes on the terminal; off a terminal without `--yes` it refuses (exit 5). */
async function confirmOrStop(ctx: CommandContext, yes: boolean | undefined, question: string): Promise<void> {
  await ctx.requireConsent({ yes, question, nothingDone: "Nothing was written." });
}

/** `rollout plan FILE`: list, plan, show; writes nothing. */
export async function rolloutPlan(ctx: CommandContext, file: string): Promise<ExitCodeValue> {
  const sdk = ctx.sdk();
  const flags = ctx.opts<RolloutPlanFlags>();
  const spec = await readSpec(ctx, file);
  const shard = readShard(ctx, flags.shard);
  const limiter = new sdk.ArmRateLimiter();
  const clusters = await ctx.withReadTimeout(`Listing the clusters of ${spec.subscriptions.length} subscription(s)`, (abortSignal) =>
    sdk.listRolloutClusters({ spec, createClient: clientFactory(ctx), rateLimiter: limiter, ...(abortSignal ? { abortSignal } : {}) }),
  );
  const plan = sdk.planRollout({ spec, clusters, apiVersion: ctx.globals.apiVersion ?? sdk.DEFAULT_API_VERSION, ...(shard ? { shard } : {}) });
  ctx.out.result({ table: () => planTable(plan, ctx.out), json: () => planJson(plan), tsv: () => planTsvRows(plan) });
  // The same codes as `plan`: a blocked cluster is exit 4 (1 under --detailed-exitcode, mapped by the host).
  if (plan.totals.blocked > 0) {
    ctx.out.error(`${plan.totals.blocked} cluster(s) blocked by a rule${ctx.out.json ? "" : " (see Findings above)"}; the rollout would skip them and write nothing to them.`);
    return ExitCode.Blocked;
  }
  return flags.detailedExitcode && plan.totals.change > 0 ? ExitCode.ChangesPending : ExitCode.Ok;
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
  const sdk = ctx.sdk();
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
    return await sdk.runRollout({
      journal: args.file,
      createClient: clientFactory(ctx),
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

async function writeReports(ctx: CommandContext, report: RolloutReport, flags: { junit?: string; report?: string }): Promise<void> {
  const sdk = ctx.sdk();
  if (flags.junit) {
    await writeFile(flags.junit, sdk.toJUnitXml(report));
    ctx.out.info(`JUnit report written to ${flags.junit}`);
  }
  if (flags.report) {
    await writeFile(flags.report, `${JSON.stringify(report, null, 2)}\n`);
    ctx.out.info(`JSON report written to ${flags.report}`);
  }
}

function finish(ctx: CommandContext, result: RolloutRunResult, report: RolloutReport, resumeCommand: string): ExitCodeValue {
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
type RunFlags = Pick<RolloutApplyFlags, "retryFailed" | "wave" | "clusterTimeout" | "junit" | "report">;

/** Runs a journal (rollout or rollback) with progress, writes the requested reports, and maps the outcome to an exit code. */
async function runJournal(
  ctx: CommandContext,
  args: { file: OpenRolloutJournal; path: string; limiter: ArmRateLimiter; flags: RunFlags; resumeCommand: string },
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
  const report = ctx.sdk().buildRolloutReport([{ journal: result.journal, path: args.path }]);
  await writeReports(ctx, report, flags);
  return finish(ctx, result, report, resumeCommand);
}

/** `rollout apply FILE`: plan, journal, run waves (or `--resume` a journal). */
export async function rolloutApply(ctx: CommandContext, file: string): Promise<ExitCodeValue> {
  const sdk = ctx.sdk();
  const flags = ctx.opts<RolloutApplyFlags>();
  const spec = await readSpec(ctx, file);
  const shard = readShard(ctx, flags.shard);
  const store = journalStore(ctx, flags.journal ?? defaultJournalPath(spec, shard), flags);
  const limiter = new sdk.ArmRateLimiter();
  let journalFile: OpenRolloutJournal;
  const resumeCommand = `aks-kube-proxy rollout apply ${file} --journal ${store.location}${flags.shard ? ` --shard ${flags.shard}` : ""} --resume`;
  const lockWaitInMs = flags.lockTimeout !== undefined ? parseDurationInMs(flags.lockTimeout, "--lock-timeout") : 0;
  let journalPath = store.location;

  if (flags.resume) {
    journalFile = await store.open({ purpose: "rollout apply --resume", ...(shard ? { shard } : {}), lockWaitInMs, abortSignal: ctx.abortSignal });
    journalPath = journalFile.location;
    const takeover = (journalFile as { takeover?: { message: string } }).takeover;
    if (takeover) ctx.out.warn(takeover.message);
    const j = journalFile.journal;
    const problem =
      j.operation !== "apply"
        ? `${journalPath} is a ${j.operation} journal; resume it with \`aks-kube-proxy rollout rollback --resume\`.`
        : j.specHash !== sdk.rolloutSpecHash(spec)
          ? `${journalPath} was written for another version of the rollout file (${j.rolloutName}); resume with the file it was started with, or start a new journal.`
          : shard && (j.shard?.index !== shard.index || j.shard?.count !== shard.count)
            ? `${journalPath} is the journal of shard ${j.shard ? `${j.shard.index}/${j.shard.count}` : "1/1"}, not ${shard.index}/${shard.count}.`
            : undefined;
    if (problem) {
      await journalFile.close();
      throw new CliUsageError(problem);
    }
    const c = sdk.countClusters(j.clusters);
    ctx.out.info(`Resuming ${journalPath}: ${c.done} done, ${c.inProgress} in progress (re-attached, not written again), ${c.failed} failed, ${c.pending} pending.`);
    const work = sdk.resumeWork(j, { retryFailed: flags.retryFailed === true });
    if (work.total > 0) {
      const parts = [
        work.pending > 0 ? `${work.pending} pending` : undefined,
        work.inProgress > 0 ? `${work.inProgress} in progress (re-attached)` : undefined,
        work.failed > 0 ? `${work.failed} failed (retried)` : undefined,
        work.haltSkipped > 0 ? `${work.haltSkipped} skipped by the halt (started now)` : undefined,
      ].filter((p): p is string => p !== undefined);
      try {
        await confirmOrStop(ctx, flags.yes, `Resume the rollout: run ${work.total} cluster(s): ${parts.join(", ")}?`);
      } catch (error) {
        await journalFile.close();
        throw error;
      }
    }
  } else {
    if (await store.exists(shard ? { shard } : {})) {
      throw new CliUsageError(`The journal ${journalPath} already exists${store.kind === "blob" ? ` for shard ${shard ? `${shard.index}/${shard.count}` : "1/1"}` : ""}. Continue it with --resume, read it with \`aks-kube-proxy rollout status ${journalPath}\`, or pass another --journal.`);
    }
    const clusters = await sdk.listRolloutClusters({
      spec,
      createClient: clientFactory(ctx),
      rateLimiter: limiter,
      abortSignal: ctx.abortSignal,
      onProgress: (e) => ctx.out.debug(`listed ${e.clusters} cluster(s) in ${e.subscriptionId} (${e.done}/${e.total})`),
    });
    const plan = sdk.planRollout({ spec, clusters, apiVersion: ctx.globals.apiVersion ?? sdk.DEFAULT_API_VERSION, ...(shard ? { shard } : {}) });
    ctx.out.info(`Plan: ${planTotals(plan)}.`);
    ctx.out.info(`Waves: ${plan.waves.map((w) => `${w.name} (${w.clusterIds.length})`).join(" → ")}. Journal: ${journalPath}`);
    if (plan.totals.change > 0) await confirmOrStop(ctx, flags.yes, `Roll out to ${plan.totals.change} cluster(s)?`);
    journalFile = await store.create(sdk.createRolloutJournal(plan), { purpose: "rollout apply" });
    journalPath = journalFile.location;
  }
  return runJournal(ctx, { file: journalFile, path: journalPath, limiter, flags, resumeCommand });
}

/** Reads journals: files, and every shard of each blob journal folder, live from the store. */
async function readJournals(ctx: CommandContext, paths: readonly string[]): Promise<{ journal: RolloutJournal; path: string }[]> {
  const stores = paths.map((path) => journalStore(ctx, path));
  const lists = await ctx.withReadTimeout(`Reading ${paths.length === 1 ? `the journal ${paths[0] ?? ""}` : `${paths.length} journals`}`, (abortSignal) =>
    Promise.all(stores.map((store) => store.readAll(abortSignal ? { abortSignal } : {}))),
  );
  return lists.flat();
}

/** `rollout status [JOURNAL...]`: the state recorded in journals. */
export async function rolloutStatus(ctx: CommandContext, positional: readonly string[]): Promise<ExitCodeValue> {
  const flags = ctx.opts<RolloutReportFlags>();
  const paths = [...positional, ...(flags.journal ?? [])];
  if (paths.length === 0) throw new CliUsageError("Name the journal to read: `aks-kube-proxy rollout status my-rollout.journal.json`.");
  const report = ctx.sdk().buildRolloutReport(await readJournals(ctx, paths));
  await writeReports(ctx, report, flags);
  ctx.out.result({ table: () => reportTable(report, ctx.out, { clusters: true }), json: () => report, tsv: () => reportTsvRows(report) });
  return ExitCode.Ok;
}

/** `rollout merge JOURNAL...`: one report from the shards' journals; fails when the rollout did not fully succeed. */
export async function rolloutMerge(ctx: CommandContext, positional: readonly string[]): Promise<ExitCodeValue> {
  const flags = ctx.opts<RolloutReportFlags>();
  const paths = [...positional, ...(flags.journal ?? [])];
  if (paths.length === 0) throw new CliUsageError("Name the shard journals to merge: `aks-kube-proxy rollout merge journals/*.json --junit rollout.xml`.");
  const report = ctx.sdk().buildRolloutReport(await readJournals(ctx, paths));
  await writeReports(ctx, report, flags);
  ctx.out.result({ table: () => reportTable(report, ctx.out), json: () => report, tsv: () => reportTsvRows(report) });
  if (report.shards.missing.length > 0) ctx.out.warn(`shard journal(s) missing: ${report.shards.missing.map((i) => `${i}/${report.shards.count}`).join(", ")}`);
  return report.status === "completed" && report.counts.failed === 0 ? ExitCode.Ok : ExitCode.Failure;
}

/** `rollout rollback --journal FILE`: put back each written cluster's previous settings, with the same waves. */
export async function rolloutRollback(ctx: CommandContext): Promise<ExitCodeValue> {
  const sdk = ctx.sdk();
  const flags = ctx.opts<RolloutRollbackFlags>();
  if (!flags.journal) throw new CliUsageError("Name the rollout's journal: `aks-kube-proxy rollout rollback --journal my-rollout.journal.json`.");
  if (sdk.isBlobJournalUrl(flags.journal)) return rolloutRollbackFromStore(ctx, flags, flags.journal);
  const rollbackPath = flags.rollbackJournal ?? `${flags.journal.replace(/\.json$/i, "")}.rollback.json`;
  const limiter = new sdk.ArmRateLimiter();
  const resumeCommand = `aks-kube-proxy rollout rollback --journal ${flags.journal} --rollback-journal ${rollbackPath} --resume`;
  if (!(await exists(flags.journal))) await sdk.readRolloutJournal(flags.journal); // throws "file not found", naming it
  // The rollout's own journal stays locked for the whole rollback: a rollout still running (or resumed meanwhile) and
  // its rollback would write the same clusters against each other.
  const sourceLock = await sdk.JournalLock.acquire(flags.journal, {
    purpose: "rollout rollback",
    lockedMessage: `Cannot roll back while the rollout runs: its journal ${flags.journal} is in use`,
  });
  try {
    let file: RolloutJournalFile;
    if (flags.resume) {
      file = await sdk.RolloutJournalFile.open(rollbackPath, { purpose: "rollout rollback --resume" });
      if (file.journal.operation !== "rollback") {
        await file.close();
        throw new CliUsageError(`${rollbackPath} is not a rollback journal.`);
      }
      try {
        await confirmOrStop(ctx, flags.yes, `Resume the rollback ${rollbackPath}?`);
      } catch (error) {
        await file.close();
        throw error;
      }
    } else {
      if (await exists(rollbackPath)) throw new CliUsageError(`The rollback journal ${rollbackPath} already exists. Continue it with --resume, or pass another --rollback-journal.`);
      const source = await sdk.readRolloutJournal(flags.journal);
      if (source.operation !== "apply") throw new CliUsageError(`${flags.journal} is a ${source.operation} journal; roll back the rollout's own journal.`);
      const journal = sdk.createRollbackJournal({ source, sourcePath: flags.journal });
      const n = journal.clusters.filter((c) => c.status === "pending").length;
      ctx.out.info(`Rollback of ${source.rolloutName}: ${n} cluster(s) to restore, in waves ${journal.waves.map((w) => `${w.name} (${w.total})`).join(" → ")}. Journal: ${rollbackPath}`);
      if (n > 0) await confirmOrStop(ctx, flags.yes, `Restore the previous kube-proxy settings of ${n} cluster(s)?`);
      file = await sdk.RolloutJournalFile.create(rollbackPath, journal, { purpose: "rollout rollback" });
    }
    return await runJournal(ctx, { file, path: rollbackPath, limiter, flags, resumeCommand });
  } finally {
    await sourceLock.release();
  }
}

/**
 * `rollout rollback --journal URL [--shard i/n]`: the rollback of a blob journal's shard. The rollout's shard journal
 * is opened with its lease for the whole rollback (a rollout still running, or resumed meanwhile, is refused, naming
 * its runner), and the rollback's own journal lives in the store too (default: `<folder>/rollback`), so any runner
 * can resume it.
 */
async function rolloutRollbackFromStore(ctx: CommandContext, flags: RolloutRollbackFlags, journalUrl: string): Promise<ExitCodeValue> {
  const sdk = ctx.sdk();
  const shard = readShard(ctx, flags.shard);
  const sourceStore = journalStore(ctx, journalUrl, flags);
  const rollbackStore = journalStore(ctx, flags.rollbackJournal ?? `${sourceStore.location}/rollback`, flags);
  const limiter = new sdk.ArmRateLimiter();
  const shardFlag = flags.shard ? ` --shard ${flags.shard}` : "";
  const resumeCommand = `aks-kube-proxy rollout rollback --journal ${sourceStore.location}${shardFlag} --rollback-journal ${rollbackStore.location} --resume`;
  const lockWaitInMs = flags.lockTimeout !== undefined ? parseDurationInMs(flags.lockTimeout, "--lock-timeout") : 0;
  const source = await sourceStore.open({ purpose: "rollout rollback", ...(shard ? { shard } : {}), lockWaitInMs, abortSignal: ctx.abortSignal });
  try {
    const takeover = (source as { takeover?: { message: string } }).takeover;
    if (takeover) ctx.out.warn(takeover.message);
    let file: OpenRolloutJournal;
    if (flags.resume) {
      file = await rollbackStore.open({ purpose: "rollout rollback --resume", ...(shard ? { shard } : {}), lockWaitInMs, abortSignal: ctx.abortSignal });
      if (file.journal.operation !== "rollback") {
        await file.close();
        throw new CliUsageError(`${file.location} is not a rollback journal.`);
      }
    } else {
      if (await rollbackStore.exists(shard ? { shard } : {})) {
        throw new CliUsageError(`The rollback journal in ${rollbackStore.location} already exists for this shard. Continue it with --resume, or pass another --rollback-journal.`);
      }
      if (source.journal.operation !== "apply") throw new CliUsageError(`${source.location} is a ${source.journal.operation} journal; roll back the rollout's own journal.`);
      const journal = sdk.createRollbackJournal({ source: source.journal, sourcePath: source.location });
      const n = journal.clusters.filter((c) => c.status === "pending").length;
      ctx.out.info(`Rollback of ${source.journal.rolloutName}: ${n} cluster(s) to restore, in waves ${journal.waves.map((w) => `${w.name} (${w.total})`).join(" → ")}. Journal: ${rollbackStore.location}`);
      if (n > 0) await confirmOrStop(ctx, flags.yes, `Restore the previous kube-proxy settings of ${n} cluster(s)?`);
      file = await rollbackStore.create(journal, { purpose: "rollout rollback" });
    }
    return await runJournal(ctx, { file, path: file.location, limiter, flags, resumeCommand });
  } finally {
    await source.close();
  }
}
