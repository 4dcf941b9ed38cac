/**
 * apply as a resumable poller in the shape of `@azure/core-lro`'s `PollerLike`: each `poll()` makes one request (read,
 * write, or operation poll) and moves the state machine; `pollUntilDone({ abortSignal })` loops with backoff within a
 * deadline that bounds the whole wait (retries and throttling included); `serialize()` gives what another process
 * needs to re-attach without ever re-sending a PUT whose operation may still run.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { CancelOnProgress, PollerLike } from "../poller/types";
import { operationFromHeaders, pollOperationOnce, type OperationHandle } from "../arm/lro";
import type { AttemptTracker } from "../arm/pipeline";
import { clusterLabel, type ClusterApi } from "../cluster/clusterApi";
import { clusterId } from "../clusterRef";
import { rawClusterOf, type ClusterState } from "../clusterState";
import type { Convergence } from "../convergence";
import {
  AbortedError,
  ArmError,
  ClusterBusyError,
  EtagUnavailableError,
  KubeProxyError,
  OperationFailedError,
  OperationTimeoutError,
  PlanBlockedError,
  PlanStaleError,
  PreconditionFailedError,
  VerificationFailedError,
  isKubeProxyError,
  withWriteContext,
} from "../errors";
import { changedSincePlan, planKubeProxyChange, type KubeProxyPlan } from "../plan";
import { Deadline, deadlineSignal, formatDuration, MAX_THROTTLED_POLLS, nextPollDelayInMs, parseRetryAfterInMs, type PollingSettings } from "../poll";
import { StepPoller } from "../poller/stepPoller";
import { report, type ApplyProgress } from "../progress";
import type { ApplyResult } from "./result";
import { serializeApplyState, type ApplyOperationState } from "./state";

/** 409s (another operation in progress, EtagMismatch) an apply waits out and re-plans before it gives up. */
export const MAX_CONFLICT_REPLANS = 5;
/** 412s (the cluster changed between our read and our write) an apply re-reads after before it gives up. */
export const MAX_PRECONDITION_REPLANS = 2;
/**
 * PUTs whose answer was lost (the connection dropped after the pipeline's retries) and that a read then showed had not
 * landed: after this many, an apply stops re-sending and fails instead of writing until its deadline.
 */
export const MAX_LOST_WRITE_ANSWERS = 3;

/** Options of an apply poller (`KubeProxyClient.beginApply`, `restoreApplyPoller`). */
export interface ApplyPollerOptions {
  /** Overall deadline of `pollUntilDone` (busy waits, throttling and retries, the operation, verification). @default 3600000 */
  readonly timeoutInMs?: number;
  /** Cancels `pollUntilDone` (also accepted per call). */
  readonly abortSignal?: AbortSignal;
  /** Phase events (reading, waiting-for-cluster, writing, accepted, polling, verifying, retrying). */
  readonly onProgress?: (e: ApplyProgress) => void;
  /**
   * Awaited just before each PUT leaves, with the state as it will be if the process dies during the PUT
   * (`phase: "write"`, `writeMayHaveBeenSent: true`, the eTag and the previous settings). Persist it (e.g. in a journal):
   * a restored poller then re-attaches instead of writing blindly. If it throws, nothing is sent.
   */
  readonly beforeWrite?: (state: Readonly<ApplyOperationState>, serialized: string) => Promise<void> | void;
  /**
   * Caps this apply's poll backoff below the client's `polling.maxIntervalInMs` (never below its `intervalInMs`): a
   * rollout sets it from the share of the AKS operation-status budget its concurrency leaves each operation, so an
   * operation's end is seen sooner without polling past the budget. Retry-After still wins. @default the client's
   */
  readonly maxPollIntervalInMs?: number;
}

/** The apply poller: a `PollerLike` (the shape of core-lro's) over {@link ApplyOperationState}. */
export type ApplyPoller = PollerLike<ApplyOperationState, ApplyResult>;

/** What the poller needs from the client. @internal */
export interface ApplyPollerDeps {
  readonly api: ClusterApi;
  /** Parser warnings of the desired settings, prepended to the first plan's warnings. */
  readonly parseWarnings?: KubeProxyPlan["warnings"];
  /**
   * The plan being applied (`beginApply(plan)`): the result's plan, and, when the state starts at phase `write`, the
   * raw JSON of the plan's read is what is written (no second read).
   */
  readonly plan?: KubeProxyPlan;
}

const DEFAULT_TIMEOUT_IN_MS = 3_600_000;

/**
 * The client's polling with the backoff capped at `maxPollIntervalInMs` (kept between the client's interval and its
 * maximum). @internal
 */
export function cappedPolling(polling: PollingSettings, maxPollIntervalInMs: number | undefined): PollingSettings {
  if (maxPollIntervalInMs === undefined || !Number.isFinite(maxPollIntervalInMs)) return polling;
  return { ...polling, maxIntervalInMs: Math.min(polling.maxIntervalInMs, Math.max(polling.intervalInMs, maxPollIntervalInMs)) };
}

function toHandle(op: NonNullable<ApplyOperationState["operation"]>): OperationHandle {
  return { url: op.url, kind: op.kind === "Location" ? "location" : "azure-async-operation" };
}

function deepClone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The apply state machine. Exported as a type only through {@link ApplyPoller}.
 * @internal
 */
export class ApplyPollerImpl implements ApplyPoller {
  private readonly state: ApplyOperationState;
  private readonly listeners = new Set<(state: ApplyOperationState) => void>();
  private readonly requestIds: string[] = [];
  private firstPlan: KubeProxyPlan | undefined;
  private delayInMs = 0;
  private attempt = 0;
  private running: Promise<ApplyResult> | undefined;
  private readonly label: string;
  private readonly context: { operation: string; cluster: string; subscriptionId: string };
  private startedAt = Date.now();
  private lastConflict: KubeProxyError | undefined;
  /** The client's polling, capped by `maxPollIntervalInMs`. */
  private readonly polling: PollingSettings;

  constructor(
    private readonly deps: ApplyPollerDeps,
    state: ApplyOperationState,
    private readonly options: ApplyPollerOptions,
  ) {
    this.state = state;
    this.polling = cappedPolling(deps.api.polling, options.maxPollIntervalInMs);
    this.label = clusterLabel(state.cluster);
    this.context = { operation: `update kubeProxyConfig of ${this.label}`, cluster: this.label, subscriptionId: state.cluster.subscriptionId };
    if (deps.plan) this.adoptPlan(deps.plan);
  }

  /** Applying a plan: it is the result's plan; a write that starts the apply writes the plan's own read. */
  private adoptPlan(plan: KubeProxyPlan): void {
    this.firstPlan = plan;
    if (this.state.phase === "write" && !this.state.writeMayHaveBeenSent) this.pendingBody = rawClusterOf(plan.cluster);
  }

  readonly [Symbol.toStringTag] = "Promise";

  /** True when the poller has finished (succeeded or failed). */
  get isDone(): boolean {
    return this.state.status === "succeeded" || this.state.status === "failed" || this.state.status === "canceled";
  }

  /** The current state. */
  get operationState(): ApplyOperationState {
    return this.state;
  }

  /** The result, once succeeded. */
  get result(): ApplyResult | undefined {
    return this.state.result;
  }

  /** Resolves once the poller has made its first request. */
  async submitted(): Promise<void> {
    if (this.state.status === "notStarted") await this.poll();
  }

  /** Registers a callback called after each poll with the state. */
  onProgress(callback: (state: ApplyOperationState) => void): CancelOnProgress {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  /** The state to resume from in another process (see `KubeProxyClient.restoreApplyPoller`). */
  async serialize(): Promise<string> {
    return serializeApplyState(this.state);
  }

  then<T1 = ApplyResult, T2 = never>(onfulfilled?: ((value: ApplyResult) => T1 | PromiseLike<T1>) | null, onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null): Promise<T1 | T2> {
    return this.pollUntilDone().then(onfulfilled, onrejected);
  }

  catch<T = never>(onrejected?: ((reason: unknown) => T | PromiseLike<T>) | null): Promise<ApplyResult | T> {
    return this.pollUntilDone().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<ApplyResult> {
    return this.pollUntilDone().finally(onfinally);
  }

  /** Makes one request and advances the state. */
  async poll(options: { abortSignal?: AbortSignal } = {}): Promise<ApplyOperationState> {
    if (this.isDone) return this.state;
    if (this.state.status === "notStarted") this.state.status = "running";
    try {
      await this.step(options.abortSignal);
    } catch (error) {
      throw this.decorate(error);
    }
    for (const listener of this.listeners) {
      try {
        listener(this.state);
      } catch {
        // a progress callback never breaks the apply
      }
    }
    return this.state;
  }

  /** Polls until done, within `timeoutInMs`; abortable. */
  pollUntilDone(options: { abortSignal?: AbortSignal } = {}): Promise<ApplyResult> {
    this.running ??= this.run(options.abortSignal).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(callerSignal: AbortSignal | undefined): Promise<ApplyResult> {
    if (this.state.result && this.state.status === "succeeded") return this.state.result;
    this.startedAt = Date.now();
    const deadline = new Deadline(this.options.timeoutInMs ?? DEFAULT_TIMEOUT_IN_MS);
    const callerSignals = [...(this.options.abortSignal ? [this.options.abortSignal] : []), ...(callerSignal ? [callerSignal] : [])];
    const bound = deadlineSignal(deadline.timeoutInMs, callerSignals.length ? AbortSignal.any(callerSignals) : undefined);
    const signal = bound.signal;
    let throttledPolls = 0;
    try {
      // The loop is the SDK's one poller: the wait before each poll (the delay the last step chose), the deadline
      // (checked again after each wait: no request, the PUT included, starts past it) and the abort.
      const loop = new StepPoller<null, void>(
        {
          kind: "apply-run",
          waitingFor: () => `waiting for ${this.label}`,
          stepsOnlyBeforeDeadline: true,
          // Turned into this poller's own timeout error below.
          timeoutError: () => new Error("deadline"),
          step: async (_state, abortSignal) => {
            try {
              await this.poll(abortSignal ? { abortSignal } : {});
              throttledPolls = 0;
            } catch (error) {
              // A throttled read or operation poll is waited out (bounded); a throttled PUT is not (see stepWrite).
              if (!(isKubeProxyError(error) && error.code === "Throttled" && this.state.phase !== "write" && this.state.status === "running")) throw error;
              throttledPolls++;
              if (throttledPolls > MAX_THROTTLED_POLLS) throw error;
              const retryAfter = (error as { retryAfterInMs?: number }).retryAfterInMs;
              this.emit({ phase: "retrying", reason: `Azure throttled the poll (${error.armCode ?? "429"})`, delayInMs: retryAfter ?? 0 });
              this.delayInMs = Math.max(nextPollDelayInMs({ attempt: this.attempt++, retryAfterInMs: retryAfter, polling: this.polling }), retryAfter ?? 0);
            }
            return this.isDone ? { done: true, state: null, result: undefined } : { done: false, state: null, delayInMs: this.delayInMs };
          },
        },
        null,
        { polling: this.polling, deadline, initialDelayInMs: this.delayInMs },
      );
      if (!this.isDone) await loop.pollUntilDone({ abortSignal: signal });
      if (this.state.status !== "succeeded" || !this.state.result) throw this.state.error ?? new KubeProxyError("ApplyFailed", `${this.label}: the apply ended ${this.state.status}.`);
      return this.state.result;
    } catch (error) {
      const callerAborted = callerSignals.some((s) => s.aborted);
      if (!callerAborted && (bound.timedOut() || deadline.expired())) throw this.decorate(this.timeoutError(deadline));
      if (signal.aborted) throw this.decorate(this.abortedError());
      throw this.decorate(error);
    } finally {
      bound.dispose();
    }
  }

  private timeoutError(deadline: Deadline): KubeProxyError {
    const s = this.state;
    const busyInFlight = s.lastConvergence?.kind === "in-flight" && !s.operation;
    if (s.phase === "read" && (this.lastConflict || busyInFlight)) {
      const why = this.lastConflict ? `another operation is in progress (${this.lastConflict.armCode ?? "409"})` : `provisioningState is ${s.lastConvergence?.provisioningState}`;
      const cause = this.lastConflict;
      return new ClusterBusyError(`${this.label} is still busy after ${formatDuration(deadline.elapsedInMs())}: ${why}. Wait for the running operation to finish and apply again, or allow a longer timeout.`, {
        ...(cause?.armCode ? { armCode: cause.armCode } : {}),
        ...(cause?.requestId ? { requestId: cause.requestId } : {}),
        ...(cause?.statusCode ? { statusCode: cause.statusCode } : {}),
      });
    }
    const where = s.operation
      ? `the operation ${s.operation.url} is still running`
      : this.refusedWrites > 0 && !s.writeMayHaveBeenSent && !s.writeAccepted
        ? `Azure refused the write ${this.refusedWrites === 1 ? "once" : `${this.refusedWrites} times`} with 429 (throttled) and the time ran out waiting to send it again; nothing reached Azure, the cluster keeps its settings. Wait the time Azure names (AKS refills a cluster's PUT budget at one per minute) and apply again`
      : s.phase === "write" || s.writeMayHaveBeenSent
        ? "the write was sent and Azure's answer did not come in time"
        : s.lastConvergence?.kind === "in-flight"
          ? `the cluster is still ${s.lastConvergence.provisioningState} (another operation)`
          : `it was at phase ${s.phase}`;
    return new OperationTimeoutError(`${this.label}: not converged within ${formatDuration(deadline.timeoutInMs)}: ${where}.`, {
      lastState: s.lastConvergence?.provisioningState ?? s.phase,
      ...(s.operation ? { operationUrl: s.operation.url } : {}),
    });
  }

  private abortedError(): KubeProxyError {
    const s = this.state;
    return new AbortedError(`Stopped applying to ${this.label} at phase ${s.phase}${s.operation ? `; the operation continues in Azure: ${s.operation.url}` : ""}.`, s.operation ? { operationUrl: s.operation.url } : {});
  }

  /** Attaches the write context (operation URL, accepted or maybe sent, resume state) to an error. */
  private decorate(error: unknown): unknown {
    if (!isKubeProxyError(error)) return error;
    const s = this.state;
    return withWriteContext(error, {
      writeAccepted: s.writeAccepted,
      writeMayHaveBeenSent: s.writeMayHaveBeenSent || s.writeAccepted,
      ...(s.operation ? { operationUrl: s.operation.url } : {}),
      ...(s.writeAccepted || s.writeMayHaveBeenSent ? { resumeState: serializeApplyState(s) } : {}),
    });
  }

  private emit(e: ApplyProgress): void {
    report(this.options.onProgress, e);
  }

  private finish(cluster: ClusterState, plan: KubeProxyPlan): void {
    const first = this.firstPlan ?? plan;
    const changed = this.state.writeAccepted || this.state.writeMayHaveBeenSent;
    this.state.result = {
      changed,
      plan: first,
      before: first.current,
      after: plan.current,
      durationInMs: Date.now() - this.startedAt,
      requestIds: this.requestIds,
      cluster,
      writes: this.state.writes,
      ...(this.state.operation ? { operationUrl: this.state.operation.url } : {}),
    };
    this.state.phase = "done";
    this.state.status = "succeeded";
    this.delayInMs = 0;
  }

  private fail(error: KubeProxyError): never {
    this.state.phase = "done";
    this.state.status = "failed";
    const decorated = this.decorate(error) as KubeProxyError;
    this.state.error = decorated;
    throw decorated;
  }

  private waitBackoff(retryAfterInMs?: number): void {
    this.delayInMs = nextPollDelayInMs({ attempt: this.attempt++, retryAfterInMs, polling: this.polling });
  }

  private async step(signal: AbortSignal | undefined): Promise<void> {
    switch (this.state.phase) {
      case "read":
        return this.stepRead(signal, false);
      case "verify":
        return this.stepRead(signal, true);
      case "write":
        return this.stepWrite(signal);
      case "operation":
        return this.stepOperation(signal);
      case "done":
        return;
    }
  }

  private plan(cluster: ClusterState): KubeProxyPlan {
    const s = this.state;
    const plan = planKubeProxyChange({ cluster, desired: s.desired, apiVersion: this.deps.api.apiVersion, allowDisable: s.allowDisable });
    if (!this.firstPlan) {
      const warnings = this.deps.parseWarnings ?? [];
      this.firstPlan = warnings.length ? { ...plan, warnings: [...warnings, ...plan.warnings] } : plan;
    }
    return plan;
  }

  /** Read and classify; `verifying` after our operation ended Succeeded (or its status resource is gone). */
  private async stepRead(signal: AbortSignal | undefined, verifying: boolean): Promise<void> {
    const s = this.state;
    this.emit(verifying ? { phase: "verifying" } : { phase: "reading" });
    const cluster = await this.deps.api.read(s.cluster, signal, this.requestIds);
    if (s.previousKubeProxyConfig === undefined && !s.writeAccepted && !s.writeMayHaveBeenSent) {
      s.previousKubeProxyConfig = cluster.kubeProxyConfig === undefined ? null : deepClone(cluster.kubeProxyConfig);
    }
    const plan = this.plan(cluster);
    const c: Convergence = plan.convergence;
    s.lastConvergence = c;
    const unsure = s.writeMayHaveBeenSent && !s.writeAccepted;
    const etagMoved = unsure && (s.etag === undefined || cluster.etag !== s.etag);
    // Applying a plan: before any write was sent, a cluster that moved since the plan's read refuses the plan.
    if (s.plannedRead && !verifying && !s.writeAccepted && !unsure) this.refuseIfStale(cluster);

    if (c.kind === "in-flight") {
      // Never write over a running operation, ours or another writer's: wait, then classify again.
      this.emit({ phase: "waiting-for-cluster", provisioningState: c.provisioningState });
      this.waitBackoff();
      return;
    }
    if (c.kind === "converged") {
      if (unsure && !etagMoved) s.writeMayHaveBeenSent = false; // our PUT never landed, and nothing was needed after all
      this.finish(cluster, plan);
      return;
    }
    if (verifying) {
      if (c.kind === "needs-reconcile") {
        this.fail(
          new OperationFailedError(`${this.label}: after our write the cluster reads provisioningState ${c.provisioningState}. Fix the cause and apply again: the same settings are then written once more to reconcile it.`, {
            status: c.provisioningState,
            ...(s.operation ? { operationUrl: s.operation.url } : {}),
          }),
        );
      }
      this.fail(
        new VerificationFailedError(
          `${this.label}: the update succeeded but the cluster reports ${JSON.stringify(plan.current)} instead of ${JSON.stringify(plan.desiredEffective)} (${c.reason}). Another writer may have changed it; plan again to see, then apply again.`,
        ),
      );
    }
    if (c.kind === "blocked") this.fail(new PlanBlockedError(plan.blockers, this.label));
    if (unsure && etagMoved && c.kind === "needs-reconcile") {
      // Our PUT may have landed, and an operation since ended Failed/Canceled with our settings: that was our write.
      s.writeAccepted = true;
      this.fail(
        new OperationFailedError(`${this.label}: the write sent before reads provisioningState ${c.provisioningState} with the desired settings: its operation did not succeed. Fix the cause and apply again to reconcile it.`, {
          status: c.provisioningState,
        }),
      );
    }
    // drifted or needs-reconcile: write (again), based on this read; a plan is written only over its own read.
    if (s.plannedRead) this.refuseIfStale(cluster);
    if ((s.lostWriteAnswers ?? 0) >= MAX_LOST_WRITE_ANSWERS) {
      // Each of those PUTs proved (by this read) not to have landed; the network keeps dropping them. Stop writing.
      s.writeMayHaveBeenSent = false;
      this.fail(
        new ArmError(
          `${this.label}: the answers to ${s.lostWriteAnswers} writes were lost on the way (${this.lastLostAnswer?.message ?? "connection dropped"}), and a read after each showed the cluster unchanged: none of them landed. Check connectivity to Azure Resource Manager and apply again.`,
          { ...(this.lastLostAnswer?.requestId ? { requestId: this.lastLostAnswer.requestId } : {}) },
        ),
      );
    }
    if (!cluster.etag && !s.allowWriteWithoutEtag) {
      this.fail(
        new EtagUnavailableError(
          `${this.label}: api-version ${this.deps.api.apiVersion} returns no eTag, so the write could not carry If-Match and could overwrite a concurrent change (node counts, tags); nothing was written. Use api-version 2024-04-02-preview or newer, or opt in to writing without If-Match (allowWriteWithoutEtag).`,
        ),
      );
    }
    const raw = rawClusterOf(cluster);
    if (!raw) this.fail(new VerificationFailedError(`${this.label}: internal error, the raw cluster JSON is missing.`));
    this.pendingBody = raw;
    if (cluster.etag !== undefined) s.etag = cluster.etag;
    else delete s.etag;
    s.writeMayHaveBeenSent = false;
    s.phase = "write";
    this.delayInMs = 0;
    if (c.kind === "needs-reconcile") this.emit({ phase: "retrying", reason: c.reason, delayInMs: 0 });
  }

  /** Applying a plan: fails with {@link PlanStaleError} (nothing of this plan written) when the cluster moved since the plan's read. */
  private refuseIfStale(cluster: ClusterState): void {
    const planned = this.state.plannedRead;
    if (!planned) return;
    const changed = changedSincePlan(planned, cluster);
    if (changed.length === 0) return;
    this.fail(
      new PlanStaleError(`${this.label} changed since it was planned (${changed.join("; ")}); the plan was not applied. Plan again, check the new plan, and apply it.`, {
        clusterId: cluster.id || clusterId(this.state.cluster),
        changed,
      }),
    );
  }

  /** Attempts of the last PUT Azure all refused with 429 before its wait was cut short (nothing reached Azure). */
  private refusedWrites = 0;

  /** The last lost answer to a PUT (for the message when they keep being lost). */
  private lastLostAnswer: KubeProxyError | undefined;

  /** The raw cluster JSON of the read the next write is based on (process-local; a restored poller reads again). */
  private pendingBody: Record<string, unknown> | undefined;

  private async stepWrite(signal: AbortSignal | undefined): Promise<void> {
    const s = this.state;
    const raw = this.pendingBody;
    if (!raw) {
      // Restored at phase "write": the PUT may have left. Classify from Azure's answer; never resend blindly.
      s.writeMayHaveBeenSent = true;
      s.phase = "read";
      return this.stepRead(signal, false);
    }
    const body = deepClone(raw);
    const properties = (body["properties"] ??= {}) as Record<string, unknown>;
    const networkProfile = (properties["networkProfile"] ??= {}) as Record<string, unknown>;
    networkProfile["kubeProxyConfig"] = deepClone(s.desired);

    s.writeMayHaveBeenSent = true;
    if (this.options.beforeWrite) {
      try {
        await this.options.beforeWrite(s, serializeApplyState(s));
      } catch (error) {
        s.writeMayHaveBeenSent = false;
        throw error;
      }
    }
    this.pendingBody = undefined;
    this.emit({ phase: "writing" });
    this.deps.api.log.info(`${this.label}: writing kubeProxyConfig ${JSON.stringify(s.desired)}${s.lastConvergence ? ` (${"reason" in s.lastConvergence ? s.lastConvergence.reason : s.lastConvergence.kind})` : ""}`);
    let response;
    const attempts: AttemptTracker = { attempts: 0, statuses: [] };
    try {
      response = await this.deps.api.put(s.cluster, body, s.etag ? { "if-match": s.etag } : {}, this.context, signal, attempts);
    } catch (error) {
      if (attempts.attempts > 0 && attempts.attempts === attempts.statuses.length && attempts.statuses.every((status) => status === 429)) {
        // Every attempt of this PUT was answered 429 (refused before Azure took it) and the wait for the next one was
        // cut short (deadline, abort): nothing reached Azure. Say so, never "the write may have reached Azure".
        s.writeMayHaveBeenSent = false;
        this.refusedWrites = attempts.statuses.length;
        s.phase = "read";
      }
      if (isKubeProxyError(error) && error.code === "ArmError" && error.statusCode === undefined) {
        // The answer was lost (connection dropped after retries). The PUT may have landed: read and classify.
        this.deps.api.log.warning(`${this.label}: the answer to the write was lost (${error.message}); reading the cluster to learn whether it landed`);
        s.lostWriteAnswers = (s.lostWriteAnswers ?? 0) + 1;
        this.lastLostAnswer = error;
        s.phase = "read";
        this.waitBackoff();
        return;
      }
      throw error;
    }
    if (response.requestId) this.requestIds.push(response.requestId);

    if (response.status === 200 || response.status === 201 || response.status === 202) {
      s.writeAccepted = true;
      s.writes++;
      const op = operationFromHeaders(response.headers);
      if (op) s.operation = { url: op.url, kind: op.kind === "location" ? "Location" : "Azure-AsyncOperation" };
      else delete s.operation;
      this.emit({ phase: "accepted", ...(op ? { operationUrl: op.url } : {}), ...(response.requestId ? { requestId: response.requestId } : {}) });
      s.phase = op ? "operation" : "verify";
      this.attempt = 0;
      this.delayInMs = 0;
      const retryAfter = parseRetryAfterInMs(response.headers);
      if (op) this.waitBackoff(retryAfter);
      return;
    }
    const error = this.deps.api.fail(response, this.context);
    if (response.status === 409 || error.code === "ClusterBusy") {
      // Another operation is in progress (OperationNotAllowed, EtagMismatch): the PUT was refused. Wait, re-read,
      // re-plan; never resend the same PUT in a loop (AKS gives each cluster 20 PUTs in a burst, then one a minute).
      s.writeMayHaveBeenSent = false;
      s.conflicts++;
      this.lastConflict = error;
      if (s.conflicts > MAX_CONFLICT_REPLANS) {
        this.fail(
          new ClusterBusyError(`${this.label}: Azure refused the write ${s.conflicts} times because another operation was in progress (${error.armCode ?? "409"}); nothing of ours was applied. Wait for the running operation to finish and apply again.`, {
            ...(error.armCode ? { armCode: error.armCode } : {}),
            ...(error.requestId ? { requestId: error.requestId } : {}),
            statusCode: 409,
          }),
        );
      }
      this.emit({ phase: "retrying", reason: `another operation is in progress (${error.armCode ?? "409"})`, delayInMs: 0 });
      s.phase = "read";
      this.waitBackoff(parseRetryAfterInMs(response.headers));
      return;
    }
    if (response.status === 412) {
      // The cluster changed since our read, or our own earlier attempt of this PUT landed (a retried request whose
      // first answer was lost): keep writeMayHaveBeenSent and let the next read decide.
      s.preconditionFailures++;
      if (s.preconditionFailures > MAX_PRECONDITION_REPLANS) {
        this.fail(
          new PreconditionFailedError(`${this.label} changed between our read and our write ${s.preconditionFailures} times (412). Another writer is active; apply again when it is done.`, {
            statusCode: 412,
            ...(error.requestId ? { requestId: error.requestId } : {}),
            ...(error.armCode ? { armCode: error.armCode } : {}),
          }),
        );
      }
      this.emit({ phase: "retrying", reason: "the cluster changed since it was read (412)", delayInMs: 0 });
      s.phase = "read";
      this.delayInMs = 0;
      return;
    }
    s.writeMayHaveBeenSent = false;
    this.fail(error);
  }

  private async stepOperation(signal: AbortSignal | undefined): Promise<void> {
    const s = this.state;
    const op = s.operation;
    if (!op) {
      s.phase = "verify";
      return;
    }
    const poll = await pollOperationOnce({ transport: this.deps.api.transport, operation: toHandle(op), context: this.context, ...(signal ? { abortSignal: signal } : {}) });
    if (poll.requestId) this.requestIds.push(poll.requestId);
    if (poll.outcome === "running") {
      this.waitBackoff(poll.retryAfterInMs);
      this.emit({ phase: "polling", status: poll.status, elapsedInMs: Date.now() - this.startedAt, nextPollInMs: this.delayInMs });
      return;
    }
    if (poll.outcome === "failed") this.fail(poll.error ?? new OperationFailedError(`${this.label}: the operation ended ${poll.status}.`, { status: poll.status, operationUrl: op.url }));
    this.emit({ phase: "polling", status: poll.status, elapsedInMs: Date.now() - this.startedAt });
    s.phase = "verify";
    this.attempt = 0;
    this.delayInMs = 0;
  }
}

/**
 * A fresh state for an apply.
 * @internal
 */
export function initialApplyState(args: {
  cluster: ApplyOperationState["cluster"];
  desired: KubeProxyConfig;
  allowDisable: boolean;
  allowWriteWithoutEtag: boolean;
  operation?: ApplyOperationState["operation"];
  /** Applying this plan: its read guards the write; with `writeNow`, the first request is the PUT of that read. */
  planned?: { plan: KubeProxyPlan; writeNow: boolean };
}): ApplyOperationState {
  const planned = args.planned;
  const c = planned?.plan.cluster;
  return {
    status: "notStarted",
    phase: args.operation ? "operation" : planned?.writeNow ? "write" : "read",
    ...(c
      ? {
          plannedRead: { effective: c.effective, ...(c.etag !== undefined ? { etag: c.etag } : {}), ...(c.provisioningState !== undefined ? { provisioningState: c.provisioningState } : {}) },
          lastConvergence: planned.plan.convergence,
        }
      : {}),
    ...(c && planned.writeNow ? { previousKubeProxyConfig: c.kubeProxyConfig === undefined ? null : deepClone(c.kubeProxyConfig), ...(c.etag !== undefined ? { etag: c.etag } : {}) } : {}),
    cluster: args.cluster,
    desired: args.desired,
    allowDisable: args.allowDisable,
    allowWriteWithoutEtag: args.allowWriteWithoutEtag,
    ...(args.operation ? { operation: args.operation } : {}),
    writeMayHaveBeenSent: args.operation !== undefined,
    writeAccepted: args.operation !== undefined,
    writes: 0,
    conflicts: 0,
    preconditionFailures: 0,
  };
}
