/**
 * End-to-end: `enable-preview`, `create`, `delete` and `emulator` of the built binary. Needs `pnpm build` first.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "@aks-kube-proxy/arm-emulator";
import { baseEnv, emulatorEnv, emulatorFlags, EXAMPLE_SETTINGS, parseJsonDocument, runCli, writesIn, type CliRun } from "../packages/cli/test/support/run-cli";
import { DOCS_SETTINGS, FAST_TIMINGS, RG, storedKubeProxyConfig, useCliTestEmulator } from "../packages/cli/test/support/fixtures";

const FEATURE = { namespace: "Microsoft.ContainerService", name: "KubeProxyConfigurationPreview" };

describe("enable-preview, create and delete", () => {
  const t = useCliTestEmulator();
  const cli = (args: string[]): Promise<CliRun> => runCli([...args, ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });

  it("enable-preview registers the flag, shows its states, then refreshes the provider", async () => {
    const run = await cli(["enable-preview", "--yes"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("feature Microsoft.ContainerService/KubeProxyConfigurationPreview: NotRegistered");
    expect(run.stderr).toContain("feature Microsoft.ContainerService/KubeProxyConfigurationPreview: Registered");
    expect(run.stderr).toContain("provider Microsoft.ContainerService: Registered");
    expect(run.stdout).toMatch(/^Preview enabled in .*: feature KubeProxyConfigurationPreview Registered, provider Microsoft\.ContainerService Registered \(refreshed\)\.$/m);
    expect(t.em.control.getFeatureState(FEATURE)).toBe("Registered");
    const writes = writesIn(t.em.control.requestLog()).map((r) => `${r.method} ${r.path}`);
    expect(writes).toEqual([
      `POST /subscriptions/${t.em.subscriptionId}/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/KubeProxyConfigurationPreview/register`,
      `POST /subscriptions/${t.em.subscriptionId}/providers/Microsoft.ContainerService/register`,
    ]);
  });

  it("enable-preview does not register a flag that is already Registered, and reports it in --output json", async () => {
    expect((await cli(["enable-preview", "--yes"])).code).toBe(0);
    t.em.control.clearRequestLog();
    const run = await cli(["enable-preview", "-o", "json"]);
    expect(run.code).toBe(0);
    expect(parseJsonDocument(run)).toMatchObject({ subscriptionId: t.em.subscriptionId, featureState: "Registered", providerState: "Registered", featureRegistered: false });
    expect(writesIn(t.em.control.requestLog()).filter((r) => r.path.includes("/features/"))).toHaveLength(0);
  });

  it("enable-preview fails at once when the flag needs approval (Pending), saying so (exit 1)", async () => {
    const pending = await startEmulator({ approvalRequiredFeatures: ["KubeProxyConfigurationPreview"], timings: FAST_TIMINGS, throttling: false });
    try {
      const run = await runCli(["enable-preview", "--yes", ...emulatorFlags(pending)], { env: emulatorEnv(pending) });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/Pending/);
      expect(run.stderr).toMatch(/approv/i);
    } finally {
      await pending.stop();
    }
  });

  it("enable-preview refuses a --timeout that is not a duration (exit 3)", async () => {
    const run = await cli(["enable-preview", "--timeout", "soon"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("--timeout");
  });

  it("create makes a cluster with the settings file's kube-proxy configuration", async () => {
    const run = await cli(["create", "-g", RG, "-n", "ci-cluster", "--kube-proxy-config", EXAMPLE_SETTINGS, "--kubernetes-version", "1.33.2", "--node-count", "2", "-o", "json", "--yes"]);
    expect(run.code).toBe(0);
    const doc = parseJsonDocument<{ cluster: { name: string; kubeProxyConfig: unknown; provisioningState: string } }>(run);
    expect(doc.cluster).toMatchObject({ name: "ci-cluster", kubeProxyConfig: DOCS_SETTINGS, provisioningState: "Succeeded" });
    const raw = t.em.control.getCluster({ resourceGroup: RG, name: "ci-cluster" });
    expect(storedKubeProxyConfig(raw)).toEqual(DOCS_SETTINGS);
    expect(t.em.control.effectiveKubeProxyMode({ resourceGroup: RG, name: "ci-cluster" })).toBe("IPVS");
  });

  it("create refuses a cluster that already exists and leaves it as it was (exit 3)", async () => {
    const before = t.em.control.getCluster({ resourceGroup: RG, name: "plain" });
    const run = await cli(["create", "-g", RG, "-n", "plain", "--mode", "IPVS", "--yes"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("already exists");
    expect(t.em.control.getCluster({ resourceGroup: RG, name: "plain" })).toEqual(before);
    expect(writesIn(t.em.control.requestLog()).filter((r) => r.path.endsWith("/managedClusters/plain"))).toHaveLength(0);
  });

  it("create needs -g and -n (exit 3)", async () => {
    const run = await cli(["create", "--mode", "IPVS"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("--resource-group");
  });

  it("delete waits for the cluster to be gone", async () => {
    const run = await cli(["delete", "-g", RG, "-n", "plain", "--yes"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Deleted rg-cli\/plain/m);
    expect(t.em.control.getCluster({ resourceGroup: RG, name: "plain" })).toBeUndefined();
  });

  it("delete --no-wait returns once Azure accepted the deletion", async () => {
    t.em.control.setTimings({ operationMs: 60_000 });
    try {
      const run = await cli(["delete", "-g", RG, "-n", "converged", "--no-wait", "-o", "json", "--yes"]);
      expect(run.code).toBe(0);
      expect(parseJsonDocument(run)).toMatchObject({ name: "converged", accepted: true, waited: false });
      expect(writesIn(t.em.control.requestLog()).filter((r) => r.method === "DELETE")).toHaveLength(1);
    } finally {
      t.em.control.setTimings(FAST_TIMINGS);
    }
  });
});

describe("emulator", () => {
  it("runs in the foreground, prints what points the CLI at it, serves the CLI, and stops on Ctrl-C (exit 0)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-emulator-"));
    const seed = join(dir, "seed.json");
    writeFileSync(seed, JSON.stringify({ clusters: [{ resourceGroup: "rg-seeded", name: "from-seed", kubernetesVersion: "1.33.2", networkPlugin: "azure" }] }));
    let child: ChildProcess | undefined;
    let stdout = "";
    let announced: (doc: { url: string; env: Record<string, string> }) => void = () => undefined;
    const ready = new Promise<{ url: string; env: Record<string, string> }>((resolve) => {
      announced = resolve;
    });
    const finished = runCli(["emulator", "--seed", seed, "-o", "json"], {
      env: baseEnv(),
      onSpawn: (c) => {
        child = c;
      },
      onOutput: (stream, text) => {
        if (stream !== "stdout") return;
        stdout += text;
        try {
          announced(JSON.parse(stdout) as { url: string; env: Record<string, string> });
        } catch {
          // not complete yet
        }
      },
    });
    const doc = await Promise.race([ready, finished.then((r) => Promise.reject(new Error(`emulator exited early: ${r.stderr}`)))]);
    expect(doc.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(doc.env).sort()).toEqual(["AZURE_AUTHORITY_HOST", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_RESOURCE_MANAGER_ENDPOINT", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID", "NODE_EXTRA_CA_CERTS"]);

    // The printed environment is all the CLI needs: no --endpoint.
    const status = await runCli(["status", "--all", "-o", "json"], { env: { ...baseEnv(), ...doc.env } });
    expect(status.code).toBe(0);
    expect(parseJsonDocument<{ clusters: { name: string }[] }>(status).clusters.map((c) => c.name)).toEqual(["from-seed"]);

    child!.kill("SIGINT");
    const run = await finished;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("Emulator stopped.");
  });

  it("prints the exports, the endpoint among them, in table mode", async () => {
    let child: ChildProcess | undefined;
    let stdout = "";
    let stopped = false;
    const run = await runCli(["emulator"], {
      env: baseEnv(),
      onSpawn: (c) => {
        child = c;
      },
      onOutput: (stream, text) => {
        if (stream === "stdout") stdout += text;
        if (!stopped && stdout.includes("Press Ctrl-C to stop.")) {
          stopped = true;
          child?.kill("SIGINT");
        }
      },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}export AZURE_AUTHORITY_HOST=https:\/\/127\.0\.0\.1:\d+$/m);
    expect(run.stdout).toMatch(/^ {2}export NODE_EXTRA_CA_CERTS=\S+$/m);
    expect(run.stdout).toMatch(/^ {2}export AZURE_RESOURCE_MANAGER_ENDPOINT=https:\/\/127\.0\.0\.1:\d+$/m);
    expect(run.stdout).toMatch(/^ {2}aks-kube-proxy status --all$/m);
  });

  it("refuses a seed file with a value out of range as invalid input (exit 3), naming the value", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-emulator-seed-"));
    try {
      const seed = join(dir, "seed.json");
      writeFileSync(seed, JSON.stringify({ timings: { operationMs: -5 } }));
      const run = await runCli(["emulator", "--seed", seed]);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('"operationMs"');
      expect(run.stderr).toContain("Fix the seed file");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a port that is not a number (exit 3)", async () => {
    const run = await runCli(["emulator", "--port", "http"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("--port");
  });
});
