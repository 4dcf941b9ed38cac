/**
 * The rollout journal in Azure Blob Storage, shared by CI runners.
 *
 * Layout: the URL names a folder; each shard's journal is one blob in it (`journal.json` for an unsharded rollout,
 * `shard-<i>-of-<n>.json` for a shard), beside the fleet record (`fleet.json`, see `fleetRecord.ts`).
 *
 * Guarantees:
 * - **Lock**: a blob lease (30 s by default), taken before the journal is read and renewed every third of its duration
 *   while the run lives, released by `close()`. The holder (host, pid, purpose, start time, run id) is kept in the blob's
 *   metadata, so whoever finds the journal leased is told who holds it; a runner that died stops renewing, its lease
 *   expires, and the next runner takes it over and is told whose it was.
 * - **Conditional writes**: every write carries the ETag read or last written (`If-Match`) and the lease id. A write
 *   that fails its condition is checked against the blob's metadata: if the blob holds this very write (the answer was
 *   lost and the request retried), its ETag is adopted; otherwise another runner wrote or took the lease, and this
 *   runner stops (`lockLost` fires, {@link JournalLeaseLostError}) without writing anything more.
 * - **Group commit**: steps made while a write is under way go into the next write, as with the file journal.
 * - **Secrets**: a Microsoft Entra token from the caller's credential by default; an account key or a SAS only when given
 *   explicitly. Neither is part of any message, location or log line (the storage pipeline redacts headers and `sig`).
 * @packageDocumentation
 */
import { sleep } from "@aks-kube-proxy/sdk";
import type { BlobLeaseClient, BlockBlobClient } from "@azure/storage-blob";
import { describeJournalHolder, holderOf, isTransient, JournalLeaseLostError, META, statusOf, storageCode, storageError, type RequestCounter } from "./blobStorage";
import type { FleetCoordinator } from "./fleetRecord";
import type { JournalCluster, RolloutJournal } from "./journal";
import type { JournalLockHolder } from "./journalLock";
import { GroupCommit } from "./groupCommit";
import type { OpenRolloutJournal } from "./journalStoreTypes";

/** The longest pause group commit puts between two journal writes. */
const MAX_PACING_GAP_MS = 2000;


/** What an opened blob journal was handed over from. */
export interface JournalTakeover {
  /** The runner whose lease expired (or was broken) without releasing the journal. */
  readonly previous: JournalLockHolder;
  /** A sentence for the user, naming it. */
  readonly message: string;
}

/** A blob journal opened by this process: leased, renewed, written with If-Match. */
export class BlobRolloutJournal implements OpenRolloutJournal {
  readonly journal: RolloutJournal;
  readonly location: string;
  writes = 0;
  readonly fleet: FleetCoordinator;
  /** Set when this runner took the journal over from one that did not release it (crashed, killed, lost its network). */
  readonly takeover?: JournalTakeover;
  private readonly lost = new AbortController();
  private lostError_: JournalLeaseLostError | undefined;
  private etag: string;
  private seq = 0;
  private closing = false;
  private closed = false;
  private readonly writer: GroupCommit;
  private lastRenewOkAt = Date.now();
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  /** Times a lapsed lease was taken again (nobody else had written). */
  retakes = 0;

  /** @internal */
  constructor(
    private readonly args: {
      readonly blob: BlockBlobClient;
      readonly lease: BlobLeaseClient;
      readonly location: string;
      readonly journal: RolloutJournal;
      readonly etag: string;
      readonly seq: number;
      readonly holder: Record<string, string>;
      readonly leaseDurationInSeconds: number;
      readonly pacingFactor: number;
      readonly counter: RequestCounter;
      readonly fleet: FleetCoordinator;
      readonly takeover?: JournalTakeover;
    },
  ) {
    this.journal = args.journal;
    this.location = args.location;
    this.etag = args.etag;
    this.seq = args.seq;
    // Pacing from the last attempt only (retries through an outage must not delay the writes after it), capped; the
    // last write at close does not wait.
    this.writer = new GroupCommit({
      write: () => this.writeNow(),
      pauseAfter: (tookMs) => Math.min(tookMs * args.pacingFactor, MAX_PACING_GAP_MS),
      skipPause: () => this.closing,
    });
    this.fleet = args.fleet;
    if (args.takeover) this.takeover = args.takeover;
    this.renewTimer = setInterval(() => void this.renew(), (args.leaseDurationInSeconds * 1000) / 3);
    this.renewTimer.unref();
  }

  /** Requests to the store so far (journal, lease and fleet record). */
  get requests(): number {
    return this.args.counter.n;
  }

  get lockLost(): AbortSignal {
    return this.lost.signal;
  }

  get lockLostError(): JournalLeaseLostError | undefined {
    return this.lostError_;
  }

  changed(...clusters: JournalCluster[]): void {
    void clusters; // the whole document is written each time
  }

  commit(): Promise<void> {
    if (this.lostError_) return Promise.reject(this.lostError_);
    if (this.closed) return Promise.reject(new Error(`journal ${this.location} is closed`));
    return this.writer.commit();
  }

  /** Writes the last state (marked released), then releases the lease. After a lost lease, only stops renewing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    try {
      if (!this.lostError_) {
        await this.commit().catch(() => undefined);
        await this.writer.idle();
      }
    } finally {
      this.closed = true;
      this.stopRenewing();
      if (!this.lostError_) {
        this.args.counter.n++;
        await this.args.lease.releaseLease().catch(() => undefined);
      }
    }
  }

  private stopRenewing(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  private lose(message: string, holder: JournalLockHolder, cause?: unknown): JournalLeaseLostError {
    if (!this.lostError_) {
      const statusCode = statusOf(cause);
      const armCode = storageCode(cause);
      this.lostError_ = new JournalLeaseLostError(message, holder, {
        ...(cause !== undefined ? { cause } : {}),
        ...(statusCode !== undefined ? { statusCode } : {}),
        ...(armCode ? { armCode } : {}),
      });
      this.stopRenewing();
      this.lost.abort(this.lostError_);
    }
    return this.lostError_;
  }

  /** Who holds the blob now, read from its metadata (best effort). */
  private async currentHolder(): Promise<{ holder: JournalLockHolder & { runId?: string }; etag?: string; seq?: string }> {
    try {
      this.args.counter.n++;
      const p = await this.args.blob.getProperties();
      return { holder: holderOf(p.metadata), ...(p.etag ? { etag: p.etag } : {}), ...(p.metadata?.[META.seq] ? { seq: p.metadata[META.seq] } : {}) };
    } catch {
      return { holder: {} };
    }
  }

  private async loseToHolder(cause: unknown, what: string): Promise<JournalLeaseLostError> {
    const { holder } = await this.currentHolder();
    const other = holder.runId && holder.runId !== this.args.holder[META.runId] ? ` It is now held by ${describeJournalHolder(holder)}.` : "";
    return this.lose(
      `Lost the journal ${this.location} (${what}): another runner took it over after this one's lease ran out.${other} This runner stopped without writing anything more; ` +
        `its clusters in progress are re-attached by the runner that holds the journal now. Nothing to do here, unless no runner holds it: then resume with --resume.`,
      holder,
      cause,
    );
  }

  /**
   * After a refused write or renewal: when the blob is not leased by anyone and nobody else wrote it since (its ETag is
   * this runner's last, or its metadata still names this run), the lease merely lapsed (storage was unreachable past
   * its duration, or the storage service lost it in a restart). Taking it again, conditional on the ETag just read, is
   * then safe. True when retaken.
   */
  private async retakeLapsedLease(): Promise<boolean> {
    try {
      this.args.counter.n++;
      const p = await this.args.blob.getProperties();
      // Nobody else wrote: the ETag is ours, or the blob still names this run as its holder (a runner that takes a
      // journal over writes its own run id at once; a storage service restored from an older save may show an older
      // version of our own write). Either way the journal this runner holds is the newest state: retake and write it.
      const ours = p.etag === this.etag || holderOf(p.metadata).runId === this.args.holder[META.runId];
      if (p.leaseState === "leased" || !ours || !p.etag) return false;
      this.args.counter.n++;
      await this.args.lease.acquireLease(this.args.leaseDurationInSeconds, { conditions: { ifMatch: p.etag } });
      this.etag = p.etag;
      this.lastRenewOkAt = Date.now();
      this.retakes++;
      return true;
    } catch {
      return false;
    }
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.closed || this.lostError_) return;
    this.renewing = (async () => {
      try {
        this.args.counter.n++;
        await this.args.lease.renewLease();
        this.lastRenewOkAt = Date.now();
      } catch (e) {
        if (!isTransient(e)) {
          if (!(await this.retakeLapsedLease())) await this.loseToHolder(e, `renewing its lease failed: ${storageCode(e) ?? statusOf(e)}`);
        } else if (Date.now() - this.lastRenewOkAt > this.args.leaseDurationInSeconds * 1000) {
          this.lose(
            `Lost the journal ${this.location}: its lease could not be renewed for ${this.args.leaseDurationInSeconds} s (storage unreachable), so another runner may hold it now. This runner stopped; resume with --resume once storage is reachable.`,
            {},
            e,
          );
        }
      } finally {
        this.renewing = undefined;
      }
    })();
    await this.renewing;
  }


  /** Writes the journal; returns how long the attempt that succeeded took. */
  private async writeNow(): Promise<number> {
    if (this.lostError_) throw this.lostError_;
    this.journal.updatedAt = new Date().toISOString();
    const seq = ++this.seq;
    const body = Buffer.from(`${JSON.stringify(this.journal)}\n`, "utf8");
    const metadata = { ...this.args.holder, [META.seq]: String(seq), [META.released]: this.closing ? "1" : "0" };
    const leaseId = this.args.lease.leaseId;
    for (let attempt = 0; ; attempt++) {
      const attemptStarted = Date.now();
      try {
        this.args.counter.n++;
        const res = await this.args.blob.upload(body, body.length, {
          conditions: { ifMatch: this.etag, leaseId },
          metadata,
          blobHTTPHeaders: { blobContentType: "application/json" },
        });
        this.etag = res.etag ?? this.etag;
        this.writes++;
        return Date.now() - attemptStarted;
      } catch (e) {
        const status = statusOf(e);
        if (status === 412 || status === 409) {
          // Our own write may have landed and its answer been lost (then retried): the blob says so.
          const now = await this.currentHolder();
          if (now.holder.runId === this.args.holder[META.runId] && now.seq === String(seq) && now.etag) {
            this.etag = now.etag;
            this.writes++;
            return 0;
          }
          if (attempt < 100 && (await this.retakeLapsedLease())) continue;
          throw await this.loseToHolder(e, `a write was refused: ${storageCode(e) ?? status}`);
        }
        if (isTransient(e) && Date.now() - this.lastRenewOkAt < this.args.leaseDurationInSeconds * 1000 && attempt < 100) {
          await sleep(Math.min(200 * 2 ** attempt, 2000), undefined);
          continue;
        }
        if (isTransient(e)) {
          throw this.lose(`Lost the journal ${this.location}: storage did not answer while its lease ran out. This runner stopped; resume with --resume once storage is reachable.`, {}, e);
        }
        throw storageError(e, "writing the journal", this.location);
      }
    }
  }
}

