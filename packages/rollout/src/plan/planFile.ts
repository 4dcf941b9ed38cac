/**
 * A saved rollout plan, as Terraform's: the versioned JSON document `rollout plan FILE --out PLANFILE` writes and
 * `rollout apply PLANFILE` applies exactly (the same clusters, waves and desired settings; each write with `If-Match`
 * on the planned eTag). Each planned cluster is a saved-plan entry of the SDK (`SavedClusterPlan`, validated by the
 * SDK's `parseSavedPlan`), with the rollout's wave, group and action beside it: one format for a cluster. No tokens,
 * no secrets, no cluster's raw JSON. Pure.
 * @packageDocumentation
 */
import { createHash } from "node:crypto";
import type { ClusterState, KubeProxyPlan, SavedClusterPlan, ValidationIssue } from "@aks-kube-proxy/sdk";
import { ValidationError, changedSincePlan, effectiveKubeProxySettings, isKubeProxyError, isPlainObject, parseClusterId, savedPlanOf, plansOfSavedPlan, readVersionedDocument, sortKeysDeep, toSavedPlan } from "@aks-kube-proxy/sdk";
import { rolloutSpecHash } from "../journal/journal";
import { specIssues } from "../journal/journalValidate";
import { rolloutActionOf, type RolloutAction, type RolloutPlan, type RolloutPlanEntry, type RolloutPlanTotals } from "./plan";
import type { Shard } from "../spec/shard";
import type { RolloutSpec } from "../spec/spec";

/** The `kind` of a saved rollout plan. */
export const ROLLOUT_PLAN_KIND = "aks-kube-proxy/rollout-plan";

/** The format version this package writes and reads; any other is refused. */
export const ROLLOUT_PLAN_FORMAT_VERSION = 1;

/** One planned cluster of a saved rollout plan: the SDK's saved-plan entry, and what the rollout does with it. */
export type SavedRolloutCluster = SavedClusterPlan & {
  /** `change` (written in `wave`), `converged`, `blocked` or `not-in-any-wave` (derived again when the file is read). */
  readonly rolloutAction: Exclude<RolloutAction, "no-settings">;
  /** The wave that writes it (only for `change`). */
  readonly wave?: string;
  /** Its settings group (absent: the top-level settings). */
  readonly group?: string;
};

/** A selected cluster no settings cover (`no-settings`): never written, listed so that the plan is the whole fleet. */
export interface SavedUnplannedCluster {
  /** Resource id. */
  readonly id: string;
  /** Subscription id (that of `id`). */
  readonly subscriptionId: string;
  /** Resource group (that of `id`). */
  readonly resourceGroup: string;
  /** Cluster name (that of `id`). */
  readonly name: string;
  /** Azure region. */
  readonly location: string;
  /** Always `no-settings`. */
  readonly rolloutAction: "no-settings";
}

/** A saved rollout plan document (`rollout plan --out`). */
export interface SavedRolloutPlan {
  /** {@link ROLLOUT_PLAN_FORMAT_VERSION}; a reader refuses any other. */
  readonly formatVersion: typeof ROLLOUT_PLAN_FORMAT_VERSION;
  /** {@link ROLLOUT_PLAN_KIND}. */
  readonly kind: typeof ROLLOUT_PLAN_KIND;
  /** The SDK version that wrote it. */
  readonly toolVersion: string;
  /** ISO 8601 time of the plan. */
  readonly createdAt: string;
  /** The managedClusters api-version the plan was made with, and that apply uses. */
  readonly apiVersion: string;
  /** The rollout's name. */
  readonly rolloutName: string;
  /** SHA-256 of the canonical spec (checked when read: the spec cannot be edited apart from its hash). */
  readonly specHash: string;
  /** The rollout spec, normalised (waves, halt rule, concurrency, soak...). */
  readonly spec: RolloutSpec;
  /** The shard planned (absent: the whole fleet). */
  readonly shard?: Shard;
  /** Waves in order with the ids of the clusters each writes. */
  readonly waves: RolloutPlan["waves"];
  /** The planned clusters, wave by wave, then the rest. */
  readonly clusters: readonly SavedRolloutCluster[];
  /** The selected clusters no settings cover. */
  readonly unplanned: readonly SavedUnplannedCluster[];
  /** Counts (`listed` and `otherShards` as planned; the rest derived again when read). */
  readonly totals: RolloutPlanTotals;
}

/**
 * Builds the saved form of a rollout plan (pure).
 * @param plan - the plan ({@link planRollout})
 * @param createdAt - the time (default now)
 */
export function toSavedRolloutPlan(plan: RolloutPlan, createdAt: Date = new Date()): SavedRolloutPlan {
  const planned = plan.entries.filter((e): e is RolloutPlanEntry & { plan: KubeProxyPlan } => e.plan !== undefined);
  const saved = toSavedPlan(
    planned.map((e) => e.plan),
    { apiVersion: plan.apiVersion, allowDisable: plan.spec.allowDisable, createdAt },
  );
  return {
    formatVersion: ROLLOUT_PLAN_FORMAT_VERSION,
    kind: ROLLOUT_PLAN_KIND,
    toolVersion: saved.toolVersion,
    createdAt: saved.createdAt,
    apiVersion: plan.apiVersion,
    rolloutName: plan.spec.name,
    specHash: plan.specHash,
    spec: plan.spec,
    ...(plan.shard ? { shard: plan.shard } : {}),
    waves: plan.waves,
    clusters: saved.clusters.map((c, i) => {
      const e = planned[i] as RolloutPlanEntry;
      return { ...c, rolloutAction: e.action as SavedRolloutCluster["rolloutAction"], ...(e.wave !== undefined ? { wave: e.wave } : {}), ...(e.group !== undefined ? { group: e.group } : {}) };
    }),
    unplanned: plan.entries
      .filter((e) => e.plan === undefined)
      .map((e) => ({ id: e.cluster.id, subscriptionId: e.cluster.subscriptionId, resourceGroup: e.cluster.resourceGroup, name: e.cluster.name, location: e.cluster.location, rolloutAction: "no-settings" as const })),
    totals: plan.totals,
  };
}

/**
 * The saved rollout plan as JSON text (two-space indented, ending in a newline).
 * @param plan - the saved plan
 */
export function serializeRolloutPlan(plan: SavedRolloutPlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/**
 * SHA-256 (hex) of a saved rollout plan's canonical JSON (sorted keys): what a journal started from it records, so
 * that resuming with another plan file is refused.
 * @param plan - the saved plan
 */
export function rolloutPlanHash(plan: SavedRolloutPlan): string {
  return createHash("sha256").update(JSON.stringify(sortKeysDeep(plan))).digest("hex");
}

const ROLLOUT_FIELDS = ["rolloutAction", "wave", "group"] as const;

/**
 * Parses and validates a saved rollout plan. Refuses (ValidationError, naming each problem with its JSON path) anything
 * that is not JSON, another kind, a format version other than {@link ROLLOUT_PLAN_FORMAT_VERSION}, a spec that does not
 * match its hash, a cluster entry the SDK's `parseSavedPlan` refuses, and waves or actions that the clusters' facts do
 * not give (what a cluster needs is derived again from its facts: a file edited by hand cannot claim a change it does
 * not make).
 * @param text - the file's text
 * @param source - where it came from, for messages (e.g. the file name)
 * @throws ValidationError
 */
export function parseRolloutPlan(text: string, source = "the rollout plan"): SavedRolloutPlan {
  const issues: ValidationIssue[] = [];
  const fail = (): never => {
    throw new ValidationError(
      `${source} is not a valid aks-kube-proxy rollout plan: ${issues
        .slice(0, 10)
        .map((i) => `${i.path}: ${i.message}`)
        .join("; ")}. Make it again with \`aks-kube-proxy rollout plan ROLLOUT_FILE --out FILE\`.`,
      issues,
    );
  };
  const doc = readVersionedDocument(text, { kind: ROLLOUT_PLAN_KIND, formatVersion: ROLLOUT_PLAN_FORMAT_VERSION }, issues, fail);
  for (const key of ["toolVersion", "createdAt", "apiVersion", "rolloutName", "specHash"] as const) if (typeof doc[key] !== "string") issues.push({ path: `$.${key}`, message: "expected a string" });
  const spec = doc["spec"];
  if (!isPlainObject(spec)) issues.push({ path: "$.spec", message: "expected an object" });
  else {
    issues.push(...specIssues(spec));
    if (issues.length === 0 && rolloutSpecHash(spec as unknown as RolloutSpec) !== doc["specHash"]) issues.push({ path: "$.specHash", message: "is not the hash of $.spec (the spec was edited)" });
    if (issues.length === 0 && spec["name"] !== doc["rolloutName"]) issues.push({ path: "$.rolloutName", message: "must be $.spec.name" });
  }
  const shard = doc["shard"];
  if (shard !== undefined && (!isPlainObject(shard) || !Number.isInteger(shard["index"]) || !Number.isInteger(shard["count"]) || (shard["index"] as number) < 1 || (shard["index"] as number) > (shard["count"] as number))) {
    issues.push({ path: "$.shard", message: "expected { index, count } with 1 <= index <= count" });
  }
  const totals = doc["totals"];
  if (!isPlainObject(totals) || !Number.isInteger(totals["listed"]) || !Number.isInteger(totals["otherShards"])) issues.push({ path: "$.totals", message: "expected an object with whole numbers listed and otherShards" });
  const rawClusters = doc["clusters"];
  const rawUnplanned = doc["unplanned"];
  const rawWaves = doc["waves"];
  if (!Array.isArray(rawClusters)) issues.push({ path: "$.clusters", message: "expected a list" });
  if (!Array.isArray(rawUnplanned)) issues.push({ path: "$.unplanned", message: "expected a list" });
  if (!Array.isArray(rawWaves)) issues.push({ path: "$.waves", message: "expected a list" });
  if (issues.length > 0 || !Array.isArray(rawClusters) || !Array.isArray(rawUnplanned) || !Array.isArray(rawWaves)) return fail();

  // Each planned cluster is an SDK saved-plan entry: the SDK validates it and derives its plan again.
  let savedClusters: readonly SavedClusterPlan[] = [];
  if (rawClusters.length > 0) {
    const asSavedPlan = {
      toolVersion: doc["toolVersion"],
      createdAt: doc["createdAt"],
      apiVersion: doc["apiVersion"],
      clusters: rawClusters.map((c: unknown) => (isPlainObject(c) ? Object.fromEntries(Object.entries(c).filter(([k]) => !(ROLLOUT_FIELDS as readonly string[]).includes(k))) : c)),
    };
    try {
      savedClusters = savedPlanOf(asSavedPlan, source).clusters;
    } catch (error) {
      if (error instanceof ValidationError) issues.push(...error.issues);
      else issues.push({ path: "$.clusters", message: isKubeProxyError(error) ? error.message : String(error) });
      return fail();
    }
  }
  const plans = plansOfSavedPlan({ apiVersion: doc["apiVersion"] as string, clusters: savedClusters });

  const waveNames = ((spec as Record<string, unknown>)["waves"] as { name: string }[]).map((w) => w.name);
  const waves: SavedRolloutPlan["waves"][number][] = [];
  const waveOf = new Map<string, string>();
  rawWaves.forEach((w: unknown, i) => {
    const at = `$.waves[${i}]`;
    if (!isPlainObject(w) || w["name"] !== waveNames[i] || w["index"] !== i || !Array.isArray(w["clusterIds"]) || !w["clusterIds"].every((id) => typeof id === "string")) {
      issues.push({ path: at, message: `expected { name: ${JSON.stringify(waveNames[i] ?? null)}, index: ${i}, clusterIds: [...] } (the spec's waves, in order)` });
      return;
    }
    for (const id of w["clusterIds"] as string[]) {
      if (waveOf.has(id.toLowerCase())) issues.push({ path: `${at}.clusterIds`, message: `${id} is in two waves` });
      waveOf.set(id.toLowerCase(), w["name"] as string);
    }
    waves.push({ name: w["name"] as string, index: i, clusterIds: w["clusterIds"] as string[] });
  });
  if (rawWaves.length !== waveNames.length) issues.push({ path: "$.waves", message: `expected the spec's ${waveNames.length} wave(s), found ${rawWaves.length}` });

  const seen = new Set<string>();
  const clusters: SavedRolloutCluster[] = savedClusters.map((c, i) => {
    const raw = rawClusters[i] as Record<string, unknown>;
    const at = `$.clusters[${i}]`;
    const plan = plans[i] as KubeProxyPlan;
    if (seen.has(c.id.toLowerCase())) issues.push({ path: `${at}.id`, message: `${c.id} is listed twice` });
    seen.add(c.id.toLowerCase());
    const base = rolloutActionOf(plan);
    const wave = waveOf.get(c.id.toLowerCase());
    const action: SavedRolloutCluster["rolloutAction"] = base === "change" ? (wave !== undefined ? "change" : "not-in-any-wave") : base;
    if (base !== "change" && wave !== undefined) issues.push({ path: at, message: `wave ${wave} takes it, but its facts make it ${base}` });
    if (raw["rolloutAction"] !== action) issues.push({ path: `${at}.rolloutAction`, message: `its facts and the waves make it ${JSON.stringify(action)}, found ${JSON.stringify(raw["rolloutAction"])}` });
    if ((raw["wave"] ?? undefined) !== wave) issues.push({ path: `${at}.wave`, message: `expected ${JSON.stringify(wave ?? null)} (the wave whose clusterIds list it), found ${JSON.stringify(raw["wave"] ?? null)}` });
    if (raw["group"] !== undefined && typeof raw["group"] !== "string") issues.push({ path: `${at}.group`, message: "expected a string" });
    return { ...c, rolloutAction: action, ...(wave !== undefined ? { wave } : {}), ...(typeof raw["group"] === "string" ? { group: raw["group"] } : {}) };
  });
  for (const id of waveOf.keys()) if (!seen.has(id)) issues.push({ path: "$.waves", message: `${id} is in a wave but not in $.clusters` });

  const unplanned: SavedUnplannedCluster[] = [];
  rawUnplanned.forEach((u: unknown, i) => {
    const at = `$.unplanned[${i}]`;
    if (!isPlainObject(u) || typeof u["id"] !== "string" || u["rolloutAction"] !== "no-settings") {
      issues.push({ path: at, message: 'expected { id, location, rolloutAction: "no-settings" }' });
      return;
    }
    try {
      const ref = parseClusterId(u["id"]);
      unplanned.push({ id: u["id"], subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, name: ref.name, location: typeof u["location"] === "string" ? u["location"] : "", rolloutAction: "no-settings" });
    } catch (error) {
      issues.push({ path: `${at}.id`, message: isKubeProxyError(error) ? error.message : String(error) });
    }
  });
  if (issues.length > 0) return fail();
  const count = (a: RolloutAction): number => clusters.filter((c) => c.rolloutAction === a).length;
  const t = totals as Record<string, number>;
  return {
    formatVersion: ROLLOUT_PLAN_FORMAT_VERSION,
    kind: ROLLOUT_PLAN_KIND,
    toolVersion: doc["toolVersion"] as string,
    createdAt: doc["createdAt"] as string,
    apiVersion: doc["apiVersion"] as string,
    rolloutName: doc["rolloutName"] as string,
    specHash: doc["specHash"] as string,
    spec: spec as unknown as RolloutSpec,
    ...(isPlainObject(shard) ? { shard: { index: shard["index"] as number, count: shard["count"] as number } } : {}),
    waves,
    clusters,
    unplanned,
    totals: {
      listed: t["listed"] as number,
      selected: clusters.length + unplanned.length,
      otherShards: t["otherShards"] as number,
      change: count("change"),
      converged: count("converged"),
      blocked: count("blocked"),
      noSettings: unplanned.length,
      notInAnyWave: count("not-in-any-wave"),
    },
  };
}

/**
 * The rollout plan a saved one stands for (the plans derived from its facts, without the clusters' raw JSON): what
 * `rollout apply PLANFILE` journals and runs, and `show` prints. Its `planFile` makes the journal keep each planned
 * cluster's read, so that each write is the SDK's `beginApply(plan)`: `If-Match` on the planned eTag, refused as
 * `PlanStale` when the cluster moved.
 * @param saved - a parsed saved rollout plan ({@link parseRolloutPlan})
 */
export function rolloutPlanOfSaved(saved: SavedRolloutPlan): RolloutPlan {
  const plans = plansOfSavedPlan(saved);
  const entries: RolloutPlanEntry[] = saved.clusters.map((c, i) => ({
    cluster: (plans[i] as KubeProxyPlan).cluster,
    ...(c.group !== undefined ? { group: c.group } : {}),
    action: c.rolloutAction,
    ...(c.wave !== undefined ? { wave: c.wave } : {}),
    plan: plans[i] as KubeProxyPlan,
  }));
  for (const u of saved.unplanned) {
    const cluster: ClusterState = { id: u.id, subscriptionId: u.subscriptionId, resourceGroup: u.resourceGroup, name: u.name, location: u.location, tags: {}, kubeProxyConfig: undefined, effective: effectiveKubeProxySettings(undefined) };
    entries.push({ cluster, action: "no-settings" });
  }
  return {
    spec: saved.spec,
    specHash: saved.specHash,
    apiVersion: saved.apiVersion,
    ...(saved.shard ? { shard: saved.shard } : {}),
    waves: saved.waves,
    entries,
    totals: saved.totals,
    planFile: { hash: rolloutPlanHash(saved), createdAt: saved.createdAt },
  };
}

/** A planned cluster that moved since the plan. */
export interface StalePlannedCluster {
  /** Resource id. */
  readonly id: string;
  /** `resourceGroup/name`. */
  readonly label: string;
  /** What changed, one short line each (`eTag "a" → "b"`, `mode: IPVS → IPTABLES`, `not found`). */
  readonly changed: readonly string[];
}

/**
 * The planned clusters that moved since the plan (pure): compares each planned cluster's read (eTag, effective
 * settings, provisioningState: the SDK's `changedSincePlan`) with the clusters listed now; a planned cluster that is
 * no longer listed is stale too. Empty when the whole plan still stands.
 * @param plan - a rollout plan read from a file ({@link rolloutPlanOfSaved})
 * @param listed - the clusters of the rollout's subscriptions, listed now
 */
export function staleRolloutClusters(plan: RolloutPlan, listed: readonly ClusterState[]): StalePlannedCluster[] {
  const now = new Map(listed.map((c) => [c.id.toLowerCase(), c]));
  const stale: StalePlannedCluster[] = [];
  for (const e of plan.entries) {
    if (!e.plan) continue;
    const label = `${e.cluster.resourceGroup}/${e.cluster.name}`;
    const current = now.get(e.cluster.id.toLowerCase());
    const changed = current ? changedSincePlan(e.plan.cluster, current) : ["not found"];
    if (changed.length > 0) stale.push({ id: e.cluster.id, label, changed });
  }
  return stale;
}
