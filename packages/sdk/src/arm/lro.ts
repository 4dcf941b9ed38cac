/**
 * Waiting for an ARM long-running operation: polls the `Azure-AsyncOperation` URL (body `status`) or the `Location`
 * URL (202 while running), honouring Retry-After (clamped) with backoff, within a deadline, abortable.
 * The operation URL is opaque: it is polled exactly as Azure gave it (its own api-version included).
 * @packageDocumentation
 */
import { OperationFailedError, OperationTimeoutError, isKubeProxyError, AbortedError } from "../errors";
import type { Log } from "../log";
import { Deadline, formatDuration, nextPollDelayInMs, parseRetryAfterInMs, sleep, type HeaderSource, type PollingSettings } from "../poll";
import { report, type ApplyProgress } from "../progress";
import { armErrorFromResponse, readArmErrorBody, type ArmErrorContext } from "./errors";
import type { ArmTransport } from "./transport";

/** How an operation is tracked. @internal */
export interface OperationHandle {
  readonly url: string;
  readonly kind: "azure-async-operation" | "location";
}

/**
 * The operation to follow from a write's answer: `Azure-AsyncOperation` first, else `Location`.
 * @internal
 */
export function operationFromHeaders(headers: HeaderSource): OperationHandle | undefined {
  const asyncOp = headers.get("azure-asyncoperation");
  if (asyncOp) return { url: asyncOp, kind: "azure-async-operation" };
  const location = headers.get("location");
  if (location) return { url: location, kind: "location" };
  return undefined;
}

/** Arguments of {@link waitForArmOperation}. @internal */
export interface WaitForArmOperationArgs {
  readonly transport: ArmTransport;
  readonly operation: OperationHandle;
  readonly deadline: Deadline;
  readonly polling: PollingSettings;
  readonly abortSignal?: AbortSignal;
  readonly onProgress?: (e: ApplyProgress) => void;
  readonly initialRetryAfterInMs?: number;
  readonly requestIds: string[];
  readonly context: ArmErrorContext;
  readonly log: Log;
}

/**
 * Polls until the operation succeeds; throws {@link OperationFailedError} (ARM code of the operation's error) when it
 * ends Failed or Canceled, {@link OperationTimeoutError} at the deadline, {@link AbortedError} on abort.
 * @internal
 */
export async function waitForArmOperation(args: WaitForArmOperationArgs): Promise<void> {
  const { transport, operation, deadline, polling, abortSignal, requestIds, context, log } = args;
  let retryAfterInMs = args.initialRetryAfterInMs;
  let lastStatus = "InProgress";
  for (let attempt = 0; ; attempt++) {
    const remaining = deadline.remainingInMs();
    if (remaining <= 0) {
      throw new OperationTimeoutError(
        `${context.operation}: the operation is still ${lastStatus} after ${formatDuration(deadline.elapsedInMs())}. It continues in Azure; re-attach with waitForOperation("${operation.url}") (or apply with resumeOperationUrl), or run again later.`,
        { lastState: lastStatus, operationUrl: operation.url },
      );
    }
    const wait = Math.min(nextPollDelayInMs({ attempt: Math.max(0, attempt - 1), retryAfterInMs, polling }), remaining);
    try {
      await sleep(wait, abortSignal, `waiting for ${context.operation}`);
    } catch (error) {
      if (isKubeProxyError(error) && error.code === "Aborted") {
        throw new AbortedError(`Stopped waiting for ${context.operation} (last status ${lastStatus}); the operation continues in Azure: ${operation.url}`, { operationUrl: operation.url });
      }
      throw error;
    }
    const response = await transport.send({ method: "GET", url: operation.url, context, ...(abortSignal ? { abortSignal } : {}) }).catch((error: unknown) => {
      if (isKubeProxyError(error) && error.code === "Aborted") {
        throw new AbortedError(`Stopped waiting for ${context.operation} (last status ${lastStatus}); the operation continues in Azure: ${operation.url}`, { operationUrl: operation.url });
      }
      throw error;
    });
    if (response.requestId) requestIds.push(response.requestId);
    retryAfterInMs = parseRetryAfterInMs(response.headers);
    if (response.status < 200 || response.status >= 300) {
      throw armErrorFromResponse({ status: response.status, body: response.body, ...(response.requestId ? { requestId: response.requestId } : {}), context });
    }
    const body = (typeof response.body === "object" && response.body !== null ? response.body : {}) as Record<string, unknown>;
    const reported = typeof body["status"] === "string" ? body["status"] : undefined;
    if (response.status === 202) {
      // A Location URL (or an operation resource) that still runs.
      lastStatus = reported ?? "InProgress";
    } else if (reported === undefined) {
      // 200/201/204 without a status: a Location URL whose operation finished.
      if (operation.kind === "location") return;
      lastStatus = "InProgress";
    } else {
      const folded = reported.toLowerCase();
      if (folded === "succeeded") {
        log.verbose(`${context.operation}: operation Succeeded`);
        return;
      }
      if (folded === "failed" || folded === "canceled" || folded === "cancelled") {
        const err = readArmErrorBody(body["error"] !== undefined ? { error: body["error"] } : {});
        throw new OperationFailedError(
          `${context.operation} ended ${reported}${err.code ? ` with ${err.code}` : ""}: ${err.message ?? "no error message"}${response.requestId ? ` (request id ${response.requestId})` : ""}. Fix the cause and run again; the cluster's provisioningState may read Failed until a later update succeeds.`,
          { status: reported, operationUrl: operation.url },
          { ...(err.code ? { armCode: err.code } : {}), ...(response.requestId ? { requestId: response.requestId } : {}), statusCode: response.status },
        );
      }
      lastStatus = reported;
    }
    report(args.onProgress, { phase: "polling", status: lastStatus, elapsedInMs: deadline.elapsedInMs() });
  }
}
