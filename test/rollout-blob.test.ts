/**
 * The blob journal against Azurite (started by the test on loopback, HTTPS, OAuth basic: the SDK signs in with real
 * Microsoft Entra tokens from the ARM emulator's token endpoint) and the ARM emulator: a lease as the lock with
 * If-Match on every write (a runner whose lease was taken over finds its next write refused), explicit secrets, the
 * fleet-wide halt (a canary failure in shard 1 stops shards 2 and 3 before their next write), fleet-wide failure counts
 * and wave order, and an Azurite restart mid-run. Two runner processes fighting over one shard: rollout-blob-cli.test.ts.
 */
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from "@azure/storage-blob";
import { DEFAULT_API_VERSION } from "@aks-kube-proxy/sdk";
import { ArmRateLimiter, BlobJournalStore, createRolloutJournal, listRolloutClusters, parseRolloutSpec, planRollout, runRollout, type BlobRolloutJournal, type RolloutJournal, type RolloutPlan, type RolloutSpec } from "@aks-kube-proxy/rollout";
import { AZURITE_ACCOUNT, startAzurite, type RunningAzurite } from "./support/azurite";
import type { TestEmulator } from "./support/emulator";
import { clientFactory, fleetSeeds, startFleetEmulator, SUBSCRIPTIONS, writesByCluster } from "./rollout-fixtures";
import { waitFor } from "./support/waitFor";

const IPVS = { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } };
const CONTAINER = "rollouts";

let az: RunningAzurite;
let t: TestEmulator;
let folderCounter = 0;

beforeAll(async () => {
  az = await startAzurite();
});
afterAll(async () => {
  await az?.stop();
});
afterEach(async () => {
  await t?.stop();
});

function container(): ReturnType<BlobServiceClient["getContainerClient"]> {
  return new BlobServiceClient(az.serviceUrl, t.credential).getContainerClient(CONTAINER);
}

async function folder(): Promise<string> {
  await container().createIfNotExists();
  return `${az.serviceUrl}/${CONTAINER}/run-${Date.now()}-${folderCounter++}`;
}

function store(url: string): BlobJournalStore {
  return new BlobJournalStore({ url, credential: t.credential, leaseDurationInSeconds: 15, pollIntervalInMs: 50, retry: { retryDelayInMs: 100, maxRetryDelayInMs: 500, tryTimeoutInMs: 3000 } });
}

async function plan(input: Record<string, unknown>, shard?: { index: number; count: number }): Promise<{ spec: RolloutSpec; plan: RolloutPlan }> {
  const { spec } = parseRolloutSpec({ name: "blob", subscriptions: SUBSCRIPTIONS, settings: IPVS, ...input });
  const clusters = await listRolloutClusters({ spec, createClient: clientFactory(t), rateLimiter: new ArmRateLimiter() });
  return { spec, plan: planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION, ...(shard ? { shard } : {}) }) };
}

async function readBlobJson<T>(name: string): Promise<T> {
  const buf = await container().getBlockBlobClient(name).downloadToBuffer();
  return JSON.parse(buf.toString("utf8")) as T;
}

function blobName(url: string, leaf: string): string {
  return `${url.slice(`${az.serviceUrl}/${CONTAINER}/`.length)}/${leaf}`;
}


describe("blob journal: lease, If-Match, takeover", () => {
  test("a second runner is refused while the first holds the lease, naming it; after the lease is gone it takes over, and the first runner's next write is refused", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 1 }) });
    const url = await folder();
    const { plan: p } = await plan({});
    const a = (await store(url).create(createRolloutJournal(p), { purpose: "rollout apply" })) as BlobRolloutJournal;
    await expect(store(url).open({ purpose: "rollout apply --resume" })).rejects.toMatchObject({
      code: "JournalLocked",
      message: expect.stringMatching(new RegExp(`in use by process ${process.pid} on .+ \\(rollout apply\\).*lease`)),
    });

    // The first runner stalls past its lease (here: the lease is broken, as its expiry would end it).
    await container().getBlockBlobClient(blobName(url, "journal.json")).getBlobLeaseClient().breakLease(0);
    const b = (await store(url).open({ purpose: "rollout apply --resume" })) as BlobRolloutJournal;
    expect(b.takeover?.message).toMatch(new RegExp(`Took over journal .*journal\\.json from process ${process.pid} on .+ \\(rollout apply\\).*lease was broken`));

    // The first runner wakes up and writes: refused (its lease and ETag are stale), it learns it lost the journal.
    a.journal.clusters[0]!.status = "failed";
    await expect(a.commit()).rejects.toMatchObject({ code: "JournalLeaseLost", message: expect.stringMatching(/took it over.*held by process \d+/) });
    expect(a.lockLost.aborted).toBe(true);
    await a.close(); // no write, no throw

    // The blob holds the second runner's journal, untouched by the first.
    b.journal.clusters[0]!.attempts = 7;
    await b.commit();
    await b.close();
    const stored = await readBlobJson<RolloutJournal>(blobName(url, "journal.json"));
    expect(stored.clusters[0]).toMatchObject({ status: "pending", attempts: 7 });
    // Released: the next runner opens it without a takeover message.
    const c = (await store(url).open()) as BlobRolloutJournal;
    expect(c.takeover).toBeUndefined();
    await c.close();
  }, 60_000);

  test("creating a journal that exists is refused; a missing journal or container is reported with what to do", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 1 }) });
    const url = await folder();
    const { plan: p } = await plan({});
    const a = await store(url).create(createRolloutJournal(p));
    await a.close();
    await expect(store(url).create(createRolloutJournal(p))).rejects.toMatchObject({ code: "ValidationError", message: expect.stringMatching(/already exists.*--resume/) });
    await expect(store(`${url}-nothing`).open()).rejects.toMatchObject({ code: "ValidationError", message: expect.stringMatching(/blob not found/) });
    await expect(store(`${az.serviceUrl}/no-such-container/x`).open()).rejects.toMatchObject({
      code: "JournalStorageError",
      armCode: "ContainerNotFound",
      message: expect.stringMatching(/Create the container first/),
    });
  }, 60_000);
});

describe("blob journal: explicit secrets", () => {
  /** Azurite's well-known development account key (public, documented by Microsoft). */
  const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  test("an account key or a SAS given explicitly works instead of Entra ID, and neither appears in a location or a message", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 1 }) });
    const url = await folder();
    const { plan: p } = await plan({});
    const withKey = new BlobJournalStore({ url, accountKey: DEV_KEY, leaseDurationInSeconds: 15 });
    const a = await withKey.create(createRolloutJournal(p), { purpose: "rollout apply" });
    a.journal.clusters[0]!.attempts = 3;
    await a.close();
    const sas = generateBlobSASQueryParameters(
      { containerName: CONTAINER, permissions: ContainerSASPermissions.parse("rwl"), expiresOn: new Date(Date.now() + 3_600_000) },
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, DEV_KEY),
    ).toString();
    const withSas = new BlobJournalStore({ url, sasToken: `?${sas}`, leaseDurationInSeconds: 15 });
    const b = await withSas.open({ purpose: "rollout apply --resume" });
    expect(b.journal.clusters[0]!.attempts).toBe(3);
    const failure = (p: Promise<unknown>): Promise<Error> =>
      p.then(
        () => new Error("expected a failure"),
        (e: unknown) => e as Error,
      );
    const locked = await failure(withKey.open());
    await b.close();
    const missing = await failure(new BlobJournalStore({ url: `${url}-none`, sasToken: sas }).open());
    const denied = await failure(new BlobJournalStore({ url: `${az.serviceUrl}/other/x`, sasToken: sas }).open());
    const sig = new URLSearchParams(sas).get("sig")!;
    for (const e of [locked, missing, denied]) {
      expect(e).toBeInstanceOf(Error);
      const all = `${e.message} ${JSON.stringify(e)} ${withKey.location} ${withSas.location} ${b.location}`;
      expect(all).not.toContain(DEV_KEY);
      expect(all).not.toContain(sig);
      expect(all).not.toContain(encodeURIComponent(sig));
    }
    expect(locked).toMatchObject({ code: "JournalLocked" });
    expect(missing).toMatchObject({ code: "ValidationError" });
    expect(denied).toMatchObject({ code: "JournalStorageError", statusCode: 403 });
  }, 60_000);
});

describe("blob journal: fleet-wide coordination", () => {
  test("a canary failure in shard 1 halts the fleet: shards 2 and 3 start no cluster after it, and say why", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 6 }), timings: { operationMs: 50 } });
    const url = await folder();
    const input = { waves: [{ name: "canary", count: 1 }, { name: "rest" }], halt: { maxFailures: 0 }, maxConcurrency: 2 };
    const plans = await Promise.all([1, 2, 3].map(async (index) => (await plan(input, { index, count: 3 })).plan));
    // Shard 1's canary fails.
    const canary1 = plans[0]!.entries.find((e) => e.wave === "canary")!.cluster;
    t.em.control.addFault({ kind: "lro-failed", pathPattern: `managedClusters/${canary1.name}$`, count: 1, armCode: "KubeProxyUpgradeFailed", message: "node image rollout failed" });
    const journals = await Promise.all(plans.map((p) => store(url).create(createRolloutJournal(p), { purpose: "rollout apply" })));
    const results = await Promise.all(journals.map((j) => runRollout({ journal: j, createClient: clientFactory(t) })));
    await Promise.all(journals.map((j) => j.close()));

    expect(results.map((r) => r.outcome)).toEqual(["halted", "halted", "halted"]);
    expect(results[0]!.halt?.reason).toMatch(/1 of 3 clusters in wave "canary" failed, counted over all 3 shards/);
    for (const r of results.slice(1)) expect(r.halt?.reason).toMatch(/shard 1\/3 halted the whole fleet/);
    // No cluster of wave "rest" was written, in any shard.
    const writes = writesByCluster(t.em.control.requestLog());
    const restNames = results.flatMap((r) => r.journal.clusters.filter((c) => c.wave === "rest").map((c) => c.name.toLowerCase()));
    expect(restNames.length).toBeGreaterThan(0);
    for (const n of restNames) expect(writes.has(n)).toBe(false);
    expect(results.flatMap((r) => r.journal.clusters.filter((c) => c.wave === "rest")).every((c) => c.status === "skipped" && c.skipReason === "halted")).toBe(true);
    // The fleet record names the shard that halted it.
    const record = await readBlobJson<{ halt: { shard: string; wave: string } }>(blobName(url, "fleet.json"));
    expect(record.halt).toMatchObject({ shard: "1/3", wave: "canary" });

    // Every shard resumed with --retry-failed (any runner: fresh stores on the same folder): the fleet's halt is lifted,
    // the shards wait for each other again at the wave barrier, and the fleet completes.
    const resumed = await Promise.all([1, 2, 3].map((index) => store(url).open({ shard: { index, count: 3 }, purpose: "rollout apply --resume" })));
    const again = await Promise.all(resumed.map((j) => runRollout({ journal: j, createClient: clientFactory(t), retryFailed: true })));
    await Promise.all(resumed.map((j) => j.close()));
    expect(again.map((r) => r.outcome)).toEqual(["completed", "completed", "completed"]);
    expect(again.every((r) => r.counts.failed === 0 && r.counts.pending === 0 && r.counts.inProgress === 0)).toBe(true);
    const after = writesByCluster(t.em.control.requestLog());
    for (const [n, rs] of after) expect([n, rs.length]).toEqual([n, n === canary1.name.toLowerCase() ? 2 : 1]);
    expect((await readBlobJson<{ halt?: unknown }>(blobName(url, "fleet.json"))).halt).toBeUndefined();
  }, 60_000);

  test("failures are counted fleet-wide: one failure is under a percentage rule for the fleet though it is over it for its own shard, so no shard halts", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 3 }), timings: { operationMs: 200 } });
    const url = await folder();
    const input = { waves: [{ name: "all" }], halt: { maxFailurePercent: 15 }, maxConcurrency: 1 };
    const plans = await Promise.all([1, 2, 3].map(async (index) => (await plan(input, { index, count: 3 })).plan));
    const sizes = plans.map((p) => p.entries.filter((e) => e.wave === "all").length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(9);
    // The failing cluster is in the smallest non-empty shard: 1 failure is at least 1 in 3 there (33% > 15%), 1 in 9 fleet-wide (11%).
    const smallest = sizes.indexOf(Math.min(...sizes.filter((n) => n > 0)));
    expect(100 / sizes[smallest]!).toBeGreaterThan(15);
    const failing = plans[smallest]!.entries.find((e) => e.wave === "all")!.cluster;
    t.em.control.addFault({ kind: "lro-failed", pathPattern: `managedClusters/${failing.name}$`, count: 1, armCode: "KubeProxyUpgradeFailed", message: "node image rollout failed" });
    const journals = await Promise.all(plans.map((p) => store(url).create(createRolloutJournal(p))));
    // The other shards start first and report the wave's size; then the shard with the failure starts.
    const others = [0, 1, 2].filter((i) => i !== smallest);
    const running = new Map(others.map((i) => [i, runRollout({ journal: journals[i]!, createClient: clientFactory(t) })]));
    await waitFor("the other shards' wave sizes in the fleet record", async () => {
      const r = await readBlobJson<{ waves: Record<string, Record<string, unknown>> }>(blobName(url, "fleet.json")).catch(() => undefined);
      return others.every((i) => r?.waves["all"]?.[String(i + 1)] !== undefined);
    });
    running.set(smallest, runRollout({ journal: journals[smallest]!, createClient: clientFactory(t) }));
    const results = await Promise.all([0, 1, 2].map((i) => running.get(i)!));
    await Promise.all(journals.map((j) => j.close()));
    expect(results.map((r) => r.outcome)).toEqual(["completed", "completed", "completed"]);
    expect(results.reduce((n, r) => n + r.counts.failed, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.counts.done, 0)).toBe(8);
    const record = await readBlobJson<{ halt?: unknown; waves: Record<string, Record<string, { failed: number; total: number }>> }>(blobName(url, "fleet.json"));
    expect(record.halt).toBeUndefined();
    expect(Object.values(record.waves["all"]!).reduce((n, s) => n + s.failed, 0)).toBe(1);
  }, 60_000);

  test("waves are ordered fleet-wide: no shard starts wave 2 before every shard finished wave 1", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 4 }), timings: { operationMs: 30 } });
    // Shard 3's canary operation takes much longer than the others.
    const url = await folder();
    const input = { waves: [{ name: "canary", count: 1 }, { name: "rest" }], maxConcurrency: 2 };
    const plans = await Promise.all([1, 2, 3].map(async (index) => (await plan(input, { index, count: 3 })).plan));
    const slow = plans[2]!.entries.find((e) => e.wave === "canary")!.cluster;
    t.em.control.addFault({ kind: "slow", pathPattern: `managedClusters/${slow.name}$`, method: "PUT", count: 1, delayMs: 1500 });
    const journals = await Promise.all(plans.map((p) => store(url).create(createRolloutJournal(p))));
    const results = await Promise.all(journals.map((j) => runRollout({ journal: j, createClient: clientFactory(t) })));
    await Promise.all(journals.map((j) => j.close()));
    expect(results.map((r) => r.outcome)).toEqual(["completed", "completed", "completed"]);
    const canaryDone = Math.max(...results.flatMap((r) => r.journal.clusters.filter((c) => c.wave === "canary").map((c) => Date.parse(c.finishedAt!))));
    const writes = writesByCluster(t.em.control.requestLog());
    const restNames = results.flatMap((r) => r.journal.clusters.filter((c) => c.wave === "rest").map((c) => c.name.toLowerCase()));
    const firstRestWrite = Math.min(...restNames.map((n) => Date.parse(writes.get(n)![0]!.time)));
    expect(firstRestWrite).toBeGreaterThanOrEqual(canaryDone);
  }, 60_000);
});

describe("blob journal: storage outages", () => {
  test("Azurite restarted mid-run: the rollout retries, finishes, and nothing is lost or written twice", async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 3 }), timings: { operationMs: 250 } });
    const url = await folder();
    const { plan: p } = await plan({ maxConcurrency: 2 });
    // The store's default retries (about 13 s of backoff), not the tests' fast ones: Azurite's own restart can take
    // seconds on a busy machine, and riding out such an outage is what this test proves.
    const patient = new BlobJournalStore({ url, credential: t.credential, leaseDurationInSeconds: 15, pollIntervalInMs: 50 });
    const j = await patient.create(createRolloutJournal(p), { purpose: "rollout apply" });
    const run = runRollout({ journal: j, createClient: clientFactory(t) });
    await waitFor("a cluster done", () => j.journal.clusters.some((c) => c.status === "done"));
    await az.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await az.start();
    const result = await run;
    await j.close();
    expect(result.outcome).toBe("completed");
    expect(result.counts).toMatchObject({ total: 9, done: 9, failed: 0 });
    const writes = writesByCluster(t.em.control.requestLog());
    expect(writes.size).toBe(9);
    expect([...writes.values()].every((rs) => rs.length === 1)).toBe(true);
    const stored = await readBlobJson<RolloutJournal>(blobName(url, "journal.json"));
    expect(stored.clusters.map((c) => c.status)).toEqual(Array(9).fill("done"));
    expect(stored.runs).toHaveLength(1);
    expect(stored.status).toBe("completed");
  }, 60_000);
});
