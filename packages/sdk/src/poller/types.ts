/**
 * The poller contract of the SDK, in the shape of `@azure/core-lro` 3's `PollerLike` (same members, same status
 * names), declared here so that the SDK does not depend on `@azure/core-lro` for types alone. A type test
 * (`packages/sdk/test/poller.test.ts`) proves both directions assignable, so an SDK poller goes wherever a core-lro
 * `PollerLike` is expected.
 * @packageDocumentation
 */
import type { AbortSignalLike } from "@azure/abort-controller";

/** A long-running wait's status (core-lro's names). */
export type OperationStatus = "notStarted" | "running" | "succeeded" | "canceled" | "failed";

/** The state every poller exposes (core-lro's `OperationState`). */
export interface OperationState<TResult> {
  /** notStarted, running, succeeded, canceled or failed. */
  status: OperationStatus;
  /** The error of a failed wait. */
  error?: Error;
  /** The result of a succeeded wait. */
  result?: TResult;
}

/** Cancels an `onProgress` registration. */
export type CancelOnProgress = () => void;

/** A poller: a promise of the result that can also be stepped, watched and serialized (core-lro's `PollerLike`). */
export interface PollerLike<TState extends OperationState<TResult>, TResult> extends Promise<TResult> {
  /** True once the wait has ended. */
  readonly isDone: boolean;
  /** The current state. */
  readonly operationState: TState | undefined;
  /** The result, once succeeded. */
  readonly result: TResult | undefined;
  /** Makes one request and advances the state. */
  poll(options?: { abortSignal?: AbortSignalLike }): Promise<TState>;
  /** Polls until done; abortable. */
  pollUntilDone(pollOptions?: { abortSignal?: AbortSignalLike }): Promise<TResult>;
  /** Calls `callback` after each poll with the state. */
  onProgress(callback: (state: TState) => void): CancelOnProgress;
  /** The state to resume from in another process. */
  serialize(): Promise<string>;
  /** Resolves once the first request was made. */
  submitted(): Promise<void>;
}
