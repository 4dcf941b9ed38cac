/**
 * The journal on disk: one JSON document, replaced atomically (write a temporary file, flush it, rename it over the
 * journal) after every step, so that a crash at any moment leaves either the previous or the next state, never a torn
 * file. Steps that happen while a write is under way are grouped into the next write (group commit). A lock file
 * keeps two processes from driving the same journal.
 * @packageDocumentation
 */
import { hostname } from "node:os";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { KubeProxyError, ValidationError } from "../errors";
import { journalShapeProblem, type JournalCluster, type RolloutJournal } from "./journal";

/** Another live process holds the journal's lock. */
export class JournalLockedError extends KubeProxyError {
  /** The lock file. */
  readonly lockPath: string;
  /** @param message - who holds it and what to do */
  constructor(message: string, lockPath: string) {
    super("JournalLocked", message);
    this.lockPath = lockPath;
  }
}

/** Options of {@link RolloutJournalFile.create} and {@link RolloutJournalFile.open}. */
export interface JournalFileOptions {
  /** Flush each write to the disk (fsync) before renaming, so a power loss cannot lose it either. @default true */
  readonly durable?: boolean;
  /**
   * Between two writes, wait at least this many times as long as the last write took, grouping the steps made
   * meanwhile into the next write: journal I/O then takes at most 1/(1+n) of the time, however large the fleet.
   * @default 4
   */
  readonly pacingFactor?: number;
}

/**
 * Reads a journal file (no lock: for `status`, `merge`, reports).
 * @param path - the journal file
 * @throws {@link ValidationError} when it is missing, not JSON, or not a journal this SDK reads
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
    throw new ValidationError(`journal ${path} is not valid JSON (${(error as Error).message}); it may have been edited by hand.`, [{ path: "$", message: "not valid JSON" }], {
      cause: error,
    });
  }
  const problem = journalShapeProblem(json);
  if (problem) throw new ValidationError(`journal ${path}: ${problem}.`, [{ path: "$", message: problem }]);
  return json as RolloutJournal;
}

const LINE_SEPARATOR = Buffer.from(",\n", "utf8");

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
  // A commit nobody awaits must not become an unhandled rejection; awaiting callers still see the error.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function acquireLock(lockPath: string, journalPath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder: { pid?: number; host?: string } = {};
    try {
      holder = JSON.parse(await readFile(lockPath, "utf8")) as typeof holder;
    } catch {
      // unreadable lock: treat as stale
    }
    const stale = holder.pid === undefined || (holder.host === hostname() && !isAlive(holder.pid));
    if (!stale) {
      throw new JournalLockedError(
        `journal ${journalPath} is in use by process ${holder.pid} on ${holder.host ?? "?"}. Wait for it to finish, or, if it is gone, delete ${lockPath}.`,
        lockPath,
      );
    }
    await unlink(lockPath).catch(() => undefined);
  }
  throw new JournalLockedError(`could not take the lock ${lockPath} for journal ${journalPath}.`, lockPath);
}

/** A journal file owned by this process: mutate {@link RolloutJournalFile.journal}, then {@link RolloutJournalFile.commit}. */
export class RolloutJournalFile {
  /** The journal; mutate it in place, then commit. */
  readonly journal: RolloutJournal;
  /** The file. */
  readonly path: string;
  /** Number of writes so far (for benchmarks). */
  writes = 0;
  private readonly durable: boolean;
  private readonly lockPath: string;
  private pending: Deferred | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private tmpCounter = 0;
  private readonly lines = new WeakMap<JournalCluster, Buffer>();
  private tracking = false;
  private readonly pacingFactor: number;
  private nextWriteAtMs = 0;

  private constructor(path: string, journal: RolloutJournal, options: JournalFileOptions) {
    this.path = path;
    this.journal = journal;
    this.durable = options.durable ?? true;
    this.pacingFactor = Math.max(0, options.pacingFactor ?? 4);
    this.lockPath = `${path}.lock`;
  }

  /**
   * Creates a new journal file (refusing to replace an existing one unless `overwrite`), takes its lock and writes it.
   * @throws {@link ValidationError} when the file exists; {@link JournalLockedError} when another process holds it
   */
  static async create(path: string, journal: RolloutJournal, options: JournalFileOptions & { readonly overwrite?: boolean } = {}): Promise<RolloutJournalFile> {
    await acquireLock(`${path}.lock`, path);
    const file = new RolloutJournalFile(path, journal, options);
    try {
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
      await file.commit();
      return file;
    } catch (error) {
      await unlink(file.lockPath).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Opens an existing journal to continue it (`--resume`), taking its lock.
   * @throws {@link ValidationError} when it is missing or unreadable; {@link JournalLockedError} when another live process holds it
   */
  static async open(path: string, options: JournalFileOptions = {}): Promise<RolloutJournalFile> {
    const journal = await readRolloutJournal(path);
    await acquireLock(`${path}.lock`, path);
    return new RolloutJournalFile(path, journal, options);
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
    this.pending ??= deferred();
    const { promise } = this.pending;
    this.flushing ??= this.flushLoop();
    return promise;
  }

  /** Writes the last state and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.commit();
      await this.flushing;
    } finally {
      this.closed = true;
      await unlink(this.lockPath).catch(() => undefined);
    }
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending) {
        const gap = this.nextWriteAtMs - Date.now();
        if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
        const batch = this.pending;
        this.pending = undefined;
        const started = Date.now();
        try {
          await this.writeNow();
          this.nextWriteAtMs = Date.now() + (Date.now() - started) * this.pacingFactor;
          batch.resolve();
        } catch (error) {
          batch.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
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
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
    this.writes++;
  }
}
