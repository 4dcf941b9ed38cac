/**
 * An apply's poll cap (`ApplyPollerOptions.maxPollIntervalInMs`, through `cappedPolling`): without a cap the client's
 * polling is kept as it is; a cap lowers the backoff's maximum to it, but never below the client's base interval nor
 * above the client's own maximum; the backoff computed with the capped settings never waits longer than the cap, and a
 * server's Retry-After still wins over it.
 */
import { cappedPolling } from "../src/apply/poller";
import { DEFAULT_POLLING, nextPollDelayInMs, type PollingSettings } from "../src/poll";

const CLIENT: PollingSettings = { ...DEFAULT_POLLING, intervalInMs: 5_000, maxIntervalInMs: 30_000, maxRetryAfterInMs: 60_000 };

describe("cappedPolling", () => {
  test("no cap (undefined, or not a finite number): the client's polling, unchanged", () => {
    expect(cappedPolling(CLIENT, undefined)).toBe(CLIENT);
    expect(cappedPolling(CLIENT, Number.POSITIVE_INFINITY)).toBe(CLIENT);
    expect(cappedPolling(CLIENT, Number.NaN)).toBe(CLIENT);
  });

  test("a cap between the client's interval and maximum becomes the backoff's maximum; nothing else changes", () => {
    expect(cappedPolling(CLIENT, 13_334)).toEqual({ ...CLIENT, maxIntervalInMs: 13_334 });
  });

  test("a cap below the client's interval: the maximum is the interval (never polls more often than the client's base)", () => {
    expect(cappedPolling(CLIENT, 1_000)).toEqual({ ...CLIENT, maxIntervalInMs: CLIENT.intervalInMs });
  });

  test("a cap above the client's maximum: the client's maximum stays (a cap never slows polling down)", () => {
    expect(cappedPolling(CLIENT, 120_000)).toEqual(CLIENT);
  });

  test("the backoff with capped settings never waits longer than the cap, and reaches it", () => {
    const cap = 13_334;
    const polling = cappedPolling(CLIENT, cap);
    const delays = Array.from({ length: 30 }, (_, attempt) => nextPollDelayInMs({ attempt, retryAfterInMs: undefined, polling }));
    expect(delays[0]).toBe(CLIENT.intervalInMs);
    expect(Math.max(...delays)).toBe(cap);
    // Without the cap the same attempts back off to the client's maximum.
    expect(Math.max(...delays.map((_, attempt) => nextPollDelayInMs({ attempt, retryAfterInMs: undefined, polling: CLIENT })))).toBe(CLIENT.maxIntervalInMs);
  });

  test("Retry-After still wins over the cap (bounded by the client's maxRetryAfterInMs, not by the cap)", () => {
    const polling = cappedPolling(CLIENT, 6_667);
    expect(nextPollDelayInMs({ attempt: 0, retryAfterInMs: 20_000, polling })).toBe(20_000);
    expect(nextPollDelayInMs({ attempt: 5, retryAfterInMs: 90_000, polling })).toBe(CLIENT.maxRetryAfterInMs);
  });
});
