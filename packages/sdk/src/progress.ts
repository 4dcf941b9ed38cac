/**
 * Progress events reported by long waits (library code never prints; callers render these).
 * @packageDocumentation
 */

/** Progress of apply, createCluster, deleteCluster and waitForOperation. */
export type ApplyProgress =
  | { readonly phase: "reading" }
  | { readonly phase: "waiting-for-cluster"; readonly provisioningState: string }
  | { readonly phase: "writing" }
  | { readonly phase: "accepted"; readonly operationUrl?: string; readonly requestId?: string }
  | {
      readonly phase: "polling";
      readonly status: string;
      readonly elapsedInMs: number;
      /** While the operation runs: the wait before the next poll (the backoff, or the server's Retry-After). */
      readonly nextPollInMs?: number;
    }
  | { readonly phase: "verifying" }
  | { readonly phase: "retrying"; readonly reason: string; readonly delayInMs: number };

/** Progress of enablePreview: each state change of the feature flag or the provider. */
export interface EnablePreviewProgress {
  /** Which wait: the feature flag, or the provider refresh. */
  readonly step: "feature" | "provider";
  /** The state just read (Registering, Registered, ...). */
  readonly state: string;
  /** Time since enablePreview started. */
  readonly elapsedInMs: number;
  /** For the feature: consecutive Registered reads so far (eventual consistency guard). */
  readonly consecutiveRegisteredReads?: number;
  /** For the feature, while counting: how many consecutive Registered reads are needed. */
  readonly consecutiveRegisteredReadsNeeded?: number;
}

/**
 * Calls a progress callback, ignoring anything it throws.
 * @internal
 */
export function report<T>(callback: ((event: T) => void) | undefined, event: T): void {
  if (!callback) return;
  try {
    callback(event);
  } catch {
    // a progress callback must never break an operation
  }
}
