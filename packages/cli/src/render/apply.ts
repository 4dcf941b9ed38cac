/**
 * Apply results as text and as JSON.
 * @packageDocumentation
 */
import type { ApplyResult, KubeProxyPlan } from "@aks-kube-proxy/sdk";
import type { Output } from "../runtime/output";
import { formatDuration } from "../runtime/duration";
import { clusterJson, type ClusterJson } from "./cluster";
import { describeSettings } from "./settings";

/** The JSON shape of one cluster's apply result. */
export interface ApplyResultJson {
  cluster: ClusterJson;
  changed: boolean;
  before: unknown;
  after: unknown;
  changes: { path: string; before: unknown; after: unknown }[];
  warnings: unknown[];
  durationInMs: number;
  requestIds: string[];
  operationUrl: string | null;
}

/** @param result - the SDK's apply result */
export function applyResultJson(result: ApplyResult): ApplyResultJson {
  return {
    cluster: clusterJson(result.cluster),
    changed: result.changed,
    before: result.before,
    after: result.after,
    changes: result.plan.changes.map((c) => ({ path: c.path, before: c.before ?? null, after: c.after ?? null })),
    warnings: [...result.plan.warnings],
    durationInMs: result.durationInMs,
    requestIds: [...result.requestIds],
    operationUrl: result.operationUrl ?? null,
  };
}

/** The result entry of a cluster that needed no write (from its plan). */
export function unchangedResultJson(plan: KubeProxyPlan): ApplyResultJson {
  return {
    cluster: clusterJson(plan.cluster),
    changed: false,
    before: plan.current,
    after: plan.current,
    changes: [],
    warnings: [...plan.warnings],
    durationInMs: 0,
    requestIds: [],
    operationUrl: null,
  };
}

/**
 * One line per applied cluster: `rg/name: IPTABLES → IPVS LeastConnection ... (3.4s, verified)`.
 * @param result - the SDK's apply result
 * @param out - the output (for colours)
 */
export function applyResultLine(result: ApplyResult, out: Output): string {
  const label = `${result.cluster.resourceGroup}/${result.cluster.name}`;
  if (!result.changed) return `${label}: ${out.style("green", "unchanged")}, already ${describeSettings(result.after)} (no write)`;
  return `${label}: ${describeSettings(result.before)} → ${out.style("green", describeSettings(result.after))} (${formatDuration(result.durationInMs)}, verified by reading back)`;
}
