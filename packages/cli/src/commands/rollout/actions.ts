/**
 * What the `aks-kube-proxy rollout` subcommands share (each has its own module beside this one: plan, apply, status,
 * merge, rollback, approve, report, skip, stop): flags, the journal store `--journal` names, the rollout file, the
 * shard, consent. The run with live progress is `run.ts`, the report files `reports.ts`. Thin: the fleet package plans,
 * runs, journals and reports.
 * @packageDocumentation
 */
import { access } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import type { JournalStore, RolloutClientFactory, RolloutSpec, Shard } from "@aks-kube-proxy/rollout";
import type { CommandContext } from "../../runtime/context";
import { parseDurationInMs } from "../../runtime/duration";
import { readRolloutFileOrPlan, type RolloutInput } from "../../inputs/rollout-file";

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
