/**
 * End-to-end: `aks-kube-proxy apply` against the emulator — the whole flow from a fresh subscription, idempotence
 * checked in the emulator's request log, --output json, blockers, the preview gate, and Ctrl-C during the wait.
 * Spawns the built binary; needs `pnpm build` first.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorEnv, emulatorFlags, EXAMPLE_SETTINGS, parseJsonDocument, runCli, writesIn } from "../packages/cli/test/support/run-cli";
import { DOCS_SETTINGS, RG, storedKubeProxyConfig, useCliTestEmulator } from "../packages/cli/test/support/fixtures";

const FEATURE = { namespace: "Microsoft.ContainerService", name: "KubeProxyConfigurationPreview" };
const t = useCliTestEmulator();

function apply(args: string[], hooks: Parameters<typeof runCli>[1] = {}): ReturnType<typeof runCli> {
  return runCli(["apply", ...args, ...emulatorFlags(t.em)], { env: emulatorEnv(t.em), ...hooks });
}

function clusterWrites(name: string): number {
  return writesIn(t.em.control.requestLog()).filter((r) => r.path.toLowerCase().endsWith(`/managedclusters/${name}`)).length;
}

interface ApplyDoc {
  preview: { featureState: string; providerState: string; featureRegistered: boolean } | null;
  results: { cluster: { name: string }; changed: boolean; before: { mode: string }; after: { mode: string; ipvsConfig?: unknown }; requestIds: string[]; durationInMs: number }[];
}

describe("apply", () => {
  it("enables the preview, writes once, verifies, and reports before and after (stdin is not a terminal: --yes consents)", async () => {
    const run = await apply(["-g", RG, "-n", "plain", "--kube-proxy-config", EXAMPLE_SETTINGS, "--yes"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("~ mode: IPTABLES → IPVS");
    expect(run.stdout).toContain("rg-cli/plain: IPTABLES → IPVS LeastConnection tcp 900s fin 120s udp 300s");
    expect(run.stdout).toContain("Apply complete: 1 changed, 0 unchanged.");
    expect(run.stderr).toContain("feature Microsoft.ContainerService/KubeProxyConfigurationPreview: Registering");
    expect(run.stderr).toContain("provider Microsoft.ContainerService: Registered");
    expect(run.stderr).not.toContain("[y/N]");
    expect(t.em.control.getFeatureState(FEATURE)).toBe("Registered");
    expect(t.em.control.getProviderState({ namespace: "Microsoft.ContainerService" })).toBe("Registered");
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "plain" }))).toEqual(DOCS_SETTINGS);
    expect(t.em.control.effectiveKubeProxyMode({ resourceGroup: RG, name: "plain" })).toBe("IPVS");
    expect(clusterWrites("plain")).toBe(1);
  });

  it("writes nothing at all the second time (the cluster already matches)", async () => {
    expect((await apply(["-g", RG, "-n", "plain", "--kube-proxy-config", EXAMPLE_SETTINGS, "--yes"])).code).toBe(0);
    t.em.control.clearRequestLog();
    // Nothing to write: no consent needed, even off a terminal.
    const again = await apply(["-g", RG, "-n", "plain", "--kube-proxy-config", EXAMPLE_SETTINGS]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Nothing to do");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("prints one JSON document with before, after and the ARM request ids in --output json", async () => {
    const run = await apply(["-g", RG, "-n", "plain", "--mode", "NFTABLES", "-o", "json", "--yes"]);
    expect(run.code).toBe(0);
    const doc = parseJsonDocument<ApplyDoc>(run);
    expect(doc.preview).toMatchObject({ featureState: "Registered", providerState: "Registered", featureRegistered: true });
    expect(doc.results).toHaveLength(1);
    expect(doc.results[0]).toMatchObject({ cluster: { name: "plain" }, changed: true, before: { mode: "IPTABLES" }, after: { mode: "NFTABLES" } });
    expect(doc.results[0]!.requestIds.length).toBeGreaterThan(0);
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "plain" }))).toEqual({ mode: "NFTABLES" });
  });

  it("reports a converged cluster as unchanged without enabling the preview or writing", async () => {
    const run = await apply(["-g", RG, "-n", "converged", "--kube-proxy-config", EXAMPLE_SETTINGS, "-o", "json"]);
    expect(run.code).toBe(0);
    const doc = parseJsonDocument<ApplyDoc>(run);
    expect(doc.preview).toBeNull();
    expect(doc.results[0]).toMatchObject({ changed: false, requestIds: [] });
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("refuses IPVS on an Azure Network Policy cluster before any write, not even the feature registration (exit 4, blocked)", async () => {
    const run = await apply(["-g", RG, "-n", "azure-policy", "--kube-proxy-config", EXAMPLE_SETTINGS, "--yes"]);
    expect(run.code).toBe(4);
    // one error line: the blockers are listed once, in the plan above it
    expect(run.stderr.split("\n").filter((l) => l.startsWith("error:"))).toHaveLength(1);
    expect(run.stdout.split("[ipvs-with-azure-network-policy]").length - 1 + run.stderr.split("[ipvs-with-azure-network-policy]").length - 1).toBe(1);
    expect(run.stdout).toContain("[ipvs-with-azure-network-policy]");
    expect(run.stderr).toContain("nothing was written");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
    expect(t.em.control.getFeatureState(FEATURE)).toBe("NotRegistered");
  });

  it("refuses enabled: false from a file unless --disable-kube-proxy confirms it, before any write (exit 4, blocked)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-apply-"));
    const path = join(dir, "disable.json");
    writeFileSync(path, JSON.stringify({ enabled: false }));
    t.em.control.seedCluster({ resourceGroup: RG, name: "byo-cni", kubernetesVersion: "1.33.2", networkPlugin: "none", kubeProxyConfig: { enabled: true, mode: "IPTABLES" } });
    const run = await apply(["-g", RG, "-n", "byo-cni", "--kube-proxy-config", path, "--yes"]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("--disable-kube-proxy");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("refuses --disable-kube-proxy on a cluster without bring-your-own CNI before any write, as Azure would (exit 4, blocked)", async () => {
    const run = await apply(["-g", RG, "-n", "plain", "--disable-kube-proxy", "--yes"]);
    expect(run.code).toBe(4);
    expect(run.stdout).toContain("[disable-requires-byo-cni]");
    expect(run.stdout).toContain("KubeProxyConfigDisabledBYOCNIOnly");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("shows Azure's refusal to disable kube-proxy on a cluster without bring-your-own CNI and leaves it as it was (exit 4, blocked)", async () => {
    const run = await apply(["-g", RG, "-n", "plain", "--disable-kube-proxy", "--yes"]);
    expect(run.code).toBe(4);
    expect(run.stdout).toContain("KubeProxyConfigDisabledBYOCNIOnly");
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "plain" }))).toBeUndefined();
  });

  it("fails with what to run next when --skip-enable-preview meets Azure's preview gate (exit 1)", async () => {
    const run = await apply(["-g", RG, "-n", "plain", "--mode", "IPVS", "--skip-enable-preview", "--yes"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("enable-preview");
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "plain" }))).toBeUndefined();
  });

  it("--timeout 2s also bounds the read before the write: a cluster GET Azure holds ends in Timeout (exit 1) with nothing written", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "managedClusters/plain$", count: 1000, delayMs: 600_000 });
    const run = await apply(["-g", RG, "-n", "plain", "--mode", "NFTABLES", "--yes", "--timeout", "2s"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Planning rg-cli/plain timed out after 2s");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "plain" }))).toBeUndefined();
  });

  it("stops waiting at Ctrl-C, exits 130 and says the update is still running in Azure", async () => {
    t.em.control.setTimings({ operationMs: 60_000 });
    let interrupted = false;
    let stderrSoFar = "";
    const run = await apply(["-g", RG, "-n", "plain", "--mode", "NFTABLES", "--yes"], {
      onOutput: (stream, text, child) => {
        if (stream === "stderr") stderrSoFar += text;
        if (!interrupted && stderrSoFar.includes("accepted by Azure")) {
          interrupted = true;
          child.kill("SIGINT");
        }
      },
    });
    expect(interrupted).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain("Interrupted. Azure accepted the update of rg-cli/plain and is still applying it");
    expect(run.stderr).toContain("aks-kube-proxy wait -g rg-cli -n plain --operation");
    expect(clusterWrites("plain")).toBe(1);
    expect((t.em.control.getCluster({ resourceGroup: RG, name: "plain" })?.["properties"] as { provisioningState: string }).provisioningState).toBe("Updating");
  });
});
