/**
 * Runs one cluster of a rollout through the SDK's apply poller and keeps the journal such that rollback and resume can
 * trust it: before each PUT leaves, the intent (the settings before the first write) and the poller's state are
 * flushed to the journal; when Azure accepts, the state that follows the operation is saved; a resumed cluster is
 * restored from that state, so it re-attaches and is classified from Azure's answer. A cluster ends `done` (Azure
 * read back the desired settings, Succeeded), `failed` (with the error; an operation that ended Failed is a failure,
 * never done), `skipped` (blocked before anything was written), or stays `in-progress` for `--resume` on an abort.
 * @packageDocumentation
 */
import type { ApplyPoller, ApplyPollerOptions } from "@aks-kube-proxy/sdk";
import { plansOfSavedPlan, serializeApplyState, type ApplyOperationState, type KubeProxyPlan } from "@aks-kube-proxy/sdk";
import { isKubeProxyError } from "@aks-kube-proxy/sdk";
import type { ApplyProgress } from "@aks-kube-proxy/sdk";
import { healthGateOf, runHealthGate } from "./healthGate";
import { operationPollCapInMs } from "./pollPacing";
import { toJournalError, type JournalCluster, type JournalPlannedRead, type RolloutJournal } from "../journal/journal";
import type { OpenRolloutJournal } from "../journal/journalStoreTypes";
import type { PreviewGate } from "./previewGate";
import type { RolloutProgress } from "./progress";
import type { RolloutClients } from "./rolloutClient";

/** What a cluster runner needs from its run. @internal */
export interface ClusterRunnerArgs {
  readonly file: OpenRolloutJournal;
  readonly clients: RolloutClients;
  readonly preview: PreviewGate;
  readonly progress: RolloutProgress;
  readonly abortSignal?: AbortSignal;
  readonly clusterTimeoutInMs?: number;
  /** The AKS operation-status budget's refill rate per subscription (see `pollPacing.ts`). @default 2 */
  readonly operationStatusPerSecond?: number;
}

/**
 * Runs clusters, one call per cluster.
 * @internal
 */
export class ClusterRunner {
  /** @param args - journal file, clients, preview gate, progress, abort signal, timeout */
  constructor(private readonly args: ClusterRunnerArgs) {}

  private get j(): RolloutJournal {
    return this.args.file.journal;
  }

  private get aborted(): boolean {
    return this.args.abortSignal?.aborted ?? false;
  }

  private abortOptions(): { abortSignal?: AbortSignal } {
    return this.args.abortSignal ? { abortSignal: this.args.abortSignal } : {};
  }

  /**
   * Runs one cluster to done, failed, skipped, or (aborted) in progress. Never throws for the cluster's own failure.
   * @param c - the cluster
   * @param context - how many clusters of its subscription run at once (paces its operation polls); omitted: one
   */
  async run(c: JournalCluster, context: { readonly inFlightInSubscription: number } = { inFlightInSubscription: 1 }): Promise<void> {
    // Left in progress by a run that crashed or was stopped: re-attach from the saved poller state (or, for a journal
    // of an older version, from the operation URL). Anything else starts afresh; the poller reads first either way.
    const resuming = c.status === "in-progress";
    // Azure already read back the settings and Succeeded; only the health gate was left: resume the gate, not the write.
    const gateOnly = resuming && c.gate?.status === "waiting";
    const started = Date.now();
    c.status = "in-progress";
    c.attempts++;
    c.startedAt = new Date(started).toISOString();
    c.phase = gateOnly ? "gate" : resuming && (c.pollerState !== undefined || c.operationUrl !== undefined) ? "re-attaching" : "starting";
    if (!resuming) {
      delete c.pollerState;
      delete c.gate;
    }
    delete c.error;
    delete c.finishedAt;
    // Not awaited: nothing is sent on the faith of this record (the intent is flushed before the PUT leaves, below), so
    // the cluster's read does not wait for a journal write; the record goes with the next one.
    void this.commit(c).catch(() => undefined);
    this.args.progress.emitCluster(c);

    let retriedAfterEnable = false;
    for (; !gateOnly; ) {
      let poller: ApplyPoller | undefined;
      try {
        await this.args.preview.ensure(c.subscriptionId);
        poller = this.poller(c, resuming, context.inFlightInSubscription);
        const result = await poller.pollUntilDone(this.abortOptions());
        c.status = "done";
        // Written by this rollout: now, or by an earlier run whose write landed before a crash.
        c.changed = result.changed || c.written === true;
        if (c.changed) c.written = true;
        c.after = result.cluster.kubeProxyConfig === undefined ? null : structuredClone(result.cluster.kubeProxyConfig);
        c.requestIds = result.requestIds;
        if (result.operationUrl) c.operationUrl = result.operationUrl;
        delete c.pollerState;
        delete c.phase;
        break;
      } catch (error) {
        if (this.aborted) {
          // Left in progress with the poller's last state: --resume re-attaches to what may still run.
          const state = poller?.operationState;
          if (state) this.saveState(c, state);
          await this.commit(c);
          this.args.progress.emitCluster(c);
          return;
        }
        if (isKubeProxyError(error) && error.code === "PreviewNotEnabled" && !retriedAfterEnable && this.j.spec.enablePreview) {
          // The status read said Registered but the write says otherwise (provider not refreshed, or eventual
          // consistency): do the whole enablement once for the subscription and try this cluster again.
          retriedAfterEnable = true;
          try {
            await this.args.preview.enableFully(c.subscriptionId);
            continue;
          } catch (enableError) {
            this.fail(c, enableError);
            break;
          }
        }
        if (isKubeProxyError(error) && error.code === "PlanBlocked" && c.written !== true) {
          c.status = "skipped";
          c.skipReason = "blocked";
          c.skipMessage = `blocked by validation when applied (the cluster changed since planning); nothing was written: ${error.message}`;
          delete c.phase;
          break;
        }
        this.fail(c, error);
        break;
      }
    }
    const gate = healthGateOf(this.j, c);
    if (gate && (gateOnly || c.status === "done")) {
      // Done only once the gate passes: until then the cluster stays in progress, the gate's state in the journal.
      c.status = "in-progress";
      c.phase = "gate";
      c.gate ??= { status: "waiting", startedAt: new Date().toISOString() };
      // Not awaited: the gate only reads, and a crash before this record is on disk leaves the cluster in progress with
      // its operation's state, which a resume re-attaches to (Succeeded: nothing is written) before it runs the gate.
      void this.commit(c).catch(() => undefined);
      this.args.progress.emitCluster(c);
      const { outcome, error } = await runHealthGate({
        cluster: c,
        gate,
        client: this.args.clients.get(c.subscriptionId),
        ...this.abortOptions(),
        onChange: (flush) => {
          this.args.file.changed(c);
          if (c.gate?.summary) this.args.progress.emit({ type: "gate", ...(c.wave !== undefined ? { wave: c.wave } : {}), clusterId: c.id, name: c.name, status: c.gate.status, summary: c.gate.summary });
          if (flush) void this.args.file.commit().catch(() => undefined);
        },
      });
      if (outcome === "aborted") {
        await this.commit(c);
        this.args.progress.emitCluster(c);
        return;
      }
      delete c.phase;
      if (outcome === "failed") this.fail(c, error);
      else c.status = "done";
    }
    c.finishedAt = new Date().toISOString();
    c.durationInMs = Date.now() - started;
    this.args.progress.clusterFinished();
    // The outcome is reported once it is on disk, but the cluster's slot is freed at once: a crash before the write
    // leaves the cluster in progress with its poller state, and a resume reads it and finds it done (or failed) without
    // writing it again. Every later flush (the next intent, the wave's end, close) includes this record; a write that
    // fails is retried with the next one.
    void this.commit(c).then(
      () => this.args.progress.emitCluster(c),
      () => undefined,
    );
  }

  /** The apply poller of a cluster: restored from the journal when resuming, otherwise new. */
  private poller(c: JournalCluster, resuming: boolean, inFlightInSubscription: number): ApplyPoller {
    const client = this.args.clients.get(c.subscriptionId);
    const options: ApplyPollerOptions = {
      ...this.abortOptions(),
      maxPollIntervalInMs: operationPollCapInMs(inFlightInSubscription, this.args.operationStatusPerSecond),
      ...(this.args.clusterTimeoutInMs !== undefined ? { timeoutInMs: this.args.clusterTimeoutInMs } : {}),
      onProgress: (e) => this.onApplyProgress(c, e),
      beforeWrite: (state, serialized) => this.beforeWrite(c, state, serialized),
    };
    const allowDisable = this.j.spec.allowDisable || c.desired?.enabled === false;
    const poller =
      resuming && c.pollerState !== undefined
        ? client.restoreApplyPoller(c.pollerState, options)
        : c.planned !== undefined
          ? // A saved rollout plan: exactly the planned write (If-Match on the planned eTag; PlanStale when it moved).
            client.beginApply(this.plannedPlan(c, c.planned), { ...options, allowDisable })
          : client.beginApply({ id: c.id }, c.desired ?? {}, {
            ...options,
              allowDisable,
              ...(resuming && c.operationUrl !== undefined ? { resumeOperationUrl: c.operationUrl } : {}),
            });
    // Once Azure accepted the PUT, save the state that follows its operation (a resume then polls it directly).
    let savedPhase = poller.operationState?.phase;
    poller.onProgress((state) => {
      if (state.phase === savedPhase) return;
      savedPhase = state.phase;
      if (state.phase === "operation" && this.saveState(c, state)) void this.commit(c).catch(() => undefined);
    });
    return poller;
  }

  /** The SDK's plan of a cluster planned in a saved rollout plan, derived again from the read the journal keeps. */
  private plannedPlan(c: JournalCluster, planned: JournalPlannedRead): KubeProxyPlan {
    const [plan] = plansOfSavedPlan({
      apiVersion: this.j.apiVersion,
      clusters: [
        {
          id: c.id,
          subscriptionId: c.subscriptionId,
          resourceGroup: c.resourceGroup,
          name: c.name,
          location: c.location ?? "",
          eTag: planned.eTag,
          facts: planned.facts,
          allowDisable: this.j.spec.allowDisable,
          current: { kubeProxyConfig: c.previous ?? null },
          desired: { kubeProxyConfig: c.desired ?? {} },
        },
      ],
    });
    return plan as KubeProxyPlan;
  }

  /**
   * Awaited before each PUT leaves: the intent (the settings before the first write, kept through every resume), the
   * written mark and the poller's state are flushed to the journal first, so a crash at any instant after it leaves a
   * cluster rollback restores and a resume re-attaches to. If the journal cannot be written, nothing is sent.
   */
  private async beforeWrite(c: JournalCluster, state: Readonly<ApplyOperationState>, serialized: string): Promise<void> {
    c.intent ??= { previous: state.previousKubeProxyConfig === undefined ? null : structuredClone(state.previousKubeProxyConfig), at: new Date().toISOString() };
    c.written = true;
    c.pollerState = serialized;
    c.phase = "writing";
    await this.commit(c);
    // Reported once the intent is on disk, as the PUT leaves.
    this.args.progress.emitCluster(c);
  }

  /** Saves a poller state that a resume can re-attach from (a write may have been sent, not finished). */
  private saveState(c: JournalCluster, state: Readonly<ApplyOperationState>): boolean {
    const live = state.status === "running" || state.status === "notStarted";
    if (!live || !(state.writeMayHaveBeenSent || state.writeAccepted)) return false;
    c.pollerState = serializeApplyState(state);
    if (state.operation) c.operationUrl = state.operation.url;
    this.args.file.changed(c);
    return true;
  }

  /** Marks the cluster changed and writes the journal. */
  private commit(c: JournalCluster): Promise<void> {
    this.args.file.changed(c);
    return this.args.file.commit();
  }

  private fail(c: JournalCluster, error: unknown): void {
    c.status = "failed";
    c.error = toJournalError(error);
    const url = (error as { operationUrl?: unknown }).operationUrl;
    if (typeof url === "string") c.operationUrl = url;
  }

  private onApplyProgress(c: JournalCluster, e: ApplyProgress): void {
    const before = c.phase;
    const operationBefore = c.operationUrl;
    if (e.phase === "accepted") {
      c.phase = "accepted";
      if (e.operationUrl) c.operationUrl = e.operationUrl;
    } else if (e.phase === "polling") {
      c.phase = c.phase === "accepted" || c.phase === "polling" ? "polling" : c.phase;
    } else {
      c.phase = e.phase;
    }
    // Declared changed only when it did (not at every poll): the journal's next write carries what changed.
    if (c.phase !== before || c.operationUrl !== operationBefore) this.args.file.changed(c);
    if (c.phase !== before) this.args.progress.emitCluster(c);
  }
}
