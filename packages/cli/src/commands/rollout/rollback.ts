/**
 * `aks-kube-proxy rollout rollback`: restores what a rollout journal wrote (file or blob journal).
 * @packageDocumentation
 */
import type { OpenRolloutJournal, RolloutJournalFile } from "@aks-kube-proxy/rollout";
import { CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { parseDurationInMs } from "../../runtime/duration";
import { type ExitCodeValue } from "../../runtime/exit-codes";
import { type RolloutRollbackFlags, exists, journalStore, readShard, confirmOrStop, defaultRollbackLocation } from "./actions";
import { runJournal } from "./run";

/** `rollout rollback --journal FILE`: put back each written cluster's previous settings, with the same waves. */
export async function rolloutRollback(ctx: CommandContext, override?: RolloutRollbackFlags): Promise<ExitCodeValue> {
  const rollout = ctx.rollout();
  const flags = override ?? ctx.opts<RolloutRollbackFlags>();
  if (!flags.journal) throw new CliUsageError("Name the rollout's journal: `aks-kube-proxy rollout rollback --journal my-rollout.journal.json`.");
  if (rollout.isBlobJournalUrl(flags.journal)) return rolloutRollbackFromStore(ctx, flags, flags.journal);
  const rollbackPath = flags.rollbackJournal ?? defaultRollbackLocation(flags.journal, "file");
  const limiter = new rollout.ArmRateLimiter();
  const resumeCommand = `aks-kube-proxy rollout rollback --journal ${flags.journal} --rollback-journal ${rollbackPath} --resume`;
  if (!(await exists(flags.journal))) await rollout.readRolloutJournal(flags.journal); // throws "file not found", naming it
  // The rollout's own journal stays locked for the whole rollback: a rollout still running (or resumed meanwhile) and
  // its rollback would write the same clusters against each other.
  const sourceLock = await rollout.JournalLock.acquire(flags.journal, {
    purpose: "rollout rollback",
    lockedMessage: `Cannot roll back while the rollout runs: its journal ${flags.journal} is in use`,
  });
  try {
    let file: RolloutJournalFile;
    if (flags.resume) {
      file = await rollout.RolloutJournalFile.open(rollbackPath, { purpose: "rollout rollback --resume" });
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
      const source = await rollout.readRolloutJournal(flags.journal);
      if (source.operation !== "apply") throw new CliUsageError(`${flags.journal} is a ${source.operation} journal; roll back the rollout's own journal.`);
      const journal = rollout.createRollbackJournal({ source, sourcePath: flags.journal });
      const n = journal.clusters.filter((c) => c.status === "pending").length;
      ctx.out.info(`Rollback of ${source.rolloutName}: ${n} cluster(s) to restore, in waves ${journal.waves.map((w) => `${w.name} (${w.total})`).join(" → ")}. Journal: ${rollbackPath}`);
      if (n > 0) await confirmOrStop(ctx, flags.yes, `Restore the previous kube-proxy settings of ${n} cluster(s)?`);
      file = await rollout.RolloutJournalFile.create(rollbackPath, journal, { purpose: "rollout rollback" });
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
  const rollout = ctx.rollout();
  const shard = readShard(ctx, flags.shard);
  const sourceStore = journalStore(ctx, journalUrl, flags);
  const rollbackStore = journalStore(ctx, flags.rollbackJournal ?? defaultRollbackLocation(sourceStore.location, "blob"), flags);
  const limiter = new rollout.ArmRateLimiter();
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
      const journal = rollout.createRollbackJournal({ source: source.journal, sourcePath: source.location });
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
