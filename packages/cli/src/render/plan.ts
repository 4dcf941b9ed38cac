/**
 * Plans as text and as JSON.
 * @packageDocumentation
 */
import type { KubeProxyPlan } from "@aks-kube-proxy/sdk";
import { loadSdk } from "../runtime/lazy";
import type { Output } from "../runtime/output";
import { clusterJson, type ClusterJson } from "./cluster";
import { formatFinding } from "./findings";
import { describeSettings, formatValue } from "./settings";
import { inFlightPlans, waitCommandFor } from "../flows/plan";

/** The JSON shape of one cluster's plan. */
export interface PlanJson {
  cluster: ClusterJson;
  current: unknown;
  desired: unknown;
  /** True unless the cluster is converged: a change, a block, a reconcile, or an operation in flight whose result is not known yet. */
  hasChanges: boolean;
  /** True only when the cluster is converged (desired settings, Succeeded, no operation in flight). */
  converged: boolean;
  /** The SDK's classification: converged, in-flight, needs-reconcile, drifted, blocked (with its reason). */
  convergence: { kind: string; provisioningState: string; reason: string | null };
  changes: { path: string; before: unknown; after: unknown }[];
  blockers: unknown[];
  warnings: unknown[];
}

/** @param plan - the SDK's plan */
export function planJson(plan: KubeProxyPlan): PlanJson {
  return {
    cluster: clusterJson(plan.cluster),
    current: plan.current,
    desired: plan.desired,
    hasChanges: plan.hasChanges,
    converged: plan.converged,
    convergence: { kind: plan.convergence.kind, provisioningState: plan.convergence.provisioningState, reason: "reason" in plan.convergence ? plan.convergence.reason : null },
    changes: plan.changes.map((c) => ({ path: c.path, before: c.before ?? null, after: c.after ?? null })),
    blockers: [...plan.blockers],
    warnings: [...plan.warnings],
  };
}

/**
 * The plan of one cluster, for people.
 * @param plan - the SDK's plan
 * @param out - the output (for colours)
 */
export function planText(plan: KubeProxyPlan, out: Output): string {
  const c = plan.cluster;
  const facts = [c.kubernetesVersion && `kubernetes ${c.kubernetesVersion}`, c.networkPlugin && `plugin ${c.networkPlugin}`, `policy ${c.networkPolicy ?? "none"}`, c.provisioningState]
    .filter(Boolean)
    .join(", ");
  const lines = [out.style("bold", `${c.resourceGroup}/${c.name}`) + ` (${facts})`, `  current: ${describeSettings(plan.current)}`];
  if (plan.blockers.length > 0) {
    lines.push(`  ${out.style("red", "blocked")}: nothing will be written to this cluster`);
  } else if (plan.converged) {
    lines.push(`  ${out.style("green", "no changes")}: the cluster already runs these settings; nothing will be written`);
  } else if (plan.convergence.kind === "in-flight") {
    // Never "no changes": the operation's result decides what is left to do.
    lines.push(
      `  ${out.style("yellow", "in flight")}: not converged: an operation is still running (provisioningState ${plan.convergence.provisioningState}) and its result is not known yet`,
      `  follow it with: ${waitCommandFor(c.resourceGroup, c.name)}   (then plan again)`,
    );
  } else {
    lines.push(`  desired: ${describeSettings(loadSdk().effectiveKubeProxySettings(plan.desired))}`, "  changes:");
    for (const ch of plan.changes) {
      const sign = ch.before === undefined ? "+" : ch.after === undefined ? "-" : "~";
      lines.push(`    ${sign} ${ch.path}: ${formatValue(ch.before)} → ${formatValue(ch.after)}`);
    }
    if (plan.convergence.kind === "needs-reconcile") lines.push(`    ~ reconcile (provisioningState ${plan.convergence.provisioningState}): ${plan.convergence.reason}`);
  }
  for (const f of [...plan.blockers, ...plan.warnings]) lines.push(`  ${formatFinding(f, out)}`);
  return lines.join("\n");
}

/**
 * One-line summary of a plan: `3 to change, 1 unchanged, 1 in flight, 1 blocked` (in flight and blocked only when there are some).
 * @param plans - plans of the selected clusters
 */
export function planSummary(plans: readonly KubeProxyPlan[]): string {
  const blocked = plans.filter((p) => p.blockers.length > 0).length;
  const inFlightList = inFlightPlans(plans);
  const inFlight = inFlightList.length;
  const changing = plans.filter((p) => p.blockers.length === 0 && p.hasChanges && !inFlightList.includes(p)).length;
  const unchanged = plans.length - blocked - changing - inFlight;
  return [`${changing} to change`, `${unchanged} unchanged`, ...(inFlight > 0 ? [`${inFlight} in flight`] : []), ...(blocked > 0 ? [`${blocked} blocked`] : [])].join(", ");
}

/**
 * The flags of a `-o json` plan document over all its clusters (`plan` and `show` print the same ones).
 * @param plans - plans of the selected clusters
 */
export function planFlagsJson(plans: readonly KubeProxyPlan[]): { hasChanges: boolean; converged: boolean; blocked: boolean } {
  return {
    hasChanges: plans.some((p) => p.hasChanges && p.blockers.length === 0),
    converged: plans.every((p) => p.converged),
    blocked: plans.some((p) => p.blockers.length > 0),
  };
}
