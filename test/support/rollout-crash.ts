/**
 * Crash harness for fleet rollouts: runs the built CLI (`rollout apply`) against an in-process emulator, kills it with
 * SIGKILL at a chosen instant (picked from the emulator's request hook and the journal on disk), resumes it, rolls it
 * back, and measures what matters from the emulator's own state and request log, never from our output:
 * accepted PUTs per cluster, clusters not at the target (or not Succeeded) although the journal says done or the run
 * left them unreported, and clusters a rollback missed.
 *
 * Shared by test/rollout-crash.test.ts, test/rollout-property.test.ts and scripts/crash-matrix.ts (run by Node's type
 * stripping): node: imports only, types erased, no __dirname or import.meta (the caller passes the CLI's path).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import type { ClusterSeed, FaultSpec, LoggedRequest, RunningEmulator, startEmulator as StartEmulator } from "@aks-kube-proxy/arm-emulator";
import type { RolloutJournal } from "@aks-kube-proxy/rollout";

/** Where a run is killed. */
export type KillPoint =
  /** The cluster's read is held (slow GET): no intent saved, nothing sent. */
  | "before-put"
  /** The intent (with the previous settings) is in the journal; the PUT never reaches Azure (dropped). */
  | "intent-saved"
  /** Azure accepted the PUT: killed inside the emulator's hook, before the answer leaves. */
  | "put-accepted"
  /** The operation is being polled. */
  | "polling"
  /** A journal write is under way (its temporary file exists). */
  | "journal-write";

/** Every kill point. */
export const KILL_POINTS: readonly KillPoint[] = ["before-put", "intent-saved", "put-accepted", "polling", "journal-write"];

/** The end of a CLI run. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running CLI. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
}

/** The scene of a crash run. */
export interface CrashScene {
  /** The emulator (in this process). */
  readonly em: RunningEmulator;
  /** Path of the built CLI (packages/cli/dist/bin.js). */
  readonly cliBin: string;
  /** The working directory (rollout file, journals). */
  readonly dir: string;
  /** The rollout file. */
  readonly rolloutFile: string;
  /** The rollout's journal. */
  readonly journal: string;
  /** Request hooks: the emulator's `onRequest` calls each (install with {@link requestHooks}). */
  readonly hooks: Set<(entry: LoggedRequest) => void>;
  /** The fleet as seeded. */
  readonly seeds: readonly ClusterSeed[];
  /** The SDK's reader of a journal file with its log (see {@link CrashSceneOptions.journalReader}). */
  readonly journalReader: JournalReader;
}

/** An `onRequest` for `startEmulator` that calls every hook in the set. */
export function requestHooks(hooks: Set<(entry: LoggedRequest) => void>): (entry: LoggedRequest) => void {
  return (entry) => {
    for (const h of [...hooks]) h(entry);
  };
}

/** The rollout's settings in every crash scene. */
export const CRASH_TARGET = { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } };
/** Previous settings of the scene's clusters, by index in a subscription: never set, explicit default, IPVS. */
const PREVIOUS = [undefined, { enabled: true, mode: "IPTABLES" }, { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } }];
/** The preview flag and provider (as the SDK names them). */
const PREVIEW = { namespace: "Microsoft.ContainerService", name: "KubeProxyConfigurationPreview" };

/** Options of {@link crashScene}. */
export interface CrashSceneOptions {
  /** The emulator's `startEmulator` (the caller imports it: from src in jest, from dist in scripts). */
  readonly startEmulator: typeof StartEmulator;
  /** Path of the built CLI. */
  readonly cliBin: string;
  /** Subscriptions (each gets `perSubscription` clusters). */
  readonly subscriptions: readonly string[];
  /** @default 3 */
  readonly perSubscription?: number;
  /** How long each operation runs. @default 300 */
  readonly operationMs?: number;
  /** @default 2 */
  readonly maxConcurrency?: number;
  /** The rollout package's journal parser and log path (the caller imports them: from src in jest, from dist in scripts). */
  readonly journalReader: JournalReader;
}

/** The SDK's pure reader of a journal file: the snapshot and its append-only log (a torn last record ignored). */
export interface JournalReader {
  readonly parseRolloutJournalFile: (path: string, text: string, logText: string | undefined) => { readonly journal: RolloutJournal };
  readonly journalLogPath: (path: string) => string;
}

/** An emulator with a small fleet (three kinds of previous settings), the preview on, a rollout file and a journal path. */
export async function crashScene(opts: CrashSceneOptions): Promise<CrashScene> {
  const seeds: ClusterSeed[] = [];
  for (const subscriptionId of opts.subscriptions) {
    for (let i = 0; i < (opts.perSubscription ?? 3); i++) {
      const previous = PREVIOUS[i % PREVIOUS.length];
      seeds.push({ subscriptionId, resourceGroup: "rg-crash", name: `aks-${subscriptionId.slice(-1)}-${String(i).padStart(3, "0")}`, kubernetesVersion: "1.33.2", ...(previous ? { kubeProxyConfig: previous } : {}) });
    }
  }
  const hooks = new Set<(e: LoggedRequest) => void>();
  const em = await opts.startEmulator({
    throttling: false,
    // The AKS resource provider's own throttles stay on, their refill sped up 50 times (short operations, fast polling).
    aksThrottling: { timeScale: 50 },
    subscriptions: [...opts.subscriptions],
    clusters: seeds,
    registeredFeatures: opts.subscriptions.map((subscriptionId) => ({ subscriptionId, ...PREVIEW })),
    timings: { operationMs: opts.operationMs ?? 300, featureRegistrationMs: 10, providerRegistrationMs: 10, retryAfterSeconds: 0 },
    onRequest: requestHooks(hooks),
  });
  const dir = mkdtempSync(join(tmpdir(), "crash-"));
  const rolloutFile = join(dir, "rollout.yaml");
  writeRolloutFile(rolloutFile, { subscriptions: opts.subscriptions, settings: CRASH_TARGET, maxConcurrency: opts.maxConcurrency ?? 2 });
  return { em, cliBin: opts.cliBin, dir, rolloutFile, journal: join(dir, "crash.journal.json"), hooks, seeds, journalReader: opts.journalReader };
}

/** Writes the rollout file of a crash scene. */
export function writeRolloutFile(path: string, args: { subscriptions: readonly string[]; settings: object; maxConcurrency: number; extra?: readonly string[] }): void {
  writeFileSync(
    path,
    [
      "name: crash",
      `subscriptions: [${args.subscriptions.join(", ")}]`,
      `settings: ${JSON.stringify(args.settings)}`,
      `maxConcurrency: ${args.maxConcurrency}`,
      "halt: { maxFailures: 1000 }",
      ...(args.extra ?? []),
      "",
    ].join("\n"),
  );
}

/** Spawns the CLI against the emulator. */
export function spawnCli(scene: Pick<CrashScene, "em" | "cliBin" | "dir">, args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [scene.cliBin, "--endpoint", scene.em.url, "--poll-interval", "10ms", ...args], {
    cwd: scene.dir,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/tmp", NO_COLOR: "1", CI: "true", ...scene.em.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited };
}

/** The journal as on disk now, its log included (undefined before it exists or while unreadable). */
export function readJournal(scene: Pick<CrashScene, "journal" | "journalReader">): RolloutJournal | undefined {
  const { parseRolloutJournalFile, journalLogPath } = scene.journalReader;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const text = readFileSync(scene.journal, "utf8");
      let logText: string | undefined;
      try {
        logText = readFileSync(journalLogPath(scene.journal), "utf8");
      } catch {
        logText = undefined;
      }
      return parseRolloutJournalFile(scene.journal, text, logText).journal;
    } catch {
      // not written yet, or read while the writer compacted: read again
    }
  }
  return undefined;
}

function clusterName(path: string): string | undefined {
  return /\/managedClusters\/([^/?]+)$/i.exec(path)?.[1]?.toLowerCase();
}

/** PUTs of a cluster Azure accepted (2xx), by lower-cased cluster name. */
export function acceptedPuts(log: readonly LoggedRequest[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of log) {
    const name = clusterName(r.path);
    if (r.method !== "PUT" || name === undefined || r.status < 200 || r.status > 299) continue;
    out.set(name, (out.get(name) ?? 0) + 1);
  }
  return out;
}

/** kubeProxyConfig and provisioningState of a cluster, as the emulator stores it. */
export function clusterNow(em: RunningEmulator, c: { subscriptionId?: string; resourceGroup: string; name: string }): { kubeProxyConfig: unknown; provisioningState: unknown } {
  const raw = em.control.getCluster({ ...(c.subscriptionId !== undefined ? { subscriptionId: c.subscriptionId } : {}), resourceGroup: c.resourceGroup, name: c.name });
  const p = (raw?.["properties"] ?? {}) as { networkProfile?: { kubeProxyConfig?: unknown }; provisioningState?: unknown };
  return { kubeProxyConfig: p.networkProfile?.kubeProxyConfig, provisioningState: p.provisioningState };
}

function sameJson(a: unknown, b: unknown): boolean {
  const canon = (x: unknown): unknown =>
    x === null || typeof x !== "object" ? x : Array.isArray(x) ? x.map(canon) : Object.fromEntries(Object.entries(x as object).sort(([k1], [k2]) => k1.localeCompare(k2)).map(([k, v]) => [k, canon(v)]));
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/** Polls until `probe` returns true (or throws after the timeout). */

/**
 * Polls `probe` every 2 ms until it holds; throws naming `what` after `timeoutInMs`. (test/support/waitFor.ts does this
 * for the jest tests; this file imports only node: modules and types, so that `pnpm crash:matrix` runs it with Node's
 * type stripping, which needs no extension-less relative imports.)
 */
export async function waitUntil(what: string, probe: () => boolean, timeoutInMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/**
 * Arms a kill point on a running CLI: resolves once the point was reached and the process killed (`killed: true`), or
 * the process ended first, or the point was not reached within `pointTimeoutInMs` (then the process is killed anyway;
 * `killed: false`). The faults the point needed are cleared afterwards.
 * @param occurrence - kill at the n-th time the point is reached (1 = first)
 */
export async function killAt(scene: CrashScene, proc: CliProcess, point: KillPoint, occurrence = 1, pointTimeoutInMs = 60_000): Promise<{ killed: boolean }> {
  const { em, hooks } = scene;
  let seen = 0;
  let hook: ((e: LoggedRequest) => void) | undefined;
  let watcher: FSWatcher | undefined;
  const ended = (): boolean => proc.child.exitCode !== null || proc.child.signalCode !== null;
  /** Resolves when the journal satisfies `probe` (or the process ended). */
  const journalSays = (probe: (j: RolloutJournal) => boolean): Promise<void> => waitUntil("the journal", () => ended() || probe(readJournal(scene) ?? ({ clusters: [] } as unknown as RolloutJournal)), 60_000);
  const reached = new Promise<void>((resolve) => {
    const hit = (): void => {
      if (++seen === occurrence) {
        kill(proc.child);
        resolve();
      }
    };
    switch (point) {
      case "before-put":
        // Every read of a cluster is held 400 ms: the kill comes while the first reads are held, after the journal
        // recorded the cluster in progress.
        em.control.addFault({ kind: "slow", method: "GET", pathPattern: "/managedClusters/[^/]+$", delayMs: 400, count: 1000 });
        void journalSays((j) => j.clusters.filter((c) => c.status === "in-progress").length >= occurrence).then(() => {
          seen = occurrence - 1;
          if (!ended()) hit();
        }, resolve);
        break;
      case "intent-saved":
        // Every PUT is dropped before Azure processes it; the kill comes once the journal holds an intent.
        em.control.addFault({ kind: "drop", method: "PUT", pathPattern: "/managedClusters/[^/]+$", count: 1000 });
        void journalSays((j) => j.clusters.filter((c) => c.written === true).length >= occurrence).then(() => {
          seen = occurrence - 1;
          if (!ended()) hit();
        }, resolve);
        break;
      case "put-accepted":
        hook = (e) => {
          if (e.method === "PUT" && e.status >= 200 && e.status < 300 && clusterName(e.path) !== undefined) hit();
        };
        break;
      case "polling":
        hook = (e) => {
          if (e.kind === "poll" && e.status === 200) hit();
        };
        break;
      case "journal-write": {
        const base = scene.journal.split("/").pop()!;
        watcher = watch(scene.dir, (_event, name) => {
          // A compaction's temporary file, or an append to the journal's log.
          if (typeof name !== "string" || !name.startsWith(`${base}.`) || !(name.endsWith(".tmp") || name === `${base}.log`) || name.includes(".lock.")) return;
          // Only writes made once a cluster is under way count (not the journal's creation).
          if (readJournal(scene)?.clusters.some((c) => c.status !== "pending" && c.status !== "skipped")) hit();
        });
        break;
      }
    }
    if (hook) hooks.add(hook);
    void proc.exited.then(() => resolve());
    // A point never reached (e.g. fewer clusters in progress at once than the occurrence asked): stop waiting.
    setTimeout(resolve, pointTimeoutInMs).unref();
  });
  await reached;
  if (hook) hooks.delete(hook);
  watcher?.close();
  const killed = seen >= occurrence;
  if (!killed) kill(proc.child); // not reached in time: end it anyway (reported as not killed at the point)
  await proc.exited;
  em.control.clearFaults();
  return { killed };
}

/** What a crash run found, counted from the emulator. */
export interface CrashFigures {
  /** Clusters with more than one accepted PUT during the rollout (all runs). */
  readonly doubleWrites: string[];
  /** Clusters `done` in the journal that do not read the target settings and Succeeded. */
  readonly doneButWrong: string[];
  /** Clusters neither done with the target nor reported failed after the last resume. */
  readonly unaccounted: string[];
  /** Clusters whose settings the rollout changed and the rollback did not restore. */
  readonly missedByRollback: string[];
  /** Exit codes of the runs (first, resumes, rollback). */
  readonly exits: (number | null)[];
}

/**
 * Resumes a crashed rollout until it ends (at most `maxResumes` runs), then checks it, rolls it back and checks that.
 * @param target - the rollout's settings
 * @param restoreOfNeverSet - what a rollback writes for a cluster that had no kubeProxyConfig
 */
export async function resumeAndCheck(scene: CrashScene, args: { target: unknown; restoreOfNeverSet: unknown; firstExit: number | null; maxResumes?: number }): Promise<CrashFigures> {
  const { em } = scene;
  const exits: (number | null)[] = [args.firstExit];
  for (let i = 0; i < (args.maxResumes ?? 3); i++) {
    const j = readJournal(scene);
    if (j && j.status !== "running" && j.status !== "planned" && j.status !== "aborted") break;
    const r = await spawnCli(scene, ["rollout", "apply", scene.rolloutFile, "--journal", scene.journal, "--resume", "--yes"]).exited;
    exits.push(r.code);
  }
  const rolloutLog = em.control.requestLog();
  const doubleWrites = [...acceptedPuts(rolloutLog)].filter(([, n]) => n > 1).map(([name, n]) => `${name} (${n} PUTs)`);
  const j = readJournal(scene)!;
  const doneButWrong: string[] = [];
  const unaccounted: string[] = [];
  for (const c of j.clusters) {
    if (c.status === "skipped") continue;
    const now = clusterNow(em, c);
    const atTarget = sameJson(now.kubeProxyConfig, args.target) && now.provisioningState === "Succeeded";
    if (c.status === "done" && !atTarget) doneButWrong.push(`${c.name}: ${JSON.stringify(now)}`);
    if (c.status !== "done" && c.status !== "failed") unaccounted.push(`${c.name}: ${c.status}`);
  }
  // Which clusters the rollout changed, from the emulator's state: settings differ from the seed.
  const changed = scene.seeds.filter((s) => !sameJson(clusterNow(em, s).kubeProxyConfig, s.kubeProxyConfig));
  em.control.clearFaults(); // the rollback is judged on its own, without the rollout's faults
  const rollback = await spawnCli(scene, ["rollout", "rollback", "--journal", scene.journal, "--yes"]).exited;
  exits.push(rollback.code);
  const missedByRollback = changed
    .filter((s) => {
      const now = clusterNow(em, s).kubeProxyConfig;
      return !(sameJson(now, s.kubeProxyConfig) || (s.kubeProxyConfig === undefined && sameJson(now, args.restoreOfNeverSet)));
    })
    .map((s) => `${s.name}: ${JSON.stringify(clusterNow(em, s).kubeProxyConfig)}`);
  return { doubleWrites, doneButWrong, unaccounted, missedByRollback, exits };
}

/** Temporary files of the journal left in the directory (crash leftovers not cleaned). */
export function journalLeftovers(scene: Pick<CrashScene, "dir" | "journal">): string[] {
  const base = scene.journal.split("/").pop()!;
  return readdirSync(scene.dir).filter((n) => n.startsWith(`${base}.`) && n.endsWith(".tmp"));
}

/** Faults a property test may schedule (each applied to the next `count` matching requests). */
export type ScheduledFault = FaultSpec;
