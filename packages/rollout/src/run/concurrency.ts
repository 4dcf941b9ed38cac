/**
 * A scheduler that runs tasks with a bound overall and a bound per key (subscription), picking the next task from the
 * key with room that runs the fewest, so that one busy subscription never holds up the others and the overall bound is
 * shared by every subscription (each has its own ARM budget).
 * @packageDocumentation
 */

/** Options of {@link runBounded}. @internal */
export interface RunBoundedOptions<T> {
  /** Tasks, in the order they should preferably start. */
  readonly items: readonly T[];
  /** At most this many running at once. */
  readonly maxConcurrency: number;
  /** The key a task counts against (subscription id). */
  readonly keyOf: (item: T) => string;
  /** At most this many running at once for a key. */
  readonly maxPerKey: (key: string) => number;
  /** Runs one task; must not throw (record failures instead). */
  readonly run: (item: T) => Promise<void>;
  /** Checked before starting each task: once true, nothing new starts (running tasks finish). */
  readonly shouldStop: () => boolean;
}

/**
 * Runs the tasks within the bounds; resolves when every started task has finished and nothing more will start.
 * @internal
 */
export function runBounded<T>(options: RunBoundedOptions<T>): Promise<void> {
  // One FIFO per key (items keep their global position): picking the next task looks at the head of each key's queue,
  // never scans the tasks of keys that are full, so starting a task costs O(keys), not O(tasks), for fleets of thousands.
  interface KeyQueue {
    items: ({ item: T; position: number } | undefined)[];
    head: number;
    running: number;
  }
  const queues = new Map<string, KeyQueue>();
  options.items.forEach((item, position) => {
    const key = options.keyOf(item);
    let q = queues.get(key);
    if (!q) queues.set(key, (q = { items: [], head: 0, running: 0 }));
    q.items.push({ item, position });
  });
  let queued = options.items.length;
  let running = 0;
  /**
   * Among keys with room and tasks left, the one running the fewest tasks, then the one whose next task comes first in
   * the given order. Fewest running first spreads the overall bound across the keys: when it is smaller than the keys'
   * bounds together (1,000 slots for 100 subscriptions of 20), taking the earliest task alone filled the first 50
   * subscriptions and left the other 50 idle until those ran dry, halving the fleet's write rate (each subscription has
   * its own ARM budget). With an overall bound of 1, or keys equally busy, the given order decides.
   */
  const nextKey = (): KeyQueue | undefined => {
    let best: KeyQueue | undefined;
    let bestRunning = Number.POSITIVE_INFINITY;
    let bestPosition = Number.POSITIVE_INFINITY;
    for (const [key, q] of queues) {
      const next = q.items[q.head];
      if (next === undefined || q.running >= options.maxPerKey(key)) continue;
      if (q.running < bestRunning || (q.running === bestRunning && next.position < bestPosition)) {
        best = q;
        bestRunning = q.running;
        bestPosition = next.position;
      }
    }
    return best;
  };
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const pump = (): void => {
      if (settled) return;
      if (!options.shouldStop()) {
        while (running < options.maxConcurrency) {
          const q = nextKey();
          const next = q?.items[q.head];
          if (q === undefined || next === undefined) break;
          const { item } = next;
          q.items[q.head++] = undefined; // let the started task's item go
          queued--;
          running++;
          q.running++;
          let task: Promise<void>;
          try {
            task = options.run(item);
          } catch (error) {
            task = Promise.reject(error);
          }
          task.then(
            () => {
              running--;
              q.running--;
              pump();
            },
            (error: unknown) => {
              settled = true;
              reject(error);
            },
          );
          if (options.shouldStop()) break;
        }
      }
      if (running === 0 && (queued === 0 || options.shouldStop())) {
        settled = true;
        resolve();
      }
    };
    pump();
  });
}
