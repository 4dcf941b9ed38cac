/**
 * The rollout plan: from the clusters listed in the rollout's subscriptions to, per cluster, current → desired,
 * blockers and warnings, and the wave that takes it; and from a plan to a fresh journal. Pure.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { ClusterState } from "@aks-kube-proxy/sdk";
import { planKubeProxyChange, type KubeProxyPlan } from "@aks-kube-proxy/sdk";
import { JOURNAL_KIND, JOURNAL_VERSION, rolloutSpecHash, type JournalCluster, type RolloutJournal } from "../journal/journal";
import { selectFleet } from "../spec/select";
import { inShard, type Shard } from "../spec/shard";
import type { RolloutSpec } from "../spec/spec";
import { compact } from "../util";
import { planWaves } from "./waves";

/** What the rollout will do with one cluster. */
export type RolloutAction = "change" | "converged" | "blocked" | "no-settings" | "not-in-any-wave";

/** One cluster of a rollout plan. */
export interface RolloutPlanEntry {
  /** The cluster as listed. */
  readonly cluster: ClusterState;
  /** Settings group (absent: the top-level settings). */
  readonly group?: string;
  /** What will happen to it. */
  readonly action: RolloutAction;
  /** The wave that takes it (only for `change`). */
  readonly wave?: string;
  /** The SDK's plan for it (absent for `no-settings`). */
  readonly plan?: KubeProxyPlan;
}

/** Totals of a rollout plan. */
export interface RolloutPlanTotals {
  /** Clusters listed in the rollout's subscriptions. */
  readonly listed: number;
  /** Selected by the rollout's selectors (in this shard). */
  readonly selected: number;
  /** Selected but in another shard. */
  readonly otherShards: number;
  /** To be written. */
  readonly change: number;
  /** Already at the desired settings. */
  readonly converged: number;
  /** Blocked by validation (never written). */
  readonly blocked: number;
  /** No settings cover them. */
  readonly noSettings: number;
  /** No wave takes them. */
  readonly notInAnyWave: number;
}

/** A rollout plan. */
export interface RolloutPlan {
  /** The spec. */
  readonly spec: RolloutSpec;
  /** The spec's hash. */
  readonly specHash: string;
  /** The api-version writes will use. */
  readonly apiVersion: string;
  /** The shard planned (absent: the whole fleet). */
  readonly shard?: Shard;
  /** Waves in order with the ids of the clusters each takes. */
  readonly waves: readonly { readonly name: string; readonly index: number; readonly clusterIds: readonly string[] }[];
  /** Every selected cluster of the shard, in the order they would be started (wave by wave), then the rest. */
  readonly entries: readonly RolloutPlanEntry[];
  /** Counts. */
  readonly totals: RolloutPlanTotals;
  /**
   * Set when the plan was read from a saved rollout plan (`rollout apply PLANFILE`): its hash and time. The journal
   * then keeps each planned cluster's read, and each write applies exactly the plan (If-Match on the planned eTag).
   */
  readonly planFile?: { readonly hash: string; readonly createdAt: string };
}

/**
 * What a rollout does with a planned cluster, before waves: `blocked` (a rule blocks it), `change` (it needs a write),
 * `converged`. The one rule: the planner and a saved rollout plan read back ({@link parseRolloutPlan}) both use it.
 * @param plan - the SDK's plan of the cluster
 */
export function rolloutActionOf(plan: KubeProxyPlan): "change" | "converged" | "blocked" {
  return plan.blockers.length > 0 ? "blocked" : plan.hasChanges ? "change" : "converged";
}

/** Arguments of {@link planRollout}. */
export interface PlanRolloutArgs {
  /** The rollout. */
  readonly spec: RolloutSpec;
  /** Every cluster listed in the rollout's subscriptions. */
  readonly clusters: readonly ClusterState[];
  /** The api-version writes will use (rules depend on it). */
  readonly apiVersion: string;
  /** Plan only this shard. */
  readonly shard?: Shard;
}

/**
 * Plans a rollout, purely: selects the fleet, keeps this shard's part, plans each cluster with the SDK's
 * {@link planKubeProxyChange}, and assigns the clusters that need a change to waves (count and percent waves are
 * computed over this shard's clusters, so each shard canaries its own part).
 * @param args - spec, listed clusters, api-version, shard
 */
export function planRollout(args: PlanRolloutArgs): RolloutPlan {
  const { spec, apiVersion, shard } = args;
  const selected = selectFleet({ spec, clusters: args.clusters });
  const mine = selected.filter((s) => inShard(s.cluster.id, shard));
  const planned = mine.map((s) => {
    if (s.desired === undefined) return { cluster: s.cluster, group: s.group, action: "no-settings" as RolloutAction, plan: undefined };
    const plan = planKubeProxyChange({ cluster: s.cluster, desired: s.desired, apiVersion, allowDisable: spec.allowDisable });
    return { cluster: s.cluster, group: s.group, action: rolloutActionOf(plan), plan };
  });
  const toChange = planned.filter((p) => p.action === "change");
  const wavePlan = planWaves({ clusters: toChange.map((p) => p.cluster), waves: spec.waves });
  const waveOf = new Map<string, string>();
  for (const w of wavePlan.waves) for (const c of w.clusters) waveOf.set(c.id.toLowerCase(), w.name);

  const entries: RolloutPlanEntry[] = [];
  const byId = new Map(planned.map((p) => [p.cluster.id.toLowerCase(), p]));
  const strip = compact;
  for (const w of wavePlan.waves) {
    for (const c of w.clusters) {
      const p = byId.get(c.id.toLowerCase());
      if (!p) continue;
      entries.push(strip({ cluster: p.cluster, group: p.group, action: "change", wave: w.name, plan: p.plan }));
    }
  }
  for (const p of planned) {
    if (p.action === "change" && waveOf.has(p.cluster.id.toLowerCase())) continue;
    entries.push(strip({ cluster: p.cluster, group: p.group, action: p.action === "change" ? "not-in-any-wave" : p.action, plan: p.plan }));
  }
  const count = (a: RolloutAction): number => entries.filter((e) => e.action === a).length;
  return {
    spec,
    specHash: rolloutSpecHash(spec),
    apiVersion,
    ...(shard ? { shard } : {}),
    waves: wavePlan.waves.map((w) => ({ name: w.name, index: w.index, clusterIds: w.clusters.map((c) => c.id) })),
    entries,
    totals: {
      listed: args.clusters.length,
      selected: mine.length,
      otherShards: selected.length - mine.length,
      change: count("change"),
      converged: count("converged"),
      blocked: count("blocked"),
      noSettings: count("no-settings"),
      notInAnyWave: count("not-in-any-wave"),
    },
  };
}

const SKIP_MESSAGES: Record<Exclude<RolloutAction, "change">, string> = {
  converged: "already at the desired settings",
  blocked: "blocked by validation; nothing is written",
  "no-settings": "no group and no top-level settings cover this cluster",
  "not-in-any-wave": "no wave takes this cluster",
};

/**
 * One shared copy per distinct value: across a fleet most clusters get the same desired settings, changes and
 * findings, and a journal of 10,000 clusters keeps them once instead of 10,000 times (they are never mutated after
 * planning; a journal read back from disk has its own copies, which is only memory).
 */
function interner(): <T>(value: T) => T {
  const seen = new Map<string, unknown>();
  return <T>(value: T): T => {
    const key = JSON.stringify(value);
    const known = seen.get(key);
    if (known !== undefined) return known as T;
    seen.set(key, value);
    return value;
  };
}

/**
 * The facts of a cluster's read that its plan depends on: those of the SDK's saved-plan entry (a unit test,
 * rollout.plan-file.test.ts, proves a journal keeps exactly the facts the saved plan writes).
 */
const PLANNED_FACTS = ["kubernetesVersion", "networkPlugin", "networkPolicy", "networkDataplane", "provisioningState"] as const;

function journalClusterOf(entry: RolloutPlanEntry, intern: <T>(value: T) => T, fromPlanFile: boolean): JournalCluster {
  const c = entry.cluster;
  const findings = entry.plan ? [...entry.plan.blockers, ...entry.plan.warnings] : [];
  const out: JournalCluster = {
    id: c.id,
    subscriptionId: c.subscriptionId.toLowerCase(),
    resourceGroup: c.resourceGroup,
    name: c.name,
    status: entry.action === "change" ? "pending" : "skipped",
    attempts: 0,
    previous: c.kubeProxyConfig === undefined ? null : (structuredClone(c.kubeProxyConfig) as KubeProxyConfig),
  };
  if (c.location) out.location = c.location;
  if (c.kubernetesVersion) out.kubernetesVersion = c.kubernetesVersion;
  if (entry.group !== undefined) out.group = entry.group;
  if (entry.wave !== undefined) out.wave = entry.wave;
  if (entry.plan) {
    out.desired = intern(entry.plan.desired);
    out.changes = intern(entry.plan.changes);
  }
  if (fromPlanFile && entry.plan && entry.action === "change") {
    const facts = Object.fromEntries(PLANNED_FACTS.filter((k) => c[k] !== undefined).map((k) => [k, c[k] as string]));
    out.planned = { eTag: c.etag ?? null, facts: intern(facts) };
  }
  if (findings.length > 0) out.findings = intern(findings);
  if (entry.action !== "change") {
    out.skipReason = entry.action;
    out.skipMessage =
      entry.action === "blocked" && entry.plan ? `${SKIP_MESSAGES.blocked}: ${entry.plan.blockers.map((b) => `[${b.id}] ${b.message}`).join(" ")}` : SKIP_MESSAGES[entry.action];
  }
  return out;
}

/**
 * A fresh journal for a plan: every change pending in its wave, everything else skipped with its reason. A plan read
 * from a saved rollout plan (`planFile`) also records each change's planned read (`planned`: eTag and facts).
 * @param plan - the plan
 * @param now - the creation time (for tests)
 */
export function createRolloutJournal(plan: RolloutPlan, now: Date = new Date()): RolloutJournal {
  const intern = interner();
  const clusters = plan.entries.map((e) => journalClusterOf(e, intern, plan.planFile !== undefined));
  const subscriptions: RolloutJournal["subscriptions"] = {};
  for (const s of plan.spec.subscriptions) subscriptions[s.id.toLowerCase()] = {};
  for (const e of plan.entries) {
    const sub = subscriptions[e.cluster.subscriptionId.toLowerCase()];
    if (sub) sub.clusters = (sub.clusters ?? 0) + 1;
  }
  const at = now.toISOString();
  return {
    kind: JOURNAL_KIND,
    version: JOURNAL_VERSION,
    operation: "apply",
    rolloutName: plan.spec.name,
    specHash: plan.specHash,
    spec: plan.spec,
    ...(plan.shard ? { shard: plan.shard } : {}),
    ...(plan.planFile ? { planFile: plan.planFile } : {}),
    apiVersion: plan.apiVersion,
    createdAt: at,
    updatedAt: at,
    status: "planned",
    subscriptions,
    waves: plan.waves.map((w) => ({ name: w.name, index: w.index, status: "pending", total: w.clusterIds.length })),
    clusters,
    runs: [],
  };
}
