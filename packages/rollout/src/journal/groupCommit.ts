/**
 * Group commit, shared by the journal stores: steps that happen while a write is under way are grouped into the next
 * write, and writes are paced (the pause after a write grows with how long it took), so journal I/O stays a small
 * share of a rollout however large the fleet.
 * @packageDocumentation
 */

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

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  /**
   * Writes the document as it is now (the snapshot must be taken before the first await). May return how long the
   * write took for pacing purposes (e.g. only its last attempt); `undefined`: the whole call's duration counts.
   */
  readonly write: () => Promise<number | undefined>;
  /** The pause before the next write, from how long the last one took. */
  readonly pauseAfter: (tookInMs: number) => number;
  /** When true, the next write does not wait out the pause (e.g. the last write at close). @default never */
  readonly skipPause?: () => boolean;
}

/**
 * One writer's group commit: {@link GroupCommit.commit} resolves once a write that includes every change made before
 * the call is done.
 * @internal
 */
export class GroupCommit {
  private pending: Deferred | undefined;
  private flushing: Promise<void> | undefined;
  private nextWriteAtMs = 0;

  /** @param options - the write and its pacing */
  constructor(private readonly options: GroupCommitOptions) {}

  /** Asks for a write; resolves when one that includes the current state is done (rejects with its error). */
  commit(): Promise<void> {
    this.pending ??= deferred();
    const { promise } = this.pending;
    this.flushing ??= this.flushLoop();
    return promise;
  }

  /** Resolves when no write is under way or waiting. */
  async idle(): Promise<void> {
    await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending) {
        const gap = this.nextWriteAtMs - Date.now();
        if (gap > 0 && !this.options.skipPause?.()) await new Promise((resolve) => setTimeout(resolve, gap));
        const batch = this.pending;
        this.pending = undefined;
        const started = Date.now();
        try {
          const took = await this.options.write();
          this.nextWriteAtMs = Date.now() + this.options.pauseAfter(typeof took === "number" ? took : Date.now() - started);
          batch.resolve();
        } catch (error) {
          batch.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}
