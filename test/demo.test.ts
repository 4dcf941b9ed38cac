/**
 * The README's main job: `pnpm start` (the `demo` command) runs the whole workflow on its own in-process emulator
 * and stops by itself. Spawned as a user would; needs `pnpm build` first. `--time-scale` only shortens the
 * emulator's waits so the suite stays fast.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, parseJsonDocument, REPO_ROOT, runCli } from "../packages/cli/test/support/run-cli";
import { DOCS_SETTINGS } from "../packages/cli/test/support/fixtures";

interface DemoSummary {
  subscriptionId: string;
  settings: { file: string; normalized: unknown };
  preview: { featureState: string; providerState: string };
  clusters: { name: string; outcome: string; writes: number; blockers: string[]; kubeProxyConfig: unknown; effectiveMode: string | null; provisioningState: string | null; dataPlane: string | null }[];
  writes: { total: number; preview: number; clusters: number };
}

const HEADINGS = [
  "1. Start a local Azure Resource Manager",
  "2. Where we start",
  "3. Enable the preview",
  "4. Read the settings file examples/kube-proxy-config.json",
  "5. Plan every cluster",
  "6. Apply to every cluster",
  "7. What the emulator saw",
  "8. Where we end",
];

function pnpmEnv(): Record<string, string> {
  const toolchain = join(REPO_ROOT, ".toolchain", "node_modules", ".bin");
  const env = baseEnv();
  if (existsSync(toolchain)) env.PATH = `${toolchain}:${env.PATH}`;
  return { ...env, npm_config_update_notifier: "false" };
}

describe("pnpm start (the demo)", () => {
  it("completes by itself and leaves the three clusters converged, blocked and untouched as the emulator records them", async () => {
    const run = await runCli(["--output", "json", "--time-scale", "0.02"], { command: { file: "pnpm", args: ["--silent", "start"] }, env: pnpmEnv(), timeoutInMs: 120_000 });
    expect(run.code).toBe(0);
    const summary = parseJsonDocument<DemoSummary>(run);

    const byName = new Map(summary.clusters.map((c) => [c.name, c]));
    expect(byName.get("aks-default")).toMatchObject({ outcome: "changed", writes: 1, kubeProxyConfig: DOCS_SETTINGS, effectiveMode: "IPVS", provisioningState: "Succeeded", dataPlane: "converged" });
    expect(byName.get("aks-azure-policy")).toMatchObject({ outcome: "blocked", writes: 0, blockers: ["ipvs-with-azure-network-policy"], kubeProxyConfig: null, effectiveMode: "IPTABLES" });
    expect(byName.get("aks-converged")).toMatchObject({ outcome: "unchanged", writes: 0, kubeProxyConfig: DOCS_SETTINGS, effectiveMode: "IPVS" });
    expect(summary.preview).toEqual({ featureState: "Registered", providerState: "Registered" });
    expect(summary.writes).toEqual({ total: 3, preview: 2, clusters: 1 });
    expect(summary.settings.normalized).toEqual(DOCS_SETTINGS);

    // The tour itself went to stderr, in order.
    let at = -1;
    for (const heading of HEADINGS) {
      const next = run.stderr.indexOf(heading);
      expect(next).toBeGreaterThan(at);
      at = next;
    }
    expect(run.stderr).toContain("feature Microsoft.ContainerService/KubeProxyConfigurationPreview: Registering");
    expect(run.stderr).toMatch(/aks-azure-policy\s+refused before any write: \[ipvs-with-azure-network-policy\]/);
    expect(run.stderr).toMatch(/aks-converged\s+already converged: no write/);
    // After Azure's Succeeded, the tour watched the kube-proxy DaemonSet reach every node of aks-default.
    expect(run.stderr).toMatch(/aks-default\s+kube-proxy rollout \d+\/\d+ nodes/);
    expect(run.stderr).toMatch(/aks-default\s+data plane converged/);
    expect(run.stderr).toMatch(/Done in .*: 1 changed and verified, 1 blocked with nothing written, 1 already converged with nothing written\./);
  });

  it("reads as a tour on stdout in table mode, with a status table at the end, and nothing on stderr", async () => {
    const run = await runCli(["demo", "--time-scale", "0.02"], { env: baseEnv(), timeoutInMs: 120_000 });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    for (const heading of HEADINGS) expect(run.stdout).toContain(heading);
    const end = run.stdout.slice(run.stdout.indexOf("8. Where we end"));
    expect(end).toMatch(/aks-default\s+rg-kube-proxy-demo\s+1\.33\.2\s+azure\s+none\s+Succeeded\s+IPVS LeastConnection tcp 900s fin 120s udp 300s/);
    expect(end).toMatch(/aks-azure-policy\s+rg-kube-proxy-demo\s+1\.33\.2\s+azure\s+azure\s+Succeeded\s+IPTABLES/);
  });

  it("refuses a settings file that does not exist before starting anything (exit 3)", async () => {
    const run = await runCli(["demo", "--kube-proxy-config", "/nonexistent/kube-proxy.json"], { env: baseEnv() });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("/nonexistent/kube-proxy.json");
  });
});
