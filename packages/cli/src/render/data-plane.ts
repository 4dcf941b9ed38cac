/**
 * A data-plane check (`verify`, `apply --verify-data-plane`, `plan`/`status --data-plane`) as text and as JSON.
 * @packageDocumentation
 */
import type { DataPlaneResult } from "@aks-kube-proxy/sdk";

/** The JSON shape of one data-plane result (the SDK's result, unchanged: it is plain data). */
export function dataPlaneJson(result: DataPlaneResult): DataPlaneResult {
  return result;
}

/**
 * The result as text: the verdict line, the DaemonSet, the flags field by field, and the nodes that matter.
 * @param result - the SDK's result
 */
export function dataPlaneText(result: DataPlaneResult): string {
  const label = `${result.cluster.resourceGroup}/${result.cluster.name}`;
  const lines = [`${label}: data plane ${result.verdict.toUpperCase()} — ${result.summary}`];
  if (result.unreachable) {
    lines.push(`  why: ${result.unreachable.reason}: ${result.unreachable.message}`, `  what to do: ${result.unreachable.advice}`);
    return lines.join("\n");
  }
  const ds = result.rollout?.daemonSet;
  if (ds) {
    lines.push(
      `  DaemonSet kube-system/kube-proxy: generation ${ds.generation} (observed ${ds.observedGeneration}), pods desired ${ds.desiredNumberScheduled}, updated ${ds.updatedNumberScheduled}, available ${ds.numberAvailable}`,
    );
  }
  if (result.rollout) lines.push(`  rollout: ${result.rollout.message}`);
  for (const f of result.flags) lines.push(`  ${f.ok ? "ok      " : "MISMATCH"} ${f.field}: expected ${f.flag}=${f.expected}, rendered ${f.rendered === undefined ? "(absent)" : `${f.flag}=${f.rendered}`}`);
  const shown = result.nodes.filter((n) => n.state !== "converged");
  for (const n of shown.slice(0, 20)) lines.push(`  node ${n.name}${n.pool ? ` (${n.pool})` : ""}: ${n.state}${n.proxyMode ? `, /proxyMode ${n.proxyMode}` : ""}${n.reason ? ` — ${n.reason}` : ""}`);
  if (shown.length > 20) lines.push(`  … ${shown.length - 20} more nodes (see -o json)`);
  lines.push(`  /proxyMode checked on ${result.checkedNodes.length} node(s)${result.skippedNodes.length ? `; skipped (Windows): ${result.skippedNodes.join(", ")}` : ""}`);
  return lines.join("\n");
}
