/**
 * The blob journal through the CLI, across processes: two runners fighting over one shard (one stalled with SIGSTOP
 * past its lease, taken over, stopping cleanly when it wakes; two started at once); a runner killed mid-rollout with SIGKILL, as a
 * cancelled CI job would be, and resumed by another process given the same `--journal` URL: it waits for the dead
 * runner's lease to run out, takes the journal over naming the dead runner, re-attaches to the operation in flight,
 * and writes no cluster twice. `rollout status` and `rollout merge` read every shard live from the store, and
 * `rollout rollback` restores each shard from it.
 * Azurite (HTTPS, OAuth basic) and the ARM emulator; the CLI signs in to both with the emulator's Entra credentials.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { BlobJournalStore, type RolloutJournal } from "@aks-kube-proxy/rollout";
import { startAzurite, type RunningAzurite } from "./support/azurite";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, startFleetEmulator, SUBSCRIPTIONS, writesByCluster } from "./rollout-fixtures";
import { waitFor } from "./support/waitFor";

const BIN = join(__dirname, "..", "packages", "cli", "dist", "bin.js");

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let az: RunningAzurite;
let t: TestEmulator;
let caFile: string;

beforeAll(async () => {
  az = await startAzurite();
});
afterAll(async () => {
  await az?.stop();
});
afterEach(async () => {
  await t?.stop();
});

function cli(cwd: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Exit> } {
  const child = spawn(process.execPath, [BIN, "--endpoint", t.em.url, "--poll-interval", "20ms", ...args], {
    cwd,
    env: { ...process.env, ...t.em.env, NODE_EXTRA_CA_CERTS: caFile, CI: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Exit>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function setUp(perSubscription: number, operationMs: number): Promise<{ dir: string; rolloutFile: string; url: string; container: ReturnType<BlobServiceClient["getContainerClient"]> }> {
  t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription }), timings: { operationMs } });
  const dir = mkdtempSync(join(tmpdir(), "blob-cli-"));
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, `${t.em.ca}\n${az.certPem}\n`); // trust the ARM emulator and Azurite in the child
  const container = new BlobServiceClient(az.serviceUrl, t.credential).getContainerClient("rollouts");
  await container.createIfNotExists();
  const rolloutFile = join(dir, "rollout.yaml");
  writeFileSync(
    rolloutFile,
    ["name: blob-cli", "subscriptions:", ...SUBSCRIPTIONS.map((s) => `  - ${s}`), "settings: { mode: IPVS, ipvsConfig: { scheduler: RoundRobin } }", "maxConcurrency: 2", ""].join("\n"),
  );
  return { dir, rolloutFile, url: `${az.serviceUrl}/rollouts/cli-${Date.now()}`, container };
}

/** The journal as the SDK reads it (its snapshot and the log records after it), or undefined before it exists. */
async function readBlob(name: string): Promise<RolloutJournal | undefined> {
  const folder = `${az.serviceUrl}/rollouts/${name.slice(0, name.lastIndexOf("/"))}`;
  try {
    return (await new BlobJournalStore({ url: folder, credential: t.credential }).readAll())[0]?.journal;
  } catch {
    return undefined;
  }
}


describe("blob journal through the CLI", () => {
  test("a runner killed mid-rollout is resumed by another process with the same URL: lease taken over naming the dead runner, operation re-attached, no cluster written twice", async () => {
    const { dir, rolloutFile, url } = await setUp(4, 700);
    const name = `${url.slice(`${az.serviceUrl}/rollouts/`.length)}/journal.json`;
    const first = cli(dir, ["rollout", "apply", rolloutFile, "--journal", url, "--lease-duration", "15s", "--yes"]);
    const atKill = await waitFor("done clusters and an operation in flight in the blob journal", async () => {
      const j = await readBlob(name);
      const done = j?.clusters.filter((c) => c.status === "done").length ?? 0;
      const inFlight = j?.clusters.filter((c) => c.status === "in-progress" && c.operationUrl).length ?? 0;
      return done >= 2 && inFlight >= 1 ? j : undefined;
    });
    expect(atKill.status).toBe("running");
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    const afterKill = (await readBlob(name))!;
    const doneBefore = afterKill.clusters.filter((c) => c.status === "done");
    const inFlight = afterKill.clusters.filter((c) => c.status === "in-progress" && c.operationUrl);

    // Without waiting, the lease of the dead runner still holds: refused, naming it.
    const refused = await cli(dir, ["rollout", "apply", rolloutFile, "--journal", url, "--resume", "--yes"]).done;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(new RegExp(`in use by process ${first.child.pid} on .+ \\(rollout apply\\)`));

    const logBefore = t.em.control.requestLog().length;
    const resumed = await cli(dir, ["rollout", "apply", rolloutFile, "--journal", url, "--resume", "--yes", "--lock-timeout", "40s", "-o", "json"]).done;
    expect(resumed.stderr).toMatch(new RegExp(`Took over journal .* from process ${first.child.pid} on .+ \\(rollout apply\\).*expired`));
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout) as { status: string; counts: { total: number; done: number; failed: number } };
    expect(report).toMatchObject({ status: "completed", counts: { total: 12, done: 12, failed: 0 } });

    const log = t.em.control.requestLog();
    const writes = writesByCluster(log);
    expect(writes.size).toBe(12);
    for (const [n, rs] of writes) expect([n, rs.length]).toEqual([n, 1]);
    const resumedLog = log.slice(logBefore);
    const resumedWrites = writesByCluster(resumedLog);
    for (const c of [...doneBefore, ...inFlight]) expect(resumedWrites.has(c.name.toLowerCase())).toBe(false);
    for (const c of inFlight) {
      const opPath = new URL(c.operationUrl!).pathname;
      expect(resumedLog.some((r) => r.method === "GET" && r.path === opPath)).toBe(true);
    }
    const final = (await readBlob(name))!;
    expect(final.runs).toHaveLength(2);
    expect(final.runs[0]!.endedAt).toBeUndefined();
    expect(final.runs[1]).toMatchObject({ resumed: true, outcome: "completed" });
  }, 90_000);

  test("two runners fight over one shard: a runner stalled past its lease is taken over; when it wakes it stops cleanly, naming the winner; no cluster is written twice", async () => {
    const { dir, rolloutFile, url } = await setUp(4, 600);
    const name = `${url.slice(`${az.serviceUrl}/rollouts/`.length)}/journal.json`;
    const first = cli(dir, ["rollout", "apply", rolloutFile, "--journal", url, "--lease-duration", "15s", "--yes"]);
    await waitFor("two clusters done by the first runner", async () => {
      const j = await readBlob(name);
      return (j?.clusters.filter((c) => c.status === "done").length ?? 0) >= 2 ? j : undefined;
    });
    first.child.kill("SIGSTOP"); // stalled: no renewal, no write, its lease runs out
    const second = cli(dir, ["rollout", "apply", rolloutFile, "--journal", url, "--resume", "--yes", "--lock-timeout", "40s", "-o", "json"]);
    const won = await second.done;
    first.child.kill("SIGCONT");
    const lost = await first.done;
    expect(won.stderr).toMatch(new RegExp(`Took over journal .* from process ${first.child.pid} on .+ \\(rollout apply\\).*expired`));
    expect(won.code).toBe(0);
    expect(JSON.parse(won.stdout)).toMatchObject({ status: "completed", counts: { total: 12, done: 12, failed: 0 } });
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(new RegExp(`Lost the journal .*another runner took it over.*held by process ${second.child.pid} .*This runner stopped without writing anything more`, "s"));
    const writes = writesByCluster(t.em.control.requestLog());
    expect(writes.size).toBe(12);
    for (const [n, rs] of writes) expect([n, rs.length]).toEqual([n, 1]);
    const final = (await readBlob(name))!;
    expect(final.clusters.every((c) => c.status === "done")).toBe(true);
    expect(final.status).toBe("completed");
  }, 90_000);

  test("two runners started on the same journal at once: one wins, the other stops before any write with a clear message", async () => {
    const { dir, rolloutFile, url } = await setUp(2, 200);
    const [a, b] = await Promise.all([1, 2].map(() => cli(dir, ["rollout", "apply", rolloutFile, "--journal", url, "--yes"]).done));
    const codes = [a!.code, b!.code].sort();
    expect(codes[0]).toBe(0);
    expect(codes[1]).not.toBe(0);
    const loser = a!.code === 0 ? b! : a!;
    expect(loser.stderr).toMatch(/already exists.*--resume|is in use by process \d+/);
    const writes = writesByCluster(t.em.control.requestLog());
    expect(writes.size).toBe(6);
    for (const [n, rs] of writes) expect([n, rs.length]).toEqual([n, 1]);
  }, 60_000);

  test("shards run by separate processes share one folder; status and merge read every shard live from the store; each shard rolls back from it", async () => {
    const { dir, rolloutFile, url } = await setUp(2, 30);
    const runs = await Promise.all([1, 2, 3].map((i) => cli(dir, ["rollout", "apply", rolloutFile, "--journal", url, "--shard", `${i}/3`, "--yes"]).done));
    for (const r of runs) expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
    const status = await cli(dir, ["rollout", "status", url, "-o", "json"]).done;
    expect(status.code).toBe(0);
    const statusReport = JSON.parse(status.stdout) as { counts: { total: number; done: number } };
    expect(statusReport.counts).toMatchObject({ total: 6, done: 6 });
    const merged = await cli(dir, ["rollout", "merge", url, "-o", "json", "--junit", join(dir, "rollout.xml")]).done;
    expect(merged.code).toBe(0);
    const mergedReport = JSON.parse(merged.stdout) as { status: string; shards: { count: number; missing: number[] }; counts: { total: number; done: number } };
    expect(mergedReport).toMatchObject({ status: "completed", shards: { count: 3, missing: [] }, counts: { total: 6, done: 6 } });
    // Each shard rolled back from the store by its own process: every cluster gets its settings from before the rollout.
    const rollbacks = await Promise.all([1, 2, 3].map((i) => cli(dir, ["rollout", "rollback", "--journal", url, "--shard", `${i}/3`, "--yes"]).done));
    for (const r of rollbacks) expect([r.code, r.stderr]).toEqual([0, expect.stringContaining("Rollback of blob-cli")]);
    const rolledBack = await cli(dir, ["rollout", "status", `${url}/rollback`, "-o", "json"]).done;
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ operation: "rollback", counts: { total: 6, done: 6, failed: 0 } });
    for (const seed of fleetSeeds({ perSubscription: 2 })) {
      const raw = t.em.control.getCluster({ subscriptionId: seed.subscriptionId, resourceGroup: seed.resourceGroup, name: seed.name })!;
      expect([seed.name, (raw["properties"] as { networkProfile: { kubeProxyConfig?: unknown } }).networkProfile.kubeProxyConfig]).toEqual([seed.name, { enabled: true, mode: "IPTABLES" }]);
    }

    // A blob URL with a SAS in it is refused without echoing the query.
    const sas = await cli(dir, ["rollout", "status", `${url}?sv=2025-01-01&sig=SECRETSIG`]).done;
    expect(sas.code).not.toBe(0);
    expect(sas.stderr).toMatch(/AZURE_STORAGE_SAS_TOKEN/);
    expect(`${sas.stdout}${sas.stderr}`).not.toContain("SECRETSIG");
  }, 60_000);
});
