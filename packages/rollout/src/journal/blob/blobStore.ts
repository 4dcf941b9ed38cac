/**
 * The blob journal store: a folder in a blob container holding one journal per shard (`journal.json` for an unsharded
 * rollout, `shard-<i>-of-<n>.json`) and the fleet record (`fleet.json`). It creates a journal (`If-None-Match: *`,
 * then its lease), opens one (lease first, conditional on the ETag read; a lease that expired without the journal
 * being released is taken over, naming its holder), and reads every journal of the folder for reports. The opened
 * journal is a {@link BlobRolloutJournal} (`blobJournal.ts`).
 * @packageDocumentation
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { AnonymousCredential, BlobServiceClient, newPipeline, StorageSharedKeyCredential, type BlockBlobClient, type ContainerClient } from "@azure/storage-blob";
import { ValidationError } from "@aks-kube-proxy/sdk";
import { sleep } from "@aks-kube-proxy/sdk";
import { BlobRolloutJournal, type JournalTakeover } from "./blobJournal";
import { parseBlobJournalUrl, type BlobJournalLocation } from "./blobLocation";
import { ascii, BlobDocument, describeJournalHolder, downloadText, holderOf, META, parseBlobJournal, parseJournal, statusOf, storageCode, storageError, type RequestCounter } from "./blobStorage";
import { DocumentFleetCoordinator, type FleetCoordinator } from "../fleetRecord";
import type { RolloutJournal, WaveApproval } from "../journal";
import { approvableWave, type ApprovalResult } from "../approval";
import type { RolloutControl, RolloutControlChange } from "../control";
import { JournalLockedError, type JournalLockHolder } from "../journalLock";
import type { JournalStore, OpenJournalOptions, OpenRolloutJournal, StoredJournal } from "../journalStoreTypes";
import type { Shard } from "../../spec/shard";

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

  /** {@inheritDoc JournalStore.updateControl} */
  async updateControl(change: RolloutControlChange): Promise<{ control: RolloutControl; changed: boolean; location: string }> {
    const first = (await this.readAll())[0];
    if (!first) throw new ValidationError(`no rollout journal in ${this.location} (run rollout apply first).`, [{ path: "journal", message: "no journal", found: this.location }]);
    return { ...(await this.fleetFor(first.journal).updateControl(change)), location: this.url(`${this.where.prefix}/fleet.json`) };
  }

  /** {@inheritDoc JournalStore.approve} */
  async approve(wave: string, approval: WaveApproval): Promise<ApprovalResult> {
    const journals = await this.readAll();
    const first = journals[0];
    if (!first) {
      throw new ValidationError(`no rollout journal in ${this.location}: nothing to approve (run rollout apply first).`, [{ path: "journal", message: "no journal", found: this.location }]);
    }
    const w = approvableWave(first.journal, wave);
    const fleet = this.fleetFor(first.journal);
    const recorded = await fleet.approve(w.name, approval);
    return { wave: w.name, approval: recorded, alreadyApproved: recorded.at !== approval.at || recorded.by !== approval.by, location: `${this.url(`${this.where.prefix}/fleet.json`)}` };
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
      let logSeq: number;
      try {
        ({ journal, seq: logSeq } = parseBlobJournal(text, where));
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
        logSeq,
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


