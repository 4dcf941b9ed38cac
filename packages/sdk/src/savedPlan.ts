/**
 * A saved plan, as Terraform's: the versioned JSON document `plan --out` writes and `apply PLANFILE` applies exactly.
 * One definition here (type, build, serialize, parse and validate, and the plans it stands for); no tokens, no secrets,
 * and not the cluster's raw JSON (apply reads the cluster again, refuses it when it moved, and writes that read).
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { assertSupportedApiVersion } from "./apiVersion";
import { parseClusterId } from "./clusterRef";
import type { ClusterState } from "./clusterState";
import { SDK_VERSION } from "./constants";
import { ValidationError, isKubeProxyError, type ValidationIssue } from "./errors";
import type { Finding } from "./findings";
import { planKubeProxyChange, type KubeProxyPlan } from "./plan";
import { isCiliumDataplane } from "./rules";
import { isPlainObject } from "./settings/jsonValue";
import { effectiveKubeProxySettings, type EffectiveKubeProxySettings, type FieldChange } from "./settings/effective";
import { parseKubeProxySettings } from "./settings/parse";

/** The `kind` of a saved plan document. */
export const SAVED_PLAN_KIND = "aks-kube-proxy/plan";

/** The format version this SDK writes and reads; any other is refused. */
export const SAVED_PLAN_FORMAT_VERSION = 1;

/**
 * What applying a saved plan does to a cluster: `update` (one PUT), `reconcile` (one PUT of the same settings to a
 * Failed/Canceled cluster), `no-op` (converged: nothing written), `blocked` (a rule blocks it: apply refuses),
 * `in-flight` (an operation was running when planned: apply refuses, plan again once it ended).
 */
export type SavedPlanAction = "update" | "reconcile" | "no-op" | "blocked" | "in-flight";

/** One cluster of a saved plan. */
export interface SavedClusterPlan {
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
  /** The eTag of the read the plan was made from: the write carries it in `If-Match` (null: the api-version gave none). */
  readonly eTag: string | null;
  /** The facts the rules were checked against. */
  readonly facts: {
    readonly kubernetesVersion?: string;
    readonly networkPlugin?: string;
    readonly networkPolicy?: string;
    readonly networkDataplane?: string;
    readonly provisioningState?: string;
  };
  /** kubeProxyConfig as read (null: absent) and what the cluster effectively ran. */
  readonly current: { readonly kubeProxyConfig: KubeProxyConfig | null; readonly effective: EffectiveKubeProxySettings };
  /** The kubeProxyConfig to write (whole) and what the cluster would effectively run. */
  readonly desired: { readonly kubeProxyConfig: KubeProxyConfig; readonly effective: EffectiveKubeProxySettings };
  /** The caller confirmed disabling kube-proxy when planning. */
  readonly allowDisable: boolean;
  /** What applying does to this cluster (derived from the facts when the file is read). */
  readonly action: SavedPlanAction;
  /** Field-by-field changes (derived). */
  readonly changes: readonly FieldChange[];
  /** Warnings and notes (derived). */
  readonly warnings: readonly Finding[];
  /** Findings that stop apply (derived). */
  readonly blockers: readonly Finding[];
}

/** A saved plan document (`plan --out`). */
export interface SavedPlan {
  /** {@link SAVED_PLAN_FORMAT_VERSION}; a reader refuses any other. */
  readonly formatVersion: typeof SAVED_PLAN_FORMAT_VERSION;
  /** {@link SAVED_PLAN_KIND}. */
  readonly kind: typeof SAVED_PLAN_KIND;
  /** The SDK version that wrote it. */
  readonly toolVersion: string;
  /** ISO 8601 time of the plan. */
  readonly createdAt: string;
  /** The managedClusters api-version the plan was made with, and that apply must use. */
  readonly apiVersion: string;
  /** One entry per planned cluster, in plan order. */
  readonly clusters: readonly SavedClusterPlan[];
}

/**
 * The action of a plan.
 * @param plan - a plan
 */
export function planAction(plan: KubeProxyPlan): SavedPlanAction {
  switch (plan.convergence.kind) {
    case "converged":
      return "no-op";
    case "in-flight":
      return "in-flight";
    case "blocked":
      return "blocked";
    case "needs-reconcile":
      return "reconcile";
    default:
      return plan.blockers.length > 0 ? "blocked" : "update";
  }
}

/**
 * Builds the saved form of plans (pure).
 * @param plans - the plans, as `KubeProxyClient.plan` returned them
 * @param args - the api-version used, whether disabling was confirmed, and the time (default now)
 */
export function toSavedPlan(plans: readonly KubeProxyPlan[], args: { apiVersion: string; allowDisable?: boolean; createdAt?: Date }): SavedPlan {
  return {
    formatVersion: SAVED_PLAN_FORMAT_VERSION,
    kind: SAVED_PLAN_KIND,
    toolVersion: SDK_VERSION,
    createdAt: (args.createdAt ?? new Date()).toISOString(),
    apiVersion: args.apiVersion,
    clusters: plans.map((p) => {
      const c = p.cluster;
      return {
        id: c.id,
        subscriptionId: c.subscriptionId,
        resourceGroup: c.resourceGroup,
        name: c.name,
        location: c.location,
        eTag: c.etag ?? null,
        facts: {
          ...(c.kubernetesVersion !== undefined ? { kubernetesVersion: c.kubernetesVersion } : {}),
          ...(c.networkPlugin !== undefined ? { networkPlugin: c.networkPlugin } : {}),
          ...(c.networkPolicy !== undefined ? { networkPolicy: c.networkPolicy } : {}),
          ...(c.networkDataplane !== undefined ? { networkDataplane: c.networkDataplane } : {}),
          ...(c.provisioningState !== undefined ? { provisioningState: c.provisioningState } : {}),
        },
        current: { kubeProxyConfig: c.kubeProxyConfig ?? null, effective: p.current },
        desired: { kubeProxyConfig: p.desired, effective: p.desiredEffective },
        allowDisable: args.allowDisable ?? false,
        action: planAction(p),
        changes: p.changes,
        warnings: p.warnings,
        blockers: p.blockers,
      };
    }),
  };
}

/**
 * The saved plan as JSON text (two-space indented, ending in a newline).
 * @param plan - the saved plan
 */
export function serializeSavedPlan(plan: SavedPlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

const FACT_KEYS = ["kubernetesVersion", "networkPlugin", "networkPolicy", "networkDataplane", "provisioningState"] as const;

/**
 * The head of every versioned document aks-kube-proxy writes (a saved plan, a saved rollout plan): JSON, an object,
 * the expected `kind` and `formatVersion`. Problems are added to `issues` and reported through `fail`.
 * @param text - the document's text
 * @param expected - its kind and the format version this version reads
 * @param issues - the caller's issue list (appended to)
 * @param fail - the caller's way to throw with its issues
 * @returns the document as an object
 */
export function readVersionedDocument(text: string, expected: { readonly kind: string; readonly formatVersion: number }, issues: ValidationIssue[], fail: () => never): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    issues.push({ path: "$", message: `not JSON (${error instanceof Error ? error.message : String(error)})` });
    return fail();
  }
  if (!isPlainObject(doc)) {
    issues.push({ path: "$", message: "expected a JSON object" });
    return fail();
  }
  if (doc["kind"] !== expected.kind) issues.push({ path: "$.kind", message: `expected "${expected.kind}", found ${JSON.stringify(doc["kind"])}` });
  if (doc["formatVersion"] !== expected.formatVersion) {
    issues.push({ path: "$.formatVersion", message: `format version ${JSON.stringify(doc["formatVersion"])} is not supported (this aks-kube-proxy reads ${expected.formatVersion}); plan again with this version` });
  }
  return issues.length > 0 ? fail() : doc;
}

/**
 * Parses and validates a saved plan. Refuses (ValidationError, naming each problem) anything that is not JSON, another
 * kind, a format version other than {@link SAVED_PLAN_FORMAT_VERSION}, an unsupported api-version, and clusters with a
 * malformed id, eTag or settings. The desired settings are parsed here, once.
 * @param text - the file's text
 * @param source - where it came from, for messages (e.g. the file name)
 * @throws {@link ValidationError}
 */
export function parseSavedPlan(text: string, source = "the saved plan"): SavedPlan {
  const issues: ValidationIssue[] = [];
  const doc = readVersionedDocument(text, { kind: SAVED_PLAN_KIND, formatVersion: SAVED_PLAN_FORMAT_VERSION }, issues, () => failSavedPlan(source, issues));
  return savedPlanOf(doc, source);
}

/** Throws the {@link ValidationError} of a saved plan with its issues. */
function failSavedPlan(source: string, issues: ValidationIssue[]): never {
  throw new ValidationError(`${source} is not a valid aks-kube-proxy plan: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}. Make it again with \`aks-kube-proxy plan … --out FILE\`.`, issues);
}

/**
 * A saved plan from its parsed JSON document (after its head, kind and format version, was read): what
 * {@link parseSavedPlan} checks past the head, for a document that holds saved-plan entries (e.g. a saved rollout
 * plan, whose clusters are such entries).
 * @param doc - the document: apiVersion, toolVersion, createdAt, clusters
 * @param source - where it came from, for messages
 * @throws {@link ValidationError}
 */
export function savedPlanOf(doc: Record<string, unknown>, source = "the saved plan"): SavedPlan {
  const issues: ValidationIssue[] = [];
  const fail = (): never => failSavedPlan(source, issues);
  const apiVersion = doc["apiVersion"];
  if (typeof apiVersion !== "string") issues.push({ path: "$.apiVersion", message: "expected a string" });
  else {
    try {
      assertSupportedApiVersion(apiVersion);
    } catch (error) {
      issues.push({ path: "$.apiVersion", message: isKubeProxyError(error) ? error.message : String(error) });
    }
  }
  for (const key of ["toolVersion", "createdAt"] as const) if (typeof doc[key] !== "string") issues.push({ path: `$.${key}`, message: "expected a string" });
  const rawClusters = doc["clusters"];
  if (!Array.isArray(rawClusters) || rawClusters.length === 0) {
    issues.push({ path: "$.clusters", message: "expected a non-empty list of clusters" });
    return fail();
  }
  const clusters: SavedClusterPlan[] = [];
  rawClusters.forEach((raw: unknown, i) => {
    const at = `$.clusters[${i}]`;
    if (!isPlainObject(raw)) {
      issues.push({ path: at, message: "expected an object" });
      return;
    }
    const before = issues.length;
    const id = raw["id"];
    let ref: ReturnType<typeof parseClusterId> | undefined;
    if (typeof id !== "string") issues.push({ path: `${at}.id`, message: "expected a cluster resource id" });
    else {
      try {
        ref = parseClusterId(id);
      } catch (error) {
        issues.push({ path: `${at}.id`, message: isKubeProxyError(error) ? error.message : String(error) });
      }
    }
    if (ref && (raw["subscriptionId"] !== ref.subscriptionId || raw["resourceGroup"] !== ref.resourceGroup || raw["name"] !== ref.name)) {
      issues.push({ path: at, message: "subscriptionId, resourceGroup and name must be those of the id" });
    }
    const eTag = raw["eTag"];
    if (eTag !== null && typeof eTag !== "string") issues.push({ path: `${at}.eTag`, message: "expected a string or null" });
    const facts = isPlainObject(raw["facts"]) ? raw["facts"] : undefined;
    if (!facts) issues.push({ path: `${at}.facts`, message: "expected an object" });
    else for (const k of FACT_KEYS) if (facts[k] !== undefined && typeof facts[k] !== "string") issues.push({ path: `${at}.facts.${k}`, message: "expected a string" });
    const current = isPlainObject(raw["current"]) ? raw["current"] : undefined;
    const currentConfig = current?.["kubeProxyConfig"];
    if (!current || (currentConfig !== null && !isPlainObject(currentConfig))) issues.push({ path: `${at}.current.kubeProxyConfig`, message: "expected an object or null" });
    const desired = isPlainObject(raw["desired"]) ? raw["desired"] : undefined;
    let desiredConfig: KubeProxyConfig | undefined;
    try {
      desiredConfig = parseKubeProxySettings(desired?.["kubeProxyConfig"], { source: `${at}.desired.kubeProxyConfig` }).settings;
    } catch (error) {
      issues.push({ path: `${at}.desired.kubeProxyConfig`, message: isKubeProxyError(error) ? error.message : String(error) });
    }
    if (typeof raw["allowDisable"] !== "boolean") issues.push({ path: `${at}.allowDisable`, message: "expected true or false" });
    if (issues.length > before || !ref || !facts || !desiredConfig) return;
    const saved: Omit<SavedClusterPlan, "action" | "changes" | "warnings" | "blockers" | "current" | "desired"> = {
      id: id as string,
      subscriptionId: ref.subscriptionId,
      resourceGroup: ref.resourceGroup,
      name: ref.name,
      location: typeof raw["location"] === "string" ? raw["location"] : "",
      eTag: (eTag as string | null) ?? null,
      facts: Object.fromEntries(FACT_KEYS.filter((k) => typeof facts[k] === "string").map((k) => [k, facts[k] as string])),
      allowDisable: raw["allowDisable"] as boolean,
    };
    // What the plan says (action, changes, findings) is derived again from the facts: one source of truth, and a file
    // edited by hand cannot claim a change it does not make.
    const plan = planOfCluster(saved, (currentConfig as KubeProxyConfig | null) ?? null, desiredConfig, apiVersion as string);
    clusters.push(savedClusterOf(saved, plan));
  });
  if (issues.length > 0) return fail();
  return { formatVersion: SAVED_PLAN_FORMAT_VERSION, kind: SAVED_PLAN_KIND, toolVersion: doc["toolVersion"] as string, createdAt: doc["createdAt"] as string, apiVersion: apiVersion as string, clusters };
}

function savedClusterOf(saved: Omit<SavedClusterPlan, "action" | "changes" | "warnings" | "blockers" | "current" | "desired">, plan: KubeProxyPlan): SavedClusterPlan {
  return {
    ...saved,
    current: { kubeProxyConfig: plan.cluster.kubeProxyConfig ?? null, effective: plan.current },
    desired: { kubeProxyConfig: plan.desired, effective: plan.desiredEffective },
    action: planAction(plan),
    changes: plan.changes,
    warnings: plan.warnings,
    blockers: plan.blockers,
  };
}

function planOfCluster(
  saved: Pick<SavedClusterPlan, "id" | "subscriptionId" | "resourceGroup" | "name" | "location" | "eTag" | "facts" | "allowDisable">,
  current: KubeProxyConfig | null,
  desired: KubeProxyConfig,
  apiVersion: string,
): KubeProxyPlan {
  const parsed = effectiveKubeProxySettings(current);
  const cluster: ClusterState = {
    id: saved.id,
    subscriptionId: saved.subscriptionId,
    resourceGroup: saved.resourceGroup,
    name: saved.name,
    location: saved.location,
    tags: {},
    kubeProxyConfig: current ?? undefined,
    effective: isCiliumDataplane(saved.facts) ? { ...parsed, enabled: false } : parsed,
    ...(saved.eTag !== null ? { etag: saved.eTag } : {}),
    ...saved.facts,
  };
  return planKubeProxyChange({ cluster, desired, apiVersion, allowDisable: saved.allowDisable });
}

/**
 * What a plan is derived from: the read of a saved cluster (its facts, eTag, settings as read) and its desired
 * settings. A {@link SavedClusterPlan} is one; so is what a rollout journal keeps of a planned cluster.
 */
export type SavedClusterRead = Pick<SavedClusterPlan, "id" | "subscriptionId" | "resourceGroup" | "name" | "location" | "eTag" | "facts" | "allowDisable"> & {
  /** kubeProxyConfig as read (null: absent). */
  readonly current: { readonly kubeProxyConfig: KubeProxyConfig | null };
  /** The kubeProxyConfig to write (whole). */
  readonly desired: { readonly kubeProxyConfig: KubeProxyConfig };
};

/**
 * The plans a saved plan stands for, one per cluster, derived from its facts (as `KubeProxyClient.plan` would have
 * returned them, without the cluster's raw JSON): what `show` renders and `KubeProxyClient.beginApply(plan)` applies
 * (it reads the cluster first and refuses it when it moved since).
 * @param saved - a parsed saved plan ({@link parseSavedPlan}), or its api-version and cluster reads
 */
export function plansOfSavedPlan(saved: { readonly apiVersion: string; readonly clusters: readonly SavedClusterRead[] }): KubeProxyPlan[] {
  return saved.clusters.map((c) => planOfCluster(c, c.current.kubeProxyConfig, c.desired.kubeProxyConfig, saved.apiVersion));
}
