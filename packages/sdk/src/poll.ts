/**
 * Waiting helpers shared by every poller: abortable sleeps, Retry-After parsing and clamping, backoff, deadlines.
 * @packageDocumentation
 */
import { delay } from "@azure/core-util";
import { formatDuration } from "./duration";
import { AbortedError, OperationTimeoutError, ValidationError, isKubeProxyError } from "./errors";

/** Polling settings resolved with defaults. @internal */
export interface PollingSettings {
  readonly intervalInMs: number;
  readonly maxIntervalInMs: number;
  readonly maxRetryAfterInMs: number;
  readonly consecutiveRegisteredReads: number;
}

/**
 * Reads and polls answered 429/503 (after the pipeline's own bounded retries) that a wait sits out in a row before it
 * gives up (an apply's reads and operation polls, a data-plane wait's checks); a PUT answered 429 is never retried
 * beyond the pipeline's retries. @internal
 */
export const MAX_THROTTLED_POLLS = 5;

/** Default polling settings (real Azure: feature registration takes minutes, cluster updates several). @internal */
export const DEFAULT_POLLING: PollingSettings = {
  intervalInMs: 5_000,
  maxIntervalInMs: 30_000,
  maxRetryAfterInMs: 60_000,
  consecutiveRegisteredReads: 10,
};

/**
 * Sleeps `ms`, rejecting with {@link AbortedError} as soon as `abortSignal` fires.
 * @internal
 */
export async function sleep(ms: number, abortSignal: AbortSignal | undefined, what = "waiting"): Promise<void> {
  throwIfAborted(abortSignal, what);
  try {
    await delay(Math.max(0, ms), abortSignal ? { abortSignal } : undefined);
  } catch (error) {
    if (abortSignal?.aborted) throw new AbortedError(`Aborted while ${what}.`, {}, { cause: abortSignal.reason });
    throw error;
  }
}

/**
 * Throws {@link AbortedError} when the signal has fired.
 * @internal
 */
export function throwIfAborted(abortSignal: AbortSignal | undefined, what = "working"): void {
  if (abortSignal?.aborted) throw new AbortedError(`Aborted while ${what}.`, {}, { cause: abortSignal.reason });
}

/** Header access, as both core-rest-pipeline and fetch-like headers offer it. @internal */
export interface HeaderSource {
  get(name: string): string | undefined | null;
}

/**
 * The server's requested wait, from `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After` (seconds or HTTP date).
 * @internal
 */
export function parseRetryAfterInMs(headers: HeaderSource | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = headers.get(name);
    if (value !== undefined && value !== null && value.trim() !== "" && Number.isFinite(Number(value))) return Math.max(0, Number(value));
  }
  const value = headers.get("retry-after");
  if (value === undefined || value === null || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * The next wait: the server's Retry-After when it gave one (never shorter than our interval, clamped to the maximum),
 * else exponential backoff from `intervalInMs` to `maxIntervalInMs`.
 * @internal
 */
export function nextPollDelayInMs(args: { attempt: number; retryAfterInMs: number | undefined; polling: PollingSettings }): number {
  const { attempt, retryAfterInMs, polling } = args;
  if (retryAfterInMs !== undefined) return Math.min(Math.max(retryAfterInMs, polling.intervalInMs), polling.maxRetryAfterInMs);
  return Math.min(polling.intervalInMs * 2 ** Math.min(attempt, 20), Math.max(polling.maxIntervalInMs, polling.intervalInMs));
}

/** A point in time by which an operation must finish. @internal */
export class Deadline {
  readonly startedAt = Date.now();
  constructor(readonly timeoutInMs: number) {}
  /** Milliseconds since start. */
  elapsedInMs(): number {
    return Date.now() - this.startedAt;
  }
  /** Milliseconds left (0 when past). */
  remainingInMs(): number {
    return Math.max(0, this.startedAt + this.timeoutInMs - Date.now());
  }
  /** True when no time is left. */
  expired(): boolean {
    return this.remainingInMs() <= 0;
  }
}

/** The one formatter ({@link formatDuration} of `duration.ts`), for the modules that take their waiting helpers from here. @internal */
export { formatDuration };

/** The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days); a longer one fires after 1 ms instead. @internal */
export const MAX_TIMER_DELAY_IN_MS = 2_147_483_647;

/**
 * A delay for `setTimeout`: at least 0 and at most {@link MAX_TIMER_DELAY_IN_MS}, so that a long timeout (`--timeout
 * 1000h`) waits as long as a timer can instead of overflowing into an immediate one.
 * @internal
 */
export function timerDelayInMs(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_DELAY_IN_MS);
}

/**
 * An AbortSignal that fires at the deadline or when the caller's signal fires, so a deadline bounds everything that
 * takes the signal (the pipeline's retries and throttling sleeps included). `timedOut()` tells a deadline from the
 * caller's abort. Call `dispose()` when done.
 * @internal
 */
export function deadlineSignal(timeoutInMs: number, callerSignal: AbortSignal | undefined): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("deadline")), timerDelayInMs(timeoutInMs));
  const signal = callerSignal ? AbortSignal.any([controller.signal, callerSignal]) : controller.signal;
  return {
    signal,
    timedOut: () => controller.signal.aborted && !callerSignal?.aborted,
    dispose: () => clearTimeout(timer),
  };
}

/**
 * Refuses a `timeoutInMs` that is not a positive, finite number of milliseconds.
 * @internal
 */
export function assertTimeoutInMs(timeoutInMs: unknown, path = "timeoutInMs"): asserts timeoutInMs is number {
  if (typeof timeoutInMs !== "number" || !Number.isFinite(timeoutInMs) || timeoutInMs <= 0) {
    throw new ValidationError(`${path} must be a positive number of milliseconds, found ${String(timeoutInMs)}.`, [
      { path, message: "not a positive number", found: timeoutInMs, allowed: "a number > 0" },
    ]);
  }
}

/** Options of {@link withDeadline}. */
export interface WithDeadlineOptions {
  /** The bound, in milliseconds (a positive number); undefined: no bound but the caller's signal. */
  readonly timeoutInMs?: number | undefined;
  /** The caller's signal (Ctrl-C): when it fires the work ends as the work reports it (usually {@link AbortedError}). */
  readonly abortSignal?: AbortSignal | undefined;
  /** What was being done, for the message: e.g. "Reading the cluster rg/aks". */
  readonly what: string;
  /** What had not answered, for the message. @default "Azure had not answered" */
  readonly unanswered?: string;
  /** What to do next, for the message. @default "Nothing was written. Run again, or allow a longer timeout." */
  readonly next?: string;
  /** The error's details. @default `{ lastState: "waiting for an answer" }` */
  readonly details?: { readonly lastState?: string; readonly operationUrl?: string };
}

/**
 * Runs `work` with an AbortSignal that fires at the deadline or when the caller's signal fires (one deadline timer,
 * {@link deadlineSignal}). When the deadline fires first, whatever `work` threw becomes an
 * {@link OperationTimeoutError} (code `Timeout`) that names what was being done and the bound: a read that Azure
 * never answers ends at the deadline instead of hanging. A `Timeout` error `work` throws itself is passed on as it is. Without `timeoutInMs` it only passes the caller's signal.
 * @param options - timeoutInMs, abortSignal, what
 * @param work - the reads; pass them the signal it gets
 * @throws {@link OperationTimeoutError} at the deadline; {@link ValidationError} for a `timeoutInMs` that is not a positive number
 */
export async function withDeadline<T>(options: WithDeadlineOptions, work: (abortSignal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  const { timeoutInMs, abortSignal } = options;
  if (timeoutInMs === undefined) return work(abortSignal);
  assertTimeoutInMs(timeoutInMs);
  const bound = deadlineSignal(timeoutInMs, abortSignal);
  try {
    return await work(bound.signal);
  } catch (error) {
    // A Timeout the work threw itself (a poller past its own deadline) already says what timed out.
    if (bound.timedOut() && !(isKubeProxyError(error) && error.code === "Timeout")) {
      throw new OperationTimeoutError(
        `${options.what} timed out after ${formatDuration(timeoutInMs)}: ${options.unanswered ?? "Azure had not answered"}. ${options.next ?? "Nothing was written. Run again, or allow a longer timeout."}`,
        { lastState: "waiting for an answer", ...options.details },
        { cause: error },
      );
    }
    throw error;
  } finally {
    bound.dispose();
  }
}
