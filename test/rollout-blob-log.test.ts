/**
 * The blob journal's writes cost what changed (issue 19, item 7): the journal blob is a snapshot block plus one log
 * record block per write, committed with If-Match under the lease. Proved by state in Azurite (the committed block
 * list and its block sizes), not by time: a record of one changed cluster is as large in a fleet of 2,000 as in a
 * fleet of 20; a reader and a runner that takes the journal over apply the records to the snapshot; once the log
 * outgrows the snapshot, the next write is a compaction; a clean close leaves a single version-1 document.
 */
import { BlobLeaseClient, BlobServiceClient } from "@azure/storage-blob";
import {
  ArmRateLimiter,
  BlobJournalStore,
  createRolloutJournal,
  JOURNAL_FILE_VERSION_WITH_LOG,
  listRolloutClusters,
  parseRolloutSpec,
  planRollout,
  type BlobRolloutJournal,
  type RolloutJournal,
  type RolloutPlan,
} from "@aks-kube-proxy/rollout";
import { DEFAULT_API_VERSION } from "@aks-kube-proxy/sdk";
import { startAzurite, type RunningAzurite } from "./support/azurite";
import type { TestEmulator } from "./support/emulator";
import { clientFactory, fleetSeeds, startFleetEmulator, SUBSCRIPTIONS } from "./rollout-fixtures";

const CONTAINER = "rollouts";

let az: RunningAzurite;
let t: TestEmulator;
let p: RolloutPlan;
let folderCounter = 0;

beforeAll(async () => {
  az = await startAzurite();
  t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 2 }) });
  const { spec } = parseRolloutSpec({ name: "blob-log", subscriptions: SUBSCRIPTIONS, settings: { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } } });
  const clusters = await listRolloutClusters({ spec, createClient: clientFactory(t), rateLimiter: new ArmRateLimiter() });
  p = planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION });
  await container().createIfNotExists();
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await az?.stop();
});

function container(): ReturnType<BlobServiceClient["getContainerClient"]> {
  return new BlobServiceClient(az.serviceUrl, t.credential).getContainerClient(CONTAINER);
}

function folder(): string {
  return `${az.serviceUrl}/${CONTAINER}/log-${Date.now()}-${folderCounter++}`;
}

function store(url: string): BlobJournalStore {
  return new BlobJournalStore({ url, credential: t.credential, leaseDurationInSeconds: 15, pollIntervalInMs: 50, retry: { retryDelayInMs: 100, maxRetryDelayInMs: 500, tryTimeoutInMs: 3000 } });
}

/** The planned journal, its clusters repeated (each with its own id) up to `size`. */
function journalOf(size: number): RolloutJournal {
  const j = createRolloutJournal(p);
  const base = j.clusters;
  j.clusters = Array.from({ length: size }, (_, i) => {
    const c = structuredClone(base[i % base.length]!);
    c.id = `${c.id}-${i}`;
    c.name = `${c.name}-${i}`;
    return c;
  });
  return j;
}

function journalBlob(url: string): ReturnType<ReturnType<BlobServiceClient["getContainerClient"]>["getBlockBlobClient"]> {
  return container().getBlockBlobClient(`${url.slice(`${az.serviceUrl}/${CONTAINER}/`.length)}/journal.json`);
}

async function committedBlockSizes(url: string): Promise<number[]> {
  const list = await journalBlob(url).getBlockList("committed");
  return (list.committedBlocks ?? []).map((b) => b.size);
}

async function snapshotLine(url: string): Promise<Record<string, unknown>> {
  const text = (await journalBlob(url).downloadToBuffer()).toString("utf8");
  return JSON.parse(text.slice(0, text.indexOf("\n"))) as Record<string, unknown>;
}

/** Opens a journal of `size` clusters, writes its snapshot, then 5 writes of one changed cluster each. */
async function fiveOneClusterWrites(size: number): Promise<{ url: string; j: BlobRolloutJournal; sizes: number[] }> {
  const url = folder();
  const j = (await store(url).create(journalOf(size), { purpose: "test" })) as BlobRolloutJournal;
  j.changed();
  await j.commit();
  for (let k = 0; k < 5; k++) {
    const c = j.journal.clusters[k]!;
    c.attempts = k + 1;
    j.changed(c);
    await j.commit();
  }
  return { url, j, sizes: await committedBlockSizes(url) };
}

describe("blob journal: writes proportional to what changed", () => {
  test("a write of one changed cluster stages one block of the same size in a fleet of 2,000 as in a fleet of 20; a reader applies the records to the snapshot", async () => {
    const small = await fiveOneClusterWrites(20);
    const large = await fiveOneClusterWrites(2000);
    for (const run of [small, large]) {
      // The snapshot (one block: it is under 4 MiB) and one record block per write.
      expect(run.sizes).toHaveLength(6);
      expect(await snapshotLine(run.url)).toMatchObject({ version: JOURNAL_FILE_VERSION_WITH_LOG, logSeq: 0 });
    }
    const records = (run: { sizes: number[] }): number[] => run.sizes.slice(1);
    // Each record holds one cluster: the same bytes whatever the fleet (a cluster index of 1 digit in both).
    expect(records(large)).toEqual(records(small));
    expect(large.sizes[0]!).toBeGreaterThan(50 * small.sizes[0]!);
    expect(Math.max(...records(large))).toBeLessThan(large.sizes[0]! / 500);
    expect(large.j.compactions).toBe(1);

    // A reader (no lease) sees every write, through the records.
    const [read] = await store(large.url).readAll();
    expect(read!.journal.clusters.slice(0, 5).map((c) => c.attempts)).toEqual([1, 2, 3, 4, 5]);
    expect(read!.journal.clusters).toHaveLength(2000);

    // A clean close folds the records into a single version-1 document.
    await small.j.close();
    await large.j.close();
    expect(await committedBlockSizes(large.url)).toHaveLength(1);
    const closed = JSON.parse((await journalBlob(large.url).downloadToBuffer()).toString("utf8")) as RolloutJournal;
    expect(closed.version).toBe(1);
    expect(closed.clusters.slice(0, 5).map((c) => c.attempts)).toEqual([1, 2, 3, 4, 5]);
  }, 120_000);

  test("a runner that dies after its writes loses nothing: the runner that takes the journal over reads the snapshot and the records, and its first write is a snapshot; the dead runner's next write is refused", async () => {
    const { url, j: dead } = await fiveOneClusterWrites(200);
    // The runner "dies": it stops renewing and its lease is gone (broken, as after its expiry).
    await new BlobLeaseClient(journalBlob(url)).breakLease(0);
    const next = (await store(url).open({ purpose: "rollout apply --resume" })) as BlobRolloutJournal;
    expect(next.takeover).toBeDefined();
    expect(next.journal.clusters.slice(0, 5).map((c) => c.attempts)).toEqual([1, 2, 3, 4, 5]);
    const c = next.journal.clusters[7]!;
    c.attempts = 9;
    next.changed(c);
    await next.commit();
    expect(await committedBlockSizes(url)).toHaveLength(1);
    expect(await snapshotLine(url)).toMatchObject({ version: JOURNAL_FILE_VERSION_WITH_LOG, logSeq: 5 });
    next.changed(c);
    c.attempts = 10;
    await next.commit();
    expect(await committedBlockSizes(url)).toHaveLength(2);

    dead.journal.clusters[7]!.attempts = 99;
    dead.changed(dead.journal.clusters[7]!);
    await expect(dead.commit()).rejects.toMatchObject({ code: "JournalLeaseLost" });
    const [read] = await store(url).readAll();
    expect(read!.journal.clusters[7]!.attempts).toBe(10);
    await next.close();
    await dead.close();
  }, 120_000);

  test("once the records outgrow the snapshot, the next write is a compaction: the blob is a snapshot alone again, holding every record", async () => {
    const url = folder();
    const j = (await store(url).create(journalOf(2000), { purpose: "test" })) as BlobRolloutJournal;
    j.changed();
    await j.commit();
    // Every cluster changed at each write: the records outgrow the snapshot within a few writes.
    for (let round = 1; j.compactions < 2 && round <= 10; round++) {
      for (const c of j.journal.clusters) c.attempts = round;
      j.changed(...j.journal.clusters);
      await j.commit();
    }
    expect(j.compactions).toBe(2);
    expect(j.lastWriteBytes).toBeGreaterThan(0);
    const sizes = await committedBlockSizes(url);
    expect(sizes.length).toBeLessThanOrEqual(2);
    const snapshot = await snapshotLine(url);
    expect(snapshot["version"]).toBe(JOURNAL_FILE_VERSION_WITH_LOG);
    const [read] = await store(url).readAll();
    const last = j.journal.clusters[0]!.attempts;
    expect(read!.journal.clusters.every((c) => c.attempts === last)).toBe(true);
    await j.close();
  }, 120_000);

  test("a snapshot larger than a block is staged in several blocks, and read back whole", async () => {
    const url = folder();
    const j = (await store(url).create(journalOf(12_000), { purpose: "test" })) as BlobRolloutJournal;
    j.journal.clusters[11_999]!.attempts = 7;
    j.changed();
    await j.commit();
    const sizes = await committedBlockSizes(url);
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4 << 20);
    const [read] = await store(url).readAll();
    expect(read!.journal.clusters).toHaveLength(12_000);
    expect(read!.journal.clusters[11_999]!.attempts).toBe(7);
    await j.close();
  }, 120_000);
});
