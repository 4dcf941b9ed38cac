/**
 * The rollout's preview check (issue 9 item 6, issue 12 item 1): the SDK's one enablement flow, a transient failure
 * retried with backoff, and a failure not remembered for the subscription (the next cluster checks again).
 */
import { join } from "node:path";
import { ArmError, DEFAULT_API_VERSION } from "@aks-kube-proxy/sdk";
import { createRolloutJournal, listRolloutClusters, parseRolloutSpec, planRollout, RolloutJournalFile, runRollout, type RolloutClient, type RolloutClientFactory } from "@aks-kube-proxy/rollout";
import type { TestEmulator } from "./support/emulator";
import { clientFactory, fleetSeeds, startFleetEmulator, tempDir } from "./rollout-fixtures";

const SUB = "aaaaaaaa-0000-4000-8000-000000000001";

/** The emulator's clients, with enablePreview failing as `failures` says for its first calls. */
function flakyPreview(t: TestEmulator, failures: (call: number) => Error | undefined): { createClient: RolloutClientFactory; calls: () => number } {
  const real = clientFactory(t);
  let calls = 0;
  return {
    calls: () => calls,
    createClient: (args) => {
      const client = real(args);
      const wrapped: RolloutClient = {
        getPreviewStatus: (o) => client.getPreviewStatus(o),
        listClusters: (o) => client.listClusters(o),
        beginApply: client.beginApply.bind(client),
        restoreApplyPoller: (serialized, o) => client.restoreApplyPoller(serialized, o),
        enablePreview: async (o) => {
          calls++;
          const error = failures(calls);
          if (error) throw error;
          return client.enablePreview(o);
        },
      };
      return wrapped;
    },
  };
}

async function run(createClient: RolloutClientFactory) {
  const { spec } = parseRolloutSpec({ subscriptions: [SUB], settings: { mode: "NFTABLES" }, maxConcurrency: 1, waves: [{ name: "all" }], halt: { maxFailures: 5 } });
  const clusters = await listRolloutClusters({ spec, createClient });
  const file = await RolloutJournalFile.create(join(tempDir(), "journal.json"), createRolloutJournal(planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION })));
  try {
    return await runRollout({ journal: file, createClient });
  } finally {
    await file.close();
  }
}

describe("the rollout's preview check", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test("a transient failure (503) is retried with backoff, and the rollout goes on", async () => {
    t = await startFleetEmulator({ subscriptions: [SUB], clusters: fleetSeeds({ subscriptions: [SUB], perSubscription: 2 }) });
    const flaky = flakyPreview(t, (call) => (call === 1 ? new ArmError("Service Unavailable", { statusCode: 503 }) : undefined));
    const result = await run(flaky.createClient);
    expect(result.counts).toMatchObject({ done: 2, failed: 0 });
    expect(flaky.calls()).toBe(2);
  }, 30_000);

  test("a failed check is not remembered for the subscription: the next cluster checks again and is written", async () => {
    t = await startFleetEmulator({ subscriptions: [SUB], clusters: fleetSeeds({ subscriptions: [SUB], perSubscription: 2 }) });
    // A failure that retrying at once does not fix (403), then the subscription is fine again.
    const flaky = flakyPreview(t, (call) => (call === 1 ? new ArmError("Forbidden for a moment", { statusCode: 403 }) : undefined));
    const result = await run(flaky.createClient);
    expect(result.counts).toMatchObject({ done: 1, failed: 1 });
    expect(flaky.calls()).toBe(2);
  }, 30_000);
});
