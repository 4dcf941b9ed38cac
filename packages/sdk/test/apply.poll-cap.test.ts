/**
 * An apply's poll cap (`ApplyPollerOptions.maxPollIntervalInMs`, through `cappedPolling`): without a cap the client's
 * polling is kept as it is; a cap lowers the backoff's maximum to it, but never below the client's base interval nor
 * above the client's own maximum; the backoff computed with the capped settings never waits longer than the cap, and a
 * server's Retry-After still wins over it. Against the emulator, an apply given a cap announces (`nextPollInMs`) no wait
 * between its operation polls longer than the cap, where the same apply without it backs off past it.
 */
import { FEATURE_NAME } from "../src/index";
import { cappedPolling } from "../src/apply/poller";
import { DEFAULT_POLLING, nextPollDelayInMs, type PollingSettings } from "../src/poll";
import { startTestEmulator, type TestEmulator } from "../../../test/support/emulator";

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

describe("an apply polls its operation no less often than its cap", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      clusters: [
        { resourceGroup: "rg-cap", name: "capped", kubernetesVersion: "1.33.2" },
        { resourceGroup: "rg-cap", name: "free", kubernetesVersion: "1.33.2" },
      ],
      registeredFeatures: [{ name: FEATURE_NAME }],
      timings: { operationMs: 400, retryAfterSeconds: 0 },
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  /** The waits the apply announced between its operation polls (`nextPollInMs` of each "polling" event). */
  async function waitsOf(name: string, options: { maxPollIntervalInMs?: number }): Promise<number[]> {
    const waits: number[] = [];
    // A client whose own backoff doubles from 10 ms to 10 s: without a cap, the waits grow past any small cap.
    const client = t.client({ polling: { intervalInMs: 10, maxIntervalInMs: 10_000 } });
    const result = await client.apply({ resourceGroup: "rg-cap", name }, { mode: "IPVS" }, {
      ...options,
      onProgress: (e) => {
        if (e.phase === "polling" && e.nextPollInMs !== undefined) waits.push(e.nextPollInMs);
      },
    });
    expect(result.changed).toBe(true);
    return waits;
  }

  test("capped at 25 ms, no wait between polls is longer than 25 ms nor shorter than the base, and the backoff reaches the cap", async () => {
    const waits = await waitsOf("capped", { maxPollIntervalInMs: 25 });
    expect(waits.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...waits)).toBe(25);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(10);
  });

  test("without the cap, the same apply's backoff grows past it (the client's own maximum applies)", async () => {
    const waits = await waitsOf("free", {});
    expect(waits.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...waits)).toBeGreaterThan(25);
  });
});
