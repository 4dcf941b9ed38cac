/**
 * End to end over real HTTPS: the SDK's data-plane check against the emulator's Kubernetes API, with the real
 * `@kubernetes/client-node` and the kubeconfig ARM's listClusterUserCredential / listClusterAdminCredential return
 * (Entra: a token for the AKS server application from the same credential).
 */
import { startTestEmulator, type TestEmulator } from "./support/emulator";

const RG = "rg-dp";
const FEATURE = { namespace: "Microsoft.ContainerService", name: "KubeProxyConfigurationPreview" };
let t: TestEmulator;

beforeAll(async () => {
  t = await startTestEmulator({
    clusters: [
      { resourceGroup: RG, name: "nft", kubernetesVersion: "1.33.2", networkPlugin: "azure", agentPools: [{ name: "nodepool1", count: 3 }, { name: "win", count: 1, osType: "Windows" }] },
      { resourceGroup: RG, name: "entra", kubernetesVersion: "1.33.2", networkPlugin: "azure", extraProperties: { aadProfile: { managed: true, enableAzureRBAC: false } } },
      { resourceGroup: RG, name: "old", kubernetesVersion: "1.32.5", networkPlugin: "azure", kubeProxyConfig: { enabled: true, mode: "NFTABLES" } },
      { resourceGroup: RG, name: "posts", kubernetesVersion: "1.33.2", networkPlugin: "azure", agentPools: [{ name: "nodepool1", count: 2 }] },
      { resourceGroup: RG, name: "no-local", kubernetesVersion: "1.33.2", networkPlugin: "azure", extraProperties: { aadProfile: { managed: true }, disableLocalAccounts: true } },
    ],
    registeredFeatures: [FEATURE],
    timings: { featureRegistrationMs: 20, providerRegistrationMs: 20, operationMs: 40, retryAfterSeconds: 0, kubeProxyRolloutPerNodeMs: 30 },
  });
});
afterAll(() => t.stop());
beforeEach(() => {
  t.em.control.clearKubeFaults();
  t.em.control.setTimings({ kubeProxyRolloutPerNodeMs: 30 });
});

describe("verifyDataPlane / waitForDataPlane against the emulator", () => {
  it("NFTABLES: after apply, the wait sees the rollout reach every Linux node and every /proxyMode answer nftables; Windows is skipped", async () => {
    const client = t.client();
    await client.apply({ resourceGroup: RG, name: "nft" }, { enabled: true, mode: "NFTABLES" });
    const progress: string[] = [];
    const result = await client.waitForDataPlane({ resourceGroup: RG, name: "nft" }, { mode: "NFTABLES" }, { timeoutInMs: 60_000, onProgress: (e) => progress.push(e.summary) });
    expect(result.verdict).toBe("converged");
    expect(result.flags).toEqual([{ field: "mode", flag: "--proxy-mode", expected: "nftables", rendered: "nftables", ok: true }]);
    expect(result.checkedNodes).toHaveLength(3);
    expect(result.skippedNodes).toHaveLength(1);
    expect(result.nodes.filter((n) => n.state === "converged").every((n) => n.proxyMode === "nftables")).toBe(true);
    // The judge agrees: every Linux node answers nftables.
    const state = t.em.control.kubeState({ resourceGroup: RG, name: "nft" });
    expect(state?.nodes.filter((n) => n.os === "linux").map((n) => n.proxyMode)).toEqual(["nftables", "nftables", "nftables"]);
    expect(progress.at(-1)).toContain("kube-proxy rollout 3/3 nodes");
  });

  it("IPVS LeastConnection 900/120/300: every flag rendered matches field by field (scheduler lc, durations), on an Entra-integrated cluster", async () => {
    const client = t.client();
    const settings = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 } };
    await client.apply({ resourceGroup: RG, name: "entra" }, settings);
    const result = await client.waitForDataPlane({ resourceGroup: RG, name: "entra" }, settings, { timeoutInMs: 60_000 });
    expect(result.verdict).toBe("converged");
    expect(result.flags.map((f) => [f.flag, f.rendered, f.ok])).toEqual([
      ["--proxy-mode", "ipvs", true],
      ["--ipvs-scheduler", "lc", true],
      ["--ipvs-tcp-timeout", "900s", true],
      ["--ipvs-tcpfin-timeout", "120s", true],
      ["--ipvs-udp-timeout", "300s", true],
    ]);
    expect(result.nodes.filter((n) => n.state === "converged").every((n) => n.proxyMode === "ipvs")).toBe(true);
  });

  it("Entra-integrated cluster: the user kubeconfig's kubelogin exec is replaced by a token for the AKS server application", async () => {
    const result = await t.client().verifyDataPlane({ resourceGroup: RG, name: "entra" });
    expect(result.authentication).toBe("entra");
    expect(result.verdict).toBe("converged");
  });

  it("the admin credential (client certificate) works too", async () => {
    const result = await t.client().verifyDataPlane({ resourceGroup: RG, name: "nft" }, undefined, { admin: true });
    expect(result.credential).toBe("admin");
    expect(result.authentication).toBe("client-certificate");
    expect(result.verdict).not.toBe("unreachable");
  });

  it("Kubernetes 1.32 with NFTABLES: mismatch, the DaemonSet renders --proxy-mode=iptables", async () => {
    const result = await t.client().verifyDataPlane({ resourceGroup: RG, name: "old" });
    expect(result.verdict).toBe("mismatch");
    expect(result.mismatches[0]).toMatchObject({ field: "mode", expected: "--proxy-mode=nftables", found: "--proxy-mode=iptables" });
  });

  it("a node whose /proxyMode disagrees with its flags: mismatch naming that node", async () => {
    const node = t.em.control.kubeState({ resourceGroup: RG, name: "nft" })?.nodes.find((n) => n.os === "linux")?.name as string;
    t.em.control.addKubeFault({ kind: "kube-proxy-mode-mismatch", cluster: { resourceGroup: RG, name: "nft" }, node, mode: "iptables" });
    const result = await t.client().verifyDataPlane({ resourceGroup: RG, name: "nft" }, { mode: "NFTABLES" });
    expect(result.verdict).toBe("mismatch");
    expect(result.mismatches).toContainEqual({ node, field: "proxyMode", expected: "nftables", found: "iptables" });
  });

  it("a 403 on nodes/proxy: unreachable (forbidden) with the RBAC to grant", async () => {
    t.em.control.addKubeFault({ kind: "kube-forbidden", cluster: { resourceGroup: RG, name: "nft" }, resource: "nodes/proxy" });
    const result = await t.client().verifyDataPlane({ resourceGroup: RG, name: "nft" });
    expect(result.verdict).toBe("unreachable");
    expect(result.unreachable).toMatchObject({ reason: "forbidden", statusCode: 403 });
    expect(result.unreachable?.advice).toContain("nodes/proxy");
  });

  it("an API server that accepts connections and never answers (private cluster): unreachable, no network path, with what to do", async () => {
    t.em.control.addKubeFault({ kind: "kube-unreachable", cluster: { resourceGroup: RG, name: "nft" }, how: "hang" });
    const result = await t.client().verifyDataPlane({ resourceGroup: RG, name: "nft" }, undefined, { requestTimeoutInMs: 300 });
    expect(result.verdict).toBe("unreachable");
    expect(result.unreachable?.reason).toBe("no-network-path");
    expect(result.unreachable?.advice).toMatch(/inside the cluster's network/);
  });

  it("an API server that refuses connections: unreachable, no network path", async () => {
    t.em.control.addKubeFault({ kind: "kube-unreachable", cluster: { resourceGroup: RG, name: "nft" }, how: "refuse" });
    const result = await t.client().verifyDataPlane({ resourceGroup: RG, name: "nft" }, undefined, { requestTimeoutInMs: 5_000 });
    expect(result.verdict).toBe("unreachable");
    expect(result.unreachable?.reason).toBe("no-network-path");
  });

  it("the admin credential of a cluster with disableLocalAccounts: unreachable (credentials), advising the user credential", async () => {
    const result = await t.client().verifyDataPlane({ resourceGroup: RG, name: "no-local" }, undefined, { admin: true });
    expect(result.verdict).toBe("unreachable");
    expect(result.unreachable).toMatchObject({ reason: "credentials", statusCode: 400 });
    expect(result.unreachable?.advice).toContain("disableLocalAccounts");
    // The user credential (Entra) works on the same cluster.
    expect((await t.client().verifyDataPlane({ resourceGroup: RG, name: "no-local" })).authentication).toBe("entra");
  });

  it("a wait of several passes POSTs listClusterUserCredential once (ARM counts the POST against the write budget)", async () => {
    const client = t.client();
    const cluster = { resourceGroup: RG, name: "posts" };
    await client.apply(cluster, { enabled: true, mode: "IPTABLES" });
    await client.waitForDataPlane(cluster, { mode: "IPTABLES" }, { timeoutInMs: 60_000 });
    const node = t.em.control.kubeState(cluster)?.nodes.find((n) => n.os === "linux")?.name as string;
    t.em.control.addKubeFault({ kind: "kube-node-stuck", cluster, node });
    await client.apply(cluster, { enabled: true, mode: "NFTABLES" });
    t.em.control.clearRequestLog();
    // The stuck node keeps the wait rolling out; the caller stops it after the third pass (no clock involved).
    const controller = new AbortController();
    const passes: string[] = [];
    const error = await client
      .waitForDataPlane(cluster, { mode: "NFTABLES" }, { timeoutInMs: 3_600_000, abortSignal: controller.signal, onProgress: (e) => { passes.push(e.verdict); if (passes.length === 3) controller.abort(); } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "Aborted" });
    expect(passes).toEqual(["rolling-out", "rolling-out", "rolling-out"]);
    const posts = t.em.control.requestLog().filter((r) => r.method === "POST" && r.path.toLowerCase().endsWith("/managedclusters/posts/listclusterusercredential"));
    expect(posts).toHaveLength(1);
  });

  it("a node that never updates: the wait gives up with DataPlaneNotConverged naming that node, whose pod still runs the old flags", async () => {
    const client = t.client();
    await client.apply({ resourceGroup: RG, name: "nft" }, { enabled: true, mode: "IPTABLES" });
    await client.waitForDataPlane({ resourceGroup: RG, name: "nft" }, { mode: "IPTABLES" }, { timeoutInMs: 60_000 });
    const node = t.em.control.kubeState({ resourceGroup: RG, name: "nft" })?.nodes.find((n) => n.os === "linux")?.name as string;
    t.em.control.addKubeFault({ kind: "kube-node-stuck", cluster: { resourceGroup: RG, name: "nft" }, node });
    await client.apply({ resourceGroup: RG, name: "nft" }, { enabled: true, mode: "NFTABLES" });
    const error = await client.waitForDataPlane({ resourceGroup: RG, name: "nft" }, { mode: "NFTABLES" }, { timeoutInMs: 1_500 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "DataPlaneNotConverged" });
    expect((error as Error).message).toContain(node);
    expect((error as { result: { pendingNodes: string[] } }).result.pendingNodes).toEqual([node]);
    // By state: the stuck node's pod still runs iptables.
    const pod = t.em.control.kubeState({ resourceGroup: RG, name: "nft" })?.nodes.find((n) => n.name === node)?.pod;
    expect(pod?.command).toContain("--proxy-mode=iptables");
  });
});
