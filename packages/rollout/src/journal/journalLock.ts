/**
 * The lock of a journal file: `<journal>.lock`, holding `{pid, host, startedAt, nonce}`. It is written whole to a
 * private temporary file, flushed, then published with `link()`, which fails when the lock exists: a lock file is
 * never seen empty or half-written, and two processes cannot both create it.
 *
 * A lock whose process is gone (same host, pid not alive) is stale. Taking it over is serialised by a second,
 * short-lived lock (`<journal>.lock.takeover`, published the same way): only its holder may delete a stale lock, and it
 * deletes it only when the lock still holds the very content judged stale; the winner then publishes its own lock
 * with `link()` like anybody else. Two processes therefore never both hold the lock, whatever their timing.
 * @packageDocumentation
 */
import { randomBytes } from "node:crypto";
import { link, open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { KubeProxyError } from "@aks-kube-proxy/sdk";

/** Who holds a journal's lock (the content of the lock file). */
export interface JournalLockHolder {
  /** Process id. */
  readonly pid?: number;
  /** Host name. */
  readonly host?: string;
  /** When the process took the lock (ISO 8601). */
  readonly startedAt?: string;
  /** What the process is doing (`rollout apply`, `rollout rollback`...). */
  readonly purpose?: string;
}

/** Another live process holds the journal's lock. */
export class JournalLockedError extends KubeProxyError {
  /** The lock file. */
  readonly lockPath: string;
  /** Who holds it, as read from the lock file. */
  readonly holder: JournalLockHolder;
  /**
   * @param message - who holds it and what to do
   * @param lockPath - the lock file
   * @param holder - the holder read from it
   */
  constructor(message: string, lockPath: string, holder: JournalLockHolder = {}) {
    super("JournalLocked", message);
    this.lockPath = lockPath;
    this.holder = holder;
  }
}

/** True when a process with this pid runs on this host. @internal */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parseHolder(text: string): JournalLockHolder | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "object" && v !== null ? (v as JournalLockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Stale: written by a process of this host that is gone. A holder on another host is never judged stale here. */
function isStale(holder: JournalLockHolder | undefined): boolean {
  if (!holder || typeof holder.pid !== "number") return false; // unreadable: cannot happen with link(); never steal it
  return holder.host === hostname() && !isProcessAlive(holder.pid);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Writes `text` to a private temporary file, flushes it, and links it to `path`; false when `path` exists. */
async function publish(path: string, text: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Deletes `path` only if it still holds `expected` (callers serialise this with the takeover lock). */
async function unlinkIfStill(path: string, expected: string): Promise<void> {
  if ((await readText(path)) === expected) await unlink(path).catch(() => undefined);
}

/** Describes a lock holder for messages: `process 123 on runner-7 (rollout apply), since ...` (file and blob journals). */
export function describeHolder(h: JournalLockHolder): string {
  const what = h.purpose ? ` (${h.purpose})` : "";
  const since = h.startedAt ? `, since ${h.startedAt}` : "";
  return `process ${h.pid ?? "?"} on ${h.host ?? "?"}${what}${since}`;
}

/** Options of {@link JournalLock.acquire}. */
export interface AcquireJournalLockOptions {
  /** What the process is doing, recorded in the lock (shown to whoever finds it locked). */
  readonly purpose?: string;
  /** Start of the message of a {@link JournalLockedError}. @default "journal <path> is in use" */
  readonly lockedMessage?: string;
}

/** A journal's lock, held by this process until {@link JournalLock.release}. */
export class JournalLock {
  /** The lock file. */
  readonly path: string;
  private readonly content: string;
  private released = false;

  private constructor(path: string, content: string) {
    this.path = path;
    this.content = content;
  }

  /**
   * Takes the lock of a journal file (`<journalPath>.lock`), taking over a stale one.
   * @param journalPath - the journal file
   * @param options - purpose recorded in the lock
   * @throws {@link JournalLockedError} when a live process holds it (the message names the process)
   */
  static async acquire(journalPath: string, options: AcquireJournalLockOptions = {}): Promise<JournalLock> {
    const lockPath = `${journalPath}.lock`;
    const content = JSON.stringify({
      pid: process.pid,
      host: hostname(),
      startedAt: new Date().toISOString(),
      ...(options.purpose !== undefined ? { purpose: options.purpose } : {}),
      nonce: randomBytes(8).toString("hex"),
    });
    for (let attempt = 0; attempt < 20; attempt++) {
      if (await publish(lockPath, content)) return new JournalLock(lockPath, content);
      const seen = await readText(lockPath);
      if (seen === undefined) continue; // released meanwhile: try again
      const holder = parseHolder(seen);
      if (!isStale(holder)) {
        const h = holder ?? {};
        throw new JournalLockedError(
          `${options.lockedMessage ?? `journal ${journalPath} is in use`} by ${describeHolder(h)}. Wait for it to finish or stop it (Ctrl-C); ` +
            `if that process is gone for good on another machine, delete ${lockPath}.`,
          lockPath,
          h,
        );
      }
      await takeOverStale(lockPath, seen);
    }
    throw new JournalLockedError(`could not take the lock ${lockPath} of journal ${journalPath} (it kept changing hands); try again.`, lockPath);
  }

  /** Releases the lock (only if it is still this process's lock). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await unlinkIfStill(this.path, this.content);
  }
}

/** Deletes the stale lock `lockPath` (content `stale`) under the takeover lock; the caller then races to publish. */
async function takeOverStale(lockPath: string, stale: string): Promise<void> {
  const takeoverPath = `${lockPath}.takeover`;
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), nonce: randomBytes(8).toString("hex") });
  if (!(await publish(takeoverPath, mine))) {
    // Someone else is taking over. If that process died mid-takeover, clear its takeover lock so the next try works.
    const other = await readText(takeoverPath);
    if (other !== undefined && isStale(parseHolder(other))) await unlinkIfStill(takeoverPath, other);
    await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8));
    return;
  }
  try {
    await unlinkIfStill(lockPath, stale);
  } finally {
    await unlinkIfStill(takeoverPath, mine);
  }
}
