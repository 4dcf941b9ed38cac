/**
 * The actions of `aks-kube-proxy rollout plan|apply|status|merge|rollback`. Thin: the SDK plans, runs, journals and
 * reports; these functions read flags, show progress and write files and results.
 * @packageDocumentation
 */
import { access, writeFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
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

/** Groups a report's small pieces into writes of about 64 KiB (one write per testcase would be thousands of syscalls). */
function* inPieces(chunks: Iterable<string>, size = 64 * 1024): Generator<string> {
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

async function writeReports(ctx: CommandContext, report: RolloutReport, flags: { junit?: string; report?: string }): Promise<void> {
  const sdk = ctx.sdk();
  if (flags.junit) {
    await writeFile(flags.junit, inPieces(sdk.junitXmlChunks(report))); // streamed: a testcase at a time
    ctx.out.info(`JUnit report written to ${flags.junit}`);
  }
  if (flags.report) {
    await writeFile(flags.report, inPieces(sdk.jsonReportChunks(report))); // streamed: a cluster at a time
    ctx.out.info(`JSON report written to ${flags.report}`);
  }
}

function finish(ctx: CommandContext, result: RolloutRunResult, report: RolloutReport, resumeCommand: string, approveCommand?: (wave: string) => string): ExitCodeValue {
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
async function runJournal(
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
  const report = ctx.sdk().buildRolloutReport([{ journal: final.journal, path: args.path }]);
  if (flags.embedded) {
    const c = final.counts;
    ctx.out.info(`Rollback ${final.outcome}: ${c.done} restored, ${c.failed} failed, ${c.skipped} skipped (journal ${args.path}).`);
    return final.outcome === "completed" && c.failed === 0 ? ExitCode.Ok : ExitCode.Failure;
  }
  await writeReports(ctx, report, flags);
  return finish(ctx, final, report, resumeCommand, args.approveCommand);
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

  // A re-run with the same file and journal (a naive CI re-run) continues the journal, or reports it done.
  const rerun = !flags.resume && (await store.exists(shard ? { shard } : {}));
  if (rerun) ctx.out.info(`The journal ${journalPath} exists: continuing it (the same as --resume).`);
  if (flags.resume || rerun) {
    journalFile = await store.open({ purpose: "rollout apply --resume", ...(shard ? { shard } : {}), lockWaitInMs, abortSignal: ctx.abortSignal });
    journalPath = journalFile.location;
    const takeover = (journalFile as { takeover?: { message: string } }).takeover;
    if (takeover) ctx.out.warn(takeover.message);
    const j = journalFile.journal;
    const problem =
      j.operation !== "apply"
        ? `${journalPath} is a ${j.operation} journal; resume it with \`aks-kube-proxy rollout rollback --resume\`.`
        : j.specHash !== sdk.rolloutSpecHash(spec)
          ? `${journalPath} was written for another version of the rollout file (${j.rolloutName}): ${describeSpecChange(j.spec, spec)}. Resume with the file it was started with, or start a new journal (another --journal).`
          : shard && (j.shard?.index !== shard.index || j.shard?.count !== shard.count)
            ? `${journalPath} is the journal of shard ${j.shard ? `${j.shard.index}/${j.shard.count}` : "1/1"}, not ${shard.index}/${shard.count}.`
            : undefined;
    if (problem) {
      await journalFile.close();
      throw new CliUsageError(problem);
    }
    const c = sdk.countClusters(j.clusters);
    if (j.status === "completed" && c.pending + c.inProgress + (flags.retryFailed ? c.failed : 0) === 0) {
      ctx.out.info(`Already done: ${journalPath} completed (${c.done} done, ${c.failed} failed, ${c.skipped} skipped); nothing to write.`);
    }
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
  const approveCommand = (wave: string): string => `aks-kube-proxy rollout approve --journal ${store.location} --wave ${wave}`;
  return runJournal(ctx, {
    file: journalFile,
    path: journalPath,
    limiter,
    flags,
    resumeCommand,
    approveCommand,
    afterRun: (result) => rollbackHaltedWave(ctx, result, { location: store.location, ...(shard ? { shard } : {}), ...(flags.shard ? { shardFlag: flags.shard } : {}) }),
  });
}

/**
 * `halt: { rollback: true }`: after a halt, the halted wave's written clusters are restored through the rollout's
 * rollback (its own journal, limited to that wave), and the rollout journal records it on the wave.
 */
async function rollbackHaltedWave(ctx: CommandContext, result: RolloutRunResult, where: { location: string; shard?: Shard; shardFlag?: string }): Promise<RolloutRunResult> {
  const halt = result.journal.halt;
  if (result.outcome !== "halted" || !halt) return result;
  const rule = result.journal.spec.waves.find((w) => w.name === halt.wave)?.halt ?? result.journal.spec.halt;
  if (!rule.rollback || result.journal.waves.find((w) => w.name === halt.wave)?.rolledBack) return result;
  const written = result.journal.clusters.filter((c) => c.wave === halt.wave && (c.written || c.intent !== undefined)).length;
  ctx.out.info(`Halt with rollback: restoring the ${written} written cluster(s) of wave ${halt.wave}.`);
  const store = journalStore(ctx, where.location);
  const rollbackLocation = defaultRollbackLocation(store.kind === "blob" ? store.location : where.location, store.kind);
  const rollbackExists = await journalStore(ctx, rollbackLocation).exists(where.shard ? { shard: where.shard } : {});
  const code = await rolloutRollback(ctx, {
    journal: where.location,
    rollbackJournal: rollbackLocation,
    ...(where.shardFlag ? { shard: where.shardFlag } : {}),
    wave: [halt.wave],
    yes: true,
    embedded: true,
    ...(rollbackExists ? { resume: true } : {}),
  });
  const file = await store.open({ purpose: "rollout apply (record the rollback)", ...(where.shard ? { shard: where.shard } : {}) });
  try {
    const wave = file.journal.waves.find((w) => w.name === halt.wave);
    if (wave) {
      wave.rolledBack = { clusters: written, journal: rollbackLocation, outcome: code === ExitCode.Ok ? "completed" : `failed (exit ${code})` };
      await file.commit();
    }
    return { ...result, journal: file.journal };
  } finally {
    await file.close();
  }
}

/** The top-level paths where two specs differ, e.g. `settings.mode: IPVS → NFTABLES; waves[0].count: 1 → 2`. */
function describeSpecChange(before: unknown, after: unknown): string {
  const changes: string[] = [];
  const show = (v: unknown): string => (v === undefined ? "(absent)" : JSON.stringify(v).slice(0, 60));
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (changes.length >= 5) return;
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
      const keys = Array.isArray(a) ? Array.from({ length: Math.max(a.length, (b as unknown[]).length) }, (_, i) => String(i)) : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k);
      return;
    }
    changes.push(`${path || "the file"}: ${show(a)} → ${show(b)}`);
  };
  walk(before, after, "");
  return changes.length > 0 ? `changed ${changes.join("; ")}` : "changed";
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

/**
 * Where a rollout's rollback keeps its own journal unless `--rollback-journal` says otherwise: `<journal>.rollback.json`
 * beside a journal file, `<folder>/rollback` in a blob journal's folder. One rule for the manual rollback and the
 * automatic one after a halt, so each finds (and resumes) the other's journal.
 * @param journal - the rollout's journal: a file path, or a blob journal folder's URL
 * @param kind - the journal's store
 */
function defaultRollbackLocation(journal: string, kind: "file" | "blob"): string {
  return kind === "blob" ? `${journal}/rollback` : `${journal.replace(/\.json$/i, "")}.rollback.json`;
}

/** `rollout rollback --journal FILE`: put back each written cluster's previous settings, with the same waves. */
export async function rolloutRollback(ctx: CommandContext, override?: RolloutRollbackFlags): Promise<ExitCodeValue> {
  const sdk = ctx.sdk();
  const flags = override ?? ctx.opts<RolloutRollbackFlags>();
  if (!flags.journal) throw new CliUsageError("Name the rollout's journal: `aks-kube-proxy rollout rollback --journal my-rollout.journal.json`.");
  if (sdk.isBlobJournalUrl(flags.journal)) return rolloutRollbackFromStore(ctx, flags, flags.journal);
  const rollbackPath = flags.rollbackJournal ?? defaultRollbackLocation(flags.journal, "file");
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
  const rollbackStore = journalStore(ctx, flags.rollbackJournal ?? defaultRollbackLocation(sourceStore.location, "blob"), flags);
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
  const sdk = ctx.sdk();
  const flags = ctx.opts<RolloutHtmlReportFlags>();
  const paths = [...positional, ...(flags.journal ?? [])];
  if (paths.length === 0) throw new CliUsageError("Name the journal: `aks-kube-proxy rollout report --journal my-rollout.journal.json --html report.html`.");
  const report = sdk.buildRolloutReport(await readJournals(ctx, paths));
  const options = { journal: paths[0] as string, ...(flags.rolloutFile !== undefined ? { rolloutFile: flags.rolloutFile } : {}) };
  if (flags.html) {
    await writeFile(flags.html, inPieces(sdk.htmlReportChunks(report, options))); // streamed: a row at a time
    ctx.out.info(`HTML report written to ${flags.html}`);
  }
  const markdown = flags.markdown ?? (flags.html ? undefined : "-");
  if (markdown !== undefined && markdown !== "-") {
    await writeFile(markdown, sdk.toMarkdownReport(report, options));
    ctx.out.info(`Markdown summary written to ${markdown}`);
  }
  const written = { status: report.status, ...(flags.html ? { html: flags.html } : {}), ...(markdown !== undefined && markdown !== "-" ? { markdown } : {}) };
  if (markdown === "-") ctx.out.result({ table: () => sdk.toMarkdownReport(report, options), json: () => report });
  else if (ctx.out.json) ctx.out.result({ table: () => "", json: () => written });
  return ExitCode.Ok;
}

/** Flags of `rollout skip` and `rollout stop`. */
export interface RolloutControlFlags {
  readonly journal?: string;
  readonly cluster?: string;
  readonly wave?: string;
  readonly lift?: boolean;
}

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
