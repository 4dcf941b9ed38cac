/**
 * How often a rollout polls each operation: `operationPollCapInMs` keeps a subscription's operations in flight within
 * 75 % of the AKS operation-status budget (2 requests a second by default), and a rollout run hands each cluster's
 * apply that cap as the SDK's `maxPollIntervalInMs`, judged by how many of its subscription's clusters the wave runs at
 * once (the smallest of the overall/per-wave bound, the per-subscription bound and the wave's clusters in that
 * subscription), at the budget rate `operationStatusPerSecond` says.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_API_VERSION, type ApplyPoller, type ApplyPollerOptions, type ApplyResult, type KubeProxyConfig } from "@aks-kube-proxy/sdk";
import { createRolloutJournal, operationPollCapInMs, parseRolloutSpec, planRollout, RolloutJournalFile, runRollout, type RolloutClient, type RolloutClientFactory } from "../src/index";
import { clusterState, fleetOf, SUB } from "./support/clusters";

describe("operationPollCapInMs", () => {
  test("20 operations at once: every 13.3 s each; 10: every 6.7 s; 1: every 0.67 s (2 requests/s, 75 % of it)", () => {
    expect(operationPollCapInMs(20)).toBe(13_334);
    expect(operationPollCapInMs(10)).toBe(6_667);
    expect(operationPollCapInMs(1)).toBe(667);
  });

  test("another budget rate scales it; fewer than one operation counts as one", () => {
    expect(operationPollCapInMs(20, 10)).toBe(2_667);
    expect(operationPollCapInMs(3, 1)).toBe(4_000);
    expect(operationPollCapInMs(0)).toBe(operationPollCapInMs(1));
  });
});

/** A client whose applies succeed at once, recording the options each was given. */
function recordingClient(recorded: ApplyPollerOptions[]): RolloutClientFactory {
  const poller = (id: string, desired: KubeProxyConfig): ApplyPoller => {
    const name = id.split("/").at(-1) as string;
    const result = { changed: true, cluster: clusterState(name, { kubeProxyConfig: desired }), requestIds: [], writes: 1, durationInMs: 0 } as unknown as ApplyResult;
    return {
      isDone: false,
      operationState: undefined,
      result: undefined,
      onProgress: () => () => undefined,
      pollUntilDone: async () => result,
    } as unknown as ApplyPoller;
  };
  const client = {
    getPreviewStatus: async () => ({ featureState: "Registered", providerState: "Registered" }),
    enablePreview: async () => ({}),
    listClusters: async () => [],
    beginApply: (ref: { id: string }, desired: KubeProxyConfig, options?: ApplyPollerOptions) => {
      recorded.push(options ?? {});
      return poller(ref.id, desired);
    },
    restoreApplyPoller: () => {
      throw new Error("not resumed in this test");
    },
  } as unknown as RolloutClient;
  return () => client;
}

async function run(rollout: Record<string, unknown>, options: { operationStatusPerSecond?: number } = {}, clusters = 25): Promise<{ recorded: ApplyPollerOptions[]; done: number }> {
  const { spec } = parseRolloutSpec({ subscriptions: [SUB], settings: { mode: "NFTABLES" }, enablePreview: false, ...rollout });
  const plan = planRollout({ spec, clusters: fleetOf(clusters), apiVersion: DEFAULT_API_VERSION });
  const file = await RolloutJournalFile.create(join(mkdtempSync(join(tmpdir(), "poll-pacing-")), "j.json"), createRolloutJournal(plan));
  const recorded: ApplyPollerOptions[] = [];
  try {
    const result = await runRollout({ journal: file, createClient: recordingClient(recorded), ...options });
    return { recorded, done: result.counts.done };
  } finally {
    await file.close();
  }
}

describe("a rollout run paces its applies' polls", () => {
  test("maxConcurrencyPerSubscription 20 (overall larger): each apply is capped for 20 operations in flight", async () => {
    const { recorded, done } = await run({ maxConcurrency: 50, maxConcurrencyPerSubscription: 20 });
    expect(done).toBe(25);
    expect(recorded).toHaveLength(25);
    for (const options of recorded) expect(options.maxPollIntervalInMs).toBe(operationPollCapInMs(20));
  });

  test("an overall bound smaller than the per-subscription one is what the cap is judged by", async () => {
    const { recorded } = await run({ maxConcurrency: 5, maxConcurrencyPerSubscription: 20 });
    expect(recorded).toHaveLength(25);
    for (const options of recorded) expect(options.maxPollIntervalInMs).toBe(operationPollCapInMs(5));
  });

  test("a wave's own bound smaller than the per-subscription one is what the cap is judged by", async () => {
    const { recorded } = await run({ maxConcurrency: 50, maxConcurrencyPerSubscription: 20, waves: [{ name: "all", maxConcurrency: 3 }] });
    expect(recorded).toHaveLength(25);
    for (const options of recorded) expect(options.maxPollIntervalInMs).toBe(operationPollCapInMs(3));
    expect(operationPollCapInMs(3)).toBeLessThan(operationPollCapInMs(20));
  });

  test("a subscription's own bound (its entry's maxConcurrency) is what the cap is judged by", async () => {
    const { recorded } = await run({ subscriptions: [{ id: SUB, maxConcurrency: 7 }], maxConcurrency: 50, maxConcurrencyPerSubscription: 20 });
    expect(recorded).toHaveLength(25);
    for (const options of recorded) expect(options.maxPollIntervalInMs).toBe(operationPollCapInMs(7));
  });

  test("a subscription with fewer clusters in the wave than its bound is judged by those clusters", async () => {
    const { recorded } = await run({ maxConcurrency: 50, maxConcurrencyPerSubscription: 20 }, {}, 4);
    expect(recorded).toHaveLength(4);
    for (const options of recorded) expect(options.maxPollIntervalInMs).toBe(operationPollCapInMs(4));
  });

  test("operationStatusPerSecond changes the cap", async () => {
    const { recorded } = await run({ maxConcurrency: 50, maxConcurrencyPerSubscription: 20 }, { operationStatusPerSecond: 10 });
    expect(recorded).toHaveLength(25);
    for (const options of recorded) expect(options.maxPollIntervalInMs).toBe(operationPollCapInMs(20, 10));
    expect(operationPollCapInMs(20, 10)).not.toBe(operationPollCapInMs(20));
  });
});
