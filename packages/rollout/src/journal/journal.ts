/**
 * The rollout journal: the durable record of a rollout (or rollback), cluster by cluster. It holds everything needed
 * to resume (the spec, the wave assignment, each cluster's state and operation URL), to report, and to roll back
 * (each cluster's previous settings). Pure data and pure helpers; the file lives in `journalFile.ts`.
 * @packageDocumentation
 */
import { createHash } from "node:crypto";
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { isKubeProxyError } from "@aks-kube-proxy/sdk";
import type { Finding } from "@aks-kube-proxy/sdk";
import { sortKeysDeep } from "@aks-kube-proxy/sdk";
import type { FieldChange, SavedClusterPlan } from "@aks-kube-proxy/sdk";
import type { Shard } from "../spec/shard";
import type { RolloutSpec } from "../spec/spec";
// The lists of statuses and skip reasons are the journal schema's (one source; the types are derived from them).
import { JOURNAL_KIND, JOURNAL_VERSION, type CLUSTER_STATUSES, type JOURNAL_STATUSES, type SKIP_REASONS, type WAVE_STATUSES } from "./journalSchema";

export { JOURNAL_KIND, JOURNAL_VERSION };


/** Where a cluster stands. */
export type RolloutClusterStatus = (typeof CLUSTER_STATUSES)[number];

/**
 * Why a cluster was skipped: `converged` (already at the desired settings), `blocked` (validation blockers; never
 * written), `no-settings` (no group and no top-level settings cover it), `not-in-any-wave` (no wave took it),
 * `halted` (its wave or an earlier one hit the halt rule), `nothing-to-roll-back` (rollback: it was never written),
 * `requested` (`rollout skip` of the cluster or its wave).
 */
export type RolloutSkipReason = (typeof SKIP_REASONS)[number];

/** An error, as recorded in the journal. */
export interface JournalError {
  /** The SDK error code (`OperationFailed`, `ClusterBusy`...) or `Error`. */
  readonly code: string;
  /** The message. */
  readonly message: string;
  /** The ARM error code, when Azure answered with one. */
  readonly armCode?: string;
  /** The ARM request id. */
  readonly requestId?: string;
  /** HTTP status. */
  readonly statusCode?: number;
}

/** One cluster in the journal. Mutable: the executor updates it in place and commits the journal after every step. */
export interface JournalCluster {
  /** Resource id. */
  id: string;
  /** Subscription id (lower case). */
  subscriptionId: string;
  /** Resource group. */
  resourceGroup: string;
  /** Cluster name. */
  name: string;
  /** Region. */
  location?: string;
  /** kubernetesVersion when planned. */
  kubernetesVersion?: string;
  /** Settings group (absent: the top-level settings). */
  group?: string;
  /** The wave that takes the cluster (absent for clusters skipped at planning). */
  wave?: string;
  /** Where it stands. */
  status: RolloutClusterStatus;
  /** Why it was skipped. */
  skipReason?: RolloutSkipReason;
  /** Details of the skip (e.g. the blockers' messages). */
  skipMessage?: string;
  /** The settings to write. */
  desired?: KubeProxyConfig;
  /**
   * Set when the rollout applies a saved rollout plan (`rollout apply PLANFILE`): the read the cluster was planned
   * from (its eTag and facts; its settings are `previous`). The write is then the SDK's `beginApply(plan)` of exactly
   * that plan: `If-Match` on this eTag, refused (`PlanStale`, a failure) when the cluster moved since.
   */
  planned?: JournalPlannedRead;
  /**
   * The cluster's kubeProxyConfig before the rollout wrote anything, exactly as Azure returned it (`null`: absent).
   * Recorded before the first write; rollback puts it back.
   */
  previous?: KubeProxyConfig | null;
  /** Field-by-field changes planned. */
  changes?: FieldChange[];
  /** Warnings and blockers found when planning. */
  findings?: Finding[];
  /** The last apply phase seen while in progress (`writing`, `accepted`, `polling`, `verifying`...). */
  phase?: string;
  /** The long-running operation's URL, once Azure accepted the write: `--resume` re-attaches to it. */
  operationUrl?: string;
  /**
   * The apply poller's serialized state (`serialize()` of the SDK's apply poller), saved before each PUT leaves and
   * when Azure accepted it: `--resume` restores the poller from it, which re-attaches to what may still run and
   * classifies the cluster from Azure's answer, never re-sending a PUT whose operation may still run.
   */
  pollerState?: string;
  /**
   * The first intent to write, saved (and flushed) before the first PUT left: the settings the cluster had then
   * (`null`: none). Kept through every later attempt and resume: rollback restores these.
   */
  intent?: JournalIntent;
  /** True once a write was (or may have been) sent to the cluster by this rollout: rollback considers it. */
  written?: boolean;
  /** Done: true when this rollout wrote the cluster, false when it was found converged at apply time. */
  changed?: boolean;
  /** kubeProxyConfig read back after the write. */
  after?: KubeProxyConfig | null;
  /** Why it failed. */
  error?: JournalError;
  /** How many times a run started this cluster. */
  attempts: number;
  /** ARM request ids of the last attempt. */
  requestIds?: string[];
  /** When the last attempt started (ISO 8601). */
  startedAt?: string;
  /** When it finished (ISO 8601). */
  finishedAt?: string;
  /** How long the last attempt took. */
  durationInMs?: number;
  /**
   * The health gate (a wave with `healthGate`): started once Azure read back the settings and Succeeded; the cluster
   * is `done` only when it passed (or was skipped as unreachable with `unreachable: skip`). A crash while it waits
   * resumes the wait from `waitState` (same deadline), never the write.
   */
  gate?: JournalGate;
}

/** A cluster's health gate in the journal. */
export interface JournalGate {
  /** `waiting` (the data plane is polled), `passed`, `failed` (mismatch, timeout, or unreachable with `unreachable: fail`), `skipped` (unreachable with `unreachable: skip`). */
  status: "waiting" | "passed" | "failed" | "skipped";
  /** When the gate started (ISO 8601). */
  startedAt: string;
  /** When it ended. */
  finishedAt?: string;
  /** The last verdict of the data-plane check (`converged`, `rolling-out`, `mismatch`, `unreachable`). */
  verdict?: string;
  /** One line: progress, or why it failed (node, flag, `/proxyMode`, or why the API server was unreachable). */
  summary?: string;
  /** Nodes still waited for, or the nodes whose flags or `/proxyMode` differ. */
  nodes?: string[];
  /** Mismatches found: node (absent: the DaemonSet), field (flag or `proxyMode`), expected, found. */
  mismatches?: { node?: string; field: string; expected: string; found?: string }[];
  /** The data-plane wait's serialized state (the SDK's `waitForDataPlane` `resumeState`): a resume keeps its deadline. */
  waitState?: string;
}

/** The read a planned cluster was planned from (see {@link JournalCluster.planned}). */
export interface JournalPlannedRead {
  /** The eTag read when planning (null: the api-version gave none). */
  eTag: string | null;
  /** The facts of the SDK's saved-plan entry (kubernetesVersion, networkPlugin, networkPolicy, networkDataplane, provisioningState) as read when planning. */
  facts: SavedClusterPlan["facts"];
}

/** An approval of a wave, recorded by `rollout approve`. */
export interface WaveApproval {
  /** Who approved: the approver's name as found in the environment (see the CLI's `rollout approve`). */
  by: string;
  /** Where the name came from (`GITHUB_ACTOR`, `USER`...) and on which host. */
  source?: string;
  /** When (ISO 8601). */
  at: string;
}

/** What a rollout meant to write to a cluster, saved before the PUT left. */
export interface JournalIntent {
  /** kubeProxyConfig read just before the first write (`null`: absent): what rollback restores. */
  previous: KubeProxyConfig | null;
  /** When the intent was saved (ISO 8601). */
  at: string;
}

/** A wave's state in the journal. */
export interface JournalWave {
  /** Name. */
  name: string;
  /** Position (0-based). */
  index: number;
  /**
   * `pending`, `running`, `soaking` (done, waiting before the next wave), `done`, `halted` (it hit the halt rule), or
   * `skipped` (a later wave never started because an earlier one halted: its clusters are skipped, reason `halted`).
   */
  status: (typeof WAVE_STATUSES)[number];
  /** Number of clusters it takes. */
  total: number;
  /** When it started. */
  startedAt?: string;
  /** When its last cluster finished. */
  finishedAt?: string;
  /** End of its soak time. */
  soakUntil?: string;
  /** Why it halted. */
  haltReason?: string;
  /** The wave's approval (a wave with `approval: true` starts only once approved). */
  approval?: WaveApproval;
  /** Set when a halt with `rollback: true` restored the wave's written clusters: how many, and the rollback journal. */
  rolledBack?: { clusters: number; journal: string; outcome: string };
}

/** A subscription's state in the journal. */
export interface JournalSubscription {
  /** Clusters of this journal in the subscription. */
  clusters?: number;
  /** True once the preview was confirmed enabled. */
  previewEnabled?: boolean;
  /** Why enabling the preview or listing failed. */
  error?: JournalError;
}

/** One run of the executor over this journal. */
export interface JournalRun {
  /** When it started. */
  startedAt: string;
  /** When it ended (absent: crashed or still running). */
  endedAt?: string;
  /** True for `--resume` runs. */
  resumed: boolean;
  /** How it ended. */
  outcome?: RolloutOutcome;
}

/**
 * How a run ended: every wave done, halted by the halt rule, aborted (Ctrl-C, AbortSignal), or stopped before a wave
 * that needs an approval (`awaiting-approval`: `rollout approve`, then `--resume`), or stopped by `rollout stop`
 * (`stopped`: `rollout stop --lift`, then `--resume`).
 */
export type RolloutOutcome = Exclude<(typeof JOURNAL_STATUSES)[number], "planned" | "running">;

/** The whole journal. */
export interface RolloutJournal {
  /** Always {@link JOURNAL_KIND}. */
  kind: typeof JOURNAL_KIND;
  /** Always {@link JOURNAL_VERSION}. */
  version: typeof JOURNAL_VERSION;
  /** `apply` (a rollout) or `rollback` (undoing one). */
  operation: "apply" | "rollback";
  /** The rollout's name. */
  rolloutName: string;
  /** SHA-256 of the canonical spec: shard journals of one rollout share it; `--resume` refuses another spec. */
  specHash: string;
  /** The rollout spec (waves, halt rule, concurrency...). */
  spec: RolloutSpec;
  /** The shard this journal covers (absent: the whole fleet). */
  shard?: Shard;
  /** Set when started from a saved rollout plan (`rollout apply PLANFILE`): its hash and time; a resume needs the same plan. */
  planFile?: { hash: string; createdAt: string };
  /** The api-version used. */
  apiVersion: string;
  /** When the journal was created. */
  createdAt: string;
  /** When it was last written. */
  updatedAt: string;
  /** `planned` (nothing run yet), `running`, or the outcome of the last run. */
  status: "planned" | "running" | RolloutOutcome;
  /** Set when a wave hit the halt rule. */
  halt?: { wave: string; failed: number; total: number; reason: string };
  /** Set when `rollout stop` stopped the run: who and when. */
  stopped?: { by: string; at: string };
  /** Set while the run waits for a wave's approval (`rollout approve --wave NAME`). */
  awaitingApproval?: { wave: string; since: string };
  /** For a rollback: the apply journal it undoes. */
  rollbackOf?: { specHash: string; journalPath?: string };
  /** Per subscription (lower-case id). */
  subscriptions: Record<string, JournalSubscription>;
  /** Waves in order. */
  waves: JournalWave[];
  /** Every cluster of the fleet (this shard), including the skipped ones. */
  clusters: JournalCluster[];
  /** Runs over this journal. */
  runs: JournalRun[];
}

/**
 * SHA-256 (hex) of a spec's canonical JSON (sorted keys).
 * @param spec - the spec
 */
export function rolloutSpecHash(spec: RolloutSpec): string {
  return createHash("sha256").update(JSON.stringify(sortKeysDeep(spec))).digest("hex");
}

/**
 * Converts anything thrown into a {@link JournalError} (never with a token: SDK errors carry none).
 * @internal
 */
export function toJournalError(error: unknown): JournalError {
  if (isKubeProxyError(error)) {
    return {
      code: error.code,
      message: error.message,
      ...(error.armCode !== undefined ? { armCode: error.armCode } : {}),
      ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
      ...(error.statusCode !== undefined ? { statusCode: error.statusCode } : {}),
    };
  }
  if (error instanceof Error) return { code: error.name || "Error", message: error.message };
  return { code: "Error", message: String(error) };
}

/** Counts of clusters by status. */
export interface RolloutCounts {
  /** All clusters. */
  total: number;
  /** Not started yet. */
  pending: number;
  /** Started, not finished. */
  inProgress: number;
  /** Finished (written or found converged). */
  done: number;
  /** Of `done`: written by this rollout. */
  changed: number;
  /** Failed. */
  failed: number;
  /** Skipped (any reason). */
  skipped: number;
}

/**
 * Counts clusters by status.
 * @param clusters - journal clusters
 */
export function countClusters(clusters: readonly JournalCluster[]): RolloutCounts {
  const counts = zeroCounts();
  for (const c of clusters) addToCounts(counts, c);
  return counts;
}

/** Counts of no cluster. @internal */
export function zeroCounts(): RolloutCounts {
  return { total: 0, pending: 0, inProgress: 0, done: 0, changed: 0, failed: 0, skipped: 0 };
}

/**
 * Adds one cluster to counts, by its status (and `changed` for a done one).
 * @internal
 */
export function addToCounts(counts: RolloutCounts, c: JournalCluster): void {
  counts.total++;
  if (c.status === "pending") counts.pending++;
  else if (c.status === "in-progress") counts.inProgress++;
  else if (c.status === "done") {
    counts.done++;
    if (c.changed) counts.changed++;
  } else if (c.status === "failed") counts.failed++;
  else counts.skipped++;
}
