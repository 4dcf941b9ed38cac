/**
 * `aks-kube-proxy rollout apply`: plans (or resumes) a rollout and runs it wave by wave, with the rollback of a halted wave.
 * @packageDocumentation
 */
import type { OpenRolloutJournal, RolloutRunResult, Shard } from "@aks-kube-proxy/rollout";
import { CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { parseDurationInMs } from "../../runtime/duration";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { planTotals } from "./render";
import { type RolloutApplyFlags, clientFactory, journalStore, readSpec, readShard, defaultJournalPath, confirmOrStop, runJournal, defaultRollbackLocation } from "./actions";
import { rolloutRollback } from "./rollback";

/** `rollout apply FILE`: plan, journal, run waves (or `--resume` a journal). */
export async function rolloutApply(ctx: CommandContext, file: string): Promise<ExitCodeValue> {
  const sdk = ctx.sdk();
  const rollout = ctx.rollout();
  const flags = ctx.opts<RolloutApplyFlags>();
  const spec = await readSpec(ctx, file);
  const shard = readShard(ctx, flags.shard);
  const store = journalStore(ctx, flags.journal ?? defaultJournalPath(spec, shard), flags);
  const limiter = new rollout.ArmRateLimiter();
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
        : j.specHash !== rollout.rolloutSpecHash(spec)
          ? `${journalPath} was written for another version of the rollout file (${j.rolloutName}): ${describeSpecChange(j.spec, spec)}. Resume with the file it was started with, or start a new journal (another --journal).`
          : shard && (j.shard?.index !== shard.index || j.shard?.count !== shard.count)
            ? `${journalPath} is the journal of shard ${j.shard ? `${j.shard.index}/${j.shard.count}` : "1/1"}, not ${shard.index}/${shard.count}.`
            : undefined;
    if (problem) {
      await journalFile.close();
      throw new CliUsageError(problem);
    }
    const c = rollout.countClusters(j.clusters);
    if (j.status === "completed" && c.pending + c.inProgress + (flags.retryFailed ? c.failed : 0) === 0) {
      ctx.out.info(`Already done: ${journalPath} completed (${c.done} done, ${c.failed} failed, ${c.skipped} skipped); nothing to write.`);
    }
    ctx.out.info(`Resuming ${journalPath}: ${c.done} done, ${c.inProgress} in progress (re-attached, not written again), ${c.failed} failed, ${c.pending} pending.`);
    const work = rollout.resumeWork(j, { retryFailed: flags.retryFailed === true });
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
    const clusters = await rollout.listRolloutClusters({
      spec,
      createClient: clientFactory(ctx),
      rateLimiter: limiter,
      abortSignal: ctx.abortSignal,
      onProgress: (e) => ctx.out.debug(`listed ${e.clusters} cluster(s) in ${e.subscriptionId} (${e.done}/${e.total})`),
    });
    const plan = rollout.planRollout({ spec, clusters, apiVersion: ctx.globals.apiVersion ?? sdk.DEFAULT_API_VERSION, ...(shard ? { shard } : {}) });
    ctx.out.info(`Plan: ${planTotals(plan)}.`);
    ctx.out.info(`Waves: ${plan.waves.map((w) => `${w.name} (${w.clusterIds.length})`).join(" → ")}. Journal: ${journalPath}`);
    if (plan.totals.change > 0) await confirmOrStop(ctx, flags.yes, `Roll out to ${plan.totals.change} cluster(s)?`);
    journalFile = await store.create(rollout.createRolloutJournal(plan), { purpose: "rollout apply" });
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
