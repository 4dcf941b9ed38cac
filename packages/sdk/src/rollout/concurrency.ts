/**
 * A scheduler that runs tasks with a bound overall and a bound per key (subscription), picking the next task whose
 * key has room, so that one busy subscription never holds up the others.
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
  const queue = [...options.items];
  const perKey = new Map<string, number>();
  let running = 0;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const pump = (): void => {
      if (settled) return;
      if (!options.shouldStop()) {
        for (let i = 0; i < queue.length && running < options.maxConcurrency; ) {
          const item = queue[i] as T;
          const key = options.keyOf(item);
          const used = perKey.get(key) ?? 0;
          if (used >= options.maxPerKey(key)) {
            i++;
            continue;
          }
          queue.splice(i, 1);
          running++;
          perKey.set(key, used + 1);
          let task: Promise<void>;
          try {
            task = options.run(item);
          } catch (error) {
            task = Promise.reject(error);
          }
          task.then(
            () => {
              running--;
              perKey.set(key, (perKey.get(key) ?? 1) - 1);
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
      if (running === 0 && (queue.length === 0 || options.shouldStop())) {
        settled = true;
        resolve();
      }
    };
    pump();
  });
}
