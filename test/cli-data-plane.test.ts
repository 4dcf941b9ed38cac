/**
 * End to end: the data plane from the command line — `apply --verify-data-plane`, `verify`, `plan`/`status
 * --data-plane` — against the emulator's Kubernetes API over real HTTPS (the CLI uses the real
 * @kubernetes/client-node with the kubeconfig ARM returns). Spawns the built binary; needs `pnpm build` first.
 */
import { startEmulator, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import { emulatorEnv, emulatorFlags, parseJsonDocument, runCli, writesIn, type RunCliOptions } from "../packages/cli/test/support/run-cli";

const RG = "rg-dp-cli";
const FEATURE = { namespace: "Microsoft.ContainerService", name: "KubeProxyConfigurationPreview" };
const TIMINGS = { featureRegistrationMs: 20, providerRegistrationMs: 20, operationMs: 40, retryAfterSeconds: 0, kubeProxyRolloutPerNodeMs: 20 };
let em: RunningEmulator;

beforeAll(async () => {
  em = await startEmulator({
    clusters: [
      { resourceGroup: RG, name: "aks1", kubernetesVersion: "1.33.2", networkPlugin: "azure", agentPools: [{ name: "nodepool1", count: 3 }, { name: "win", count: 1, osType: "Windows" }] },
      { resourceGroup: RG, name: "old", kubernetesVersion: "1.32.5", networkPlugin: "azure", kubeProxyConfig: { enabled: true, mode: "NFTABLES" } },
    ],
    registeredFeatures: [FEATURE],
    timings: TIMINGS,
    throttling: false,
  });
});
afterAll(() => em.stop());
beforeEach(() => {
  em.control.reset();
  em.control.setTimings(TIMINGS);
  em.control.clearRequestLog();
});

function cli(args: string[], hooks: RunCliOptions = {}): ReturnType<typeof runCli> {
  return runCli([...args, ...emulatorFlags(em)], { env: emulatorEnv(em), ...hooks });
}

function clusterPuts(name: string): number {
  return writesIn(em.control.requestLog()).filter((r) => r.method === "PUT" && r.path.toLowerCase().endsWith(`/managedclusters/${name}`)).length;
}

function linuxNodes(name: string): string[] {
  return (em.control.kubeState({ resourceGroup: RG, name })?.nodes ?? []).filter((n) => n.os === "linux").map((n) => n.name);
}

interface VerifyDoc {
  results: { verdict: string; summary: string; pendingNodes: string[]; mismatches: { node?: string; field: string; found?: string }[]; unreachable?: { reason: string; advice: string }; skippedNodes: string[] }[];
}

describe("apply --verify-data-plane", () => {
  it("NFTABLES: waits after Azure's Succeeded until every Linux node runs nftables, with rollout progress, and reports it in JSON", async () => {
    const run = await cli(["apply", "-g", RG, "-n", "aks1", "--mode", "NFTABLES", "--yes", "--verify-data-plane", "-o", "json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/rg-dp-cli\/aks1: kube-proxy rollout \d\/3 nodes/);
    const doc = parseJsonDocument<{ dataPlane: VerifyDoc["results"] }>(run);
    expect(doc.dataPlane[0]).toMatchObject({ verdict: "converged" });
    expect(doc.dataPlane[0]?.skippedNodes).toHaveLength(1);
    const state = em.control.kubeState({ resourceGroup: RG, name: "aks1" });
    expect(state?.nodes.filter((n) => n.os === "linux").every((n) => n.proxyMode === "nftables")).toBe(true);
  });

  it("a node that never updates: exit 1 naming that node, whose pod still runs the old flags", async () => {
    const stuck = linuxNodes("aks1")[1] as string;
    em.control.addKubeFault({ kind: "kube-node-stuck", cluster: { resourceGroup: RG, name: "aks1" }, node: stuck });
    const run = await cli(["apply", "-g", RG, "-n", "aks1", "--mode", "NFTABLES", "--yes", "--verify-data-plane", "--timeout", "3s"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(stuck);
    expect(run.stderr).toContain("kube-proxy did not reach every node");
    // Not "Apply complete": with --verify-data-plane the apply is complete only when the nodes run the settings.
    expect(run.stdout).not.toContain("Apply complete");
    expect(run.stdout).toContain("Azure has the settings (1 changed, 0 unchanged), but the data plane has not converged:");
    const pod = em.control.kubeState({ resourceGroup: RG, name: "aks1" })?.nodes.find((n) => n.name === stuck)?.pod;
    expect(pod?.command).toContain("--proxy-mode=iptables");
  });

  it("a re-run after a kill during the data-plane wait waits again (exit 1 at its --timeout while still rolling) and sends no PUT", async () => {
    em.control.setTimings({ kubeProxyRolloutPerNodeMs: 60_000 });
    let killed = false;
    let stderr = "";
    const first = await cli(["apply", "-g", RG, "-n", "aks1", "--mode", "NFTABLES", "--yes", "--verify-data-plane"], {
      onOutput: (stream, text, child) => {
        if (stream === "stderr") stderr += text;
        if (!killed && /kube-proxy rollout/.test(stderr)) {
          killed = true;
          child.kill("SIGKILL");
        }
      },
    });
    expect(killed).toBe(true);
    expect(first.signal).toBe("SIGKILL");
    expect(clusterPuts("aks1")).toBe(1);
    em.control.clearRequestLog();
    // The rollout is still in progress (a minute per node): the re-run finds nothing to write and waits again.
    const again = await cli(["apply", "-g", RG, "-n", "aks1", "--mode", "NFTABLES", "--yes", "--verify-data-plane", "--timeout", "2s"]);
    expect(again.stdout).toContain("Nothing to do");
    expect(again.stderr).toMatch(/rg-dp-cli\/aks1: kube-proxy rollout \d\/3 nodes/);
    expect(again.code).toBe(1);
    expect(em.control.kubeState({ resourceGroup: RG, name: "aks1" })?.daemonSet?.updatedNumberScheduled).toBeLessThan(3);
    expect(clusterPuts("aks1")).toBe(0);
  });
});

describe("verify", () => {
  it("Kubernetes 1.32 with NFTABLES: exit 1, mismatch, the flags stay iptables", async () => {
    const run = await cli(["verify", "-g", RG, "-n", "old", "-o", "json"]);
    expect(run.code).toBe(1);
    const doc = parseJsonDocument<VerifyDoc>(run);
    expect(doc.results[0]?.verdict).toBe("mismatch");
    expect(doc.results[0]?.mismatches[0]).toMatchObject({ field: "mode", found: "--proxy-mode=iptables" });
  });

  it("--detailed-exitcode: exit 2 while the rollout is in progress (the emulator still shows old pods)", async () => {
    em.control.setTimings({ kubeProxyRolloutPerNodeMs: 60_000 });
    expect((await cli(["apply", "-g", RG, "-n", "aks1", "--mode", "NFTABLES", "--yes"])).code).toBe(0);
    const rolling = await cli(["verify", "-g", RG, "-n", "aks1", "--detailed-exitcode"]);
    expect(em.control.kubeState({ resourceGroup: RG, name: "aks1" })?.daemonSet?.updatedNumberScheduled).toBeLessThan(3);
    expect(rolling.code).toBe(2);
    expect(rolling.stdout).toContain("data plane ROLLING-OUT");
    // Without --detailed-exitcode a rollout in progress is not converged: 1.
    expect((await cli(["verify", "-g", RG, "-n", "aks1"])).code).toBe(1);
  });

  it("403 on nodes/proxy: exit 1, unreachable, with the RBAC to grant", async () => {
    em.control.addKubeFault({ kind: "kube-forbidden", cluster: { resourceGroup: RG, name: "aks1" }, resource: "nodes/proxy" });
    const run = await cli(["verify", "-g", RG, "-n", "aks1"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("data plane UNREACHABLE");
    expect(run.stdout).toContain("get nodes/proxy");
  });

  it("an API server that never answers (private cluster): exit 1, unreachable, run from inside the network", async () => {
    em.control.addKubeFault({ kind: "kube-unreachable", cluster: { resourceGroup: RG, name: "aks1" }, how: "hang" });
    const run = await cli(["verify", "-g", RG, "-n", "aks1", "--request-timeout", "500ms", "-o", "json"]);
    expect(run.code).toBe(1);
    const doc = parseJsonDocument<VerifyDoc>(run);
    expect(doc.results[0]?.unreachable?.reason).toBe("no-network-path");
    expect(doc.results[0]?.unreachable?.advice).toContain("inside the cluster's network");
  });

  it("status --data-plane and plan --data-plane show the nodes' state next to Azure's", async () => {
    const status = await cli(["status", "-g", RG, "-n", "old", "--data-plane"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("rg-dp-cli/old: data plane MISMATCH");
    const plan = await cli(["plan", "-g", RG, "-n", "aks1", "--mode", "IPTABLES", "--data-plane", "-o", "json"]);
    expect(plan.code).toBe(0);
    expect(parseJsonDocument<{ dataPlane: { verdict: string }[] }>(plan).dataPlane[0]?.verdict).toBe("converged");
  });
});
