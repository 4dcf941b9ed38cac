/**
 * The data-plane wait with progress ("kube-proxy rollout 3/5 nodes"), shared by `apply --verify-data-plane` and
 * `verify --wait`.
 * @packageDocumentation
 */
import type { ClusterRef, DataPlaneResult, KubeProxyClient, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import { dataPlaneText } from "../render/data-plane";
import { CliError, CliInterruptedError } from "../runtime/cli-error";
import { ExitCode } from "../runtime/exit-codes";
import type { CommandContext } from "../runtime/context";

/** Options of {@link waitForDataPlaneWithProgress}. */
export interface DataPlaneWaitOptions {
  /** `rg/name`, for messages. */
  readonly label: string;
  readonly timeoutInMs?: number;
  readonly admin?: boolean;
  readonly maxProxyModeNodes?: number;
  readonly requestTimeoutInMs?: number;
}

/**
 * Waits until the cluster's kube-proxy runs the desired settings on every checked node, reporting the rollout's
 * progress. Returns the final result (converged, mismatch or unreachable); a timeout throws the SDK's
 * `DataPlaneNotConvergedError` naming the nodes.
 */
export async function waitForDataPlaneWithProgress(ctx: CommandContext, client: KubeProxyClient, ref: ClusterRef, desired: KubeProxyConfig | undefined, options: DataPlaneWaitOptions): Promise<DataPlaneResult> {
  const progress = ctx.progress();
  try {
    return await client.waitForDataPlane(ref, desired, {
      abortSignal: ctx.abortSignal,
      ...(options.timeoutInMs !== undefined ? { timeoutInMs: options.timeoutInMs } : {}),
      ...(options.admin ? { admin: true } : {}),
      ...(options.maxProxyModeNodes !== undefined ? { maxProxyModeNodes: options.maxProxyModeNodes } : {}),
      ...(options.requestTimeoutInMs !== undefined ? { requestTimeoutInMs: options.requestTimeoutInMs } : {}),
      onProgress: (e) => {
        const counts = e.totalNodes > 0 ? `kube-proxy rollout ${e.convergedNodes}/${e.totalNodes} nodes` : `kube-proxy: ${e.verdict}`;
        progress.update(`${options.label}: ${counts}${e.pendingNodes.length > 0 ? ` (waiting for ${e.pendingNodes.slice(0, 5).join(", ")}${e.pendingNodes.length > 5 ? ", …" : ""})` : ""}`);
      },
    });
  } catch (error) {
    if (ctx.interrupted || (error as { code?: unknown }).code === "Aborted") {
      throw new CliInterruptedError(`Interrupted while waiting for the kube-proxy rollout on ${options.label}. Nothing more was written; run the same command again to keep waiting (it re-checks, it does not write again).`);
    }
    throw error;
  } finally {
    progress.done();
  }
}

/**
 * `--verify-data-plane`: waits for each cluster's data plane in turn (printing each result), and returns the results
 * with the error to end the command with when one did not converge (exit 1, naming the clusters and nodes).
 * @param clusters - the clusters to check (their ARM state already converged)
 * @param desired - the settings the nodes must run
 * @param timeoutInMs - `--timeout`, for each cluster
 */
export async function verifyDataPlanes(
  ctx: CommandContext,
  client: KubeProxyClient,
  clusters: readonly { readonly id: string; readonly resourceGroup: string; readonly name: string }[],
  desired: KubeProxyConfig,
  timeoutInMs: number | undefined,
): Promise<{ results: DataPlaneResult[]; failure?: Error }> {
  const results: DataPlaneResult[] = [];
  const failures: string[] = [];
  for (const cluster of clusters) {
    const label = `${cluster.resourceGroup}/${cluster.name}`;
    let result: DataPlaneResult;
    try {
      result = await waitForDataPlaneWithProgress(ctx, client, { id: cluster.id }, desired, { label, ...(timeoutInMs !== undefined ? { timeoutInMs } : {}) });
    } catch (error) {
      const notConverged = error as { code?: unknown; result?: DataPlaneResult; message?: string };
      if (notConverged.code !== "DataPlaneNotConverged" || !notConverged.result) throw error;
      result = notConverged.result;
      failures.push(notConverged.message ?? label);
      results.push(result);
      ctx.out.print(dataPlaneText(result));
      continue;
    }
    results.push(result);
    ctx.out.print(dataPlaneText(result));
    if (result.verdict !== "converged") {
      const nodes = result.mismatches.map((m) => m.node).filter((n): n is string => n !== undefined);
      failures.push(`${label}: data plane ${result.verdict}${nodes.length ? ` on ${[...new Set(nodes)].join(", ")}` : ""}: ${result.summary}`);
    }
  }
  if (failures.length === 0) return { results };
  return { results, failure: new CliError("DataPlaneNotConverged", `Azure reports the settings, but kube-proxy on the nodes does not run them:\n${failures.map((f) => `  - ${f}`).join("\n")}`, ExitCode.Failure, { dataPlane: results }) };
}
