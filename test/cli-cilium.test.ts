/**
 * End-to-end: clusters whose data plane is Cilium (`networkDataplane: cilium`, Azure CNI Powered by Cilium) run no
 * kube-proxy, and Azure refuses settings that enable it (CiliumDataplaneRequiresKubeProxyConfigDisabled). The built CLI
 * blocks them before any write: plan/apply exit 4 naming the finding, status shows why, and a rollout skips them as
 * blocked (never failed, the wave not halted) while it changes the other clusters of the wave.
 * Spawns the built binary; needs `pnpm build` first.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import { emulatorEnv, emulatorFlags, EXAMPLE_SETTINGS, parseJsonDocument, runCli, writesIn } from "../packages/cli/test/support/run-cli";
import { FAST_TIMINGS } from "../packages/cli/test/support/fixtures";

const RG = "rg-cilium";
const FINDING = "cilium-dataplane-requires-kube-proxy-disabled";

let em: RunningEmulator;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cli-cilium-"));
  em = await startEmulator({
    clusters: [
      { resourceGroup: RG, name: "cil", kubernetesVersion: "1.33.2", networkPlugin: "azure", networkDataplane: "cilium", networkPolicy: "cilium" },
      { resourceGroup: RG, name: "plain1", kubernetesVersion: "1.33.2", networkPlugin: "azure" },
      { resourceGroup: RG, name: "plain2", kubernetesVersion: "1.33.2", networkPlugin: "azure", networkDataplane: "azure" },
    ],
    registeredFeatures: [{ name: "KubeProxyConfigurationPreview" }],
    timings: FAST_TIMINGS,
    throttling: false,
  });
});
afterAll(async () => {
  await em.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  em.control.reset();
  em.control.setTimings(FAST_TIMINGS);
  em.control.clearRequestLog();
});
const cli = (args: string[]) => runCli([...args, ...emulatorFlags(em)], { env: emulatorEnv(em), cwd: dir });
const puts = () => em.control.requestLog().filter((e) => e.method === "PUT");

describe("a Cilium dataplane cluster", () => {
  it("plan of settings that enable kube-proxy exits 4 naming the finding, and nothing is written", async () => {
    const run = await cli(["plan", "-g", RG, "-n", "cil", "--kube-proxy-config", EXAMPLE_SETTINGS]);
    expect(run.code).toBe(4);
    expect(`${run.stdout}\n${run.stderr}`).toContain(`[${FINDING}]`);
    expect(`${run.stdout}\n${run.stderr}`).toContain("CiliumDataplaneRequiresKubeProxyConfigDisabled");
    expect(puts()).toHaveLength(0);
    expect(writesIn(em.control.requestLog())).toHaveLength(0);
  });

  it("plan -o json lists the blocker; --detailed-exitcode gives 1 as for other blocked clusters", async () => {
    const run = await cli(["plan", "-g", RG, "-n", "cil", "--mode", "IPTABLES", "-o", "json"]);
    expect(run.code).toBe(4);
    const doc = parseJsonDocument<{ blocked: boolean; plans: { blockers: { id: string }[]; convergence: { kind: string }; cluster: { networkDataplane: string | null; effective: { enabled: boolean } } }[] }>(run);
    expect(doc.blocked).toBe(true);
    expect(doc.plans[0]!.blockers.map((b) => b.id)).toEqual([FINDING]);
    expect(doc.plans[0]!.convergence.kind).toBe("blocked");
    expect(doc.plans[0]!.cluster).toMatchObject({ networkDataplane: "cilium", effective: { enabled: false } });
    expect((await cli(["plan", "-g", RG, "-n", "cil", "--mode", "IPTABLES", "--detailed-exitcode"])).code).toBe(1);
    expect(puts()).toHaveLength(0);
  });

  it("apply --yes exits 4 and sends no PUT", async () => {
    const run = await cli(["apply", "-g", RG, "-n", "cil", "--kube-proxy-config", EXAMPLE_SETTINGS, "--yes"]);
    expect(run.code).toBe(4);
    expect(`${run.stdout}\n${run.stderr}`).toContain(`[${FINDING}]`);
    expect(puts()).toHaveLength(0);
  });

  it("status shows the data plane and that Cilium replaces kube-proxy", async () => {
    const table = await cli(["status", "-g", RG]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n").find((l) => l.startsWith("cil "))).toContain("none: Cilium dataplane replaces it");
    const json = await cli(["status", "-g", RG, "-o", "json"]);
    const byName = new Map(parseJsonDocument<{ clusters: { name: string; networkDataplane: string | null }[] }>(json).clusters.map((c) => [c.name, c]));
    expect(byName.get("cil")).toMatchObject({ networkDataplane: "cilium" });
    expect(byName.get("plain1")).toMatchObject({ networkDataplane: null });
  });
});

describe("a rollout whose wave holds a Cilium cluster", () => {
  it("skips it as blocked (not failed), does not halt the wave, changes the others, and exits 4", async () => {
    const file = join(dir, "rollout.yaml");
    writeFileSync(
      file,
      `name: cilium-wave\nsubscriptions: [${em.subscriptionId}]\nselect:\n  resourceGroups: [${RG}]\nsettings: { mode: NFTABLES }\nwaves:\n  - name: all\n    percent: 100\n`,
    );
    const plan = await cli(["rollout", "plan", file, "-o", "json"]);
    expect(plan.code).toBe(4);
    expect(plan.stdout).toContain(FINDING);

    const run = await cli(["rollout", "apply", file, "--journal", join(dir, "cilium.journal.json"), "--yes", "-o", "json"]);
    expect(run.code).toBe(4);
    const report = parseJsonDocument<{
      status: string;
      halts: unknown[];
      counts: { failed: number };
      waves: { name: string; status: string }[];
      clusters: { name: string; status: string; skipReason?: string; skipMessage?: string }[];
    }>(run);
    expect(report.status).toBe("completed");
    expect(report.halts).toEqual([]);
    expect(report.counts.failed).toBe(0);
    expect(report.waves).toEqual([expect.objectContaining({ name: "all", status: "done" })]);
    const byName = new Map(report.clusters.map((c) => [c.name, c]));
    expect(byName.get("cil")).toMatchObject({ status: "skipped", skipReason: "blocked" });
    expect(byName.get("cil")!.skipMessage).toContain(FINDING);
    expect(byName.get("plain1")).toMatchObject({ status: "done" });
    expect(byName.get("plain2")).toMatchObject({ status: "done" });
    expect(puts().map((p) => p.path.split("/").pop()).sort()).toEqual(["plain1", "plain2"]);
    expect(run.stderr).toContain("blocked by a rule and skipped");
  });
});
