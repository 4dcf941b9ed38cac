/**
 * The preview check of a rollout: before its first write in a subscription, the SDK's one enablement flow (one read
 * when the preview is already enabled), once per subscription and run; transient failures retried, failures not cached.
 * @packageDocumentation
 */
import { retryTransient } from "@aks-kube-proxy/sdk";
import { toJournalError, type RolloutJournal } from "../journal/journal";
import type { OpenRolloutJournal } from "../journal/journalStoreTypes";
import type { RolloutProgressEventBody } from "./progress";
import type { RolloutClients } from "./rolloutClient";

/**
 * Confirms (or enables) the preview once per subscription.
 * @internal
 */
export class PreviewGate {
  private readonly previewChecks = new Map<string, Promise<void>>();
  private readonly fullEnables = new Map<string, Promise<void>>();

  /**
   * @param args - journal file, clients, abort options, progress
   */
  constructor(
    private readonly args: {
      readonly file: OpenRolloutJournal;
      readonly clients: RolloutClients;
      readonly abortOptions: () => { abortSignal?: AbortSignal };
      readonly emit: (event: RolloutProgressEventBody) => void;
    },
  ) {}

  private get j(): RolloutJournal {
    return this.args.file.journal;
  }

  /**
   * Enables the preview once per subscription before its first write, through the SDK's one enablement flow (one
   * read when it is already enabled). A transient failure of that check (throttling, 5xx, a dropped connection) is
   * retried with backoff, and a failure is not cached: the next cluster of the subscription checks again.
   */
  ensure(subscriptionId: string): Promise<void> {
    if (!this.j.spec.enablePreview || this.j.subscriptions[subscriptionId]?.previewEnabled) return Promise.resolve();
    return this.enableOnce(subscriptionId, "when-needed");
  }

  /** After Azure refused a write with KubeProxyConfigFeatureNotRegistered: the enablement with a provider refresh, once per subscription and run. */
  enableFully(subscriptionId: string): Promise<void> {
    return this.enableOnce(subscriptionId, "always");
  }

  private enableOnce(subscriptionId: string, refreshProvider: "when-needed" | "always"): Promise<void> {
    const cache = refreshProvider === "always" ? this.fullEnables : this.previewChecks;
    let p = cache.get(subscriptionId);
    if (!p) {
      p = (async () => {
        try {
          await retryTransient(
            () =>
              this.args.clients.get(subscriptionId).enablePreview({
                ...this.args.abortOptions(),
                refreshProvider,
                onProgress: (e) => this.args.emit({ type: "preview", subscriptionId, step: e.step, state: e.state }),
              }),
            this.args.abortOptions().abortSignal,
          );
        } catch (error) {
          // Not cached as failed: a later cluster of this subscription tries again.
          cache.delete(subscriptionId);
          const sub = (this.j.subscriptions[subscriptionId] ??= {});
          sub.error = toJournalError(error);
          await this.args.file.commit();
          throw error;
        }
        this.markPreview(subscriptionId);
        await this.args.file.commit();
      })();
      p.catch(() => undefined);
      cache.set(subscriptionId, p);
    }
    return p;
  }

  private markPreview(subscriptionId: string): void {
    const sub = (this.j.subscriptions[subscriptionId] ??= {});
    sub.previewEnabled = true;
    delete sub.error;
  }
}
