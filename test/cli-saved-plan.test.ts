/**
 * End-to-end: saved plans, as Terraform's. `plan --out` writes the plan, `show` prints it, `apply PLANFILE` applies
 * exactly it (one PUT, If-Match on the planned eTag) and refuses a stale plan (exit 1, no PUT), counted in the
 * emulator's request log. Spawns the built binary; needs `pnpm build` first.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorEnv, emulatorFlags, EXAMPLE_SETTINGS, parseJsonDocument, runCli, writesIn } from "../packages/cli/test/support/run-cli";
import { DOCS_SETTINGS, RG, storedKubeProxyConfig, useCliTestEmulator } from "../packages/cli/test/support/fixtures";

const t = useCliTestEmulator();

function cli(args: string[]): ReturnType<typeof runCli> {
  return runCli([...args, ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
}

function clusterPuts(name: string) {
  return writesIn(t.em.control.requestLog()).filter((r) => r.method === "PUT" && r.path.toLowerCase().endsWith(`/managedclusters/${name}`));
}

function planFile(): string {
  return join(mkdtempSync(join(tmpdir(), "akp-saved-plan-")), "plan.json");
}

async function savePlan(name: string, file: string): Promise<void> {
  const run = await cli(["plan", "-g", RG, "-n", name, "--kube-proxy-config", EXAMPLE_SETTINGS, "--out", file]);
  expect(run.code).toBe(0);
  expect(run.stderr).toContain(`Saved the plan to ${file}`);
}

describe("saved plans: plan --out, show, apply PLANFILE", () => {
  it("applies exactly the saved plan: one PUT, with If-Match on the eTag the plan recorded", async () => {
    const file = planFile();
    await savePlan("plain", file);
    const saved = JSON.parse(readFileSync(file, "utf8")) as { formatVersion: number; clusters: { eTag: string; action: string }[] };
    expect(saved.formatVersion).toBe(1);
    expect(saved.clusters[0]?.action).toBe("update");
    expect(clusterPuts("plain")).toHaveLength(0);

    const run = await cli(["apply", file, "--yes"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("~ mode: IPTABLES → IPVS");
    expect(run.stdout).toContain("Apply complete: 1 changed, 0 unchanged.");
    const puts = clusterPuts("plain");
    expect(puts).toHaveLength(1);
    expect(puts[0]?.requestHeaders["if-match"]).toBe(saved.clusters[0]?.eTag);
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "plain" }))).toEqual(DOCS_SETTINGS);
  });

  it("refuses a stale plan (the cluster changed after planning): exit 1 naming the cluster and what changed, no PUT", async () => {
    const file = planFile();
    await savePlan("plain", file);
    t.em.control.updateCluster({ resourceGroup: RG, name: "plain" }, (raw) => {
      const networkProfile = (raw["properties"] as Record<string, Record<string, unknown>>)["networkProfile"] as Record<string, unknown>;
      networkProfile["kubeProxyConfig"] = { enabled: true, mode: "NFTABLES" };
    });
    t.em.control.clearRequestLog();

    const run = await cli(["apply", file, "--yes"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("rg-cli/plain changed since it was planned");
    expect(run.stderr).toMatch(/mode: "IPTABLES" → "NFTABLES"/);
    expect(run.stderr).toContain(`--out ${file}`);
    expect(clusterPuts("plain")).toHaveLength(0);
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "plain" }))).toEqual({ enabled: true, mode: "NFTABLES" });
  });

  it("refuses a stale plan whose cluster changed elsewhere (only its eTag moved), also in --output json", async () => {
    const file = planFile();
    await savePlan("plain", file);
    t.em.control.updateCluster({ resourceGroup: RG, name: "plain" }, (raw) => void (raw["tags"] = { owner: "another writer" }));
    t.em.control.clearRequestLog();
    const run = await cli(["apply", file, "--yes", "-o", "json"]);
    expect(run.code).toBe(1);
    const doc = parseJsonDocument<{ error: { code: string; cluster: string; changed: string[] } }>(run);
    expect(doc.error.code).toBe("PlanStale");
    expect(doc.error.cluster).toMatch(/\/managedClusters\/plain$/);
    expect(doc.error.changed[0]).toMatch(/^eTag /);
    expect(clusterPuts("plain")).toHaveLength(0);
  });

  it("applies a saved plan of a converged cluster as no changes (no consent, no write)", async () => {
    const file = planFile();
    await savePlan("converged", file);
    const run = await cli(["apply", file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Nothing to do");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("--no-wait with a plan file returns once Azure accepted the one PUT", async () => {
    const file = planFile();
    await savePlan("plain", file);
    const run = await cli(["apply", file, "--yes", "--no-wait"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("rg-cli/plain: accepted by Azure, not waiting (--no-wait)");
    expect(clusterPuts("plain")).toHaveLength(1);
  });

  it("show prints the saved plan as plan does, and as JSON, reading no cluster", async () => {
    const file = planFile();
    await savePlan("plain", file);
    t.em.control.clearRequestLog();
    const text = await cli(["show", file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("rg-cli/plain");
    expect(text.stdout).toContain("~ mode: IPTABLES → IPVS");
    expect(text.stdout).toContain("Plan: 1 to change, 0 unchanged.");
    const json = await cli(["show", file, "-o", "json"]);
    expect(json.code).toBe(0);
    const doc = parseJsonDocument<{ formatVersion: number; plans: { action: string; eTag: string; changes: { path: string }[] }[] }>(json);
    expect(doc.formatVersion).toBe(1);
    expect(doc.plans[0]).toMatchObject({ action: "update", changes: expect.arrayContaining([{ path: "mode", before: "IPTABLES", after: "IPVS" }]) });
    expect(t.em.control.requestLog().filter((r) => r.kind === "read" || r.kind === "write")).toHaveLength(0);
  });

  it("refuses settings or cluster flags beside a plan file (exit 3, nothing read or written)", async () => {
    const file = planFile();
    await savePlan("plain", file);
    t.em.control.clearRequestLog();
    const run = await cli(["apply", file, "--mode", "NFTABLES", "--yes"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("--mode cannot be combined with a plan file");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("apply without a plan file writes the plan it showed: a cluster changed while it was writing gets a refused PUT and exit 1 with --yes", async () => {
    // The PUT is held 1 s by the emulator; another writer changes the cluster meanwhile, so the If-Match no longer holds.
    t.em.control.addFault({ kind: "slow", method: "PUT", pathPattern: "/managedClusters/plain$", count: 1, delayMs: 1000 });
    let changed = false;
    const run = await runCli(["apply", "-g", RG, "-n", "plain", "--kube-proxy-config", EXAMPLE_SETTINGS, "--yes", ...emulatorFlags(t.em)], {
      env: emulatorEnv(t.em),
      onOutput: (stream, text) => {
        if (changed || stream !== "stderr" || !text.includes("writing networkProfile.kubeProxyConfig (PUT)")) return;
        changed = true;
        t.em.control.updateCluster({ resourceGroup: RG, name: "plain" }, (raw) => {
          const networkProfile = (raw["properties"] as Record<string, Record<string, unknown>>)["networkProfile"] as Record<string, unknown>;
          networkProfile["kubeProxyConfig"] = { enabled: true, mode: "NFTABLES" };
        });
      },
    });
    expect(changed).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("rg-cli/plain changed since it was planned");
    expect(run.stderr).toMatch(/mode: "IPTABLES" → "NFTABLES"/);
    const puts = clusterPuts("plain");
    expect(puts).toHaveLength(1);
    expect(puts[0]?.status).toBe(412);
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "plain" }))).toEqual({ enabled: true, mode: "NFTABLES" });
  });

  it.each<[string, string]>([
    ["an unknown format version", JSON.stringify({ formatVersion: 99, kind: "aks-kube-proxy/plan", clusters: [] })],
    ["a file that is not JSON", "{ not json"],
  ])("refuses %s (exit 3) in apply and show", async (_what, content) => {
    const file = planFile();
    writeFileSync(file, content);
    const apply = await cli(["apply", file, "--yes"]);
    expect(apply.code).toBe(3);
    expect(apply.stderr).toContain(`The plan file ${file} is not a valid aks-kube-proxy plan`);
    expect((await cli(["show", file])).code).toBe(3);
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });
});
