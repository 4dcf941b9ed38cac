/**
 * The preview check of a rollout: before its first write in a subscription, confirm the preview is enabled (a status
 * read), and run the whole enablement (feature flag, provider refresh) only when it is not; once per subscription and
 * run. Moved here unchanged from the executor; its retry and caching behaviour belongs to the CLI/preview work.
 * @packageDocumentation
 */
import { toJournalError, type RolloutJournal } from "./journal";
import type { OpenRolloutJournal } from "./journalStore";
import type { RolloutProgressEventBody } from "./progress";
import type { RolloutClients } from "./rolloutClient";

function isRegistered(state: string | undefined): boolean {
  return (state ?? "").toLowerCase() === "registered";
}

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

  /** Confirms the preview once per subscription: a status read, and the full enablement only when it is not Registered. */
  ensure(subscriptionId: string): Promise<void> {
    if (!this.j.spec.enablePreview || this.j.subscriptions[subscriptionId]?.previewEnabled) return Promise.resolve();
    let p = this.previewChecks.get(subscriptionId);
    if (!p) {
      p = (async () => {
        const status = await this.args.clients.get(subscriptionId).getPreviewStatus(this.args.abortOptions());
        this.args.emit({ type: "preview", subscriptionId, step: "feature", state: status.featureState });
        if (!isRegistered(status.featureState) || !isRegistered(status.providerState)) {
          await this.enableFully(subscriptionId);
          return;
        }
        this.markPreview(subscriptionId);
        await this.args.file.commit();
      })();
      p.catch(() => undefined);
      this.previewChecks.set(subscriptionId, p);
    }
    return p;
  }

  /** The whole enablement (feature flag, provider refresh), once per subscription and run. */
  enableFully(subscriptionId: string): Promise<void> {
    let p = this.fullEnables.get(subscriptionId);
    if (!p) {
      p = (async () => {
        try {
          await this.args.clients.get(subscriptionId).enablePreview({
            ...this.args.abortOptions(),
            onProgress: (e) => this.args.emit({ type: "preview", subscriptionId, step: e.step, state: e.state }),
          });
        } catch (error) {
          const sub = (this.j.subscriptions[subscriptionId] ??= {});
          sub.error = toJournalError(error);
          await this.args.file.commit();
          throw error;
        }
        this.markPreview(subscriptionId);
        await this.args.file.commit();
      })();
      p.catch(() => undefined);
      this.fullEnables.set(subscriptionId, p);
    }
    return p;
  }

  private markPreview(subscriptionId: string): void {
    const sub = (this.j.subscriptions[subscriptionId] ??= {});
    sub.previewEnabled = true;
    delete sub.error;
  }
}
