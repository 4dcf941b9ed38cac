/**
 * Fixtures shared by the fleet rollout tests (test/rollout-*.test.ts): a fleet of clusters over several
 * subscriptions on the emulator, with the preview already enabled, and the client factory a rollout needs.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClusterSeed, LoggedRequest, StartEmulatorOptions } from "@aks-kube-proxy/arm-emulator";
import { FEATURE_NAME, PROVIDER_NAMESPACE, type KubeProxyClientOptions } from "@aks-kube-proxy/sdk";
import { journalLogPath, parseRolloutJournalFile, type RolloutClientFactory, type RolloutJournal } from "@aks-kube-proxy/rollout";
import { emulatorEnv, emulatorFlags, runCli, type CliRun } from "../packages/cli/test/support/run-cli";
import { startTestEmulator, type TestEmulator } from "./support/emulator";

/** Subscriptions of the test fleets. */
export const SUBSCRIPTIONS = ["aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002", "aaaaaaaa-0000-4000-8000-000000000003"];

/** `count` clusters per subscription, IPTABLES by default, tagged with a ring (index mod 3). */
export function fleetSeeds(args: { subscriptions?: string[]; perSubscription: number; seed?: (i: number, sub: string) => Partial<ClusterSeed> }): ClusterSeed[] {
  const out: ClusterSeed[] = [];
  for (const sub of args.subscriptions ?? SUBSCRIPTIONS) {
    for (let i = 0; i < args.perSubscription; i++) {
      out.push({
        subscriptionId: sub,
        resourceGroup: `rg-${i % 2 ? "blue" : "green"}`,
        name: `aks-${sub.slice(-1)}-${String(i).padStart(3, "0")}`,
        kubernetesVersion: "1.33.2",
        tags: { ring: String(i % 3) },
        ...args.seed?.(i, sub),
      });
    }
  }
  return out;
}

/** An emulator with the fleet, the preview enabled on every subscription, and quick operations. */
export async function startFleetEmulator(args: { clusters: ClusterSeed[]; subscriptions?: string[] } & Omit<StartEmulatorOptions, "clusters" | "subscriptions">): Promise<TestEmulator> {
  const subscriptions = args.subscriptions ?? SUBSCRIPTIONS;
  return startTestEmulator({
    ...args,
    subscriptions,
    clusters: args.clusters,
    registeredFeatures: subscriptions.map((subscriptionId) => ({ subscriptionId, namespace: PROVIDER_NAMESPACE, name: FEATURE_NAME })),
    timings: { operationMs: 20, featureRegistrationMs: 10, providerRegistrationMs: 10, retryAfterSeconds: 0, ...args.timings },
  });
}

/** The client factory a rollout takes, on the test emulator (fast polling), keeping the rollout's policies. */
export function clientFactory(t: TestEmulator, extra: Partial<KubeProxyClientOptions> = {}): RolloutClientFactory {
  return ({ subscriptionId, additionalPolicies }) => t.client({ ...extra, subscriptionId, additionalPolicies: [...additionalPolicies, ...(extra.additionalPolicies ?? [])] });
}

/** A fresh temporary directory. */
export function tempDir(prefix = "rollout-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The PUTs (cluster writes) in a request log, by lower-cased cluster name. */
export function writesByCluster(log: readonly LoggedRequest[]): Map<string, LoggedRequest[]> {
  const out = new Map<string, LoggedRequest[]>();
  for (const r of log) {
    if (r.method !== "PUT") continue;
    const m = /\/managedClusters\/([^/?]+)$/i.exec(r.path);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

/**
 * Runs the built CLI against the fleet's emulator (its credentials, CA and endpoint; millisecond polling; CI=true).
 * @param t - the emulator
 * @param cwd - working directory (rollout files and journals are relative to it)
 * @param args - the CLI arguments
 */
export function rolloutCli(t: TestEmulator, cwd: string, args: readonly string[]): Promise<CliRun> {
  return runCli([...emulatorFlags(t.em), ...args], { cwd, env: emulatorEnv(t.em, { CI: "true" }) });
}

/**
 * A journal file as on disk now, read while its writer may still run: the snapshot and the records its log holds
 * beyond it (the SDK's parser). Undefined before it is written, or when read in the instant of a compaction.
 */
export function readJournalNow(path: string): RolloutJournal | undefined {
  try {
    let logText: string | undefined;
    try {
      logText = readFileSync(journalLogPath(path), "utf8");
    } catch {
      logText = undefined;
    }
    return parseRolloutJournalFile(path, readFileSync(path, "utf8"), logText).journal;
  } catch {
    return undefined;
  }
}
