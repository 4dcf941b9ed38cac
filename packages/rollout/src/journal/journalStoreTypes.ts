/**
 * The contract of a journal store ({@link JournalStore}) and of what it hands back ({@link OpenRolloutJournal}), in a
 * module of their own: the file store (`journalStore.ts`) and the blob store (`blobStore.ts`, `blobJournal.ts`) both
 * implement it, and neither needs to import the other.
 * @packageDocumentation
 */
import type { ApprovalResult } from "./approval";
import type { RolloutControl, RolloutControlChange } from "./control";
import type { JournalCluster, RolloutJournal, WaveApproval } from "./journal";
import type { FleetCoordinator } from "./fleetRecord";
import type { Shard } from "../spec/shard";
/** A journal opened for writing by this process, holding its lock until {@link OpenRolloutJournal.close}. */
export interface OpenRolloutJournal {
  /** The journal; mutate it in place, then {@link OpenRolloutJournal.commit}. */
  readonly journal: RolloutJournal;
  /** Where it is kept (a file path or a blob URL; never with a secret in it). */
  readonly location: string;
  /** Writes of the journal so far. */
  readonly writes: number;
  /** Declares clusters changed since the last write (lets a store serialise only those). */
  changed(...clusters: JournalCluster[]): void;
  /** Writes the journal as it is now (grouped with other steps); resolves once a write that includes every change made before the call is stored. */
  commit(): Promise<void>;
  /** Writes the last state and releases the lock. */
  close(): Promise<void>;
  /** Coordination with the other shards of the rollout (a shared store only): fleet-wide halt, failure counts, wave order. */
  readonly fleet?: FleetCoordinator;
  /** Aborts when this process lost the journal's lock (another runner took it over); the run must stop. */
  readonly lockLost?: AbortSignal;
  /** Why the lock was lost (set when {@link OpenRolloutJournal.lockLost} fired). */
  readonly lockLostError?: Error;
}

/** Options of {@link JournalStore.create} and {@link JournalStore.open}. */
export interface OpenJournalOptions {
  /** What the process does with the journal (`rollout apply`...), recorded in its lock and shown to whoever finds it locked. */
  readonly purpose?: string;
  /** The shard whose journal to open (a store that keeps every shard in one place picks its journal by shard). */
  readonly shard?: Shard;
  /** How long to wait for a lock another process holds (e.g. a crashed runner's blob lease running out). @default 0 */
  readonly lockWaitInMs?: number;
  /** Stops waiting for the lock. */
  readonly abortSignal?: AbortSignal;
}

/** A journal read without its lock, with where it came from. */
export interface StoredJournal {
  /** The journal. */
  readonly journal: RolloutJournal;
  /** Its location (file path or blob URL), for reports. */
  readonly path: string;
}

/** Where journals are kept: a local file, or a folder in Azure Blob Storage. */
export interface JournalStore {
  /** `file` or `blob`. */
  readonly kind: "file" | "blob";
  /** What the user passed (a file path, or the blob folder's URL; never with a secret). */
  readonly location: string;
  /**
   * Creates a new journal and takes its lock; refuses to replace an existing one.
   * @throws {@link ValidationError} when it exists; {@link JournalLockedError} when another process holds it
   */
  create(journal: RolloutJournal, options?: OpenJournalOptions): Promise<OpenRolloutJournal>;
  /**
   * Opens an existing journal to continue it, taking its lock (and, after a crashed holder's lock expired, taking it over).
   * @throws {@link ValidationError} when it is missing or unreadable; {@link JournalLockedError} when another live process holds it
   */
  open(options?: OpenJournalOptions): Promise<OpenRolloutJournal>;
  /** True when the journal (of this shard) exists. */
  exists(options?: { readonly shard?: Shard }): Promise<boolean>;
  /** Every journal kept at this location, read live without the lock (a folder holds one per shard). */
  readAll(options?: { readonly abortSignal?: AbortSignal }): Promise<StoredJournal[]>;
  /**
   * Records the approval of a wave that has `approval: true` (`rollout approve`): on the journal's wave (a file, under
   * its lock), or once for the fleet in the fleet record (a blob folder). An earlier approval is kept.
   * @throws {@link ValidationError} when the wave is unknown or needs no approval; {@link JournalLockedError} when a run holds a file journal
   */
  approve(wave: string, approval: WaveApproval): Promise<ApprovalResult>;
  /**
   * Records a skip or stop request (`rollout skip`, `rollout stop`) that running runners honour at their next cluster:
   * beside a file journal (`<journal>.control.json`), or in a blob folder's fleet record.
   */
  updateControl(change: RolloutControlChange): Promise<{ control: RolloutControl; changed: boolean; location: string }>;
}
