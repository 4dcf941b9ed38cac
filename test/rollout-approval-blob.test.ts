/**
 * Approval gates with the blob journal, across shards run by separate processes: every shard stops before the wave
 * that needs an approval (exit 6, nothing of it written), one `rollout approve` against the folder records the
 * approval once for the whole fleet (in the fleet record, with who and when), and each shard's `--resume` then runs
 * the wave, copying the approval into its own journal. And health gates with the blob journal: canaries whose data
 * plane never converges halt the whole fleet, and each shard with a canary restores it (`halt.rollback`). Azurite
 * (HTTPS, OAuth) and the ARM emulator; needs `pnpm build`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import type { RolloutJournal } from "@aks-kube-proxy/rollout";
import { startAzurite, type RunningAzurite } from "./support/azurite";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, startFleetEmulator, SUBSCRIPTIONS, writesByCluster } from "./rollout-fixtures";

const BIN = join(__dirname, "..", "packages", "cli", "dist", "bin.js");

let az: RunningAzurite;
let t: TestEmulator;

beforeAll(async () => {
  az = await startAzurite();
});
afterAll(async () => {
  await t?.stop();
  await az?.stop();
});

function cli(cwd: string, caFile: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, "--endpoint", t.em.url, "--poll-interval", "20ms", ...args], {
    cwd,
    env: { ...process.env, ...t.em.env, NODE_EXTRA_CA_CERTS: caFile, CI: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

test("three shards stop before the approval wave; one approve for the fleet; every shard's resume runs it", async () => {
  t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 3 }) });
  const dir = mkdtempSync(join(tmpdir(), "approval-blob-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, `${t.em.ca}\n${az.certPem}\n`);
  const container = new BlobServiceClient(az.serviceUrl, t.credential).getContainerClient("rollouts");
  await container.createIfNotExists();
  const rolloutFile = join(dir, "rollout.json");
  writeFileSync(rolloutFile, JSON.stringify({ name: "approval-blob", subscriptions: SUBSCRIPTIONS, settings: { mode: "NFTABLES" }, waves: [{ name: "canary", count: 1 }, { name: "prod", approval: true }] }));
  const prefix = `approval-${Date.now()}`;
  const url = `${az.serviceUrl}/rollouts/${prefix}`;
  const shards = ["1/3", "2/3", "3/3"];

  const first = await Promise.all(shards.map((s) => cli(dir, caFile, ["rollout", "apply", rolloutFile, "--journal", url, "--shard", s, "--yes"])));
  for (const r of first) {
    expect([r.code, r.stderr]).toEqual([6, expect.stringContaining(`aks-kube-proxy rollout approve --journal ${url} --wave prod`)]);
  }
  // One canary per shard, nothing of prod.
  expect([...writesByCluster(t.em.control.requestLog()).values()].flat()).toHaveLength(3);

  const approve = await cli(dir, caFile, ["rollout", "approve", "--journal", url, "--wave", "prod", "-o", "json"], { GITHUB_ACTOR: "fleet-owner" });
  expect([approve.code, approve.stderr]).toEqual([0, ""]);
  expect(JSON.parse(approve.stdout)).toMatchObject({ wave: "prod", alreadyApproved: false, approval: { by: "fleet-owner" } });
  const fleet = JSON.parse((await container.getBlockBlobClient(`${prefix}/fleet.json`).downloadToBuffer()).toString("utf8")) as { approvals: Record<string, { by: string; at: string }> };
  expect(fleet.approvals["prod"]).toMatchObject({ by: "fleet-owner" });
  const again = await cli(dir, caFile, ["rollout", "approve", "--journal", url, "--wave", "prod", "-o", "json"], { GITHUB_ACTOR: "someone-else" });
  expect(JSON.parse(again.stdout)).toMatchObject({ alreadyApproved: true, approval: { by: "fleet-owner" } });

  const resumed = await Promise.all(shards.map((s) => cli(dir, caFile, ["rollout", "apply", rolloutFile, "--journal", url, "--shard", s, "--resume", "--yes"])));
  for (const r of resumed) expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
  const writes = writesByCluster(t.em.control.requestLog());
  expect(writes.size).toBe(9);
  expect([...writes.values()].every((rs) => rs.length === 1)).toBe(true);
  for (const i of [1, 2, 3]) {
    const j = JSON.parse((await container.getBlockBlobClient(`${prefix}/shard-${i}-of-3.json`).downloadToBuffer()).toString("utf8")) as RolloutJournal;
    expect([i, j.status, j.waves.find((w) => w.name === "prod")?.approval?.by]).toEqual([i, "completed", "fleet-owner"]);
  }
}, 120_000);

test("blob journal, two shards: canaries whose data plane never converges halt the fleet and, with rollback: true, each shard restores its canary", async () => {
  await t?.stop();
  t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 3 }), timings: { kubeProxyRolloutPerNodeMs: 10 } });
  for (const s of fleetSeeds({ perSubscription: 3 })) t.em.control.addKubeFault({ kind: "kube-node-stuck", cluster: { subscriptionId: s.subscriptionId!, resourceGroup: s.resourceGroup, name: s.name } });
  const dir = mkdtempSync(join(tmpdir(), "gate-blob-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, `${t.em.ca}\n${az.certPem}\n`);
  const container = new BlobServiceClient(az.serviceUrl, t.credential).getContainerClient("rollouts");
  await container.createIfNotExists();
  const rolloutFile = join(dir, "rollout.json");
  writeFileSync(
    rolloutFile,
    JSON.stringify({
      name: "gate-blob",
      subscriptions: SUBSCRIPTIONS,
      settings: { mode: "NFTABLES" },
      healthGate: { dataPlane: true, timeout: "2s" },
      waves: [{ name: "canary", count: 1, halt: { maxFailures: 0, rollback: true } }, { name: "rest" }],
    }),
  );
  const prefix = `gate-${Date.now()}`;
  const url = `${az.serviceUrl}/rollouts/${prefix}`;
  const runs = await Promise.all(["1/2", "2/2"].map((s) => cli(dir, caFile, ["rollout", "apply", rolloutFile, "--journal", url, "--shard", s, "--yes"])));
  for (const r of runs) expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/halted/)]);
  const writes = writesByCluster(t.em.control.requestLog());
  let canaries = 0;
  for (const i of [1, 2]) {
    const j = JSON.parse((await container.getBlockBlobClient(`${prefix}/shard-${i}-of-2.json`).downloadToBuffer()).toString("utf8")) as RolloutJournal;
    expect([i, j.status]).toEqual([i, "halted"]);
    const canary = j.clusters.find((c) => c.wave === "canary");
    if (!canary) continue; // the hash gave this shard no cluster: the fleet's halt stopped it, nothing to restore
    canaries++;
    expect(runs[i - 1]!.stderr).toMatch(/Halt with rollback: restoring the 1 written cluster\(s\) of wave canary/);
    expect([i, j.waves[0]?.rolledBack?.outcome]).toEqual([i, "completed"]);
    expect(canary.error?.code).toBe("HealthGateFailed");
    // Written by the rollout, then once more by its rollback.
    expect(writes.get(canary.name.toLowerCase())).toHaveLength(2);
    const stored = t.em.control.getCluster({ subscriptionId: canary.subscriptionId, resourceGroup: canary.resourceGroup, name: canary.name }) as { properties: { networkProfile: { kubeProxyConfig?: { mode?: string } } } };
    expect(stored.properties.networkProfile.kubeProxyConfig?.mode).toBe("IPTABLES");
  }
  expect(canaries).toBeGreaterThanOrEqual(1);
  // Nobody but the canaries was written.
  expect(writes.size).toBe(canaries);
}, 120_000);
