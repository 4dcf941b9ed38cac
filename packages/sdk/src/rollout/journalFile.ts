/**
 * The journal on disk: one JSON document, replaced atomically (write a temporary file, flush it, rename it over the
 * journal) after every step, so that a crash at any moment leaves either the previous or the next state, never a torn
 * file; the directory is flushed after the rename. Steps that happen while a write is under way are grouped into the
 * next write (group commit). The lock (`journalLock.ts`) is taken before the journal is read, so two processes never
 * drive the same journal; temporary files left by a crashed writer are removed on the next open.
 * @packageDocumentation
 */
import { open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ValidationError } from "../errors";
import type { JournalCluster, RolloutJournal } from "./journal";
import { isProcessAlive, JournalLock, JournalLockedError } from "./journalLock";
import { GroupCommit } from "./groupCommit";
import { journalIssues } from "./journalValidate";

export { JournalLockedError };

/** Options of {@link RolloutJournalFile.create} and {@link RolloutJournalFile.open}. */
export interface JournalFileOptions {
  /** Flush each write, and the directory after each rename, to the disk (fsync), so a power loss cannot lose it either. @default true */
  readonly durable?: boolean;
  /**
   * Between two writes, wait at least this many times as long as the last write took, grouping the steps made
   * meanwhile into the next write: journal I/O then takes at most 1/(1+n) of the time, however large the fleet.
   * @default 4
   */
  readonly pacingFactor?: number;
  /** What this process does with the journal, recorded in its lock (`rollout apply`...). */
  readonly purpose?: string;
}

/**
 * Reads a journal file (no lock: for `status`, `merge`, reports) and checks it field by field.
 * @param path - the journal file
 * @throws {@link ValidationError} when it is missing, not JSON, or not a journal this SDK reads (each problem with its path)
 */
export async function readRolloutJournal(path: string): Promise<RolloutJournal> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : `cannot be read (${code ?? "unknown error"})`;
    throw new ValidationError(`journal ${path}: ${why}. Pass the --journal file a rollout apply wrote.`, [{ path: "$", message: why, found: path }], { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`journal ${path} is not valid JSON (${(error as Error).message}); it may have been edited by hand or cut short.`, [{ path: "$", message: "not valid JSON" }], {
      cause: error,
    });
  }
  const issues = journalIssues(json);
  if (issues.length > 0) {
    const lines = issues.map((i) => `  - ${i.path}: ${i.message}${i.found !== undefined ? ` (found ${String(i.found)})` : ""}`);
    throw new ValidationError(
      `journal ${path} cannot be used (edited by hand, or written by another version?):\n${lines.join("\n")}\nRestore the file from the rollout's own writes, or start a new journal.`,
      issues,
    );
  }
  return json as RolloutJournal;
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

const LINE_SEPARATOR = Buffer.from(",\n", "utf8");


/** A journal file owned by this process: mutate {@link RolloutJournalFile.journal}, then {@link RolloutJournalFile.commit}. */
export class RolloutJournalFile {
  /** The journal; mutate it in place, then commit. */
  readonly journal: RolloutJournal;
  /** The file. */
  readonly path: string;
  /** Number of writes so far (for benchmarks). */
  writes = 0;
  /** The file, as a journal store location. */
  get location(): string {
    return this.path;
  }
  private readonly durable: boolean;
  private readonly lock: JournalLock;
  private readonly writer: GroupCommit;
  private closed = false;
  private tmpCounter = 0;
  private readonly lines = new WeakMap<JournalCluster, Buffer>();
  private tracking = false;

  private constructor(path: string, journal: RolloutJournal, lock: JournalLock, options: JournalFileOptions) {
    this.path = path;
    this.journal = journal;
    this.durable = options.durable ?? true;
    const pacingFactor = Math.max(0, options.pacingFactor ?? 4);
    this.writer = new GroupCommit({ write: () => this.writeNow().then(() => undefined), pauseAfter: (tookMs) => tookMs * pacingFactor });
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
      const file = new RolloutJournalFile(path, journal, lock, options);
      await file.commit();
      return file;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Opens an existing journal to continue it (`--resume`): takes its lock first (taking over the lock of a process
   * that is gone), removes what a crashed writer left behind, then reads and checks the journal.
   * @throws {@link ValidationError} when it is missing or unreadable; {@link JournalLockedError} when another live process holds it
   */
  static async open(path: string, options: JournalFileOptions = {}): Promise<RolloutJournalFile> {
    const lock = await JournalLock.acquire(path, options.purpose !== undefined ? { purpose: options.purpose } : {});
    try {
      await removeCrashLeftovers(path);
      const journal = await readRolloutJournal(path);
      return new RolloutJournalFile(path, journal, lock, options);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Declares clusters changed since the last write. Once a caller declares changes, only declared clusters are
   * serialised again on the next writes (the others reuse their last line), which keeps writes cheap for fleets of
   * thousands; a caller that never calls this gets every cluster serialised on every write.
   * @param clusters - the clusters mutated
   */
  changed(...clusters: JournalCluster[]): void {
    this.tracking = true;
    for (const c of clusters) this.lines.delete(c);
  }

  private lineOf(c: JournalCluster): Buffer {
    let line = this.tracking ? this.lines.get(c) : undefined;
    if (line === undefined) {
      line = Buffer.from(`    ${JSON.stringify(c)}`, "utf8");
      if (this.tracking) this.lines.set(c, line);
    }
    return line;
  }

  /**
   * Writes the journal as it is now (or as it is when the write under way finishes, grouped with other steps).
   * Resolves once a write that includes every change made before the call is on disk.
   */
  commit(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    return this.writer.commit();
  }

  /** Writes the last state and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.commit();
      await this.writer.idle();
    } finally {
      this.closed = true;
      await this.lock.release();
    }
  }


  private async writeNow(): Promise<void> {
    this.journal.updatedAt = new Date().toISOString();
    const tmp = `${this.path}.${process.pid}.${this.tmpCounter++}.tmp`;
    // The snapshot is taken synchronously, before the first await: steps made while the file is written go to the next
    // write. Cluster lines are cached as buffers (see changed()), so a write allocates little beyond the header.
    const { clusters, ...header } = this.journal;
    const head = JSON.stringify(header, null, 2);
    const parts: Buffer[] = [Buffer.from(`${head.slice(0, -2)},\n  "clusters": [${clusters.length ? "\n" : ""}`, "utf8")];
    clusters.forEach((c, i) => {
      if (i > 0) parts.push(LINE_SEPARATOR);
      parts.push(this.lineOf(c));
    });
    parts.push(Buffer.from(`${clusters.length ? "\n  " : ""}]\n}\n`, "utf8"));
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
    this.writes++;
  }
}
