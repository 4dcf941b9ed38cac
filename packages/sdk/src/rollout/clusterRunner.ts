/**
 * Runs one cluster of a rollout: converges it through the SDK's apply, records each step in the journal, and ends it
 * `done` (Azure read back the desired settings, Succeeded), `failed` (with the error; an operation that ended Failed is
 * a failure, never done), `skipped` (blocked when applied), or left `in-progress` for `--resume` on an abort.
 * @packageDocumentation
 */
import { isKubeProxyError } from "../errors";
import type { ApplyProgress } from "../progress";
import { toJournalError, type JournalCluster, type RolloutJournal } from "./journal";
import type { OpenRolloutJournal } from "./journalStore";
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

  /** Runs one cluster to done, failed, skipped, or (aborted) in progress. Never throws for the cluster's own failure. */
  async run(c: JournalCluster): Promise<void> {
    const resumeOperationUrl = c.status === "in-progress" ? c.operationUrl : undefined;
    const started = Date.now();
    c.status = "in-progress";
    c.attempts++;
    c.startedAt = new Date(started).toISOString();
    c.phase = resumeOperationUrl ? "re-attaching" : "starting";
    delete c.error;
    delete c.finishedAt;
    await this.commit(c);
    this.args.progress.emitCluster(c);

    let retriedAfterEnable = false;
    for (;;) {
      try {
        await this.args.preview.ensure(c.subscriptionId);
        const result = await this.args.clients.get(c.subscriptionId).apply({ id: c.id }, c.desired ?? {}, {
          allowDisable: this.j.spec.allowDisable || c.desired?.enabled === false,
          ...this.abortOptions(),
          ...(this.args.clusterTimeoutInMs !== undefined ? { timeoutInMs: this.args.clusterTimeoutInMs } : {}),
          ...(resumeOperationUrl ? { resumeOperationUrl } : {}),
          onProgress: (e) => this.onApplyProgress(c, e),
        });
        c.status = "done";
        // Written by this rollout: now, or by an earlier run whose write landed before a crash.
        c.changed = result.changed || resumeOperationUrl !== undefined || c.written === true;
        if (c.changed) c.written = true;
        c.after = result.cluster.kubeProxyConfig === undefined ? null : structuredClone(result.cluster.kubeProxyConfig);
        c.requestIds = result.requestIds;
        if (result.operationUrl) c.operationUrl = result.operationUrl;
        delete c.phase;
        break;
      } catch (error) {
        if (this.aborted) {
          // Left in progress: --resume re-attaches to the operation (or re-reads the cluster) instead of writing again.
          const url = (error as { operationUrl?: unknown }).operationUrl;
          if (typeof url === "string" && !c.operationUrl) c.operationUrl = url;
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
        if (isKubeProxyError(error) && error.code === "PlanBlocked") {
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
    c.finishedAt = new Date().toISOString();
    c.durationInMs = Date.now() - started;
    this.args.progress.clusterFinished();
    await this.commit(c);
    this.args.progress.emitCluster(c);
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
    this.args.file.changed(c);
    if (e.phase === "writing") c.written = true;
    if (e.phase === "accepted") {
      c.phase = "accepted";
      if (e.operationUrl) c.operationUrl = e.operationUrl;
      // Durable as soon as possible: a crash from here on is resumed by re-attaching to this operation.
      void this.commit(c).catch(() => undefined);
    } else if (e.phase === "polling") {
      c.phase = c.phase === "accepted" || c.phase === "polling" ? "polling" : c.phase;
    } else {
      c.phase = e.phase;
    }
    if (c.phase !== before) this.args.progress.emitCluster(c);
  }
}
