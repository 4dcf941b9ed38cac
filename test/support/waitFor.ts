/**
 * Polling for a condition in tests that watch another process or server (a journal on disk, a blob, the emulator's
 * request log): no fixed sleeps, and a failure that names what never happened.
 */

/** What {@link waitFor} accepts from a probe: a value ends the wait; `undefined` and `false` mean "not yet". */
export type Probed<T> = T | undefined | false;

/**
 * Calls `probe` every `intervalInMs` until it returns a value other than `undefined` or `false`, and returns that value.
 * Throws `timed out waiting for <what>` after `timeoutInMs` (default 20 s).
 */
export async function waitFor<T>(what: string, probe: () => Probed<T> | Promise<Probed<T>>, options: { timeoutInMs?: number; intervalInMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutInMs ?? 20_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.intervalInMs ?? 10));
  }
}
