/**
 * Deleting a cluster: DELETE (202), then follow the operation unless told not to wait. A cluster already gone succeeds.
 * @packageDocumentation
 */
import { operationFromHeaders, waitForArmOperation } from "../arm/lro";
import type { ResolvedClusterRef } from "../clusterRef";
import { OperationTimeoutError, isKubeProxyError } from "../errors";
import { Deadline, deadlineSignal, formatDuration, parseRetryAfterInMs } from "../poll";
import { report, type ApplyProgress } from "../progress";
import { clusterLabel, type ClusterApi } from "./clusterApi";

/** What {@link deleteManagedCluster} needs. @internal */
export interface DeleteClusterArgs {
  readonly api: ClusterApi;
  readonly ref: ResolvedClusterRef;
  readonly wait: boolean;
  readonly timeoutInMs: number;
  readonly abortSignal?: AbortSignal;
  readonly onProgress?: (e: ApplyProgress) => void;
}

/**
 * Deletes the cluster. See the module comment.
 * @internal
 */
export async function deleteManagedCluster(args: DeleteClusterArgs): Promise<void> {
  // The deadline bounds the whole delete, the pipeline's retries and throttling sleeps included.
  const bound = deadlineSignal(args.timeoutInMs, args.abortSignal);
  try {
    await deleteBounded({ ...args, abortSignal: bound.signal });
  } catch (error) {
    if (bound.timedOut() && isKubeProxyError(error) && error.code === "Aborted") {
      throw new OperationTimeoutError(`Deleting ${clusterLabel(args.ref)} did not finish within ${formatDuration(args.timeoutInMs)}; the deletion may continue in Azure.`, {
        ...(error.operationUrl ? { operationUrl: error.operationUrl } : {}),
      });
    }
    throw error;
  } finally {
    bound.dispose();
  }
}

async function deleteBounded(args: DeleteClusterArgs): Promise<void> {
  const { api, ref, abortSignal, onProgress } = args;
  const label = clusterLabel(ref);
  const deadline = new Deadline(args.timeoutInMs);
  const context = { operation: `delete cluster ${label}`, cluster: label, subscriptionId: ref.subscriptionId };
  report(onProgress, { phase: "writing" });
  const response = await api.transport.send({ method: "DELETE", url: api.url(ref), context, ...(abortSignal ? { abortSignal } : {}) });
  if (response.status === 404 || response.status === 204) return;
  if (response.status !== 200 && response.status !== 202) throw api.fail(response, context);
  const operation = operationFromHeaders(response.headers);
  report(onProgress, { phase: "accepted", ...(operation ? { operationUrl: operation.url } : {}), ...(response.requestId ? { requestId: response.requestId } : {}) });
  if (!args.wait || !operation) return;
  const retryAfter = parseRetryAfterInMs(response.headers);
  try {
    await waitForArmOperation({ transport: api.transport, operation, deadline, polling: api.polling, requestIds: [], context, log: api.log, ...(abortSignal ? { abortSignal } : {}), ...(onProgress ? { onProgress } : {}), ...(retryAfter !== undefined ? { initialRetryAfterInMs: retryAfter } : {}) });
  } catch (error) {
    // The status URL of a deleted resource may itself be gone.
    if (isKubeProxyError(error) && error.statusCode === 404 && error.code !== "OperationFailed") return;
    throw error;
  }
}
