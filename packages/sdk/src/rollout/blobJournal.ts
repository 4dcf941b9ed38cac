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
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import {
  AnonymousCredential,
  BlobServiceClient,
  newPipeline,
  StorageSharedKeyCredential,
  type BlobLeaseClient,
  type BlockBlobClient,
  type ContainerClient,
} from "@azure/storage-blob";
import { KubeProxyError, ValidationError } from "../errors";
import { sleep } from "../poll";
import { parseBlobJournalUrl, type BlobJournalLocation } from "./blobLocation";
import { DocumentFleetCoordinator, type ConditionalDocument, type FleetCoordinator } from "./fleetRecord";
import type { JournalCluster, RolloutJournal } from "./journal";
import { JournalLockedError, type JournalLockHolder } from "./journalLock";
import { journalIssues } from "./journalValidate";
import type { JournalStore, OpenJournalOptions, OpenRolloutJournal, StoredJournal } from "./journalStore";
import type { Shard } from "./shard";

/** The blob journal's lease was lost: another runner took the journal over (or it could not be renewed in time). */
export class JournalLeaseLostError extends KubeProxyError {
  /** The runner that holds the journal now, when known. */
  readonly holder: JournalLockHolder;
  /**
   * @param message - what happened and what to do
   * @param holder - who holds the journal now
   * @param details - status, storage error code, request id, cause
   */
  constructor(message: string, holder: JournalLockHolder = {}, details: ConstructorParameters<typeof KubeProxyError>[2] = {}) {
    super("JournalLeaseLost", message, details);
    this.holder = holder;
  }
}

/** Azure Storage refused or failed a request of the blob journal (permissions, missing container...). */
export class JournalStorageError extends KubeProxyError {
  /**
   * @param message - what happened and what to do
   * @param details - status, storage error code (in `armCode`), request id, cause
   */
  constructor(message: string, details: ConstructorParameters<typeof KubeProxyError>[2] = {}) {
    super("JournalStorageError", message, details);
  }
}

/** Options of {@link BlobJournalStore}. */
export interface BlobJournalStoreOptions {
  /** The folder: `https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH` or `http(s)://HOST:PORT/ACCOUNT/CONTAINER/PATH`. */
  readonly url: string;
  /** Microsoft Entra credential (the same chain as ARM: `createCredential`). Used unless an account key or SAS is given. */
  readonly credential?: TokenCredential;
  /** Storage account key: only when given explicitly; never logged. */
  readonly accountKey?: string;
  /** SAS token (with or without the leading `?`): only when given explicitly; never logged. */
  readonly sasToken?: string;
  /** Lease duration, 15 to 60 seconds: how long after a runner dies another can take its journal over. @default 30 */
  readonly leaseDurationInSeconds?: number;
  /** Between two journal writes, wait at least this many times as long as the last write took (group commit). @default 4 */
  readonly pacingFactor?: number;
  /** Poll interval while waiting for other shards or a lease. @default 5000 */
  readonly pollIntervalInMs?: number;
  /** Retries of the storage pipeline. @default 8 tries, 200 ms doubling up to 4 s, 30 s per try */
  readonly retry?: { readonly maxTries?: number; readonly retryDelayInMs?: number; readonly maxRetryDelayInMs?: number; readonly tryTimeoutInMs?: number };
}

/** The longest pause group commit puts between two journal writes. */
const MAX_PACING_GAP_MS = 2000;

/** Counts requests to the store (for benchmarks: journal requests per cluster). @internal */
interface RequestCounter {
  n: number;
}

interface StorageErrorLike {
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string; requestId?: string };
  request?: unknown;
  response?: { headers?: { get(name: string): string | undefined } };
}

function storageCode(e: unknown): string | undefined {
  const x = e as StorageErrorLike;
  return x?.details?.errorCode ?? x?.response?.headers?.get("x-ms-error-code") ?? (typeof x?.code === "string" ? x.code : undefined);
}

function statusOf(e: unknown): number | undefined {
  const s = (e as StorageErrorLike)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

function requestIdOf(e: unknown): string | undefined {
  const x = e as StorageErrorLike;
  return x?.details?.requestId ?? x?.response?.headers?.get("x-ms-request-id");
}

function isTransient(e: unknown): boolean {
  const s = statusOf(e);
  return s === undefined || s === 408 || s === 429 || s >= 500;
}

/** Maps a storage failure to a typed error that says what to do. */
function storageError(e: unknown, what: string, where: string): KubeProxyError {
  const status = statusOf(e);
  const code = storageCode(e);
  const requestId = requestIdOf(e);
  const details = { ...(status !== undefined ? { statusCode: status } : {}), ...(code ? { armCode: code } : {}), ...(requestId ? { requestId } : {}), cause: e };
  let hint = "Check the URL and that the storage account is reachable, then run again (with --resume if the journal exists).";
  if (status === 403 || status === 401) {
    hint =
      "The identity may not use this container: grant it the role \"Storage Blob Data Contributor\" on the container (az role assignment create --role \"Storage Blob Data Contributor\" --scope <container resource id>), or pass AZURE_STORAGE_KEY / AZURE_STORAGE_SAS_TOKEN explicitly.";
  } else if (code === "ContainerNotFound") {
    hint = "Create the container first (az storage container create --auth-mode login ...): the rollout does not create containers.";
  }
  const msg = (e as Error)?.message?.split("\n")[0] ?? String(e);
  return new JournalStorageError(`${what} ${where} failed (${status ?? "no answer"}${code ? ` ${code}` : ""}: ${msg}). ${hint}`, details);
}

const META = {
  host: "holderhost",
  pid: "holderpid",
  purpose: "holderpurpose",
  startedAt: "holderstartedat",
  runId: "holderrunid",
  seq: "writeseq",
  released: "released",
} as const;

const ascii = (s: string): string => s.replace(/[^\x20-\x7e]/g, "?");

function holderOf(metadata: Record<string, string> | undefined): JournalLockHolder & { runId?: string; released?: boolean } {
  const m = metadata ?? {};
  const pid = Number(m[META.pid]);
  return {
    ...(m[META.host] ? { host: m[META.host] } : {}),
    ...(Number.isInteger(pid) && pid > 0 ? { pid } : {}),
    ...(m[META.purpose] ? { purpose: m[META.purpose] } : {}),
    ...(m[META.startedAt] ? { startedAt: m[META.startedAt] } : {}),
    ...(m[META.runId] ? { runId: m[META.runId] } : {}),
    released: m[META.released] === "1",
  };
}

/** Describes a holder for messages: `process 123 on runner-7 (rollout apply), since ...`. */
export function describeJournalHolder(h: JournalLockHolder): string {
  const what = h.purpose ? ` (${h.purpose})` : "";
  const since = h.startedAt ? `, since ${h.startedAt}` : "";
  return `process ${h.pid ?? "?"} on ${h.host ?? "?"}${what}${since}`;
}

/** Parses and checks a journal read from storage. */
function parseJournal(text: string, where: string): RolloutJournal {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`journal ${where} is not valid JSON (${(error as Error).message}).`, [{ path: "$", message: "not valid JSON" }], { cause: error });
  }
  const issues = journalIssues(json);
  if (issues.length > 0) {
    const lines = issues.map((i) => `  - ${i.path}: ${i.message}${i.found !== undefined ? ` (found ${String(i.found)})` : ""}`);
    throw new ValidationError(`journal ${where} cannot be used (edited by hand, or written by another version?):\n${lines.join("\n")}`, issues);
  }
  return json as RolloutJournal;
}

async function downloadText(blob: BlockBlobClient, options: Parameters<BlockBlobClient["download"]>[2] = {}): Promise<{ text: string; etag: string; metadata: Record<string, string> }> {
  const res = await blob.download(0, undefined, options);
  const chunks: Buffer[] = [];
  for await (const chunk of res.readableStreamBody as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return { text: Buffer.concat(chunks).toString("utf8"), etag: res.etag ?? "", metadata: res.metadata ?? {} };
}

/** The fleet record blob as a {@link ConditionalDocument}. */
class BlobDocument implements ConditionalDocument {
  constructor(
    private readonly blob: BlockBlobClient,
    private readonly counter: RequestCounter,
    private readonly where: string,
  ) {}

  get requests(): number {
    return this.counter.n;
  }

  async read(): Promise<{ text: string; version: string } | undefined> {
    this.counter.n++;
    try {
      const { text, etag } = await downloadText(this.blob);
      return { text, version: etag };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw storageError(e, "reading", this.where);
    }
  }

  async write(text: string, version: string | undefined): Promise<string | "conflict"> {
    this.counter.n++;
    const body = Buffer.from(text, "utf8");
    try {
      const res = await this.blob.upload(body, body.length, {
        conditions: version === undefined ? { ifNoneMatch: "*" } : { ifMatch: version },
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
      return res.etag ?? "";
    } catch (e) {
      const s = statusOf(e);
      if (s === 412 || s === 409) return "conflict";
      throw storageError(e, "writing", this.where);
    }
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

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
  private pending: Deferred | undefined;
  private flushing: Promise<void> | undefined;
  private nextWriteAtMs = 0;
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
    this.pending ??= deferred();
    const { promise } = this.pending;
    this.flushing ??= this.flushLoop();
    return promise;
  }

  /** Writes the last state (marked released), then releases the lease. After a lost lease, only stops renewing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    try {
      if (!this.lostError_) {
        await this.commit().catch(() => undefined);
        await this.flushing;
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
   * After a refused write or renewal: when the blob is not leased by anyone and still holds this runner's last write
   * (same ETag: nobody wrote since), the lease merely lapsed (storage was unreachable past its duration, or the storage
   * service lost it in a restart). Taking it again, conditional on that ETag, is then safe. True when retaken.
   */
  private async retakeLapsedLease(): Promise<boolean> {
    try {
      this.args.counter.n++;
      const p = await this.args.blob.getProperties();
      if (p.leaseState === "leased" || p.etag !== this.etag) return false;
      this.args.counter.n++;
      await this.args.lease.acquireLease(this.args.leaseDurationInSeconds, { conditions: { ifMatch: this.etag } });
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

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending) {
        const gap = this.nextWriteAtMs - Date.now();
        if (gap > 0 && !this.closing) await new Promise((resolve) => setTimeout(resolve, gap));
        const batch = this.pending;
        this.pending = undefined;
        try {
          // Pacing from the last attempt only (retries through an outage must not delay the writes after it), capped.
          const tookMs = await this.writeNow();
          this.nextWriteAtMs = Date.now() + Math.min(tookMs * this.args.pacingFactor, MAX_PACING_GAP_MS);
          batch.resolve();
        } catch (error) {
          batch.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
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

/** The blob store: a folder of shard journals and the fleet record. */
export class BlobJournalStore implements JournalStore {
  /** Always `blob`. */
  readonly kind = "blob" as const;
  /** The folder's URL (no secret). */
  readonly location: string;
  /** The parsed URL. */
  readonly where: BlobJournalLocation;
  private readonly container: ContainerClient;
  private readonly counter: RequestCounter = { n: 0 };
  private readonly leaseDurationInSeconds: number;

  /**
   * @param options - URL, credential (or explicit account key / SAS), lease duration, pacing, retries
   * @throws {@link ValidationError} when the URL is not a blob journal URL or no credential is given
   */
  constructor(private readonly options: BlobJournalStoreOptions) {
    this.where = parseBlobJournalUrl(options.url);
    this.location = this.where.url;
    const lease = options.leaseDurationInSeconds ?? 30;
    if (!Number.isInteger(lease) || lease < 15 || lease > 60) {
      throw new ValidationError(`leaseDurationInSeconds must be a whole number from 15 to 60 (Azure's lease limits); found ${lease}.`, [{ path: "leaseDurationInSeconds", message: "15 to 60", found: lease }]);
    }
    this.leaseDurationInSeconds = lease;
    const retryOptions = { maxTries: 8, retryDelayInMs: 200, maxRetryDelayInMs: 4000, tryTimeoutInMs: 30_000, ...options.retry };
    let serviceUrl = this.where.serviceUrl;
    let credential: TokenCredential | StorageSharedKeyCredential | AnonymousCredential;
    if (options.accountKey) {
      credential = new StorageSharedKeyCredential(this.where.accountName, options.accountKey);
    } else if (options.sasToken) {
      credential = new AnonymousCredential();
      serviceUrl = `${serviceUrl}?${options.sasToken.replace(/^\?/, "")}`;
    } else if (options.credential) {
      if (serviceUrl.startsWith("http:")) {
        throw new ValidationError(
          `journal ${this.location}: Microsoft Entra tokens are only sent over https. For an emulator on plain http, pass its account key (AZURE_STORAGE_KEY; Azurite's is the well-known development key), or start it with https.`,
          [{ path: "journal", message: "bearer token over http" }],
        );
      }
      credential = options.credential;
    } else {
      throw new ValidationError(`journal ${this.location}: no credential for Azure Storage. Sign in as for ARM (Microsoft Entra ID), or pass an account key or SAS explicitly.`, [
        { path: "credential", message: "missing" },
      ]);
    }
    this.container = new BlobServiceClient(serviceUrl, newPipeline(credential, { retryOptions })).getContainerClient(this.where.containerName);
  }

  /** Requests this store made (journals, leases, fleet record; retries inside the storage pipeline not counted). */
  get requests(): number {
    return this.counter.n;
  }

  /** The blob name of a shard's journal. */
  journalBlobName(shard: Shard | undefined): string {
    return `${this.where.prefix}/${shard && shard.count > 1 ? `shard-${shard.index}-of-${shard.count}` : "journal"}.json`;
  }

  private url(name: string): string {
    return `${this.where.serviceUrl}/${this.where.containerName}/${name}`;
  }

  private fleetFor(journal: RolloutJournal): FleetCoordinator {
    const name = `${this.where.prefix}/fleet.json`;
    return new DocumentFleetCoordinator({
      document: new BlobDocument(this.container.getBlockBlobClient(name), this.counter, this.url(name)),
      specHash: journal.specHash,
      shard: journal.shard ?? { index: 1, count: 1 },
      location: this.url(name),
      ...(this.options.pollIntervalInMs !== undefined ? { pollIntervalInMs: this.options.pollIntervalInMs } : {}),
    });
  }

  private holder(purpose: string | undefined): Record<string, string> {
    return {
      [META.host]: ascii(hostname()),
      [META.pid]: String(process.pid),
      ...(purpose ? { [META.purpose]: ascii(purpose) } : {}),
      [META.startedAt]: new Date().toISOString(),
      [META.runId]: randomUUID(),
    };
  }

  async exists(options: { readonly shard?: Shard } = {}): Promise<boolean> {
    const name = this.journalBlobName(options.shard);
    this.counter.n++;
    try {
      return await this.container.getBlockBlobClient(name).exists();
    } catch (e) {
      throw storageError(e, "checking", this.url(name));
    }
  }

  async create(journal: RolloutJournal, options: OpenJournalOptions = {}): Promise<OpenRolloutJournal> {
    const name = this.journalBlobName(journal.shard);
    const where = this.url(name);
    const blob = this.container.getBlockBlobClient(name);
    const holder = this.holder(options.purpose);
    journal.updatedAt = new Date().toISOString();
    const body = Buffer.from(`${JSON.stringify(journal)}\n`, "utf8");
    let etag: string;
    try {
      this.counter.n++;
      const res = await blob.upload(body, body.length, {
        conditions: { ifNoneMatch: "*" },
        metadata: { ...holder, [META.seq]: "1", [META.released]: "0" },
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
      etag = res.etag ?? "";
    } catch (e) {
      if (statusOf(e) === 409 || statusOf(e) === 412) {
        throw new ValidationError(`journal ${where} already exists: resume it with --resume, read it with "rollout status", or choose another folder.`, [
          { path: "journal", message: "blob exists", found: where },
        ]);
      }
      throw storageError(e, "creating the journal", where);
    }
    const lease = blob.getBlobLeaseClient(randomUUID());
    try {
      this.counter.n++;
      await lease.acquireLease(this.leaseDurationInSeconds, { conditions: { ifMatch: etag } });
    } catch (e) {
      if (statusOf(e) === 409 || statusOf(e) === 412) throw await this.lockedError(blob, where);
      throw storageError(e, "leasing the journal", where);
    }
    return new BlobRolloutJournal({
      blob,
      lease,
      location: where,
      journal,
      etag,
      seq: 1,
      holder,
      leaseDurationInSeconds: this.leaseDurationInSeconds,
      pacingFactor: this.options.pacingFactor ?? 4,
      counter: this.counter,
      fleet: this.fleetFor(journal),
    });
  }

  private async lockedError(blob: BlockBlobClient, where: string, metadata?: Record<string, string>): Promise<JournalLockedError> {
    let m = metadata;
    if (!m) {
      this.counter.n++;
      m = await blob.getProperties().then(
        (p) => p.metadata ?? {},
        () => ({}),
      );
    }
    const h = holderOf(m);
    const holder: JournalLockHolder = { ...(h.pid !== undefined ? { pid: h.pid } : {}), ...(h.host ? { host: h.host } : {}), ...(h.purpose ? { purpose: h.purpose } : {}), ...(h.startedAt ? { startedAt: h.startedAt } : {}) };
    return new JournalLockedError(
      `journal ${where} is in use by ${describeJournalHolder(holder)} (its blob lease is held). Wait for it to finish; if that runner is gone, ` +
        `its lease runs out within ${this.leaseDurationInSeconds} s of its last renewal: then resume with --resume (or pass --lock-timeout to wait for it).`,
      where,
      holder,
    );
  }

  async open(options: OpenJournalOptions = {}): Promise<OpenRolloutJournal> {
    const name = this.journalBlobName(options.shard);
    const where = this.url(name);
    const blob = this.container.getBlockBlobClient(name);
    const deadline = Date.now() + (options.lockWaitInMs ?? 0);
    for (;;) {
      let props;
      try {
        this.counter.n++;
        props = await blob.getProperties();
      } catch (e) {
        if (statusOf(e) === 404 && storageCode(e) !== "ContainerNotFound") {
          throw new ValidationError(`journal ${where}: blob not found. Pass the --journal folder (and --shard) a rollout apply wrote.`, [{ path: "journal", message: "not found", found: where }]);
        }
        throw storageError(e, "reading", where);
      }
      const metadata = props.metadata ?? {};
      if (props.leaseState === "leased") {
        if (Date.now() < deadline) {
          await sleep(Math.min(this.options.pollIntervalInMs ?? 5000, 2000, deadline - Date.now()), options.abortSignal, `waiting for the lease of ${where}`);
          continue;
        }
        throw await this.lockedError(blob, where, metadata);
      }
      const previous = holderOf(metadata);
      const lease = blob.getBlobLeaseClient(randomUUID());
      try {
        this.counter.n++;
        await lease.acquireLease(this.leaseDurationInSeconds, { conditions: { ifMatch: props.etag ?? "*" } });
      } catch (e) {
        if (statusOf(e) === 412) continue; // written meanwhile: look again
        if (statusOf(e) === 409) {
          if (Date.now() < deadline) continue;
          throw await this.lockedError(blob, where);
        }
        throw storageError(e, "leasing the journal", where);
      }
      let text: string;
      let etag: string;
      try {
        this.counter.n++;
        ({ text, etag } = await downloadText(blob, { conditions: { leaseId: lease.leaseId } }));
      } catch (e) {
        await lease.releaseLease().catch(() => undefined);
        throw storageError(e, "reading", where);
      }
      let journal: RolloutJournal;
      try {
        journal = parseJournal(text, where);
      } catch (e) {
        this.counter.n++;
        await lease.releaseLease().catch(() => undefined);
        throw e;
      }
      // Publish the new holder at once: whoever finds the journal leased is told who holds it now, and the previous
      // holder's next write fails its If-Match even before this runner writes the journal.
      const holder = this.holder(options.purpose);
      const seq = (Number(metadata[META.seq]) || 0) + 1;
      try {
        this.counter.n++;
        const res = await blob.setMetadata({ ...holder, [META.seq]: String(seq), [META.released]: "0" }, { conditions: { leaseId: lease.leaseId, ifMatch: etag } });
        etag = res.etag ?? etag;
      } catch (e) {
        this.counter.n++;
        await lease.releaseLease().catch(() => undefined);
        throw storageError(e, "taking the journal", where);
      }
      const crashed = !previous.released && previous.runId !== undefined;
      const prevHolder: JournalLockHolder = {
        ...(previous.pid !== undefined ? { pid: previous.pid } : {}),
        ...(previous.host ? { host: previous.host } : {}),
        ...(previous.purpose ? { purpose: previous.purpose } : {}),
        ...(previous.startedAt ? { startedAt: previous.startedAt } : {}),
      };
      const takeover: JournalTakeover | undefined = crashed
        ? {
            previous: prevHolder,
            message: `Took over journal ${where} from ${describeJournalHolder(prevHolder)}: its lease ${props.leaseState === "broken" ? "was broken" : "expired"} without the journal being released (the runner stopped or lost its connection).`,
          }
        : undefined;
      return new BlobRolloutJournal({
        blob,
        lease,
        location: where,
        journal,
        etag,
        seq,
        holder,
        leaseDurationInSeconds: this.leaseDurationInSeconds,
        pacingFactor: this.options.pacingFactor ?? 4,
        counter: this.counter,
        fleet: this.fleetFor(journal),
        ...(takeover ? { takeover } : {}),
      });
    }
  }

  async readAll(options: { readonly abortSignal?: AbortSignal } = {}): Promise<StoredJournal[]> {
    const prefix = `${this.where.prefix}/`;
    const names: string[] = [];
    try {
      for await (const item of this.container.listBlobsFlat({ prefix, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) })) {
        this.counter.n++;
        const rest = item.name.slice(prefix.length);
        if (/^(journal|shard-\d+-of-\d+)\.json$/.test(rest)) names.push(item.name);
      }
    } catch (e) {
      throw storageError(e, "listing", this.location);
    }
    if (names.length === 0) {
      throw new ValidationError(`no journal in ${this.location}: pass the folder a rollout apply wrote (--journal).`, [{ path: "journal", message: "no journal", found: this.location }]);
    }
    names.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    return Promise.all(
      names.map(async (name) => {
        const where = this.url(name);
        this.counter.n++;
        const { text } = await downloadText(this.container.getBlockBlobClient(name)).catch((e: unknown) => {
          throw storageError(e, "reading", where);
        });
        return { journal: parseJournal(text, where), path: where };
      }),
    );
  }
}

