/**
 * The one waiting abstraction of the SDK: a poller over a step function. Each wait (an ARM operation, the feature
 * registration and its consecutive Registered reads, the provider refresh, adopting a created cluster) is a small
 * definition: a serializable state and a `step` that makes one request and says whether it is done. The poller owns
 * the loop: one backoff policy ({@link nextPollDelayInMs}, Retry-After honoured and clamped), the deadline, aborts,
 * progress callbacks, and `serialize()` / {@link restoreStepPoller} so that a wait resumes in another process.
 * Its surface follows `@azure/core-lro`'s `PollerLike` (`poll`, `pollUntilDone({ abortSignal })`, `onProgress`,
 * `serialize`, `isDone`, `operationState`, `result`).
 * @packageDocumentation
 */
import { AbortedError, ValidationError, isKubeProxyError } from "../errors";
import { Deadline, nextPollDelayInMs, sleep, type PollingSettings } from "../poll";

/** What one step found: finished with a result, or not yet (then how long Azure asked us to wait). @internal */
export type StepOutcome<TState, TResult> =
  | { readonly done: true; readonly state: TState; readonly result: TResult }
  | {
      readonly done: false;
      readonly state: TState;
      /** The server's Retry-After of this answer (clamped by the policy). */
      readonly retryAfterInMs?: number | undefined;
      /** A wait this step decides itself (e.g. the base interval while counting Registered reads); else the backoff. */
      readonly delayInMs?: number | undefined;
    };

/** A wait, as data and one step. @internal */
export interface StepPollerDefinition<TState, TResult> {
  /** Names the poller in its serialized form; a restore refuses another kind's state. */
  readonly kind: string;
  /** One request: reads (or writes) once and classifies the answer. Throws to end the wait with an error. */
  step(state: TState, abortSignal: AbortSignal | undefined): Promise<StepOutcome<TState, TResult>>;
  /** The error at the deadline, from the last state (e.g. "still InProgress after 2m05s"). */
  timeoutError(state: TState, elapsedInMs: number): Error;
  /** What is being waited for, for the abort message ("waiting for …"). */
  waitingFor(state: TState): string;
  /** The error to throw when the caller aborts (default: the {@link AbortedError} as it is). */
  aborted?(state: TState, error: AbortedError): Error;
  /**
   * The backoff attempt of the `n`-th wait after a step (0-based). @default n. The ARM operation, which waits once
   * before its first poll, repeats its first interval: `(n) => Math.max(0, n - 1)`.
   */
  backoffAttempt?(waitIndex: number): number;
  /**
   * True when no step may start past the deadline, not even right after the last wait (a step that may write). By
   * default the step after the last wait still runs, so an answer that came in at the deadline is not lost.
   */
  readonly stepsOnlyBeforeDeadline?: boolean;
}

/** The state of a {@link StepPoller}: the definition's state plus the loop's own. @internal */
export interface StepPollerState<TState, TResult> {
  /** core-lro's status names. */
  status: "notStarted" | "running" | "succeeded" | "failed";
  /** The definition's state after the last step. */
  state: TState;
  /** Waits made after a step (drives the backoff). */
  waits: number;
  /** The wait before the next step, when one is due. */
  pendingDelayInMs?: number | undefined;
  /** The result, once succeeded. */
  result?: TResult;
}

/** Options of a {@link StepPoller}. @internal */
export interface StepPollerOptions {
  readonly polling: PollingSettings;
  /** Bounds each `pollUntilDone`; past it the definition's `timeoutError`. Undefined: no bound but the signal. */
  readonly deadline?: Deadline | undefined;
  /** A wait before the first step (e.g. the Retry-After of the write that started an operation). */
  readonly initialDelayInMs?: number | undefined;
}

const SERIALIZED_VERSION = 1;

/**
 * A poller over a {@link StepPollerDefinition}. See the module comment.
 * @internal
 */
export class StepPoller<TState, TResult> {
  private readonly listeners = new Set<(state: StepPollerState<TState, TResult>) => void>();
  private readonly current: StepPollerState<TState, TResult>;

  constructor(
    private readonly definition: StepPollerDefinition<TState, TResult>,
    initial: TState | StepPollerState<TState, TResult>,
    private readonly options: StepPollerOptions,
    restored = false,
  ) {
    this.current = restored
      ? (initial as StepPollerState<TState, TResult>)
      : { status: "notStarted", state: initial as TState, waits: 0, ...(options.initialDelayInMs !== undefined ? { pendingDelayInMs: options.initialDelayInMs } : {}) };
  }

  /** True once succeeded or failed. */
  get isDone(): boolean {
    return this.current.status === "succeeded" || this.current.status === "failed";
  }

  /** The current state. */
  get operationState(): Readonly<StepPollerState<TState, TResult>> {
    return this.current;
  }

  /** The result, once succeeded. */
  get result(): TResult | undefined {
    return this.current.result;
  }

  /** Registers a callback called after each step with the state; returns its cancel function. */
  onProgress(callback: (state: StepPollerState<TState, TResult>) => void): () => void {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  /** The state to resume from ({@link restoreStepPoller}), as JSON. */
  serialize(): Promise<string> {
    return Promise.resolve(JSON.stringify({ poller: this.definition.kind, version: SERIALIZED_VERSION, ...this.current }));
  }

  /** Makes one step (without waiting first) and advances the state. */
  async poll(options: { abortSignal?: AbortSignal | undefined } = {}): Promise<StepPollerState<TState, TResult>> {
    if (this.isDone) return this.current;
    this.current.status = "running";
    let outcome: StepOutcome<TState, TResult>;
    try {
      outcome = await this.definition.step(this.current.state, options.abortSignal);
    } catch (error) {
      if (isKubeProxyError(error) && error.code === "Aborted") throw this.abortedError(error as AbortedError);
      this.current.status = "failed";
      throw error;
    }
    this.current.state = outcome.state;
    if (outcome.done) {
      this.current.status = "succeeded";
      this.current.result = outcome.result;
      delete this.current.pendingDelayInMs;
    } else {
      const attempt = this.definition.backoffAttempt ? this.definition.backoffAttempt(this.current.waits) : this.current.waits;
      this.current.pendingDelayInMs = outcome.delayInMs ?? nextPollDelayInMs({ attempt, retryAfterInMs: outcome.retryAfterInMs, polling: this.options.polling });
      this.current.waits++;
    }
    for (const listener of this.listeners) {
      try {
        listener(this.current);
      } catch {
        // a progress callback never breaks the wait
      }
    }
    return this.current;
  }

  /** Waits and steps until done, within the deadline; abortable. */
  async pollUntilDone(options: { abortSignal?: AbortSignal | undefined } = {}): Promise<TResult> {
    const { deadline } = this.options;
    while (!this.isDone) {
      const delay = this.current.pendingDelayInMs;
      if (delay !== undefined) {
        if (deadline?.expired()) {
          this.current.status = "failed";
          throw this.definition.timeoutError(this.current.state, deadline.elapsedInMs());
        }
        if (delay > 0) {
          try {
            await sleep(deadline ? Math.min(delay, deadline.remainingInMs()) : delay, options.abortSignal, this.definition.waitingFor(this.current.state));
          } catch (error) {
            if (isKubeProxyError(error) && error.code === "Aborted") throw this.abortedError(error as AbortedError);
            throw error;
          }
        }
        delete this.current.pendingDelayInMs;
        if (this.definition.stepsOnlyBeforeDeadline && deadline?.expired()) {
          this.current.status = "failed";
          throw this.definition.timeoutError(this.current.state, deadline.elapsedInMs());
        }
      }
      await this.poll(options);
    }
    return this.current.result as TResult;
  }

  private abortedError(error: AbortedError): Error {
    return this.definition.aborted ? this.definition.aborted(this.current.state, error) : error;
  }
}

/**
 * A poller resumed from {@link StepPoller.serialize}'s output.
 * @param definition - the same kind of wait
 * @param serialized - the JSON
 * @param options - polling, deadline
 * @throws {@link ValidationError} when the text is not a serialized poller of this kind
 * @internal
 */
export function restoreStepPoller<TState, TResult>(definition: StepPollerDefinition<TState, TResult>, serialized: string, options: StepPollerOptions): StepPoller<TState, TResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(serialized);
  } catch {
    parsed = undefined;
  }
  const record = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  if (record["poller"] !== definition.kind || record["version"] !== SERIALIZED_VERSION || typeof record["waits"] !== "number" || !("state" in record)) {
    throw new ValidationError(`Cannot resume the wait: the saved state is not a "${definition.kind}" poller of version ${SERIALIZED_VERSION}. Start the wait again.`, [
      { path: "serialized", message: "not a serialized poller of this kind", found: typeof record["poller"] === "string" ? record["poller"] : typeof parsed, allowed: definition.kind },
    ]);
  }
  const { poller: _kind, version: _version, ...current } = record;
  return new StepPoller(definition, current as unknown as StepPollerState<TState, TResult>, options, true);
}
