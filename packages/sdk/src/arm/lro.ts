/**
 * Waiting for an ARM long-running operation: polls the `Azure-AsyncOperation` URL (body `status`) or the `Location`
 * URL (202 while running), honouring Retry-After (clamped) with backoff, within a deadline, abortable.
 * The operation URL is opaque: it is polled exactly as Azure gave it (its own api-version included).
 * @packageDocumentation
 */
import { classifyOperationStatus } from "../convergence";
import { OperationFailedError, OperationTimeoutError, AbortedError, type KubeProxyError } from "../errors";
import type { Log } from "../log";
import { Deadline, formatDuration, nextPollDelayInMs, parseRetryAfterInMs, type HeaderSource, type PollingSettings } from "../poll";
import { StepPoller, type StepPollerDefinition } from "../poller/stepPoller";
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

/** One poll of an operation URL, classified. @internal */
export interface OperationPoll {
  /** running (InProgress, 202), succeeded, failed (Failed/Canceled), or gone (404: the status resource no longer exists). */
  readonly outcome: "running" | "succeeded" | "failed" | "gone";
  /** The status Azure reported (InProgress, Succeeded, Failed, Canceled...), or a description for Location answers. */
  readonly status: string;
  /** The error of a failed operation. */
  readonly error?: KubeProxyError;
  /** The wait Azure asked for before the next poll. */
  readonly retryAfterInMs?: number;
  readonly requestId?: string;
}

/**
 * Polls an operation URL once. `Azure-AsyncOperation` URLs answer a body with `status`; `Location` URLs answer 202 while
 * running and 200/201/204 (no status body) when done. A 2xx other than 202 without a status is read as finished whatever
 * the recorded kind, so a Location URL resumed as if it were an Azure-AsyncOperation URL never polls forever. A `status`
 * this SDK does not know throws `UnknownOperationStatusError` at once ({@link classifyOperationStatus}).
 * @internal
 */
export async function pollOperationOnce(args: { transport: ArmTransport; operation: OperationHandle; context: ArmErrorContext; abortSignal?: AbortSignal }): Promise<OperationPoll> {
  const { transport, operation, context, abortSignal } = args;
  const response = await transport.send({ method: "GET", url: operation.url, context, ...(abortSignal ? { abortSignal } : {}) });
  const retryAfterInMs = parseRetryAfterInMs(response.headers);
  const common = { ...(retryAfterInMs !== undefined ? { retryAfterInMs } : {}), ...(response.requestId ? { requestId: response.requestId } : {}) };
  if (response.status === 404) return { outcome: "gone", status: "NotFound", ...common };
  if (operation.kind === "location" && response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 401 && response.status !== 403) {
    // A Location URL answers the operation's own error when it ended Failed or Canceled.
    const err = readArmErrorBody(response.body);
    const error = new OperationFailedError(
      `${context.operation} ended with ${err.code ?? `HTTP ${response.status}`}: ${err.message ?? "no error message"}${response.requestId ? ` (request id ${response.requestId})` : ""}. Fix the cause and apply again.`,
      { status: "Failed", operationUrl: operation.url },
      { ...(err.code ? { armCode: err.code } : {}), ...(response.requestId ? { requestId: response.requestId } : {}), statusCode: response.status },
    );
    return { outcome: "failed", status: "Failed", error, ...common };
  }
  if (response.status < 200 || response.status >= 300) {
    throw armErrorFromResponse({ status: response.status, body: response.body, ...(response.requestId ? { requestId: response.requestId } : {}), context, ...(retryAfterInMs !== undefined ? { retryAfterInMs } : {}) });
  }
  const body = (typeof response.body === "object" && response.body !== null ? response.body : {}) as Record<string, unknown>;
  const reported = typeof body["status"] === "string" ? body["status"] : undefined;
  if (response.status === 202) return { outcome: "running", status: reported ?? "InProgress", ...common };
  if (reported === undefined) return { outcome: "succeeded", status: "Succeeded", ...common };
  // An unknown status throws UnknownOperationStatusError at once (never polled until the deadline).
  const outcome = classifyOperationStatus(reported, operation.url, context.operation);
  if (outcome === "succeeded") return { outcome: "succeeded", status: reported, ...common };
  if (outcome === "failed") {
    const err = readArmErrorBody(body["error"] !== undefined ? { error: body["error"] } : {});
    const error = new OperationFailedError(
      `${context.operation} ended ${reported}${err.code ? ` with ${err.code}` : ""}: ${err.message ?? "no error message"}${response.requestId ? ` (request id ${response.requestId})` : ""}. Fix the cause and apply again: the cluster reads provisioningState Failed until a later update succeeds, and an apply of the same settings reconciles it.`,
      { status: reported, operationUrl: operation.url },
      { ...(err.code ? { armCode: err.code } : {}), ...(response.requestId ? { requestId: response.requestId } : {}), statusCode: response.status },
    );
    return { outcome: "failed", status: reported, error, ...common };
  }
  return { outcome: "running", status: reported, ...common };
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
 * ends Failed or Canceled, `UnknownOperationStatusError` at once for a status this SDK does not know, {@link OperationTimeoutError} at the deadline, {@link AbortedError} on abort. A status
 * resource that is gone (404) counts as finished: the caller reads the resource to learn the outcome.
 * @internal
 */
export async function waitForArmOperation(args: WaitForArmOperationArgs): Promise<void> {
  const { deadline, polling, abortSignal } = args;
  const poller = new StepPoller(armOperationPoller(args), { operation: args.operation, lastStatus: "InProgress" }, {
    polling,
    deadline,
    // The first wait, before the first poll: the write's Retry-After, or the base interval.
    initialDelayInMs: nextPollDelayInMs({ attempt: 0, retryAfterInMs: args.initialRetryAfterInMs, polling }),
  });
  await poller.pollUntilDone({ abortSignal });
}

/** The state of an ARM operation wait: the operation and its last reported status. @internal */
export interface ArmOperationWaitState {
  readonly operation: OperationHandle;
  readonly lastStatus: string;
}

/**
 * The ARM operation wait as a {@link StepPollerDefinition}: each step is one {@link pollOperationOnce}.
 * @internal
 */
export function armOperationPoller(args: Pick<WaitForArmOperationArgs, "transport" | "deadline" | "onProgress" | "requestIds" | "context" | "log">): StepPollerDefinition<ArmOperationWaitState, void> {
  const { transport, deadline, requestIds, context, log } = args;
  return {
    kind: "arm-operation",
    waitingFor: () => `waiting for ${context.operation}`,
    // The poll repeats its first interval: the first wait (before any poll) and the one after the first poll are equal.
    backoffAttempt: (waitIndex) => Math.max(0, waitIndex - 1),
    aborted: ({ operation, lastStatus }) =>
      new AbortedError(`Stopped waiting for ${context.operation} (last status ${lastStatus}); the operation continues in Azure: ${operation.url}`, { operationUrl: operation.url }),
    timeoutError: ({ operation, lastStatus }, elapsedInMs) =>
      new OperationTimeoutError(
        `${context.operation}: the operation is still ${lastStatus} after ${formatDuration(elapsedInMs)}. It continues in Azure; re-attach to the operation ${operation.url} to follow it, or read the cluster later.`,
        { lastState: lastStatus, operationUrl: operation.url },
      ),
    async step(state, abortSignal) {
      const { operation } = state;
      const poll = await pollOperationOnce({ transport, operation, context, ...(abortSignal ? { abortSignal } : {}) });
      if (poll.requestId) requestIds.push(poll.requestId);
      const next = { operation, lastStatus: poll.status };
      if (poll.outcome === "succeeded" || poll.outcome === "gone") {
        log.verbose(`${context.operation}: operation ${poll.status}`);
        return { done: true, state: next, result: undefined };
      }
      if (poll.outcome === "failed") throw poll.error ?? new OperationFailedError(`${context.operation} ended ${poll.status}.`, { status: poll.status, operationUrl: operation.url });
      report(args.onProgress, { phase: "polling", status: poll.status, elapsedInMs: deadline.elapsedInMs() });
      return { done: false, state: next, retryAfterInMs: poll.retryAfterInMs };
    },
  };
}

/**
 * The kind of an operation URL Azure gave without saying which header it came in: `…/operationresults/…` is a
 * `Location` URL, anything else is treated as `Azure-AsyncOperation` (polling copes with either answer shape).
 * @internal
 */
export function operationKindOfUrl(url: string): OperationHandle["kind"] {
  return /\/operationresults\//i.test(url) ? "location" : "azure-async-operation";
}
