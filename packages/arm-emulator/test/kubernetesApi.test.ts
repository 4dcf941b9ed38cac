/**
 * Each emulated cluster's Kubernetes API (issue 18), driven over real HTTPS with the official Kubernetes client
 * (`@kubernetes/client-node`) through the kubeconfigs ARM hands out, and the real Azure SDK for ARM.
 */
import type * as K8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { ClientSecretCredential } from "@azure/identity";
import { armRequest, clusterPath, type TestEmulator, startTestEmulator, waitFor } from "./support";
import { AKS_SERVER_APP_ID, CUSTOM_FEATURE_HEADER_VALUE, DEFAULT_SUBSCRIPTION_ID, type ClusterSeed, type KubeClusterRef } from "../src/index";

const RG = "rg";
/** client-node 1.x is ESM-only: loaded with import() (jest compiles it to CommonJS, see jest.config.js). */
let k8s: typeof K8s;
beforeAll(async () => {
  k8s = await import("@kubernetes/client-node");
});
const PREVIEW = { AKSHTTPCustomFeatures: CUSTOM_FEATURE_HEADER_VALUE };

/** A clock the test moves by hand: operations end and pods become Ready only when it says so. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let now = Date.now();
  return { now: () => now, advance: (ms) => (now += ms) };
}

async function credential(t: TestEmulator, name: string, kind: "user" | "admin" = "user"): Promise<string> {
  const client = t.aks("2026-08-02-preview");
  const result = kind === "user" ? await client.managedClusters.listClusterUserCredentials(RG, name) : await client.managedClusters.listClusterAdminCredentials(RG, name);
  const value = result.kubeconfigs?.[0]?.value;
  if (!value) throw new Error("no kubeconfig");
  return Buffer.from(value).toString("utf8");
}

async function kubeConfig(t: TestEmulator, name: string, kind: "user" | "admin" = "user"): Promise<K8s.KubeConfig> {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(await credential(t, name, kind));
  return kc;
}

/** A kubeconfig whose user is a bearer token instead of kubelogin (what a client does with an Entra token). */
function withToken(kc: K8s.KubeConfig, token: string): K8s.KubeConfig {
  const out = new k8s.KubeConfig();
  const user = kc.getCurrentUser();
  out.loadFromOptions({ clusters: kc.clusters, contexts: kc.contexts, currentContext: kc.currentContext, users: [{ name: user?.name ?? "u", token }] });
  return out;
}

async function proxyMode(kc: K8s.KubeConfig, node: string): Promise<string> {
  return String(await kc.makeApiClient(k8s.CoreV1Api).connectGetNodeProxyWithPath({ name: `${node}:10249`, path: "proxyMode" }));
}

async function daemonSet(kc: K8s.KubeConfig): Promise<K8s.V1DaemonSet> {
  return kc.makeApiClient(k8s.AppsV1Api).readNamespacedDaemonSet({ name: "kube-proxy", namespace: "kube-system" });
}

async function kubeProxyPods(kc: K8s.KubeConfig): Promise<K8s.V1Pod[]> {
  return (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: "kube-system", labelSelector: "component=kube-proxy" })).items;
}

function command(ds: K8s.V1DaemonSet): string[] {
  return ds.spec?.template.spec?.containers[0]?.command ?? [];
}

/** PUTs the cluster back with a new kubeProxyConfig (and optionally another Kubernetes version). */
async function putKubeProxyConfig(t: TestEmulator, name: string, kubeProxyConfig: unknown, kubernetesVersion?: string): Promise<void> {
  const current = (await armRequest(t, { method: "GET", path: clusterPath(t, RG, name) })).json as { location: string; properties: Record<string, unknown> & { networkProfile: Record<string, unknown> } };
  current.properties.networkProfile.kubeProxyConfig = kubeProxyConfig;
  if (kubernetesVersion) current.properties.kubernetesVersion = kubernetesVersion;
  const put = await armRequest(t, { method: "PUT", path: clusterPath(t, RG, name), body: { location: current.location, identity: { type: "SystemAssigned" }, properties: current.properties }, headers: PREVIEW });
  expect(put.status).toBe(200);
}

async function provisioningState(t: TestEmulator, name: string): Promise<string> {
  return ((await armRequest(t, { method: "GET", path: clusterPath(t, RG, name) })).json as { properties: { provisioningState: string } }).properties.provisioningState;
}

async function statusOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as { code?: number }).code;
  }
}

const ipvsSeed: ClusterSeed = {
  resourceGroup: RG,
  name: "ipvs",
  kubeProxyConfig: { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 600, tcpFinTimeoutSeconds: 60, udpTimeoutSeconds: 120 } },
  agentPools: [
    { name: "system", count: 3 },
    { name: "win", count: 1, osType: "Windows" },
  ],
};

describe("the emulated Kubernetes API, read with @kubernetes/client-node through ARM's kubeconfig", () => {
  let t: TestEmulator;
  afterEach(() => t.stop());

  it("hands out a kubeconfig for the cluster's fqdn and the Kubernetes CA, and serves nodes, kube-proxy pods, the DaemonSet and /proxyMode", async () => {
    t = await startTestEmulator({ clusters: [ipvsSeed] });
    const yaml = await credential(t, "ipvs");
    const fqdn = String((t.em.control.getCluster({ resourceGroup: RG, name: "ipvs" })?.properties as { fqdn: string }).fqdn);
    const kc = new k8s.KubeConfig();
    kc.loadFromString(yaml);
    // The cluster's own listener, no path: every client (kubectl get --raw included) uses it unchanged.
    expect(kc.getCurrentCluster()?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kc.getCurrentCluster()?.server).not.toBe(t.em.kubeUrl);
    expect(await credential(t, "ipvs")).toContain(`server: ${kc.getCurrentCluster()?.server}\n`);
    expect(t.em.control.kubeState({ resourceGroup: RG, name: "ipvs" })?.server).toBe(kc.getCurrentCluster()?.server);
    // The shared listener reaches the same API server by its fqdn.
    const shared = new k8s.KubeConfig();
    shared.loadFromOptions({ clusters: [{ ...kc.clusters[0]!, server: `${t.em.kubeUrl}/clusters/${fqdn}` }], users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
    expect((await shared.makeApiClient(k8s.CoreV1Api).listNode()).items).toHaveLength(4);
    expect(Buffer.from(kc.getCurrentCluster()?.caData ?? "", "base64").toString("utf8")).toBe(t.em.kubeCa);
    expect(kc.getCurrentUser()?.name).toBe("clusterUser_rg_ipvs");

    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toBe("v1.33.2");
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const nodes = (await core.listNode()).items;
    expect(nodes.map((n) => n.metadata?.labels?.["kubernetes.io/os"]).sort()).toEqual(["linux", "linux", "linux", "windows"]);
    const linux = (await core.listNode({ labelSelector: "kubernetes.io/os=linux" })).items.map((n) => n.metadata?.name ?? "");
    expect(linux).toHaveLength(3);
    expect(linux.every((n) => /^aks-system-\d{8}-vmss\d{6}$/.test(n))).toBe(true);

    // Fields the OpenAPI schema marks required (the Python client's models refuse objects without them).
    for (const n of nodes) expect(n.status?.nodeInfo).toEqual(expect.objectContaining({ bootID: expect.any(String), machineID: expect.any(String), systemUUID: expect.any(String), kubeProxyVersion: "v1.33.2" }));

    const pods = await kubeProxyPods(kc);
    expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual([...linux].sort());
    for (const p of pods) expect(p.status?.containerStatuses?.[0]).toEqual(expect.objectContaining({ name: "kube-proxy", image: expect.any(String), imageID: expect.any(String), ready: true, restartCount: 0 }));
    expect(pods.every((p) => p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True")).toBe(true);
    expect((await core.listNamespacedPod({ namespace: "kube-system", labelSelector: "component notin (kube-proxy)" })).items).toHaveLength(0);

    const ds = await daemonSet(kc);
    expect(ds.spec?.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(command(ds)).toEqual([
      "kube-proxy",
      "--conntrack-max-per-core=0",
      "--metrics-bind-address=0.0.0.0:10249",
      "--cluster-cidr=10.224.0.0/12",
      "--detect-local-mode=ClusterCIDR",
      "--proxy-mode=ipvs",
      "--ipvs-scheduler=lc",
      "--ipvs-tcp-timeout=600s",
      "--ipvs-tcpfin-timeout=60s",
      "--ipvs-udp-timeout=120s",
      "--v=3",
    ]);
    expect(ds.status).toMatchObject({ observedGeneration: ds.metadata?.generation, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 });
    for (const node of linux) expect(await proxyMode(kc, node)).toBe("ipvs");
    const windows = nodes.find((n) => n.metadata?.labels?.["kubernetes.io/os"] === "windows")?.metadata?.name ?? "";
    expect(await statusOf(proxyMode(kc, windows))).toBe(503);
  });

  it("renders new flags only when the ARM operation succeeds, then replaces one node's pod at a time until kubectl's rule says rolled out", async () => {
    const clock = manualClock();
    t = await startTestEmulator({ clock: clock.now, timings: { operationMs: 1000, kubeProxyRolloutPerNodeMs: 1000 }, aksThrottling: false, clusters: [{ resourceGroup: RG, name: "c1" }] } as never);
    const kc = await kubeConfig(t, "c1");
    const before = await daemonSet(kc);
    expect(command(before)).toContain("--proxy-mode=iptables");
    const nodes = (await kc.makeApiClient(k8s.CoreV1Api).listNode()).items.map((n) => n.metadata?.name ?? "").sort();

    await putKubeProxyConfig(t, "c1", { enabled: true, mode: "IPVS" });
    expect(await provisioningState(t, "c1")).toBe("Updating");
    const during = await daemonSet(kc);
    expect(during.metadata?.generation).toBe(before.metadata?.generation);
    expect(command(during)).toContain("--proxy-mode=iptables");

    clock.advance(1000); // the operation succeeds now
    expect(await provisioningState(t, "c1")).toBe("Succeeded");
    const rendered = await daemonSet(kc);
    const generation = rendered.metadata?.generation ?? 0;
    expect(generation).toBe((before.metadata?.generation ?? 0) + 1);
    expect(command(rendered)).toEqual(expect.arrayContaining(["--proxy-mode=ipvs", "--ipvs-scheduler=rr", "--ipvs-tcp-timeout=900s", "--ipvs-tcpfin-timeout=120s", "--ipvs-udp-timeout=300s"]));
    // First node: its new pod is created and not Ready yet (maxUnavailable 1).
    expect(rendered.status).toMatchObject({ observedGeneration: generation, desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 2 });
    expect(await statusOf(proxyMode(kc, nodes[0] ?? ""))).toBe(503);
    expect(await proxyMode(kc, nodes[1] ?? "")).toBe("iptables");

    clock.advance(1000);
    expect((await daemonSet(kc)).status).toMatchObject({ updatedNumberScheduled: 2, numberAvailable: 2 });
    expect(await proxyMode(kc, nodes[0] ?? "")).toBe("ipvs");
    expect(await proxyMode(kc, nodes[2] ?? "")).toBe("iptables");

    clock.advance(2000);
    const done = await daemonSet(kc);
    expect(done.status).toMatchObject({ observedGeneration: generation, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 });
    for (const node of nodes) expect(await proxyMode(kc, node)).toBe("ipvs");
    const pods = await kubeProxyPods(kc);
    expect(pods.every((p) => p.metadata?.labels?.["pod-template-generation"] === String(generation))).toBe(true);
    expect(pods.every((p) => (p.spec?.containers[0]?.command ?? []).includes("--proxy-mode=ipvs"))).toBe(true);
  });

  it("keeps the old flags when the operation fails, and when the cluster drifts out of band (no operation)", async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "c1" }], aksThrottling: false });
    const kc = await kubeConfig(t, "c1");
    const generation = (await daemonSet(kc)).metadata?.generation;
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "/c1$", count: 1 });
    await putKubeProxyConfig(t, "c1", { enabled: true, mode: "IPVS" });
    t.em.control.finishOperations();
    expect(await provisioningState(t, "c1")).toBe("Failed");
    t.em.control.updateCluster({ resourceGroup: RG, name: "c1" }, (raw) => {
      ((raw.properties as Record<string, unknown>).networkProfile as Record<string, unknown>).kubeProxyConfig = { enabled: true, mode: "IPVS" };
    });
    const ds = await daemonSet(kc);
    expect(ds.metadata?.generation).toBe(generation);
    expect(command(ds)).toContain("--proxy-mode=iptables");
  });

  it("renders NFTABLES as --proxy-mode=iptables on Kubernetes 1.32 (accepted, not applied) and as nftables on 1.33", async () => {
    t = await startTestEmulator({
      aksThrottling: false,
      timings: { kubeProxyRolloutPerNodeMs: 0 },
      clusters: [
        { resourceGroup: RG, name: "old", kubernetesVersion: "1.32.7" },
        { resourceGroup: RG, name: "new", kubernetesVersion: "1.33.2" },
      ],
    });
    await putKubeProxyConfig(t, "old", { enabled: true, mode: "NFTABLES" });
    await putKubeProxyConfig(t, "new", { enabled: true, mode: "NFTABLES" });
    t.em.control.finishOperations();
    const old = await kubeConfig(t, "old");
    expect(((t.em.control.getCluster({ resourceGroup: RG, name: "old" })?.properties as { networkProfile: { kubeProxyConfig: { mode: string } } }).networkProfile.kubeProxyConfig.mode)).toBe("NFTABLES");
    expect(command(await daemonSet(old))).toContain("--proxy-mode=iptables");
    expect(command(await daemonSet(old))).not.toContain("--proxy-mode=nftables");
    const fresh = await kubeConfig(t, "new");
    expect(command(await daemonSet(fresh))).toContain("--proxy-mode=nftables");
    const oldNode = (await old.makeApiClient(k8s.CoreV1Api).listNode()).items[0]?.metadata?.name ?? "";
    expect(await proxyMode(old, oldNode)).toBe("iptables");
    const node = (await fresh.makeApiClient(k8s.CoreV1Api).listNode()).items[0]?.metadata?.name ?? "";
    expect(await proxyMode(fresh, node)).toBe("nftables");
  });

  it("brings a new cluster's API server up when the create operation succeeds, its kube-proxy pods Ready one rollout step later", async () => {
    const clock = manualClock();
    t = await startTestEmulator({ clock: clock.now, timings: { operationMs: 1000, kubeProxyRolloutPerNodeMs: 500 }, aksThrottling: false } as never);
    const body = {
      location: "westus2",
      identity: { type: "SystemAssigned" },
      properties: { dnsPrefix: "fresh", kubernetesVersion: "1.33.2", agentPoolProfiles: [{ name: "nodepool1", count: 2, mode: "System", osType: "Linux" }], networkProfile: { networkPlugin: "azure", kubeProxyConfig: { enabled: true, mode: "NFTABLES" } } },
    };
    expect((await armRequest(t, { method: "PUT", path: clusterPath(t, RG, "fresh"), body, headers: PREVIEW })).status).toBe(201);
    const kc = await kubeConfig(t, "fresh");
    expect(await statusOf(kc.makeApiClient(k8s.CoreV1Api).listNode())).toBe(503);
    clock.advance(1000);
    const ds = await daemonSet(kc);
    expect(command(ds)).toContain("--proxy-mode=nftables");
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 0 });
    clock.advance(500);
    expect((await daemonSet(kc)).status).toMatchObject({ updatedNumberScheduled: 2, numberAvailable: 2 });
  });

  it("re-renders on an upgrade: NFTABLES set on 1.32 becomes --proxy-mode=nftables once the upgrade to 1.33 succeeds", async () => {
    t = await startTestEmulator({ aksThrottling: false, timings: { kubeProxyRolloutPerNodeMs: 0 }, clusters: [{ resourceGroup: RG, name: "up", kubernetesVersion: "1.32.7", kubeProxyConfig: { enabled: true, mode: "NFTABLES" } }] });
    const kc = await kubeConfig(t, "up");
    const before = await daemonSet(kc);
    expect(command(before)).toContain("--proxy-mode=iptables");
    await putKubeProxyConfig(t, "up", { enabled: true, mode: "NFTABLES" }, "1.33.2");
    t.em.control.finishOperations();
    const after = await daemonSet(kc);
    expect(after.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1);
    expect(command(after)).toContain("--proxy-mode=nftables");
  });

  it("logs Kubernetes requests as kind kube with the Authorization header redacted", async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "c1" }] });
    const kc = await kubeConfig(t, "c1");
    const token = kc.getCurrentUser()?.token ?? "";
    expect(token).not.toBe("");
    await kc.makeApiClient(k8s.CoreV1Api).listNode();
    const entries = t.em.control.requestLog().filter((e) => e.kind === "kube");
    expect(entries.map((e) => `${e.method} ${e.path} ${e.status}`)).toContain("GET /api/v1/nodes 200");
    expect(JSON.stringify(t.em.control.requestLog())).not.toContain(token);
  });

  it("removes the DaemonSet and its pods when kube-proxy is disabled (enabled: false, BYO CNI)", async () => {
    t = await startTestEmulator({ aksThrottling: false, clusters: [{ resourceGroup: RG, name: "byo", networkPlugin: "none" }] });
    const kc = await kubeConfig(t, "byo");
    expect(await kubeProxyPods(kc)).toHaveLength(3);
    await putKubeProxyConfig(t, "byo", { enabled: false });
    t.em.control.finishOperations();
    expect(await statusOf(daemonSet(kc))).toBe(404);
    expect(await kubeProxyPods(kc)).toHaveLength(0);
    expect(t.em.control.kubeState({ resourceGroup: RG, name: "byo" })?.daemonSet).toBeUndefined();
  });

  it("streams the DaemonSet to a client-node Watch: ADDED now, MODIFIED as the rollout moves, DELETED when kube-proxy is disabled", async () => {
    const clock = manualClock();
    t = await startTestEmulator({ clock: clock.now, aksThrottling: false, timings: { operationMs: 100, kubeProxyRolloutPerNodeMs: 100 }, clusters: [{ resourceGroup: RG, name: "byo", networkPlugin: "none" }] } as never);
    const kc = await kubeConfig(t, "byo");
    const events: { type: string; updated?: number; available?: number }[] = [];
    const seen = (predicate: (e: (typeof events)[number]) => boolean) => async (): Promise<void> => {
      for (let i = 0; i < 400 && !events.some(predicate); i++) await new Promise((r) => setTimeout(r, 10));
      expect(events.some(predicate)).toBe(true);
    };
    const controller = await new k8s.Watch(kc).watch(
      "/apis/apps/v1/namespaces/kube-system/daemonsets",
      { fieldSelector: "metadata.name=kube-proxy" },
      (type: string, obj: K8s.V1DaemonSet) => events.push({ type, updated: obj.status?.updatedNumberScheduled, available: obj.status?.numberAvailable }),
      () => undefined,
    );
    try {
      await seen((e) => e.type === "ADDED" && e.available === 3)();
      await putKubeProxyConfig(t, "byo", { enabled: true, mode: "IPVS" });
      clock.advance(100); // operation done: the first node's new pod is not Ready yet
      await seen((e) => e.type === "MODIFIED" && e.updated === 1 && e.available === 2)();
      await putKubeProxyConfig(t, "byo", { enabled: false });
      clock.advance(100);
      await seen((e) => e.type === "DELETED")();
    } finally {
      controller.abort();
    }
  });
});

describe("data-plane faults", () => {
  let t: TestEmulator;
  const c1: KubeClusterRef = { resourceGroup: RG, name: "c1" };
  beforeEach(async () => {
    t = await startTestEmulator({ aksThrottling: false, timings: { kubeProxyRolloutPerNodeMs: 0 }, clusters: [{ resourceGroup: RG, name: "c1" }] });
  });
  afterEach(() => t.stop());

  async function switchToIpvs(): Promise<void> {
    await putKubeProxyConfig(t, "c1", { enabled: true, mode: "IPVS" });
    t.em.control.finishOperations();
  }

  it("kube-node-stuck: the node keeps its old pod and flags; the rollout never counts it updated", async () => {
    const kc = await kubeConfig(t, "c1");
    const nodes = (await kc.makeApiClient(k8s.CoreV1Api).listNode()).items.map((n) => n.metadata?.name ?? "").sort();
    t.em.control.addKubeFault({ kind: "kube-node-stuck", cluster: c1, node: nodes[1] });
    await switchToIpvs();
    const ds = await daemonSet(kc);
    expect(ds.status).toMatchObject({ observedGeneration: ds.metadata?.generation, desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3 });
    expect(await proxyMode(kc, nodes[0] ?? "")).toBe("ipvs");
    expect(await proxyMode(kc, nodes[1] ?? "")).toBe("iptables");
    const stuckPod = (await kubeProxyPods(kc)).find((p) => p.spec?.nodeName === nodes[1]);
    expect(stuckPod?.spec?.containers[0]?.command).toContain("--proxy-mode=iptables");
    // Cleared: the controller comes back to the node.
    t.em.control.clearKubeFaults();
    expect((await daemonSet(kc)).status?.updatedNumberScheduled).toBe(3);
    expect(await proxyMode(kc, nodes[1] ?? "")).toBe("ipvs");
  });

  it("kube-rollout-stall: after N nodes the next new pod never gets Ready and no further node is updated", async () => {
    const kc = await kubeConfig(t, "c1");
    const nodes = (await kc.makeApiClient(k8s.CoreV1Api).listNode()).items.map((n) => n.metadata?.name ?? "").sort();
    t.em.control.addKubeFault({ kind: "kube-rollout-stall", cluster: c1, afterNodes: 1 });
    await switchToIpvs();
    expect((await daemonSet(kc)).status).toMatchObject({ desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 2, numberUnavailable: 1 });
    expect(await proxyMode(kc, nodes[0] ?? "")).toBe("ipvs");
    expect(await statusOf(proxyMode(kc, nodes[1] ?? ""))).toBe(503);
    expect(await proxyMode(kc, nodes[2] ?? "")).toBe("iptables");
    // Cleared (rollout time 0 here): the held pod gets Ready and the last node is updated.
    t.em.control.clearKubeFaults();
    expect((await daemonSet(kc)).status).toMatchObject({ updatedNumberScheduled: 3, numberAvailable: 3 });
    for (const node of nodes) expect(await proxyMode(kc, node)).toBe("ipvs");
  });

  it("kube-proxy-mode-mismatch: the node's /proxyMode disagrees with its flags", async () => {
    const kc = await kubeConfig(t, "c1");
    const nodes = (await kc.makeApiClient(k8s.CoreV1Api).listNode()).items.map((n) => n.metadata?.name ?? "").sort();
    t.em.control.addKubeFault({ kind: "kube-proxy-mode-mismatch", cluster: c1, mode: "iptables" });
    await switchToIpvs();
    expect((await daemonSet(kc)).status?.updatedNumberScheduled).toBe(3);
    expect(await proxyMode(kc, nodes[0] ?? "")).toBe("iptables");
    expect(await proxyMode(kc, nodes[1] ?? "")).toBe("ipvs");
  });

  it("kube-forbidden: 403 Status on nodes/proxy while nodes and pods stay readable", async () => {
    const kc = await kubeConfig(t, "c1");
    t.em.control.addKubeFault({ kind: "kube-forbidden", cluster: c1 });
    const node = (await kc.makeApiClient(k8s.CoreV1Api).listNode()).items[0]?.metadata?.name ?? "";
    const error = await proxyMode(kc, node).then(
      () => undefined,
      (e: unknown) => e as { code?: number; body?: string },
    );
    expect(error?.code).toBe(403);
    expect(JSON.parse(String(error?.body))).toMatchObject({ kind: "Status", reason: "Forbidden", code: 403, message: expect.stringContaining('cannot get resource "nodes/proxy"') });
    expect(await kubeProxyPods(kc)).toHaveLength(3);
  });

  it("kube-unreachable hang: the connection is accepted and the request is never answered", async () => {
    const kc = await kubeConfig(t, "c1");
    t.em.control.addKubeFault({ kind: "kube-unreachable", cluster: c1, how: "hang" });
    let settled = false;
    const held = daemonSet(kc).then(
      () => (settled = true),
      () => (settled = true),
    );
    // The emulator logged the request (so it arrived) and a later control call is answered while it is still held.
    await waitForKubeLog(t, 1);
    expect(t.em.control.kubeState(c1)?.daemonSet).toBeDefined();
    expect(settled).toBe(false);
    await t.stop();
    await held;
    expect(settled).toBe(true);
  });

  it("kube-unreachable refuse: the connection is dropped at once", async () => {
    const kc = await kubeConfig(t, "c1");
    t.em.control.addKubeFault({ kind: "kube-unreachable", cluster: c1, how: "refuse" });
    await expect(daemonSet(kc)).rejects.toThrow();
  });

  it("faults come through the control API over HTTP and are checked", async () => {
    const bad = await armRequest(t, { method: "POST", path: "/_emulator/kube/faults", body: { kind: "kube-unreachable", cluster: c1, how: "sometimes" }, auth: false });
    expect(bad.status).toBe(400);
    const good = await armRequest(t, { method: "POST", path: "/_emulator/kube/faults", body: { kind: "kube-node-stuck", cluster: c1 }, auth: false });
    expect(good.status).toBe(200);
    await switchToIpvs();
    const state = await armRequest(t, { method: "GET", path: `/_emulator/kube/${t.em.subscriptionId}/${RG}/c1`, auth: false });
    const body = state.json as { daemonSet: { updatedNumberScheduled: number }; nodes: { name: string; proxyMode?: string }[] };
    expect(body.daemonSet.updatedNumberScheduled).toBe(2);
    expect(body.nodes[0]?.proxyMode).toBe("iptables");
    expect((await armRequest(t, { method: "DELETE", path: "/_emulator/kube/faults", auth: false })).status).toBe(200);
    expect(t.em.control.kubeState(c1)?.daemonSet?.updatedNumberScheduled).toBe(3);
  });
});

describe("bounds", () => {
  it("refuses a watch beyond the most open watches with a 429 Status, and accepts one again once a watch closes", async () => {
    const t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "c1" }], kubeMaxWatches: 1 } as never);
    try {
      const kc = await kubeConfig(t, "c1");
      // client-node reports a refused watch to the done callback (before watch() resolves), a started one not at all.
      const open = async (): Promise<AbortController | number> => {
        let refused: number | undefined;
        const controller = await new k8s.Watch(kc).watch("/api/v1/nodes", {}, () => undefined, (error: unknown) => {
          if (error) refused = (error as { statusCode?: number }).statusCode ?? -1;
        });
        return refused ?? controller;
      };
      const first = await open();
      expect(first).toBeInstanceOf(AbortController);
      expect(await open()).toBe(429);
      (first as AbortController).abort();
      // The server sees the closed connection a moment later.
      let again = await open();
      for (let i = 0; i < 200 && !(again instanceof AbortController); i++) {
        await new Promise((r) => setTimeout(r, 10));
        again = await open();
      }
      expect(again).toBeInstanceOf(AbortController);
      (again as AbortController).abort();
    } finally {
      await t.stop();
    }
  });
});

describe("data-plane faults from the start", () => {
  it("come from the kubeFaults option and from a seed file, and a reset brings them back after they were cleared", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "kube-seed-"));
    const seedFile = join(dir, "seed.json");
    writeFileSync(seedFile, JSON.stringify({ kubeFaults: [{ kind: "kube-proxy-mode-mismatch", cluster: { resourceGroup: RG, name: "b" }, mode: "nftables" }] }));
    const t = await startTestEmulator({
      seedFile,
      clusters: [{ resourceGroup: RG, name: "a" }, { resourceGroup: RG, name: "b" }],
      kubeFaults: [{ kind: "kube-proxy-mode-mismatch", cluster: { resourceGroup: RG, name: "a" }, mode: "ipvs" }],
    });
    try {
      const first = (name: string): string | undefined => t.em.control.kubeState({ resourceGroup: RG, name })?.nodes[0]?.proxyMode;
      expect([first("a"), first("b")]).toEqual(["ipvs", "nftables"]);
      t.em.control.clearKubeFaults();
      expect([first("a"), first("b")]).toEqual(["iptables", "iptables"]);
      t.em.control.reset();
      expect([first("a"), first("b")]).toEqual(["ipvs", "nftables"]);
      expect((await armRequest(t, { method: "GET", path: `/_emulator/kube/${t.em.subscriptionId}/${RG}/nope`, auth: false })).status).toBe(404);
    } finally {
      await t.stop();
    }
  });

  it("refuse to start with a malformed fault", async () => {
    await expect(startTestEmulator({ kubeFaults: [{ kind: "kube-unreachable", cluster: { resourceGroup: RG, name: "a" }, how: "later" } as never] })).rejects.toThrow(/"how" must be "hang" or "refuse"/);
  });
});

async function waitForKubeLog(t: TestEmulator, count: number): Promise<void> {
  for (let i = 0; i < 400 && t.em.control.requestLog().filter((e) => e.kind === "kube").length < count; i++) await new Promise((r) => setTimeout(r, 5));
}

describe("authentication of the emulated API servers", () => {
  let t: TestEmulator;
  afterEach(() => t.stop());

  const entraSeed: ClusterSeed = { resourceGroup: RG, name: "entra", extraProperties: { aadProfile: { managed: true, enableAzureRBAC: true }, disableLocalAccounts: true } };

  it("gives an Entra-integrated cluster's user a kubelogin kubeconfig and accepts only tokens for the AKS server application", async () => {
    t = await startTestEmulator({ clusters: [entraSeed] });
    const kc = await kubeConfig(t, "entra");
    const exec = kc.getCurrentUser()?.exec as { command: string; args: string[] } | undefined;
    expect(exec?.command).toBe("kubelogin");
    expect(exec?.args).toEqual(expect.arrayContaining(["get-token", "--server-id", AKS_SERVER_APP_ID, "--tenant-id", t.em.tenantId]));
    const credential = new ClientSecretCredential(t.em.tenantId, t.em.clientId, t.em.clientSecret, { authorityHost: t.em.url, disableInstanceDiscovery: true });
    const good = withToken(kc, (await credential.getToken(`${AKS_SERVER_APP_ID}/.default`)).token);
    expect((await good.makeApiClient(k8s.CoreV1Api).listNode()).items).toHaveLength(3);
    const wrongAudience = withToken(kc, (await credential.getToken(`${t.em.url}/.default`)).token);
    const error = await wrongAudience.makeApiClient(k8s.CoreV1Api).listNode().then(
      () => undefined,
      (e: unknown) => e as { code?: number; body?: string },
    );
    expect(error?.code).toBe(401);
  });

  it("answers anonymous callers on /version and /healthz only (401 Status elsewhere)", async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "c1" }] });
    const server = (await kubeConfig(t, "c1")).getCurrentCluster()?.server ?? "";
    const https = await import("node:https");
    const get = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        https
          .get(`${server}${path}`, { ca: t.em.kubeCa }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          })
          .on("error", reject);
      });
    expect((await get("/version")).status).toBe(200);
    expect(await get("/healthz")).toEqual({ status: 200, body: "ok" });
    const nodes = await get("/api/v1/nodes");
    expect(nodes.status).toBe(401);
    expect(JSON.parse(nodes.body)).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
  });

  it("refuses the admin credential when local accounts are disabled", async () => {
    t = await startTestEmulator({ clusters: [entraSeed] });
    const answer = await armRequest(t, { method: "POST", path: clusterPath(t, RG, "entra").replace("?", "/listClusterAdminCredential?") });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: { code: "BadRequest", message: "Getting static credential is not allowed because this cluster is set to disable local accounts." } });
  });

  it("accepts a cluster's admin client certificate on that cluster only, and refuses Entra tokens on a cluster without Entra integration", async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "a" }, { resourceGroup: RG, name: "b" }] });
    const a = await kubeConfig(t, "a", "admin");
    expect(a.getCurrentUser()?.name).toBe("clusterAdmin_rg_a");
    expect(a.currentContext).toBe("a-admin");
    expect((await a.makeApiClient(k8s.CoreV1Api).listNode()).items).toHaveLength(3);
    // a's certificate (no token) presented to b's API server.
    const b = await kubeConfig(t, "b", "admin");
    const crossed = new k8s.KubeConfig();
    const aUser = a.getCurrentUser();
    crossed.loadFromOptions({ clusters: b.clusters, contexts: [{ name: "x", cluster: b.getCurrentCluster()?.name ?? "", user: "x" }], currentContext: "x", users: [{ name: "x", certData: aUser?.certData, keyData: aUser?.keyData }] });
    expect(await statusOf(crossed.makeApiClient(k8s.CoreV1Api).listNode())).toBe(401);
    const credential = new ClientSecretCredential(t.em.tenantId, t.em.clientId, t.em.clientSecret, { authorityHost: t.em.url, disableInstanceDiscovery: true });
    const entra = withToken(b, (await credential.getToken(`${AKS_SERVER_APP_ID}/.default`)).token);
    expect(await statusOf(entra.makeApiClient(k8s.CoreV1Api).listNode())).toBe(401);
  });
});

describe("each cluster's own API server", () => {
  let t: TestEmulator;
  afterEach(() => t.stop());

  it("serves its own cluster when another subscription has one of the same group and name, and answers 404 once its cluster is deleted", async () => {
    const other = "dddddddd-0000-4000-8000-000000000042";
    t = await startTestEmulator({
      subscriptions: [DEFAULT_SUBSCRIPTION_ID, other],
      clusters: [
        { resourceGroup: RG, name: "twin", kubernetesVersion: "1.33.2" },
        { subscriptionId: other, resourceGroup: RG, name: "twin", kubernetesVersion: "1.32.5" },
      ],
      timings: { operationMs: 20 },
    });
    const kc = await kubeConfig(t, "twin");
    const nodes = (await kc.makeApiClient(k8s.CoreV1Api).listNode()).items;
    expect(nodes.map((n) => n.status?.nodeInfo?.kubeletVersion)).toEqual(["v1.33.2", "v1.33.2", "v1.33.2"]);
    const deleted = await armRequest(t, { method: "DELETE", path: clusterPath(t, RG, "twin") });
    expect(deleted.status).toBe(202);
    await waitFor(async () => (await armRequest(t, { method: "GET", path: clusterPath(t, RG, "twin") })).status === 404);
    const error = await kc.makeApiClient(k8s.CoreV1Api).listNode().then(
      () => undefined,
      (e: unknown) => e as { code?: number; body?: string },
    );
    expect(error?.code).toBe(404);
    expect(String(error?.body)).toContain("This cluster no longer exists.");
  });
});
