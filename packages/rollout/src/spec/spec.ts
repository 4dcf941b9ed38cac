/**
 * The rollout file's model, after parsing and normalisation. Plain JSON values only: a spec is stored in the
 * journal as it is, so that `--resume`, `status` and `rollback` work from the journal alone.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";

/**
 * Which clusters a selector matches. Every field given must match (AND); within a list, any entry may match (OR).
 * An empty selector matches every cluster.
 */
export interface ClusterSelector {
  /** Full resource ids, compared without regard to case. */
  readonly ids?: readonly string[];
  /** Subscription ids, compared without regard to case. */
  readonly subscriptions?: readonly string[];
  /** Resource group names or glob patterns (`*`, `?`), compared without regard to case. */
  readonly resourceGroups?: readonly string[];
  /** Cluster names or glob patterns (`*`, `?`), compared without regard to case. */
  readonly names?: readonly string[];
  /**
   * Tags the cluster must carry: tag name (compared without regard to case) to accepted values or glob patterns
   * (compared with case, as Azure stores them). `"*"` accepts any value.
   */
  readonly tags?: Readonly<Record<string, readonly string[]>>;
  /** Azure regions, normalised (`"West US 2"` is `westus2`). */
  readonly locations?: readonly string[];
  /** A semver range over the cluster's kubernetesVersion, e.g. `">=1.30 <1.34"`, `"1.33.x"`, `"^1.32"`. */
  readonly kubernetesVersion?: string;
}

/** A subscription the rollout lists clusters in. */
export interface RolloutSubscription {
  /** The subscription id (a GUID). */
  readonly id: string;
  /** At most this many clusters of this subscription in progress at once. @default the rollout's `maxConcurrencyPerSubscription` */
  readonly maxConcurrency?: number;
  /** At most this percentage (rounded up, at least 1) of the subscription's clusters in the running wave; replaces the count. */
  readonly maxConcurrencyPercent?: number;
}

/** Settings for the clusters a selector matches; the first group that matches a cluster wins. */
export interface RolloutGroup {
  /** Unique name, shown in plans and reports. */
  readonly name: string;
  /** Any of these selectors. */
  readonly select: readonly ClusterSelector[];
  /** The desired kube-proxy settings for the group (az `--kube-proxy-config` format, normalised). */
  readonly settings: KubeProxyConfig;
}

/** When to stop starting new clusters: failures in a wave exceed either threshold. */
export interface HaltRule {
  /** Halt when more than this many clusters of a wave failed. */
  readonly maxFailures?: number;
  /** Halt when more than this percentage of a wave's clusters failed. */
  readonly maxFailurePercent?: number;
  /**
   * On a halt, restore the halted wave's written clusters to their settings before the rollout (the existing
   * rollback, limited to that wave). @default false
   */
  readonly rollback?: boolean;
}

/**
 * A health gate: a cluster of the wave counts as done only when its data plane (kube-proxy on the nodes, through the
 * SDK's `waitForDataPlane`) converges within `timeoutInMs` after Azure read back the settings and Succeeded. A gate
 * that fails (a mismatch: node, flag, `/proxyMode`) or times out is a failure for the halt rule.
 */
export interface HealthGate {
  /** Wait for the data plane (kube-proxy's DaemonSet, pods and `/proxyMode` on the nodes). */
  readonly dataPlane: boolean;
  /** Give up after this long (a failure). @default 900000 (15m) */
  readonly timeoutInMs: number;
  /**
   * An API server the gate cannot reach (private cluster, no network path, RBAC): `fail` (default: a failure for the
   * halt rule) or `skip` (the cluster counts as done, its gate recorded as skipped: the data plane was not verified).
   */
  readonly unreachable: "fail" | "skip";
}

/**
 * One wave. A wave takes, from the clusters no earlier wave took: those matching `select` (when given), capped at
 * `count` or `percent` of the whole rollout (when given); a wave with neither takes every remaining cluster.
 */
export interface RolloutWave {
  /** Unique name (e.g. `canary`, `ring1`, `rest`). */
  readonly name: string;
  /** At most this many clusters. */
  readonly count?: number;
  /** At most this percentage (rounded up) of the clusters that need a change. */
  readonly percent?: number;
  /** Only clusters matching any of these selectors (e.g. `tags: { ring: "0" }`). */
  readonly select?: readonly ClusterSelector[];
  /** Wait this long after the wave before starting the next. @default the rollout's `soakTimeInMs` */
  readonly soakTimeInMs?: number;
  /** Halt rule for this wave. @default the rollout's `halt` */
  readonly halt?: HaltRule;
  /** At most this many of the wave's clusters in progress at once. @default the rollout's `maxConcurrency` */
  readonly maxConcurrency?: number;
  /** At most this percentage (rounded up, at least 1) of the wave's clusters in progress at once ("25%" in the file). */
  readonly maxConcurrencyPercent?: number;
  /** The wave waits, before it starts, for `rollout approve --wave NAME` (the run stops `awaiting-approval`). @default false */
  readonly approval?: boolean;
  /** Health gate of the wave's clusters. @default the rollout's `healthGate` */
  readonly healthGate?: HealthGate;
}

/** A parsed, normalised rollout file. */
export interface RolloutSpec {
  /** Name of the rollout (reports, JUnit suite names). @default "rollout" */
  readonly name: string;
  /** Subscriptions to list clusters in. */
  readonly subscriptions: readonly RolloutSubscription[];
  /** Clusters matching any of these selectors are in the fleet; empty means every cluster of the subscriptions. */
  readonly select: readonly ClusterSelector[];
  /** Clusters matching any of these are left out. */
  readonly exclude: readonly ClusterSelector[];
  /** Desired settings for clusters that match no group. */
  readonly settings?: KubeProxyConfig;
  /** Settings per group of clusters; first match wins. */
  readonly groups: readonly RolloutGroup[];
  /** Waves in order; never empty (a rollout without waves has one wave, `all`). */
  readonly waves: readonly RolloutWave[];
  /** Soak time after each wave but the last, unless the wave says otherwise. @default 0 */
  readonly soakTimeInMs: number;
  /** Halt rule for every wave that has none. @default `{ maxFailures: 0 }` (halt on the first failure) */
  readonly halt: HaltRule;
  /** Clusters in progress at once, overall. @default 20 */
  readonly maxConcurrency: number;
  /** Clusters in progress at once in one subscription. @default 10 */
  readonly maxConcurrencyPerSubscription: number;
  /** Overall bound as a percentage of the running wave's clusters ("25%" in the file; rounded up, at least 1); replaces `maxConcurrency`. */
  readonly maxConcurrencyPercent?: number;
  /** Per-subscription bound as a percentage of the subscription's clusters in the running wave; replaces `maxConcurrencyPerSubscription`. */
  readonly maxConcurrencyPerSubscriptionPercent?: number;
  /** Enable the preview (feature flag + provider refresh) once per subscription before its first write. @default true */
  readonly enablePreview: boolean;
  /** Allow `enabled: false` (removing kube-proxy; bring-your-own CNI only). @default false */
  readonly allowDisable: boolean;
  /** Health gate of every wave that has none. @default none (a cluster is done when Azure reads back Succeeded) */
  readonly healthGate?: HealthGate;
}

/** Defaults of {@link RolloutSpec}. @internal */
export const ROLLOUT_DEFAULTS = {
  name: "rollout",
  maxConcurrency: 20,
  maxConcurrencyPerSubscription: 10,
  halt: { maxFailures: 0 } as HaltRule,
  soakTimeInMs: 0,
  healthGateTimeoutInMs: 15 * 60_000,
};
