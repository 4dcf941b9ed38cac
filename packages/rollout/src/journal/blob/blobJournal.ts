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
 * - **Writes cost what changed**: the journal blob is a block blob whose blocks are a snapshot (the whole journal on
 *   one line: version {@link JOURNAL_FILE_VERSION_WITH_LOG} with `logSeq` while records follow it) and log records,
 *   one per write (the clusters declared changed, and the header when it changed: the file journal's log record). A
 *   write stages one block (the record) and commits the block list (the blocks before it plus the new one) with
 *   If-Match, the lease and the holder's metadata, so a write is atomic: a runner killed at any moment leaves the
 *   previous or the next state, and whoever opens or reads the blob applies the records to the snapshot. Once the
 *   bytes sent since the last snapshot outgrow it (and 1 MiB), or the blob nears Azure's 50,000 committed blocks, the
 *   next write is a compaction: a new snapshot alone. The first write of a runner and a clean close are compactions
 *   (close: a single version-1 document).
 * - **Secrets**: a Microsoft Entra token from the caller's credential by default; an account key or a SAS only when given
 *   explicitly. Neither is part of any message, location or log line (the storage pipeline redacts headers and `sig`).
 * @packageDocumentation
 */
import { sleep } from "@aks-kube-proxy/sdk";
import type { BlobLeaseClient, BlockBlobClient } from "@azure/storage-blob";
import { describeJournalHolder, holderOf, isTransient, JournalLeaseLostError, META, statusOf, storageCode, storageError, type RequestCounter } from "./blobStorage";
import type { FleetCoordinator } from "../fleetRecord";
import { JOURNAL_VERSION, type JournalCluster, type RolloutJournal } from "../journal";
import { JOURNAL_FILE_VERSION_WITH_LOG, recordOf } from "../journalFile";
import type { JournalLockHolder } from "../journalLock";
import { GroupCommit } from "../groupCommit";
import type { OpenRolloutJournal } from "../journalStoreTypes";

/** The longest pause group commit puts between two journal writes. */
const MAX_PACING_GAP_MS = 2000;
/** Compact once the bytes sent since the last snapshot (records and block lists) exceed it and this. */
const MIN_COMPACTION_BYTES = 1 << 20;
/** Compact before the blob reaches this many committed blocks (Azure allows 50,000). */
const MAX_BLOCKS = 40_000;
/** A snapshot is staged in blocks of at most this size (Azure's limit per block is far higher; requests stay small). */
const SNAPSHOT_BLOCK_BYTES = 4 << 20;
/** Bytes a block's entry adds to a block list request (`<Latest>…</Latest>`, a 48-character id). */
const BLOCK_LIST_ENTRY_BYTES = 65;


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
  /** Compactions (whole-journal snapshots) so far. */
  compactions = 0;
  /** Bytes sent by journal writes so far (staged blocks and block lists; for benchmarks and tests). */
  bytesWritten = 0;
  /** Bytes the last write sent (its staged blocks and its block list). */
  lastWriteBytes = 0;
  /** Clusters declared changed since the last write. */
  private dirty = new Set<JournalCluster>();
  private tracking = false;
  private indexOf: Map<JournalCluster, number> | undefined;
  /** The last log record written (or included in the snapshot). */
  private logSeq: number;
  /** The header as last written (without `updatedAt` and `spec`). */
  private lastHeader: string | undefined;
  /** The committed blocks, in order (unknown after open: the first write is a compaction). */
  private blocks: string[] = [];
  private mustCompact = true;
  private snapshotBytes = 0;
  private sentSinceSnapshot = 0;
  private blockCounter = 0;

  /** @internal */
  constructor(
    private readonly args: {
      readonly blob: BlockBlobClient;
      readonly lease: BlobLeaseClient;
      readonly location: string;
      readonly journal: RolloutJournal;
      readonly etag: string;
      readonly seq: number;
      /** The last log record the journal read includes. @default 0 */
      readonly logSeq?: number;
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
    this.logSeq = args.logSeq ?? 0;
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

  /**
   * Declares clusters changed since the last write: once a caller declares changes, a write sends only a log record
   * of the declared clusters; a caller that never does gets a snapshot at each write.
   */
  changed(...clusters: JournalCluster[]): void {
    this.tracking = true;
    for (const c of clusters) this.dirty.add(c);
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


  /** A block id: fixed length (Azure requires one length per blob), unique to this runner and write. */
  private blockId(): string {
    const run = (this.args.holder[META.runId] ?? "").replace(/-/g, "").slice(0, 16).padEnd(16, "0");
    return Buffer.from(`${run}${String(++this.blockCounter).padStart(20, "0")}`, "utf8").toString("base64");
  }

  /**
   * The header as a record carries it (the journal without its clusters and `updatedAt`), and the key that tells
   * whether it changed (without `spec`, fixed from planning on), as the file journal's log does.
   */
  private header(): { json: string; value: Record<string, unknown> } {
    const { clusters, updatedAt, ...header } = this.journal;
    void clusters;
    void updatedAt;
    const { spec, ...rest } = header;
    void spec;
    return { json: JSON.stringify(rest), value: header };
  }

  /**
   * What the next write sends, serialised now (before any await: steps made while it is sent go to the next write):
   * a snapshot (compaction), or one log record after the committed blocks.
   */
  private nextWrite(): { blocks: { id: string; body: Buffer }[]; list: string[]; compaction: boolean; header: string; logSeq: number; dirty: Set<JournalCluster> } {
    this.journal.updatedAt = new Date().toISOString();
    const header = this.header();
    const dirty = this.dirty;
    this.dirty = new Set();
    let entries: [number, Record<string, unknown>][] | undefined = [];
    if (!this.mustCompact && this.tracking && !this.closing && this.sentSinceSnapshot <= Math.max(MIN_COMPACTION_BYTES, this.snapshotBytes) && this.blocks.length < MAX_BLOCKS) {
      this.indexOf ??= new Map(this.journal.clusters.map((c, i) => [c, i]));
      for (const c of dirty) {
        const i = this.indexOf.get(c);
        if (i === undefined) {
          // A cluster that is not in the journal's list (the list was replaced): write a snapshot.
          this.indexOf = undefined;
          entries = undefined;
          break;
        }
        entries.push([i, recordOf(c)]);
      }
    } else {
      entries = undefined;
    }
    if (entries) {
      const headerChanged = header.json !== this.lastHeader;
      const record = { seq: this.logSeq + 1, at: this.journal.updatedAt, ...(headerChanged ? { header: header.value } : {}), ...(entries.length ? { clusters: entries } : {}) };
      const block = { id: this.blockId(), body: Buffer.from(`${JSON.stringify(record)}\n`, "utf8") };
      return { blocks: [block], list: [...this.blocks, block.id], compaction: false, header: header.json, logSeq: this.logSeq + 1, dirty };
    }
    // A snapshot: version 2 and the last record it includes while records may follow; a clean close writes version 1.
    // Built a cluster at a time into blocks of at most 4 MiB, never as one string (tens of MB at 10,000 clusters).
    const final = this.closing;
    const { clusters, ...rest } = this.journal;
    const head = JSON.stringify({ ...rest, version: final ? JOURNAL_VERSION : JOURNAL_FILE_VERSION_WITH_LOG, ...(final ? {} : { logSeq: this.logSeq }) });
    const blocks: { id: string; body: Buffer }[] = [];
    let pieces: Buffer[] = [];
    let size = 0;
    const add = (text: string): void => {
      const piece = Buffer.from(text, "utf8");
      if (size + piece.length > SNAPSHOT_BLOCK_BYTES && size > 0) {
        blocks.push({ id: this.blockId(), body: Buffer.concat(pieces, size) });
        pieces = [];
        size = 0;
      }
      pieces.push(piece);
      size += piece.length;
    };
    add(`${head.slice(0, -1)},"clusters":[`);
    clusters.forEach((c, i) => add(`${i > 0 ? "," : ""}${JSON.stringify(c)}`));
    add("]}\n");
    blocks.push({ id: this.blockId(), body: Buffer.concat(pieces, size) });
    return { blocks, list: blocks.map((b) => b.id), compaction: true, header: header.json, logSeq: this.logSeq, dirty };
  }

  /** Writes the journal (a log record, or a snapshot); returns how long the attempt that succeeded took. */
  private async writeNow(): Promise<number> {
    if (this.lostError_) throw this.lostError_;
    const next = this.nextWrite();
    try {
      const took = await this.send(next.blocks, next.list);
      const sent = next.blocks.reduce((n, b) => n + b.body.length, 0) + next.list.length * BLOCK_LIST_ENTRY_BYTES;
      this.blocks = next.list;
      this.logSeq = next.logSeq;
      this.lastHeader = next.header;
      this.lastWriteBytes = sent;
      this.bytesWritten += sent;
      if (next.compaction) {
        this.compactions++;
        this.mustCompact = false;
        this.snapshotBytes = sent;
        this.sentSinceSnapshot = 0;
      } else {
        this.sentSinceSnapshot += sent;
      }
      return took;
    } catch (error) {
      // Nothing of a refused write is in the blob (a block list is committed whole or not at all): its clusters go
      // into the next write, which is a snapshot.
      for (const c of next.dirty) this.dirty.add(c);
      this.mustCompact = true;
      throw error;
    }
  }

  /** Stages the blocks, then commits the block list (If-Match, lease, metadata); returns how long the last attempt took. */
  private async send(blocks: readonly { id: string; body: Buffer }[], list: string[]): Promise<number> {
    const seq = ++this.seq;
    const metadata = { ...this.args.holder, [META.seq]: String(seq), [META.released]: this.closing ? "1" : "0" };
    const leaseId = this.args.lease.leaseId;
    let staged = 0;
    for (let attempt = 0; ; attempt++) {
      const attemptStarted = Date.now();
      try {
        for (; staged < blocks.length; staged++) {
          const block = blocks[staged] as { id: string; body: Buffer };
          this.args.counter.n++;
          await this.args.blob.stageBlock(block.id, block.body, block.body.length, { conditions: { leaseId } });
        }
        this.args.counter.n++;
        const res = await this.args.blob.commitBlockList(list, {
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
          if (attempt < 100 && (await this.retakeLapsedLease())) {
            staged = 0; // stage again: the blocks staged before may be gone with the lease
            continue;
          }
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

