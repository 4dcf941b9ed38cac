/**
 * Rollback restores each cluster's previous settings, as the rollout's journal recorded them, with the rollout's
 * waves; clusters the rollout did not write are left alone. Runs the built CLI against the emulator.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RolloutReport } from "@aks-kube-proxy/rollout";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, rolloutCli, startFleetEmulator, SUBSCRIPTIONS, tempDir, writesByCluster } from "./rollout-fixtures";

const PREVIOUS: Record<number, unknown> = {
  0: undefined, // never set
  1: { enabled: true, mode: "IPTABLES" },
  2: { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin", udpTimeoutSeconds: 120 } },
  3: { mode: "NFTABLES" }, // already converged: not written, not rolled back
};

describe("rollout rollback", () => {
  let t: TestEmulator;
  afterAll(async () => {
    await t?.stop();
  });

  test("rollback puts back the recorded previous settings wave by wave, and leaves unwritten clusters alone", async () => {
    const seeds = fleetSeeds({ perSubscription: 4, seed: (i) => (PREVIOUS[i] === undefined ? {} : { kubeProxyConfig: PREVIOUS[i] }) });
    t = await startFleetEmulator({ clusters: seeds });
    const dir = tempDir();
    const rolloutFile = join(dir, "rollout.yaml");
    writeFileSync(rolloutFile, `name: nft\nsubscriptions: [${SUBSCRIPTIONS.join(", ")}]\nsettings: { mode: NFTABLES }\nwaves: [{ name: canary, count: 2 }, { name: rest }]\nsoakTime: 50ms\n`);
    const journal = join(dir, "nft.journal.json");

    const applied = await rolloutCli(t, dir, ["rollout", "apply", rolloutFile, "--journal", journal, "--yes", "-o", "json"]);
    expect(applied.code).toBe(0);
    expect((JSON.parse(applied.stdout) as RolloutReport).counts).toMatchObject({ done: 9, changed: 9, skipped: 3 });
    const afterRollout = t.em.control.requestLog().length;

    const rolledBack = await rolloutCli(t, dir, ["rollout", "rollback", "--journal", journal, "--yes", "-o", "json"]);
    expect(rolledBack.code).toBe(0);
    const report = JSON.parse(rolledBack.stdout) as RolloutReport;
    expect(report.operation).toBe("rollback");
    expect(report.status).toBe("completed");
    expect(report.counts).toMatchObject({ total: 12, done: 9, changed: 9, skipped: 3 });
    expect(report.waves.map((w) => [w.name, w.total])).toEqual([
      ["canary", 2],
      ["rest", 7],
    ]);

    for (const seed of seeds) {
      const i = Number(seed.name.slice(-3));
      const raw = t.em.control.getCluster({ subscriptionId: seed.subscriptionId!, resourceGroup: seed.resourceGroup, name: seed.name })!;
      const actual = (raw["properties"] as { networkProfile: { kubeProxyConfig?: unknown } }).networkProfile.kubeProxyConfig;
      // A cluster that never had kubeProxyConfig gets the AKS default written explicitly.
      expect([seed.name, actual]).toEqual([seed.name, PREVIOUS[i] ?? { enabled: true, mode: "IPTABLES" }]);
    }
    // The converged clusters were written by neither run.
    const rollbackWrites = writesByCluster(t.em.control.requestLog().slice(afterRollout));
    expect(rollbackWrites.size).toBe(9);
    for (const seed of seeds.filter((s) => s.name.endsWith("003"))) expect(rollbackWrites.has(seed.name.toLowerCase())).toBe(false);

    // A second rollback of the same journal is refused: its journal exists, and the message says to --resume it.
    const again = await rolloutCli(t, dir, ["rollout", "rollback", "--journal", journal, "--yes"]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("--resume");
  }, 60_000);
});
