/**
 * The journal on disk: one JSON document, replaced atomically (write a temporary file, flush it, rename it over the
 * journal) after every step, so that a crash at any moment leaves either the previous or the next state, never a torn
 * file; the directory is flushed after the rename. Steps that happen while a write is under way are grouped into the
 * next write (group commit). The lock (`journalLock.ts`) is taken before the journal is read, so two processes never
 * drive the same journal; temporary files left by a crashed writer are removed on the next open.
 * @packageDocumentation
 */
import { open, readdir, readFile, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ValidationError } from "@aks-kube-proxy/sdk";
import type { JournalCluster, RolloutJournal } from "./journal";
import { isProcessAlive, JournalLock, JournalLockedError } from "./journalLock";
import { GroupCommit } from "./groupCommit";
import { journalLogPath, JOURNAL_FILE_VERSION_WITH_LOG, recordOf, readJournalFile } from "./journalFileFormat";

export { JournalLockedError };
export { journalLogPath, JOURNAL_FILE_VERSION_WITH_LOG, recordOf, parseRolloutJournalFile, readJournalFile, readRolloutJournal, type ParsedJournalFile } from "./journalFileFormat";

/** Options of {@link RolloutJournalFile.create} and {@link RolloutJournalFile.open}. */
export interface JournalFileOptions {
  /** Flush each write, and the directory after each rename, to the disk (fsync), so a power loss cannot lose it either. @default true */
  readonly durable?: boolean;
  /**
   * After a compaction (a rewrite of the whole journal), wait this many times as long as it took (at most 1 s) before
   * the next write, grouping the steps made meanwhile into it. Appends to the log (what changed) are never paced: the
   * steps made while one is flushed go into the next.
   * @default 0 (compactions are rare: the log must outgrow four snapshots and 4 MiB)
   */
  readonly pacingFactor?: number;
  /** What this process does with the journal, recorded in its lock (`rollout apply`...). */
  readonly purpose?: string;
}

/** The pid in a temporary file's name (`<journal>.<pid>.<n>.tmp`, `<journal>.lock.<pid>.<hex>.tmp`). */
const TMP_PID = /\.(\d+)\.[0-9a-f]+\.tmp$/;

/**
 * Deletes the temporary files a crashed writer of this journal left behind (those of processes that are gone).
 * @internal
 */
export async function removeCrashLeftovers(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = `${basename(path)}.`;
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(base) || !name.endsWith(".tmp")) continue;
    const pid = Number(TMP_PID.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
    await unlink(join(dir, name)).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

/** fsync of a directory, so that a rename in it survives a power loss (a no-op where directories cannot be opened). */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // some file systems refuse fsync on directories
  } finally {
    await handle.close();
  }
}

/** Compact (rewrite the whole journal, empty the log) once the log is larger than this and than four snapshots. */
const MIN_COMPACTION_BYTES = 4 << 20;
/** The longest pause after a compaction. */
const MAX_COMPACTION_PAUSE_MS = 1000;

/**
 * A journal file owned by this process: mutate {@link RolloutJournalFile.journal}, then {@link RolloutJournalFile.commit}.
 *
 * On disk: a snapshot (the whole journal, one cluster per line, replaced atomically) and an append-only log beside it
 * (`<journal>.log`, one JSON record per line: the clusters declared changed since the record before, and the header
 * when it changed), so a write costs what changed, not the whole fleet. Each append is flushed (fdatasync) before its
 * commit resolves. Once the log outgrows the snapshot (and 1 MiB) the next write is a compaction: a new snapshot
 * (atomic replace, fsync of the file and the directory) that records the last record it includes (`logSeq`), then the
 * log is emptied. A clean close compacts to a single version-1 document and deletes the log.
 */
export class RolloutJournalFile {
  /** The journal; mutate it in place, then commit. */
  readonly journal: RolloutJournal;
  /** The file. */
  readonly path: string;
  /** Number of writes so far (appends and compactions; for benchmarks). */
  writes = 0;
  /** Compactions (whole-journal rewrites) so far, the first write included. */
  compactions = 0;
  /** Bytes written so far (snapshots and log records). */
  bytesWritten = 0;
  /** The file, as a journal store location. */
  get location(): string {
    return this.path;
  }
  private readonly durable: boolean;
  private readonly lock: JournalLock;
  private readonly writer: GroupCommit;
  private closed = false;
  private closing = false;
  private tmpCounter = 0;
  /** Clusters declared changed since the last write. */
  private dirty = new Set<JournalCluster>();
  private tracking = false;
  /** The last record written (or included in the snapshot). */
  private seq: number;
  /** The key of the header as last written (without `updatedAt` and `spec`), to write it again only when it changed. */
  private lastHeader: string | undefined;
  private logHandle: FileHandle | undefined;
  private logBytes = 0;
  private snapshotBytes = 0;
  /** The next write must be a compaction: nothing written yet by this process, or an append failed half-way. */
  private mustCompact = true;
  private indexOf: Map<JournalCluster, number> | undefined;
  private lastWasCompaction = false;

  private constructor(path: string, journal: RolloutJournal, lock: JournalLock, options: JournalFileOptions, seq: number) {
    this.path = path;
    this.journal = journal;
    this.seq = seq;
    this.durable = options.durable ?? true;
    const pacingFactor = Math.max(0, options.pacingFactor ?? 0);
    // Appends cost what changed: the steps that arrive while one is flushed are grouped into the next, without a pause.
    // Compactions are rare by construction (the log must outgrow four snapshots), so they are not paced by default:
    // every intent flush waits out a pause, and a pause after a slow compaction (a loaded disk) held the PUTs of the
    // whole fleet (the p90 of a commit's wait was 1 s at 1,000 clusters with a 4× pause capped at 1 s).
    this.writer = new GroupCommit({
      write: () => this.writeNow(),
      pauseAfter: (tookMs) => (this.lastWasCompaction ? Math.min(tookMs * pacingFactor, MAX_COMPACTION_PAUSE_MS) : 0),
      skipPause: () => this.closing,
    });
    this.lock = lock;
  }

  /**
   * Creates a new journal file (refusing to replace an existing one unless `overwrite`): takes its lock first, then
   * checks the file, then writes it.
   * @throws {@link ValidationError} when the file exists; {@link JournalLockedError} when another process holds it
   */
  static async create(path: string, journal: RolloutJournal, options: JournalFileOptions & { readonly overwrite?: boolean } = {}): Promise<RolloutJournalFile> {
    const lock = await JournalLock.acquire(path, options.purpose !== undefined ? { purpose: options.purpose } : {});
    try {
      await removeCrashLeftovers(path);
      if (!options.overwrite) {
        const exists = await readFile(path).then(
          () => true,
          () => false,
        );
        if (exists) {
          throw new ValidationError(`journal ${path} already exists: resume it with --resume, read it with "rollout status", or choose another --journal.`, [
            { path: "journal", message: "file exists", found: path },
          ]);
        }
      }
      // A log left beside a journal that is replaced (or was deleted by hand) belongs to nobody now.
      await unlink(journalLogPath(path)).catch(() => undefined);
      const file = new RolloutJournalFile(path, journal, lock, options, 0);
      await file.commit();
      return file;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Opens an existing journal to continue it (`--resume`): takes its lock first (taking over the lock of a process
   * that is gone), removes what a crashed writer left behind, then reads and checks the journal with its log. A last
   * log record cut short by a crash is ignored (its commit never resolved); the first write compacts the journal.
   * @throws {@link ValidationError} when it is missing or unreadable; {@link JournalLockedError} when another live process holds it
   */
  static async open(path: string, options: JournalFileOptions = {}): Promise<RolloutJournalFile> {
    const lock = await JournalLock.acquire(path, options.purpose !== undefined ? { purpose: options.purpose } : {});
    try {
      await removeCrashLeftovers(path);
      const parsed = await readJournalFile(path);
      // A log beside a version-1 document holds only records the document already includes (a crash during a clean
      // close, before the log was deleted): delete it now, before a new log could be confused with it. A torn last
      // record of a crashed writer is emptied by the first write, a compaction.
      if (!parsed.withLog) await unlink(journalLogPath(path)).catch(() => undefined);
      return new RolloutJournalFile(path, parsed.journal, lock, options, parsed.seq);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Declares clusters changed since the last write. Once a caller declares changes, only declared clusters are
   * written on the next write (a log record), which keeps writes proportional to what changed for fleets of
   * thousands; a caller that never calls this gets the whole journal written on every write.
   * @param clusters - the clusters mutated
   */
  changed(...clusters: JournalCluster[]): void {
    this.tracking = true;
    for (const c of clusters) this.dirty.add(c);
  }

  /**
   * Writes the journal as it is now (or as it is when the write under way finishes, grouped with other steps).
   * Resolves once a write that includes every change made before the call is on disk.
   */
  commit(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    return this.writer.commit();
  }

  /** Writes the last state as one document (the log folded in and deleted) and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    try {
      await this.commit();
      await this.writer.idle();
      this.closed = true;
      // Every change is on disk (in the log) already; folding the log into one document is tidying, and a failure to
      // do it loses nothing (the next open reads the log).
      await this.compact(true).catch(() => undefined);
    } finally {
      this.closed = true;
      await this.logHandle?.close().catch(() => undefined);
      this.logHandle = undefined;
      await this.lock.release();
    }
  }

  private async writeNow(): Promise<number> {
    const started = Date.now();
    const compaction = this.mustCompact || !this.tracking || (this.logBytes > MIN_COMPACTION_BYTES && this.logBytes > 4 * this.snapshotBytes);
    this.lastWasCompaction = compaction;
    if (compaction) await this.compact(false);
    else await this.append();
    this.writes++;
    return Date.now() - started;
  }

  /**
   * The header as a record carries it (the journal without its clusters and `updatedAt`), and the key that tells
   * whether it changed: the header without `spec`, which is fixed from planning on (its hash is in the header; nothing
   * changes it, and `--resume` refuses another spec) and may be large.
   */
  private header(): { json: string; value: Record<string, unknown> } {
    const { clusters, updatedAt, ...header } = this.journal;
    void clusters;
    void updatedAt;
    const { spec, ...rest } = header;
    void spec;
    return { json: JSON.stringify(rest), value: header };
  }

  /** Appends one record with the clusters declared changed (and the header when it changed), then flushes it. */
  private async append(): Promise<void> {
    this.indexOf ??= new Map(this.journal.clusters.map((c, i) => [c, i]));
    const entries: [number, Record<string, unknown>][] = [];
    for (const c of this.dirty) {
      const i = this.indexOf.get(c);
      if (i === undefined) {
        // A cluster that is not in the journal's list (the list was replaced): write the whole journal.
        this.indexOf = undefined;
        return this.compact(false);
      }
      entries.push([i, recordOf(c)]);
    }
    const updatedAt = new Date().toISOString();
    this.journal.updatedAt = updatedAt;
    const header = this.header();
    const headerChanged = header.json !== this.lastHeader;
    const record = { seq: this.seq + 1, at: updatedAt, ...(headerChanged ? { header: header.value } : {}), ...(entries.length ? { clusters: entries } : {}) };
    // Serialised synchronously, before the first await: steps made while the record is written go to the next write.
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`, "utf8");
    this.dirty = new Set();
    try {
      const handle = await this.openLog();
      await handle.write(bytes);
      if (this.durable) await handle.datasync();
    } catch (error) {
      // Part of the record may be in the log: the next write rewrites the whole journal (and empties the log).
      for (const [i] of entries) this.dirty.add(this.journal.clusters[i] as JournalCluster);
      this.mustCompact = true;
      throw error;
    }
    this.seq++;
    this.lastHeader = header.json;
    this.logBytes += bytes.length;
    this.bytesWritten += bytes.length;
  }

  /** The log, opened for appending (created, and the directory flushed, the first time). */
  private async openLog(): Promise<FileHandle> {
    if (this.logHandle) return this.logHandle;
    const handle = await open(journalLogPath(this.path), "a");
    if (this.durable) await syncDirectory(dirname(this.path));
    this.logHandle = handle;
    return handle;
  }

  /**
   * Writes the whole journal (atomic replace: temporary file, fsync, rename, fsync of the directory) recording the
   * last log record it includes, then empties the log. `final`: a single version-1 document and no log (clean close).
   */
  private async compact(final: boolean): Promise<void> {
    this.journal.updatedAt = new Date().toISOString();
    // Serialised synchronously, before the first await: steps made while the file is written go to the next write.
    const header = this.header();
    const dirty = this.dirty;
    this.dirty = new Set();
    const tmp = `${this.path}.${process.pid}.${this.tmpCounter++}.tmp`;
    const { clusters } = this.journal;
    const head = JSON.stringify(
      { ...header.value, updatedAt: this.journal.updatedAt, ...(final ? {} : { version: JOURNAL_FILE_VERSION_WITH_LOG, logSeq: this.seq }) },
      null,
      2,
    );
    const parts: Buffer[] = [Buffer.from(`${head.slice(0, -2)},\n  "clusters": [${clusters.length ? "\n" : ""}`, "utf8")];
    let pending: string[] = [];
    let pendingChars = 0;
    const flush = (): void => {
      if (pending.length) parts.push(Buffer.from(pending.join(""), "utf8"));
      pending = [];
      pendingChars = 0;
    };
    clusters.forEach((c, i) => {
      const line = `${i > 0 ? ",\n" : ""}    ${JSON.stringify(c)}`;
      pending.push(line);
      pendingChars += line.length;
      if (pendingChars > 64 * 1024) flush();
    });
    flush();
    parts.push(Buffer.from(`${clusters.length ? "\n  " : ""}]\n}\n`, "utf8"));
    const size = parts.reduce((n, b) => n + b.length, 0);
    try {
      // With a log to come, the log exists before a version-2 snapshot names it.
      if (!final) await this.openLog();
      const handle = await open(tmp, "w");
      try {
        for (let i = 0; i < parts.length; i += 512) await handle.writev(parts.slice(i, i + 512));
        if (this.durable) await handle.sync();
      } catch (error) {
        await handle.close().catch(() => undefined);
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
      await handle.close();
      try {
        await rename(tmp, this.path);
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
      if (this.durable) await syncDirectory(dirname(this.path));
    } catch (error) {
      for (const c of dirty) this.dirty.add(c);
      this.mustCompact = true;
      throw error;
    }
    this.compactions++;
    this.mustCompact = false;
    this.lastHeader = header.json;
    this.snapshotBytes = size;
    this.bytesWritten += size;
    // The snapshot holds every record written so far: the log restarts empty (records it still holds are skipped by
    // their sequence number if a crash comes first).
    if (final) {
      await this.logHandle?.close().catch(() => undefined);
      this.logHandle = undefined;
      await unlink(journalLogPath(this.path)).catch(() => undefined);
      if (this.durable) await syncDirectory(dirname(this.path));
    } else if (this.logHandle) {
      await this.logHandle.truncate(0);
      if (this.durable) await this.logHandle.datasync();
    }
    this.logBytes = 0;
  }
}
