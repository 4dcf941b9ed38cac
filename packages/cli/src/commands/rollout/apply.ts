/**
 * `aks-kube-proxy rollout apply`: plans (or resumes) a rollout and runs it wave by wave, with the rollback of a halted
 * wave; or applies exactly a saved rollout plan (`rollout plan --out`), refused whole when a planned cluster moved since.
 * @packageDocumentation
 */
import type { ClusterState } from "@aks-kube-proxy/sdk";
import type { OpenRolloutJournal, RolloutJournal, RolloutPlan, RolloutRunResult, RolloutSpec, SavedRolloutPlan, Shard } from "@aks-kube-proxy/rollout";
import { CliError, CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { parseDurationInMs } from "../../runtime/duration";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { planTotals } from "./render";
import { type RolloutApplyFlags, clientFactory, journalStore, readRolloutInput, readShard, defaultJournalPath, confirmOrStop, defaultRollbackLocation } from "./actions";
import { runJournal } from "./run";
import { rolloutRollback } from "./rollback";

/** `rollout apply FILE|PLANFILE`: plan (or read the saved plan and check it), journal, run waves (or `--resume` a journal). */
export async function rolloutApply(ctx: CommandContext, file: string): Promise<ExitCodeValue> {
  const sdk = ctx.sdk();
  const rollout = ctx.rollout();
  const flags = ctx.opts<RolloutApplyFlags>();
  const input = await readRolloutInput(ctx, file);
  // A saved rollout plan (`rollout plan --out`): its spec, shard and api-version, exactly.
  const saved = input.kind === "plan" ? input.saved : undefined;
  const spec: RolloutSpec = input.kind === "plan" ? input.saved.spec : input.parsed.spec;
  const shard = saved ? planShard(ctx, saved, flags.shard, file) : readShard(ctx, flags.shard);
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
            : saved && j.planFile?.hash !== rollout.rolloutPlanHash(saved)
              ? describePlanChange(journalPath, j, saved, file)
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
    // With a saved plan, the listing is the up-front check: every planned cluster's eTag, settings and state.
    const clusters = await rollout.listRolloutClusters({
      spec,
      createClient: clientFactory(ctx, saved?.apiVersion),
      rateLimiter: limiter,
      abortSignal: ctx.abortSignal,
      onProgress: (e) => ctx.out.debug(`listed ${e.clusters} cluster(s) in ${e.subscriptionId} (${e.done}/${e.total})`),
    });
    const plan = saved ? rollout.rolloutPlanOfSaved(saved) : rollout.planRollout({ spec, clusters, apiVersion: ctx.globals.apiVersion ?? sdk.DEFAULT_API_VERSION, ...(shard ? { shard } : {}) });
    if (saved) refuseStalePlan(ctx, plan, clusters, saved, file);
    ctx.out.info(`${saved ? `The saved plan ${file} (made ${saved.createdAt})` : "Plan"}: ${planTotals(plan)}.`);
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

/** The shard of a saved plan; `--shard`, when given, must name it (exit 3 otherwise). */
function planShard(ctx: CommandContext, saved: SavedRolloutPlan, flag: string | undefined, file: string): Shard | undefined {
  const asked = readShard(ctx, flag);
  const where = (s: Shard | undefined): string => (s ? `shard ${s.index}/${s.count}` : "the whole fleet");
  if (asked && (saved.shard?.index !== asked.index || saved.shard?.count !== asked.count)) {
    throw new CliUsageError(`${file} is the plan of ${where(saved.shard)}, not of ${where(asked)}: a saved plan is applied as planned. Drop --shard, or plan the shard with \`aks-kube-proxy rollout plan ROLLOUT_FILE --shard ${asked.index}/${asked.count} --out FILE\`.`);
  }
  if (ctx.globals.apiVersion !== undefined && ctx.globals.apiVersion !== saved.apiVersion) {
    throw new CliUsageError(`--api-version ${ctx.globals.apiVersion} differs from the plan's api-version ${saved.apiVersion}: a plan is applied with the api-version it was made with. Drop --api-version, or plan again with it.`);
  }
  return saved.shard;
}

/**
 * Before anything is written: every planned cluster, as listed now, must be as planned (eTag, settings,
 * provisioningState). One that moved refuses the whole plan: exit 1, nothing written, naming each and how to re-plan.
 */
function refuseStalePlan(ctx: CommandContext, plan: RolloutPlan, listed: readonly ClusterState[], saved: SavedRolloutPlan, file: string): void {
  const stale = ctx.rollout().staleRolloutClusters(plan, listed);
  if (stale.length === 0) return;
  const shown = stale.slice(0, 10).map((s) => `${s.label} (${s.changed.join("; ")})`);
  const more = stale.length > shown.length ? ` and ${stale.length - shown.length} more` : "";
  const shardFlag = saved.shard ? ` --shard ${saved.shard.index}/${saved.shard.count}` : "";
  throw new CliError(
    "PlanStale",
    `${stale.length} cluster(s) of the plan ${file} changed since it was made (${saved.createdAt}): ${shown.join(", ")}${more}. Nothing was written. ` +
      `Plan again (\`aks-kube-proxy rollout plan ROLLOUT_FILE${shardFlag} --out ${file}\`), check the new plan, and apply it.`,
    ExitCode.Failure,
    { clusters: stale.map((s) => ({ id: s.id, changed: s.changed })) },
  );
}

/** Why a journal cannot be resumed with this plan file: it was started from another plan (or from the rollout file). */
function describePlanChange(journalPath: string, j: RolloutJournal, saved: SavedRolloutPlan, file: string): string {
  const fresh = `Resume with the file it was started with, or start a new journal for ${file} (another --journal).`;
  if (!j.planFile) return `${journalPath} was started from the rollout file, not from the saved plan ${file}. ${fresh}`;
  const planned = new Map(saved.clusters.filter((c) => c.rolloutAction === "change").map((c) => [c.id.toLowerCase(), c]));
  const changes: string[] = [];
  for (const c of j.clusters) {
    if (c.planned === undefined) continue;
    const p = planned.get(c.id.toLowerCase());
    planned.delete(c.id.toLowerCase());
    const label = `${c.resourceGroup}/${c.name}`;
    if (!p) changes.push(`${label} is no longer planned`);
    else if (p.eTag !== c.planned.eTag) changes.push(`${label} eTag ${JSON.stringify(c.planned.eTag)} → ${JSON.stringify(p.eTag)}`);
    else if (JSON.stringify(p.desired.kubeProxyConfig) !== JSON.stringify(c.desired ?? null)) changes.push(`${label} desired settings differ`);
    else if (p.wave !== c.wave) changes.push(`${label} wave ${c.wave ?? "(none)"} → ${p.wave ?? "(none)"}`);
  }
  for (const p of planned.values()) changes.push(`${p.resourceGroup}/${p.name} is newly planned`);
  const shown = changes.slice(0, 5).join("; ") + (changes.length > 5 ? `; and ${changes.length - 5} more` : "");
  return `${journalPath} was started from another plan (made ${j.planFile.createdAt}; ${file} was made ${saved.createdAt})${shown ? `: ${shown}` : ""}. ${fresh}`;
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
