/**
 * `pnpm bench:fleet`: the fleet rollout against the ARM emulator, and the naive baseline, with the figures issue 6
 * asks for. Not a test: it prints measurements and ratios.
 *
 * Setup: 1,000 clusters in 10 subscriptions (5% already at the target settings), every write's operation taking a
 * fixed T, per-subscription ARM budgets chosen so that the write budget binds. The emulator runs in a child process
 * (its own event loop, and the memory figures are this process's only). The rollout runs in this process through the
 * SDK (`runRollout`, with its journal on disk, as the CLI does); the baseline applies one cluster at a time with the
 * SDK's plain `apply`, on a subset, and is extrapolated to the fleet (said so in the output).
 *
 * The same rollout runs a second time with its journal in Azure Blob Storage (Azurite, started here on loopback over
 * HTTPS with OAuth, the SDK signing in with the emulator's Entra tokens), on a second set of 10 subscriptions seeded
 * identically (so both runs have the same work and the same ARM budgets): the benchmark prints the journal's storage
 * requests per cluster and the makespan the blob journal adds over the file journal. `--file-only` skips it.
 *
 * Run with Node's type stripping after a build: `pnpm build && node scripts/bench-fleet.ts` (that is what
 * `pnpm bench:fleet` does). The last line is exactly `makespan ratio to lower bound: X.XX`, and then the process exits:
 * every child (the emulator, Azurite) is ended with its process group, also when one dies early (exit 1) or on Ctrl-C.
 * `--quick` runs the same scenario on 2 × 20 clusters with 200 ms operations (seconds), to check the script itself.
 */
import { fork, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { createRequire } from "node:module";
import type * as SdkModule from "../packages/sdk/dist/index.js";
import type * as EmulatorModule from "../packages/arm-emulator/dist/index.js";

const require = createRequire(import.meta.url);
const ROOT = join(import.meta.dirname, "..");

// ---- the scenario ------------------------------------------------------------------------------------------------
/** `--quick`: the same run on 2 × 20 clusters with short operations (seconds, not minutes), to check the script itself. */
const QUICK = process.argv.includes("--quick");
const SUBSCRIPTION_COUNT = QUICK ? 2 : 10;
const CLUSTERS_PER_SUBSCRIPTION = QUICK ? 20 : 100;
const CONVERGED_EVERY = 20; // every 20th cluster already runs the target settings (5%)
const OPERATION_MS = QUICK ? 200 : 2000; // T
const WRITE_BUDGET = { capacity: 10, refillPerSecond: 2 }; // per subscription: binds
const READ_BUDGET = { capacity: 50, refillPerSecond: 10 }; // per subscription
const MAX_CONCURRENCY = 200;
const MAX_CONCURRENCY_PER_SUBSCRIPTION = 20;
const POLL_INTERVAL_MS = QUICK ? 100 : 1000; // what a user passes as --poll-interval; the emulator sends no Retry-After, like the recordings
const BASELINE_CLUSTERS = QUICK ? 2 : 12;
const TARGET = { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900 } };

/**
 * V8 sizes its heap lazily: left alone it lets garbage (every finished request of hundreds in flight) grow the heap
 * to ~300 MB of RSS although the live heap stays near 40-60 MB. A CI job caps the heap the same way; the cap also
 * proves the working set fits. `--expose-gc` lets the bench report the live heap after a collection.
 */
const HEAP_FLAGS = ["--max-old-space-size=128", "--max-semi-space-size=4", "--expose-gc"];

const subscriptionId = (i: number): string => `bbbbbbbb-0000-4000-8000-${String(i + 1).padStart(12, "0")}`;
const SUBSCRIPTIONS = Array.from({ length: SUBSCRIPTION_COUNT }, (_, i) => subscriptionId(i));
/** The blob-journal run's subscriptions: seeded like SUBSCRIPTIONS. */
const SUBSCRIPTIONS_BLOB = Array.from({ length: SUBSCRIPTION_COUNT }, (_, i) => `cccccccc-0000-4000-8000-${String(i + 1).padStart(12, "0")}`);
const WITH_BLOB = !process.argv.includes("--file-only");
const BASELINE_SUBSCRIPTION = subscriptionId(99);

// ---- child processes -----------------------------------------------------------------------------------------------
// The emulator and Azurite run as children, each in its own process group (`detached`), so that ending one ends
// everything it started. The run ends them all (SIGTERM, then SIGKILL after a grace period) when it is done, when it
// fails, on SIGINT/SIGTERM, and when a child dies before its time; it never waits on a child that will not exit
// (Azurite's graceful close waits for idle keep-alive connections, which kept the benchmark alive after its last line).
const children = new Map<ChildProcess, string>();
const stopping = new Set<ChildProcess>();
let shuttingDown = false;

/** Registers a child: its unexpected death ends the run (exit 1) instead of leaving it waiting for an answer. */
function track(child: ChildProcess, name: string): ChildProcess {
  children.set(child, name);
  child.once("exit", (code, signal) => {
    children.delete(child);
    if (shuttingDown || stopping.has(child)) return;
    console.error(`bench: ${name} exited before the run was done (${signal ?? `exit code ${String(code)}`}); stopping.`);
    void shutdown(1);
  });
  return child;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // the child's whole process group
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Ends a child's process group: SIGTERM, then SIGKILL when it has not exited after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  stopping.add(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalGroup(child, "SIGTERM");
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Ends every child, then the process. */
async function shutdown(code: number): Promise<never> {
  shuttingDown = true;
  await Promise.all([...children.keys()].map((c) => stopChild(c)));
  process.exit(code);
}

// ---- the emulator child --------------------------------------------------------------------------------------------
interface Summary {
  reads: number;
  /** Write requests answered 2xx (429s are counted in `throttled` only). */
  writes: number;
  polls: number;
  throttled: number;
  writesPerCluster: Record<string, number>;
}
type Request = { id: number; op: "summary"; subscriptions: string[] } | { id: number; op: "clear" } | { id: number; op: "state"; subscriptions: string[] } | { id: number; op: "stop" };

async function emulatorChild(): Promise<void> {
  const { startEmulator } = require(join(ROOT, "packages/arm-emulator/dist/index.js")) as typeof EmulatorModule;
  const clusters = [];
  for (const sub of [...SUBSCRIPTIONS, ...(WITH_BLOB ? SUBSCRIPTIONS_BLOB : [])]) {
    for (let i = 0; i < CLUSTERS_PER_SUBSCRIPTION; i++) {
      clusters.push({
        subscriptionId: sub,
        resourceGroup: `rg-${i % 4}`,
        name: `aks-${sub.slice(-2)}-${String(i).padStart(3, "0")}`,
        kubernetesVersion: "1.33.2",
        ...(i % CONVERGED_EVERY === CONVERGED_EVERY - 1 ? { kubeProxyConfig: TARGET } : {}),
      });
    }
  }
  for (let i = 0; i < BASELINE_CLUSTERS; i++) clusters.push({ subscriptionId: BASELINE_SUBSCRIPTION, resourceGroup: "rg-base", name: `base-${i}`, kubernetesVersion: "1.33.2" });
  const all = [...SUBSCRIPTIONS, ...(WITH_BLOB ? SUBSCRIPTIONS_BLOB : []), BASELINE_SUBSCRIPTION];
  const em = await startEmulator({
    subscriptions: all,
    clusters,
    registeredFeatures: all.map((s) => ({ subscriptionId: s, name: "KubeProxyConfigurationPreview" })),
    timings: { operationMs: OPERATION_MS, retryAfterSeconds: 0 },
    throttling: { reads: READ_BUDGET, writes: WRITE_BUDGET },
    // This benchmark measures the rollout's limiter against ARM's subscription budgets; the AKS resource provider's own
    // throttles (on by default in the emulator, 200 operation-status polls per subscription) are switched off explicitly.
    aksThrottling: false,
  });
  const send = (m: unknown): void => void process.send?.(m);
  // The parent is gone (killed, crashed): nobody will stop this emulator, so it stops itself.
  process.once("disconnect", () => process.exit(0));
  send({ ready: { url: em.url, ca: em.ca, tenantId: em.tenantId, clientId: em.clientId, clientSecret: em.clientSecret } });
  process.on("message", (m: Request) => {
    if (m.op === "clear") {
      em.control.clearRequestLog();
      send({ id: m.id, result: null });
    } else if (m.op === "summary") {
      const subs = new Set(m.subscriptions);
      const s: Summary = { reads: 0, writes: 0, polls: 0, throttled: 0, writesPerCluster: {} };
      for (const r of em.control.requestLog()) {
        const sub = /^\/subscriptions\/([^/]+)/.exec(r.path)?.[1];
        if (!sub || !subs.has(sub)) continue;
        if (r.status === 429) {
          s.throttled++;
          continue;
        }
        if (r.kind === "poll") s.polls++;
        else if (r.kind === "read") s.reads++;
        else if (r.kind === "write") {
          s.writes++;
          if (r.method === "PUT" && r.status >= 200 && r.status < 300) s.writesPerCluster[r.path] = (s.writesPerCluster[r.path] ?? 0) + 1;
        }
      }
      send({ id: m.id, result: s });
    } else if (m.op === "state") {
      let atTarget = 0;
      let total = 0;
      for (const sub of m.subscriptions) {
        for (let i = 0; i < CLUSTERS_PER_SUBSCRIPTION; i++) {
          const raw = em.control.getCluster({ subscriptionId: sub, resourceGroup: `rg-${i % 4}`, name: `aks-${sub.slice(-2)}-${String(i).padStart(3, "0")}` });
          total++;
          const kp = (raw?.["properties"] as { networkProfile?: { kubeProxyConfig?: unknown } } | undefined)?.networkProfile?.kubeProxyConfig;
          if (JSON.stringify(kp) === JSON.stringify(TARGET)) atTarget++;
        }
      }
      send({ id: m.id, result: { atTarget, total } });
    } else if (m.op === "stop") {
      void em.stop().then(() => {
        send({ id: m.id, result: null });
        process.exit(0);
      });
    }
  });
}

// ---- the parent ----------------------------------------------------------------------------------------------------
function rpc(child: ChildProcess): <T>(m: Record<string, unknown> & { op: Request["op"] }) => Promise<T> {
  let next = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  child.on("message", (m: { id?: number; result?: unknown }) => {
    if (m.id !== undefined) waiting.get(m.id)?.(m.result);
  });
  return <T>(m: Record<string, unknown>) =>
    new Promise<T>((resolve) => {
      const id = next++;
      waiting.set(id, resolve as (v: unknown) => void);
      child.send({ ...m, id });
    });
}

function memorySampler(): { peakRssInBytes: () => number; reset: () => void; stop: () => void } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return {
    peakRssInBytes: () => Math.max(peak, process.memoryUsage().rss),
    reset: () => (peak = process.memoryUsage().rss),
    stop: () => clearInterval(timer),
  };
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const sdk = require(join(ROOT, "packages/sdk/dist/index.js")) as typeof SdkModule;
  const { ClientSecretCredential } = require(require.resolve("@azure/identity", { paths: [join(ROOT, "packages/sdk")] })) as typeof import("@azure/identity");

  const child = track(
    fork(import.meta.filename, ["--emulator-child", ...(WITH_BLOB ? [] : ["--file-only"]), ...(QUICK ? ["--quick"] : [])], { stdio: ["ignore", "inherit", "inherit", "ipc"], detached: true }),
    "the emulator",
  );
  const call = rpc(child);
  const ready = await new Promise<{ url: string; ca: string; tenantId: string; clientId: string; clientSecret: string }>((resolve, reject) => {
    child.once("message", (m: { ready?: { url: string; ca: string; tenantId: string; clientId: string; clientSecret: string } }) => (m.ready ? resolve(m.ready) : reject(new Error("emulator did not start"))));
    child.once("exit", (code) => reject(new Error(`emulator exited (${code})`)));
  });
  tls.setDefaultCACertificates([...tls.getCACertificates("default"), ready.ca]);
  const credential = new ClientSecretCredential(ready.tenantId, ready.clientId, ready.clientSecret, { authorityHost: ready.url, disableInstanceDiscovery: true });
  const clientOptions = { credential, endpoint: ready.url, polling: { intervalInMs: POLL_INTERVAL_MS, maxIntervalInMs: POLL_INTERVAL_MS * 4 } };
  const fleetSize = SUBSCRIPTION_COUNT * CLUSTERS_PER_SUBSCRIPTION;
  const changedPerSubscription = CLUSTERS_PER_SUBSCRIPTION - Math.floor(CLUSTERS_PER_SUBSCRIPTION / CONVERGED_EVERY);
  const changed = changedPerSubscription * SUBSCRIPTION_COUNT;

  console.log(`Fleet: ${fleetSize} clusters in ${SUBSCRIPTION_COUNT} subscriptions (${changed} to change, ${fleetSize - changed} already converged)`);
  console.log(`Each write's operation: T = ${OPERATION_MS} ms; polls every ${POLL_INTERVAL_MS} ms (no Retry-After, as in the recordings)`);
  console.log(`Node heap flags: ${HEAP_FLAGS.join(" ")}`);
  console.log(
    `Per-subscription ARM budgets: writes ${WRITE_BUDGET.capacity} + ${WRITE_BUDGET.refillPerSecond}/s, reads ${READ_BUDGET.capacity} + ${READ_BUDGET.refillPerSecond}/s; ` +
      `concurrency ${MAX_CONCURRENCY} overall, ${MAX_CONCURRENCY_PER_SUBSCRIPTION} per subscription`,
  );

  // The lower bound, per subscription (budgets are per subscription and run in parallel); a burst of `capacity`
  // requests is free, so the bound subtracts it (the tightest bound that holds).
  const concurrencyBoundMs = Math.max((changed * OPERATION_MS) / MAX_CONCURRENCY, (changedPerSubscription * OPERATION_MS) / MAX_CONCURRENCY_PER_SUBSCRIPTION);
  const writeBoundMs = (Math.max(0, changedPerSubscription - WRITE_BUDGET.capacity) / WRITE_BUDGET.refillPerSecond) * 1000;
  const readBoundMs = (Math.max(0, 2 * changedPerSubscription - READ_BUDGET.capacity) / READ_BUDGET.refillPerSecond) * 1000;
  const lowerBoundMs = Math.max(concurrencyBoundMs, writeBoundMs, readBoundMs);
  console.log(
    `Lower bound: max(clusters × T ÷ concurrency = ${sec(concurrencyBoundMs)}, (writes − burst) ÷ write rate = ${sec(writeBoundMs)}, ` +
      `(2 reads per write − burst) ÷ read rate = ${sec(readBoundMs)}) = ${sec(lowerBoundMs)}`,
  );

  // ---- the naive baseline (first, so that its memory figure is its own) ----
  const memory = memorySampler();
  await call({ op: "clear" });
  const baseClient = new sdk.KubeProxyClient({ ...clientOptions, subscriptionId: BASELINE_SUBSCRIPTION });
  const baseStarted = Date.now();
  for (let i = 0; i < BASELINE_CLUSTERS; i++) {
    await baseClient.apply({ resourceGroup: "rg-base", name: `base-${i}` }, TARGET);
  }
  const baseMs = Date.now() - baseStarted;
  const base = await call<Summary>({ op: "summary", subscriptions: [BASELINE_SUBSCRIPTION] });
  const basePeak = memory.peakRssInBytes();
  const baseMakespanMs = (baseMs / BASELINE_CLUSTERS) * changed;

  // ---- our rollout ----
  memory.reset();
  const dir = mkdtempSync(join(tmpdir(), "bench-fleet-"));
  const { spec } = sdk.parseRolloutSpec({
    name: "bench",
    subscriptions: SUBSCRIPTIONS,
    settings: TARGET,
    maxConcurrency: MAX_CONCURRENCY,
    maxConcurrencyPerSubscription: MAX_CONCURRENCY_PER_SUBSCRIPTION,
  });
  const limiter = new sdk.ArmRateLimiter();
  const createClient: SdkModule.RolloutClientFactory = ({ subscriptionId: sub, additionalPolicies }) =>
    new sdk.KubeProxyClient({ ...clientOptions, subscriptionId: sub, additionalPolicies: [...additionalPolicies] });
  await call({ op: "clear" });
  const started = Date.now();
  const listed = await sdk.listRolloutClusters({ spec, createClient, rateLimiter: limiter });
  const plan = sdk.planRollout({ spec, clusters: listed, apiVersion: sdk.DEFAULT_API_VERSION });
  const file = await sdk.RolloutJournalFile.create(join(dir, "bench.journal.json"), sdk.createRolloutJournal(plan));
  let lastLine = 0;
  const result = await sdk.runRollout({
    journal: file,
    createClient,
    rateLimiter: limiter,
    onProgress: (e) => {
      if (Date.now() - lastLine < 10_000) return;
      lastLine = Date.now();
      const c = e.snapshot.counts;
      console.log(`  … ${sec(e.snapshot.elapsedInMs)}: ${c.done} done, ${c.inProgress} in progress, ${c.failed} failed, ${c.pending} pending`);
    },
  });
  await file.close();
  const makespanMs = Date.now() - started;
  const peakRss = memory.peakRssInBytes();
  const maxRssFromKernel = process.resourceUsage().maxRSS * 1024;
  (globalThis as { gc?: () => void }).gc?.();
  const liveHeap = process.memoryUsage().heapUsed;
  const ours = await call<Summary>({ op: "summary", subscriptions: SUBSCRIPTIONS });
  const state = await call<{ atTarget: number; total: number }>({ op: "state", subscriptions: SUBSCRIPTIONS });
  memory.stop();
  const perClusterWrites = Object.values(ours.writesPerCluster);
  const failedByThrottling = result.journal.clusters.filter((c) => c.status === "failed" && (c.error?.statusCode === 429 || /throttl|429/i.test(c.error?.message ?? ""))).length;
  const convergedWritten = result.journal.clusters.filter((c) => c.skipReason === "converged" && ours.writesPerCluster[new URL(c.id, "https://x").pathname] !== undefined).length;

  console.log("");
  console.log("Rollout (SDK runRollout: waves, per-subscription rate limiter, journal on disk):");
  console.log(`  outcome ${result.outcome}: ${result.counts.done} done (${result.counts.changed} changed), ${result.counts.skipped} skipped (converged), ${result.counts.failed} failed`);
  console.log(`  emulator state: ${state.atTarget}/${state.total} clusters at the target settings`);
  console.log(`  makespan ${sec(makespanMs)} (lower bound ${sec(lowerBoundMs)})`);
  console.log(
    `  ARM requests per cluster: ${(ours.reads / fleetSize).toFixed(2)} reads, ${(ours.writes / fleetSize).toFixed(2)} writes, ${(ours.polls / fleetSize).toFixed(2)} polls ` +
      `(per changed cluster: ${(ours.reads / changed).toFixed(2)} reads, ${(ours.writes / changed).toFixed(2)} writes, ${(ours.polls / changed).toFixed(2)} polls)`,
  );
  console.log(
    `  writes: ${perClusterWrites.length} clusters written, at most ${Math.max(0, ...perClusterWrites)} accepted write(s) per cluster; converged clusters written: ${convergedWritten}`,
  );
  console.log("  (reads include the paged list and the preview check per subscription; 429-refused requests are not counted as reads or writes)");
  console.log(`  429s received: ${ours.throttled} (reads ${result.rateLimiter.throttled.reads}, writes ${result.rateLimiter.throttled.writes}); clusters failed by throttling: ${failedByThrottling}`);
  console.log(`  peak memory: ${mb(peakRss)} RSS sampled, ${mb(maxRssFromKernel)} maxRSS of the process (process.resourceUsage); live heap after the rollout ${mb(liveHeap)}`);
  console.log(`  journal writes: ${file.writes} (atomic replace, fsync)`);

  console.log("");
  console.log(`Naive baseline (one cluster at a time with the SDK's plain apply; run on ${BASELINE_CLUSTERS} clusters and extrapolated to ${changed}):`);
  console.log(`  measured ${sec(baseMs)} for ${BASELINE_CLUSTERS} clusters → extrapolated makespan ${sec(baseMakespanMs)} (ratio to lower bound ${(baseMakespanMs / lowerBoundMs).toFixed(2)})`);
  console.log(
    `  ARM requests per cluster: ${(base.reads / BASELINE_CLUSTERS).toFixed(2)} reads, ${(base.writes / BASELINE_CLUSTERS).toFixed(2)} writes, ${(base.polls / BASELINE_CLUSTERS).toFixed(2)} polls; 429s received: ${base.throttled}`,
  );
  console.log(`  peak memory: ${mb(basePeak)} RSS sampled during the baseline (run before the rollout)`);
  console.log(`  speed-up of the rollout over the baseline: ${(baseMakespanMs / makespanMs).toFixed(1)}×`);

  if (WITH_BLOB) {
    const blob = await blobRun({ sdk, credential, clientOptions, lowerBoundMs, fileMakespanMs: makespanMs });
    const b = await call<Summary>({ op: "summary", subscriptions: SUBSCRIPTIONS_BLOB });
    const bState = await call<{ atTarget: number; total: number }>({ op: "state", subscriptions: SUBSCRIPTIONS_BLOB });
    const bWrites = Object.values(b.writesPerCluster);
    console.log(`  emulator state: ${bState.atTarget}/${bState.total} clusters at the target settings; at most ${Math.max(0, ...bWrites)} accepted write(s) per cluster`);
    console.log(`  ARM requests per cluster: ${(b.reads / fleetSize).toFixed(2)} reads, ${(b.writes / fleetSize).toFixed(2)} writes, ${(b.polls / fleetSize).toFixed(2)} polls; 429s received: ${b.throttled}`);
    console.log(
      `  blob journal added makespan: ${sec(blob.makespanMs - makespanMs)} over the file journal (${((blob.makespanMs / makespanMs - 1) * 100).toFixed(1)}%); ` +
        `journal storage requests per cluster: ${(blob.requests / fleetSize).toFixed(2)} (per changed cluster ${(blob.requests / changed).toFixed(2)})`,
    );
  }

  stopping.add(child);
  // It answers and exits; its exit may come before the answer does.
  await Promise.race([call({ op: "stop" }), new Promise((resolve) => child.once("exit", resolve))]);
  await stopChild(child);
  rmSync(dir, { recursive: true, force: true });
  console.log("");
  console.log(`makespan ratio to lower bound: ${(makespanMs / lowerBoundMs).toFixed(2)}`);
}

/** Starts Azurite's blob service on loopback (HTTPS with a throw-away certificate, OAuth basic), data in `dir`. */
async function startAzurite(dir: string): Promise<{ serviceUrl: string; cert: string; stop: () => Promise<void> }> {
  const { generate } = require("selfsigned") as typeof import("selfsigned");
  const { writeFileSync } = require("node:fs") as typeof import("node:fs");
  const { createServer } = require("node:net") as typeof import("node:net");
  const cert = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  writeFileSync(join(dir, "az-cert.pem"), cert.cert);
  writeFileSync(join(dir, "az-key.pem"), cert.private);
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const main = join(require.resolve("azurite/package.json"), "..", "dist", "src", "blob", "main.js");
  const args = ["--blobHost", "127.0.0.1", "--blobPort", String(port), "--location", join(dir, "azurite"), "--cert", join(dir, "az-cert.pem"), "--key", join(dir, "az-key.pem")];
  // No IPC channel (it would keep this process alive as long as Azurite lives), its own process group.
  const azurite = track(
    spawn(process.execPath, [main, ...args, "--oauth", "basic", "--disableTelemetry", "--silent", "--skipApiVersionCheck"], { stdio: ["ignore", "pipe", "pipe"], detached: true }),
    "Azurite",
  );
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes("successfully listens")) resolve();
    };
    azurite.stdout?.on("data", onData);
    azurite.stderr?.on("data", onData);
    azurite.once("exit", (code) => reject(new Error(`azurite exited (${code}): ${out}`)));
  });
  // Its output is not needed past startup; keep draining it so a full pipe never blocks it.
  azurite.stdout?.resume();
  azurite.stderr?.resume();
  return { serviceUrl: `https://127.0.0.1:${port}/devstoreaccount1`, cert: cert.cert, stop: () => stopChild(azurite, 3_000) };
}

/** The same rollout on SUBSCRIPTIONS_BLOB with its journal in Azurite. */
async function blobRun(args: {
  sdk: typeof SdkModule;
  credential: import("@azure/core-auth").TokenCredential;
  clientOptions: Partial<SdkModule.KubeProxyClientOptions>;
  lowerBoundMs: number;
  fileMakespanMs: number;
}): Promise<{ makespanMs: number; requests: number }> {
  const { sdk, credential, clientOptions } = args;
  const dir = mkdtempSync(join(tmpdir(), "bench-blob-"));
  const az = await startAzurite(dir);
  tls.setDefaultCACertificates([...tls.getCACertificates("default"), az.cert]);
  try {
    const { BlobServiceClient } = require(require.resolve("@azure/storage-blob", { paths: [join(ROOT, "packages/sdk")] })) as typeof import("@azure/storage-blob");
    await new BlobServiceClient(az.serviceUrl, credential).getContainerClient("rollouts").createIfNotExists();
    const store = new sdk.BlobJournalStore({ url: `${az.serviceUrl}/rollouts/bench`, credential });
    const { spec } = sdk.parseRolloutSpec({
      name: "bench",
      subscriptions: SUBSCRIPTIONS_BLOB,
      settings: TARGET,
      maxConcurrency: MAX_CONCURRENCY,
      maxConcurrencyPerSubscription: MAX_CONCURRENCY_PER_SUBSCRIPTION,
    });
    const limiter = new sdk.ArmRateLimiter();
    const createClient: SdkModule.RolloutClientFactory = ({ subscriptionId: sub, additionalPolicies }) =>
      new sdk.KubeProxyClient({ ...clientOptions, credential, subscriptionId: sub, additionalPolicies: [...additionalPolicies] });
    const started = Date.now();
    const listed = await sdk.listRolloutClusters({ spec, createClient, rateLimiter: limiter });
    const plan = sdk.planRollout({ spec, clusters: listed, apiVersion: sdk.DEFAULT_API_VERSION });
    const journal = await store.create(sdk.createRolloutJournal(plan), { purpose: "bench" });
    const result = await sdk.runRollout({ journal, createClient, rateLimiter: limiter });
    await journal.close();
    const makespanMs = Date.now() - started;
    console.log("");
    console.log("Rollout with the journal in Azure Blob Storage (Azurite on loopback, HTTPS, Entra token; lease + If-Match + fleet record):");
    console.log(`  outcome ${result.outcome}: ${result.counts.done} done (${result.counts.changed} changed), ${result.counts.failed} failed`);
    console.log(`  makespan ${sec(makespanMs)} (lower bound ${sec(args.lowerBoundMs)}; file journal ${sec(args.fileMakespanMs)})`);
    console.log(`  journal writes: ${journal.writes}; storage requests: ${store.requests} (journal writes, lease renewals, fleet record reads and updates)`);
    return { makespanMs, requests: store.requests };
  } finally {
    await az.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes("--emulator-child")) {
  void emulatorChild();
} else if (!process.execArgv.includes("--expose-gc")) {
  // Re-run this script with the heap flags (printed), so `node scripts/bench-fleet.ts` measures what `pnpm bench:fleet` does.
  const run = spawnSync(process.execPath, [...process.execArgv, ...HEAP_FLAGS, import.meta.filename, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(run.status ?? 1);
} else {
  process.once("SIGINT", () => void shutdown(130));
  process.once("SIGTERM", () => void shutdown(130));
  main().then(
    () => shutdown(0),
    (error: unknown) => {
      console.error(error);
      return shutdown(1);
    },
  );
}
