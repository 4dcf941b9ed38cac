/**
 * How rollouts look on the terminal: the plan table, the summary per wave, the progress lines, and the JSON of a plan.
 * Reports themselves (JSON, JUnit) come from the SDK.
 * @packageDocumentation
 */
import type { RolloutPlan, RolloutPlanEntry, RolloutProgressSnapshot, RolloutReport } from "@aks-kube-proxy/rollout";
import { formatDuration } from "../../runtime/duration";
import { loadTable } from "../../runtime/lazy";
import type { Output } from "../../runtime/output";
import { describeSettings } from "../../render/settings";

const BORDERLESS = {
  top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
  left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "",
};

function table(head: string[], rows: string[][], out: Output): string {
  const Table = loadTable();
  const t = new Table({ head: head.map((h) => out.style("bold", h)), chars: BORDERLESS, style: { head: [], border: [], "padding-left": 0, "padding-right": 2 } });
  for (const r of rows) t.push(r);
  return t
    .toString()
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n");
}

const ACTION_LABEL: Record<RolloutPlanEntry["action"], string> = {
  change: "change",
  converged: "no change",
  blocked: "BLOCKED",
  "no-settings": "skip (no settings)",
  "not-in-any-wave": "skip (no wave)",
};

/** The plan as a table, then its findings and totals. */
export function planTable(plan: RolloutPlan, out: Output): string {
  const rows = plan.entries.map((e) => [
    e.cluster.name,
    e.cluster.resourceGroup,
    e.cluster.subscriptionId.slice(0, 8),
    e.wave ?? "-",
    e.plan ? describeSettings(e.plan.current) : "-",
    e.plan ? describeSettings(e.plan.desiredEffective) : "-",
    e.action === "blocked" ? out.style("red", ACTION_LABEL[e.action]) : e.action === "change" ? out.style("yellow", ACTION_LABEL[e.action]) : ACTION_LABEL[e.action],
  ]);
  const lines = [plan.entries.length === 0 ? "No cluster is selected." : table(["CLUSTER", "RESOURCE GROUP", "SUBSCR.", "WAVE", "CURRENT", "DESIRED", "ACTION"], rows, out)];
  // The same finding on many clusters is shown once, with the clusters it concerns.
  const grouped = new Map<string, { severity: string; id: string; message: string; clusters: string[] }>();
  for (const e of plan.entries) {
    for (const f of e.plan ? [...e.plan.blockers, ...e.plan.warnings.filter((w) => w.severity === "warning")] : []) {
      const key = `${f.severity}\u0000${f.id}\u0000${f.message}`;
      const g = grouped.get(key) ?? { severity: f.severity, id: f.id, message: f.message, clusters: [] };
      g.clusters.push(e.cluster.name);
      grouped.set(key, g);
    }
  }
  if (grouped.size > 0) {
    lines.push("", "Findings:");
    for (const g of grouped.values()) {
      const names = g.clusters.length > 5 ? `${g.clusters.slice(0, 5).join(", ")} and ${g.clusters.length - 5} more` : g.clusters.join(", ");
      lines.push(`  ${g.severity === "blocker" ? out.style("red", "blocker") : out.style("yellow", "warning")} [${g.id}] ${g.message}`, `    ${g.clusters.length} cluster(s): ${names}`);
    }
  }
  lines.push("", `Waves: ${plan.waves.map((w) => `${w.name} (${w.clusterIds.length})`).join(" → ") || "none"}`);
  lines.push(`Plan: ${planTotals(plan)}. Nothing was written.`);
  return lines.join("\n");
}

/** One line of totals. */
export function planTotals(plan: RolloutPlan): string {
  const t = plan.totals;
  const parts = [`${t.change} to change`, `${t.converged} already converged`, `${t.blocked} blocked`];
  if (t.noSettings) parts.push(`${t.noSettings} without settings`);
  if (t.notInAnyWave) parts.push(`${t.notInAnyWave} in no wave`);
  const shard = plan.shard ? ` (shard ${plan.shard.index}/${plan.shard.count}; ${t.otherShards} in other shards)` : "";
  return `${t.selected} cluster(s) selected of ${t.listed} listed${shard}: ${parts.join(", ")}`;
}

/** The plan as the stable JSON document of `rollout plan -o json`. */
export function planJson(plan: RolloutPlan): unknown {
  return {
    rolloutName: plan.spec.name,
    specHash: plan.specHash,
    apiVersion: plan.apiVersion,
    shard: plan.shard ?? null,
    totals: plan.totals,
    waves: plan.waves.map((w) => ({ name: w.name, clusters: w.clusterIds })),
    clusters: plan.entries.map((e) => ({
      id: e.cluster.id,
      subscriptionId: e.cluster.subscriptionId,
      resourceGroup: e.cluster.resourceGroup,
      name: e.cluster.name,
      kubernetesVersion: e.cluster.kubernetesVersion ?? null,
      group: e.group ?? null,
      wave: e.wave ?? null,
      action: e.action,
      current: e.plan?.current ?? e.cluster.effective,
      desired: e.plan?.desired ?? null,
      changes: (e.plan?.changes ?? []).map((c) => ({ path: c.path, before: c.before ?? null, after: c.after ?? null })),
      blockers: e.plan?.blockers ?? [],
      warnings: e.plan?.warnings ?? [],
    })),
  };
}

/** Most cluster rows `rollout status` prints as a table. */
const MAX_CLUSTER_ROWS = 200;

/**
 * The summary of a report: one row per wave, then totals, (with `clusters`) one row per cluster, failures and halts.
 * @param options - `clusters`: list the clusters too (`rollout status`)
 */
export function reportTable(report: RolloutReport, out: Output, options: { clusters?: boolean } = {}): string {
  const rows = report.waves.map((w) => [w.name, w.status, String(w.total), String(w.done), String(w.changed), String(w.failed), String(w.skipped), String(w.inProgress), String(w.pending)]);
  const notInWave = report.clusters.filter((c) => c.wave === undefined);
  if (notInWave.length > 0) rows.push(["(no wave)", "-", String(notInWave.length), "0", "0", "0", String(notInWave.length), "0", "0"]);
  const c = report.counts;
  const lines = [
    `${report.operation === "rollback" ? "Rollback" : "Rollout"} ${report.rolloutName}: ${report.status}` +
      (report.shards.count > 1 ? ` (shards ${report.shards.present.join(",")} of ${report.shards.count}${report.shards.missing.length ? `; missing ${report.shards.missing.join(",")}` : ""})` : ""),
    table(["WAVE", "STATUS", "TOTAL", "DONE", "CHANGED", "FAILED", "SKIPPED", "IN PROGRESS", "PENDING"], rows, out),
    `Total: ${c.total} cluster(s): ${c.done} done (${c.changed} changed), ${c.failed} failed, ${c.skipped} skipped, ${c.inProgress} in progress, ${c.pending} pending.`,
  ];
  if (options.clusters && report.clusters.length > 0) {
    const shown = report.clusters.slice(0, MAX_CLUSTER_ROWS);
    lines.push(
      "",
      table(
        ["CLUSTER", "RESOURCE GROUP", "WAVE", "STATUS", "CHANGED", "DETAIL"],
        shown.map((x) => [
          x.name,
          x.resourceGroup,
          x.wave ?? "-",
          x.status === "failed" ? out.style("red", x.status) : x.status,
          x.changed ? "yes" : "no",
          x.error ? `${x.error.code}${x.error.armCode ? `/${x.error.armCode}` : ""}` : x.skipReason ? `skipped: ${x.skipReason}` : x.status === "in-progress" && x.operationUrl ? "operation running" : "",
        ]),
        out,
      ),
    );
    if (report.clusters.length > shown.length) lines.push(`… and ${report.clusters.length - shown.length} more (all of them with -o json).`);
  }
  const failed = report.clusters.filter((x) => x.status === "failed");
  if (failed.length > 0) {
    lines.push("", "Failed:");
    for (const f of failed) lines.push(`  ${out.style("red", f.name)} (${f.resourceGroup}, wave ${f.wave ?? "-"}): ${f.error ? `${f.error.code}${f.error.armCode ? `/${f.error.armCode}` : ""}: ${f.error.message.split("\n")[0]}` : "failed"}`);
  }
  for (const h of report.halts) lines.push("", out.style("red", `Halted (shard ${h.shard}): ${h.reason}`));
  for (const w of report.waves) {
    for (const r of w.rolledBack ?? []) lines.push(`Wave ${w.name} rolled back after the halt (shard ${r.shard}): ${r.clusters} cluster(s), ${r.outcome}; journal ${r.journal}.`);
  }
  const approvals = report.waves.filter((w) => w.approval);
  if (approvals.length > 0) {
    lines.push("", "Approvals:");
    for (const w of approvals) {
      const a = w.approval?.approved;
      lines.push(`  ${w.name}: ${a ? `approved by ${a.by} at ${a.at}${a.source ? ` (${a.source})` : ""}` : report.awaitingApproval?.wave === w.name ? "AWAITING APPROVAL (rollout approve --wave " + w.name + ", then --resume)" : "not approved yet"}`);
    }
  }
  const gated = report.clusters.filter((x) => x.gate);
  if (gated.length > 0) {
    const by = (st: string): number => gated.filter((x) => x.gate?.status === st).length;
    lines.push("", `Health gates: ${by("passed")} passed, ${by("failed")} failed, ${by("skipped")} skipped (unreachable), ${by("waiting")} waiting.`);
  }
  const inProgress = report.clusters.filter((x) => x.status === "in-progress");
  if (inProgress.length > 0) lines.push("", `${inProgress.length} cluster(s) still in progress: continue with \`aks-kube-proxy rollout apply <file> --resume\`.`);
  return lines.join("\n");
}

/** The live line: the current wave and the totals, elapsed and estimate. */
/**
 * The rows of `-o tsv` for a rollout report without `--query`: one line per cluster, tab-separated: subscription id,
 * resource group, name, wave, status (`done`, `failed`, `skipped`, `in-progress`, `pending`), changed (`true`/`false`
 * for a done cluster, else empty), and the reason (the skip reason, or the failure's error code).
 * @param report - the report
 */
export function reportTsvRows(report: RolloutReport): string[][] {
  return report.clusters.map((c) => [
    c.subscriptionId,
    c.resourceGroup,
    c.name,
    c.wave ?? "",
    c.status,
    c.status === "done" ? String(c.changed === true) : "",
    c.status === "failed" ? (c.error?.code ?? "") : (c.skipReason ?? ""),
  ]);
}

/** The rows of `-o tsv` for a rollout plan without `--query`: one line per cluster (as {@link reportTsvRows}: id parts, wave, action). */
export function planTsvRows(plan: RolloutPlan): string[][] {
  return plan.entries.map((c) => [c.cluster.subscriptionId, c.cluster.resourceGroup, c.cluster.name, c.wave ?? "", c.action]);
}

export function progressLine(s: RolloutProgressSnapshot): string {
  const w = s.waves.find((x) => x.name === s.currentWave);
  const wave = w ? `wave ${w.name} (${w.status}): ${w.done}/${w.total} done, ${w.inProgress} in progress, ${w.failed} failed · ` : "";
  const c = s.counts;
  // Under a second is no estimate worth showing ("~0ms left" while the last clusters are still being written).
  const eta = s.estimatedRemainingInMs !== undefined && s.estimatedRemainingInMs >= 1000 ? ` · ~${formatDuration(s.estimatedRemainingInMs)} left` : "";
  const throttled = s.throttled > 0 ? ` · ${s.throttled} throttled (absorbed)` : "";
  return `${wave}all: ${c.done + c.failed + c.skipped}/${c.total} finished, ${c.failed} failed${eta}${throttled}`;
}
