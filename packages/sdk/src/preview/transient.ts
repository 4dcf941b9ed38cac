/**
 * Retrying a preview check that failed for a passing reason (throttling, a 5xx, a dropped connection) after the
 * pipeline's own retries ran out, with backoff, so that one bad moment does not fail every cluster of a subscription.
 * @packageDocumentation
 */
import { isKubeProxyError } from "../errors";
import { DEFAULT_POLLING, type PollingSettings } from "../poll";
import { StepPoller } from "../poller/stepPoller";

/**
 * True for failures worth trying again: 429, 5xx, or no answer at all (network). Never for an abort, a refused
 * credential, a Pending flag or a timeout of our own.
 * @param error - anything caught
 * @internal
 */
export function isTransientArmFailure(error: unknown): boolean {
  if (!isKubeProxyError(error)) return false;
  if (error.statusCode !== undefined) return error.statusCode === 429 || error.statusCode >= 500;
  return error.code === "ArmError";
}

/** Backoff of {@link retryTransient}. @internal */
export interface TransientRetryOptions {
  /** Attempts in all, the first included. @default 4 */
  readonly attempts?: number;
  /** First delay, doubled after each failure. @default 2000 */
  readonly baseDelayInMs?: number;
}

/**
 * Runs `run`, retrying transient failures ({@link isTransientArmFailure}) with exponential backoff.
 * @param run - the call
 * @param abortSignal - stops the backoff
 * @param options - attempts and base delay
 * @internal
 */
export async function retryTransient<T>(run: () => Promise<T>, abortSignal: AbortSignal | undefined, options: TransientRetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayInMs ?? 2_000;
  // The one backoff policy, from `base` doubling (no cap within the attempts, as before); no Retry-After to honour here.
  const polling: PollingSettings = { ...DEFAULT_POLLING, intervalInMs: base, maxIntervalInMs: base * 2 ** attempts, maxRetryAfterInMs: base * 2 ** attempts };
  const poller = new StepPoller<TransientRetryState, T>(
    {
      kind: "transient-retry",
      waitingFor: () => "waiting to check the preview again",
      // Never reached (no deadline): the attempts bound the wait.
      timeoutError: () => new Error("unreachable: a transient retry has no deadline"),
      async step({ attempt }) {
        try {
          return { done: true, state: { attempt }, result: await run() };
        } catch (error) {
          if (attempt >= attempts || !isTransientArmFailure(error)) throw error;
          return { done: false, state: { attempt: attempt + 1 } };
        }
      },
    },
    { attempt: 1 },
    { polling },
  );
  return poller.pollUntilDone({ abortSignal });
}

/** The transient retry's state: the attempt about to be made (1-based). @internal */
export interface TransientRetryState {
  readonly attempt: number;
}
