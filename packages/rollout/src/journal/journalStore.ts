/**
 * Where a rollout journal is kept. A {@link JournalStore} creates, opens (with its lock) and reads journals; what it
 * hands back, an {@link OpenRolloutJournal}, is all the executor needs: the journal to mutate, `changed`, `commit`,
 * `close`, and, for a shared store, a fleet coordinator and a signal that fires when the lock is lost.
 *
 * Two stores: the local file (`journalFile.ts`: atomic replace, group commit, lock file) and Azure Blob Storage
 * (`blobStore.ts`, `blobJournal.ts`: If-Match on every write, a blob lease as the lock, a fleet record shared by the shards).
 * `journalStoreFor` picks one from what the user passed as `--journal`: an http(s) URL is a blob journal.
 * @packageDocumentation
 */
import { access } from "node:fs/promises";
import { approvableWave, type ApprovalResult } from "./approval";
import { controlFileOf, updateFileControl, type RolloutControl, type RolloutControlChange } from "./control";
import type { RolloutJournal, WaveApproval } from "./journal";
import { readRolloutJournal, RolloutJournalFile, type JournalFileOptions } from "./journalFile";
import { BlobJournalStore, type BlobJournalStoreOptions } from "./blob/blobStore";
import { isBlobJournalUrl } from "./blob/blobLocation";
import type { JournalStore, OpenJournalOptions, OpenRolloutJournal, StoredJournal } from "./journalStoreTypes";

export type { OpenRolloutJournal, OpenJournalOptions, StoredJournal, JournalStore } from "./journalStoreTypes";


/** The local file store: one journal file per shard, the path given by the user. */
export class FileJournalStore implements JournalStore {
  /** Always `file`. */
  readonly kind = "file" as const;
  /**
   * @param location - the journal file
   * @param fileOptions - durability and pacing of its writes
   */
  constructor(
    readonly location: string,
    private readonly fileOptions: JournalFileOptions = {},
  ) {}

  /** {@inheritDoc JournalStore.create} */
  create(journal: RolloutJournal, options: OpenJournalOptions = {}): Promise<OpenRolloutJournal> {
    return RolloutJournalFile.create(this.location, journal, { ...this.fileOptions, ...(options.purpose !== undefined ? { purpose: options.purpose } : {}) });
  }

  /** {@inheritDoc JournalStore.open} */
  open(options: OpenJournalOptions = {}): Promise<OpenRolloutJournal> {
    return RolloutJournalFile.open(this.location, { ...this.fileOptions, ...(options.purpose !== undefined ? { purpose: options.purpose } : {}) });
  }

  /** {@inheritDoc JournalStore.exists} */
  exists(): Promise<boolean> {
    return access(this.location).then(
      () => true,
      () => false,
    );
  }

  /** {@inheritDoc JournalStore.readAll} */
  async readAll(): Promise<StoredJournal[]> {
    return [{ journal: await readRolloutJournal(this.location), path: this.location }];
  }

  /** {@inheritDoc JournalStore.updateControl} */
  async updateControl(change: RolloutControlChange): Promise<{ control: RolloutControl; changed: boolean; location: string }> {
    await readRolloutJournal(this.location); // the journal must exist (and be one)
    return { ...(await updateFileControl(this.location, change)), location: controlFileOf(this.location) };
  }

  /** {@inheritDoc JournalStore.approve} */
  async approve(wave: string, approval: WaveApproval): Promise<ApprovalResult> {
    const file = await this.open({ purpose: "rollout approve" });
    try {
      const w = approvableWave(file.journal, wave);
      const alreadyApproved = w.approval !== undefined;
      w.approval ??= approval;
      if (!alreadyApproved) await file.commit();
      return { wave: w.name, approval: w.approval, alreadyApproved, location: this.location };
    } finally {
      await file.close();
    }
  }
}

/** Options of {@link journalStoreFor}. */
export interface JournalStoreForOptions {
  /** For a file journal: durability and pacing. */
  readonly file?: JournalFileOptions;
  /** For a blob journal: credential (or explicit account key / SAS), lease duration, pacing, retries. `url` comes from the location. */
  readonly blob?: Omit<BlobJournalStoreOptions, "url">;
}

/**
 * The store for what the user passed as `--journal`: an `http(s)://` URL is a folder in Azure Blob Storage, anything
 * else a local file.
 * @param location - a file path, or `https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH` (or a custom endpoint `http(s)://HOST:PORT/ACCOUNT/CONTAINER/PATH`)
 * @param options - per-store options
 * @throws {@link ValidationError} for a malformed blob URL or a blob URL without a credential
 */
export function journalStoreFor(location: string, options: JournalStoreForOptions = {}): JournalStore {
  if (isBlobJournalUrl(location)) return new BlobJournalStore({ ...options.blob, url: location });
  return new FileJournalStore(location, options.file);
}
