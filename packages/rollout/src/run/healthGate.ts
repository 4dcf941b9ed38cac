/**
 * Health gates: after Azure read back a cluster's settings and Succeeded, a wave with `healthGate: { dataPlane: true }`
 * waits for the data plane (the SDK's `waitForDataPlane`: kube-proxy's DaemonSet rolled out, every checked node's
 * flags and `/proxyMode` as desired) before the cluster counts as done. A mismatch, a timeout, or (unless
 * `unreachable: skip`) an API server the gate cannot reach makes the cluster `failed` (code `HealthGateFailed`), which
 * the halt rule counts. The gate's state (the wait's serialized state: its deadline) is in the journal, so a resume
 * after a crash continues the wait, never the write.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { DataPlaneResult, WaitForDataPlaneOptions } from "@aks-kube-proxy/sdk";
import { KubeProxyError, isKubeProxyError } from "@aks-kube-proxy/sdk";
import { formatDuration } from "@aks-kube-proxy/sdk";
import type { JournalCluster, JournalGate, RolloutJournal } from "../journal/journal";
import type { HealthGate } from "../spec/spec";

/** A health gate failed: the data plane did not converge (mismatch, timeout) or could not be read. */
export class HealthGateFailedError extends KubeProxyError {
  /**
   * @param message - the cluster, the verdict, the nodes/flags concerned, and what to do
   * @param cause - the data-plane error, if one was thrown
   */
  constructor(message: string, cause?: unknown) {
    super("HealthGateFailed", message, cause === undefined ? {} : { cause });
  }
}

/** What a health gate needs from the client (a `KubeProxyClient` has it). */
export interface HealthGateClient {
  /** Waits for the cluster's data plane (see `KubeProxyClient.waitForDataPlane`). */
  waitForDataPlane?(ref: { id: string }, desired?: KubeProxyConfig, options?: WaitForDataPlaneOptions): Promise<DataPlaneResult>;
}

/**
 * The health gate that applies to a cluster of a rollout journal (its wave's, else the rollout's), when it checks the
 * data plane. Rollback journals have none: a rollback restores, it is not gated.
 * @param journal - the journal
 * @param c - one of its clusters
 */
export function healthGateOf(journal: RolloutJournal, c: Pick<JournalCluster, "wave">): HealthGate | undefined {
  if (journal.operation !== "apply") return undefined;
  const gate = journal.spec.waves.find((w) => w.name === c.wave)?.healthGate ?? journal.spec.healthGate;
  return gate?.dataPlane ? gate : undefined;
}

/** The gate's fields taken from a data-plane result. */
function fromResult(gate: JournalGate, r: DataPlaneResult): void {
  gate.verdict = r.verdict;
  gate.summary = r.summary;
  const nodes = r.verdict === "mismatch" ? [...new Set(r.mismatches.map((m) => m.node).filter((n): n is string => n !== undefined))] : [...r.pendingNodes];
  if (nodes.length > 0) gate.nodes = nodes.slice(0, 50);
  else delete gate.nodes;
  if (r.mismatches.length > 0) {
    gate.mismatches = r.mismatches.slice(0, 20).map((m) => ({ ...(m.node !== undefined ? { node: m.node } : {}), field: m.field, expected: m.expected, ...(m.found !== undefined ? { found: m.found } : {}) }));
  }
}

/** What {@link runHealthGate} decided. */
export type HealthGateOutcome = "passed" | "skipped" | "failed" | "aborted";

/** Arguments of {@link runHealthGate}. @internal */
export interface RunHealthGateArgs {
  readonly cluster: JournalCluster;
  readonly gate: HealthGate;
  readonly client: HealthGateClient;
  readonly abortSignal?: AbortSignal;
  /** Called when the gate's journal record changed (`flush`: write it now, e.g. the first state with the deadline). */
  readonly onChange: (flush: boolean) => void;
}

/**
 * Runs (or resumes, from `cluster.gate.waitState`) the gate of one cluster. Sets `cluster.gate`; on `failed` returns
 * the error to record. Never throws for the cluster's own failure.
 * @internal
 */
export async function runHealthGate(args: RunHealthGateArgs): Promise<{ outcome: HealthGateOutcome; error?: HealthGateFailedError }> {
  const { cluster: c, gate: spec, client } = args;
  const gate: JournalGate = (c.gate ??= { status: "waiting", startedAt: new Date().toISOString() });
  gate.status = "waiting";
  const where = `${c.resourceGroup}/${c.name}`;
  const finish = (status: JournalGate["status"]): void => {
    gate.status = status;
    gate.finishedAt = new Date().toISOString();
    delete gate.waitState;
  };
  if (!client.waitForDataPlane) {
    gate.summary = "this client cannot read the data plane";
    finish("failed");
    return { outcome: "failed", error: new HealthGateFailedError(`${where}: the health gate needs a client with waitForDataPlane (the SDK's KubeProxyClient); nothing was checked.`) };
  }
  let first = true;
  try {
    const result = await client.waitForDataPlane({ id: c.id }, c.desired, {
      timeoutInMs: spec.timeoutInMs,
      ...(gate.waitState !== undefined ? { resumeState: gate.waitState } : {}),
      ...(args.abortSignal ? { abortSignal: args.abortSignal } : {}),
      onProgress: (p) => {
        gate.waitState = p.state;
        gate.verdict = p.verdict;
        gate.summary = p.summary;
        if (p.pendingNodes.length > 0) gate.nodes = p.pendingNodes.slice(0, 50);
        args.onChange(first);
        first = false;
      },
    });
    fromResult(gate, result);
    if (result.verdict === "converged") {
      finish("passed");
      return { outcome: "passed" };
    }
    if (result.verdict === "unreachable" && spec.unreachable === "skip") {
      finish("skipped");
      return { outcome: "skipped" };
    }
    finish("failed");
    const what =
      result.verdict === "unreachable"
        ? `its API server could not be reached (${result.summary}); set healthGate.unreachable: skip to accept clusters whose data plane cannot be verified`
        : `the data plane does not run the desired settings: ${describeMismatches(gate)}`;
    return { outcome: "failed", error: new HealthGateFailedError(`${where}: health gate failed: ${what}. Nothing more is written to this cluster; fix the nodes, then --resume --retry-failed, or roll back.`) };
  } catch (error) {
    if (args.abortSignal?.aborted) return { outcome: "aborted" };
    const last = (error as { result?: DataPlaneResult }).result;
    if (last) fromResult(gate, last);
    finish("failed");
    const timedOut = isKubeProxyError(error) && error.code === "DataPlaneNotConverged";
    const message = timedOut
      ? `${where}: health gate timed out after ${formatDuration(spec.timeoutInMs)}: kube-proxy did not reach ${gate.nodes?.length ? `node(s) ${gate.nodes.join(", ")}` : "every node"} (${gate.summary ?? "no answer"}).`
      : `${where}: health gate could not check the data plane: ${error instanceof Error ? error.message : String(error)}`;
    return { outcome: "failed", error: new HealthGateFailedError(`${message} Fix the nodes (kubectl rollout status daemonset/kube-proxy -n kube-system), then --resume --retry-failed, or roll back.`, error) };
  }
}

/** "node X: flag --proxy-mode expected ipvs, found iptables; ..." */
export function describeMismatches(gate: Pick<JournalGate, "mismatches" | "summary">): string {
  if (!gate.mismatches || gate.mismatches.length === 0) return gate.summary ?? "no details";
  return gate.mismatches
    .slice(0, 5)
    .map((m) => `${m.node ? `node ${m.node}` : "DaemonSet"}: ${m.field} expected ${m.expected}, found ${m.found ?? "nothing"}`)
    .join("; ");
}
