/**
 * Data-plane verification, the pure parts: the flags the SDK expects AKS to render, reading them back, the kubeconfig
 * ARM returns, and the verdicts (converged, rolling-out, mismatch) computed from what the Kubernetes API shows.
 */
import {
  assessDataPlane,
  AKS_SERVER_APPLICATION_ID,
  compareKubeProxyFlags,
  daemonSetRolloutStatus,
  decodeCredentialResults,
  expectedKubeProxyFlags,
  parseKubeProxyArgs,
  readKubeconfig,
  withBearerToken,
  type DaemonSetObservation,
  type DataPlaneObservation,
  type PodObservation,
} from "@aks-kube-proxy/sdk";
import { stringify } from "yaml";

const AKS_ARGS = (mode: string, extra: string[] = []) => ["kube-proxy", "--conntrack-max-per-core=0", "--metrics-bind-address=0.0.0.0:10249", "--detect-local-mode=ClusterCIDR", `--proxy-mode=${mode}`, ...extra, "--v=3"];

describe("expected kube-proxy flags", () => {
  it("renders the mode in lower case and, for IPVS, the scheduler as rr/lc and the timeouts as seconds", () => {
    const expected = expectedKubeProxyFlags({ mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 } });
    expect(expected.proxyMode).toBe("ipvs");
    expect(expected.flags.map((f) => `${f.flag}=${f.value}`)).toEqual(["--proxy-mode=ipvs", "--ipvs-scheduler=lc", "--ipvs-tcp-timeout=900s", "--ipvs-tcpfin-timeout=120s", "--ipvs-udp-timeout=300s"]);
    expect(expectedKubeProxyFlags({ mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } }).flags.map((f) => f.value)).toEqual(["ipvs", "rr"]);
  });

  it("reads absent and {} settings as enabled iptables, and expects no ipvs flag for a setting that is not set", () => {
    expect(expectedKubeProxyFlags(undefined)).toEqual({ enabled: true, proxyMode: "iptables", flags: [{ field: "mode", flag: "--proxy-mode", value: "iptables" }] });
    expect(expectedKubeProxyFlags({}).proxyMode).toBe("iptables");
    expect(expectedKubeProxyFlags({ mode: "NFTABLES" }).flags).toHaveLength(1);
    expect(expectedKubeProxyFlags({ enabled: false }).enabled).toBe(false);
  });

  it("reads --name=value and --name value, later flags winning, from command and args", () => {
    const flags = parseKubeProxyArgs(["kube-proxy", "--proxy-mode", "ipvs", "--ipvs-scheduler=rr", "--ipvs-scheduler=lc", "--masquerade-all"]);
    expect(flags.get("--proxy-mode")).toBe("ipvs");
    expect(flags.get("--ipvs-scheduler")).toBe("lc");
    expect(flags.get("--masquerade-all")).toBe("true");
    expect(parseKubeProxyArgs(["/bin/sh", "-c", "kube-proxy --proxy-mode=nftables --v=3"]).get("--proxy-mode")).toBe("nftables");
  });

  it("compares durations as durations and reports each field that differs", () => {
    const expected = expectedKubeProxyFlags({ mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900 } });
    const checks = compareKubeProxyFlags(expected, parseKubeProxyArgs(AKS_ARGS("ipvs", ["--ipvs-scheduler=rr", "--ipvs-tcp-timeout=15m0s"])));
    expect(checks.map((c) => [c.field, c.ok])).toEqual([
      ["mode", true],
      ["ipvsConfig.scheduler", false],
      ["ipvsConfig.tcpTimeoutSeconds", true],
    ]);
    expect(checks[1]).toMatchObject({ flag: "--ipvs-scheduler", expected: "lc", rendered: "rr" });
  });
});

describe("kubeconfig from ARM", () => {
  const doc = (user: Record<string, unknown>) => ({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "aks1", cluster: { server: "https://127.0.0.1:8443/clusters/aks1.hcp.westus2.azmk8s.io", "certificate-authority-data": "Q0E=" } }],
    users: [{ name: "clusterUser_rg_aks1", user }],
    contexts: [{ name: "aks1", context: { cluster: "aks1", user: "clusterUser_rg_aks1" } }],
    "current-context": "aks1",
  });
  const answer = (d: unknown) => ({ kubeconfigs: [{ name: "clusterUser", value: Buffer.from(stringify(d)).toString("base64") }] });

  it("decodes the base64 YAML and reads a client certificate user", async () => {
    const kc = readKubeconfig(await decodeCredentialResults(answer(doc({ "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" }))));
    expect(kc.authentication).toBe("client-certificate");
    expect(kc.server).toBe("https://127.0.0.1:8443/clusters/aks1.hcp.westus2.azmk8s.io");
  });

  it("recognises kubelogin's exec (Entra) with its --server-id and swaps it for a bearer token", async () => {
    const exec = { apiVersion: "client.authentication.k8s.io/v1beta1", command: "kubelogin", args: ["get-token", "--environment", "AzurePublicCloud", "--server-id", AKS_SERVER_APPLICATION_ID, "--login", "devicecode"] };
    const kc = readKubeconfig(await decodeCredentialResults(answer(doc({ exec }))));
    expect(kc).toMatchObject({ authentication: "entra", serverId: AKS_SERVER_APPLICATION_ID });
    const withToken = withBearerToken(kc, "tok");
    expect((withToken.document["users"] as { user: unknown }[])[0]?.user).toEqual({ token: "tok" });
  });

  it("refuses an answer without a kubeconfig or with a server that is not https", async () => {
    await expect(decodeCredentialResults({ kubeconfigs: [] })).rejects.toThrow(expect.objectContaining({ code: "ValidationError" }));
    await expect(decodeCredentialResults({ kubeconfigs: [{ name: "x", value: Buffer.from(": : [").toString("base64") }] })).rejects.toThrow(/not YAML|not a kubeconfig/);
    const http = doc({ token: "t" });
    (http.clusters[0] as { cluster: { server: string } }).cluster.server = "http://127.0.0.1";
    const decoded = await decodeCredentialResults(answer(http));
    expect(() => readKubeconfig(decoded)).toThrow(/https/);
  });
});

describe("data-plane verdicts", () => {
  const ds = (mode: string, over: Partial<DaemonSetObservation> = {}): DaemonSetObservation => ({
    generation: 2,
    observedGeneration: 2,
    desiredNumberScheduled: 3,
    updatedNumberScheduled: 3,
    numberAvailable: 3,
    updateStrategy: "RollingUpdate",
    argv: AKS_ARGS(mode),
    ...over,
  });
  const nodes = [
    { name: "n0", os: "linux", pool: "nodepool1" },
    { name: "n1", os: "linux", pool: "nodepool1" },
    { name: "n2", os: "linux", pool: "nodepool1" },
    { name: "win0", os: "windows", pool: "win" },
  ];
  const pod = (node: string, mode: string, ready = true): PodObservation => ({ name: `kube-proxy-${node}`, nodeName: node, argv: AKS_ARGS(mode), ready });
  const observe = (over: Partial<DataPlaneObservation>): DataPlaneObservation => ({
    daemonSet: ds("nftables"),
    nodes,
    pods: ["n0", "n1", "n2"].map((n) => pod(n, "nftables")),
    proxyModes: new Map(["n0", "n1", "n2"].map((n) => [n, { mode: "nftables" }])),
    ...over,
  });
  const nft = expectedKubeProxyFlags({ mode: "NFTABLES" });

  it("converged when the rollout is done and every checked node answers the mode; Windows nodes are skipped", () => {
    const a = assessDataPlane(nft, observe({}));
    expect(a.verdict).toBe("converged");
    expect(a.rollout).toMatchObject({ convergedNodes: 3, totalNodes: 3 });
    expect(a.nodes.find((n) => n.name === "win0")).toMatchObject({ state: "skipped" });
  });

  it("rolling-out, with progress and the nodes waited for, while a pod still runs the old flags", () => {
    const a = assessDataPlane(nft, observe({ daemonSet: ds("nftables", { updatedNumberScheduled: 2, numberAvailable: 2 }), pods: [pod("n0", "nftables"), pod("n1", "nftables"), pod("n2", "iptables")] }));
    expect(a.verdict).toBe("rolling-out");
    expect(a.summary).toContain("kube-proxy rollout 2/3 nodes");
    expect(a.nodes.find((n) => n.name === "n2")).toMatchObject({ state: "pending" });
  });

  it("rolling-out while the spec update is not observed yet (kubectl's rule)", () => {
    expect(daemonSetRolloutStatus(ds("nftables", { generation: 3 }))).toEqual({ done: false, message: "Waiting for daemon set spec update to be observed..." });
    expect(assessDataPlane(nft, observe({ daemonSet: ds("nftables", { generation: 3 }) })).verdict).toBe("rolling-out");
  });

  it("mismatch on the DaemonSet when it renders another mode (NFTABLES on Kubernetes < 1.33 stays iptables)", () => {
    const a = assessDataPlane(nft, observe({ daemonSet: ds("iptables"), pods: ["n0", "n1", "n2"].map((n) => pod(n, "iptables")), proxyModes: new Map() }));
    expect(a.verdict).toBe("mismatch");
    expect(a.mismatches[0]).toEqual({ field: "mode", expected: "--proxy-mode=nftables", found: "--proxy-mode=iptables" });
  });

  it("mismatch naming the node whose /proxyMode disagrees with its flags", () => {
    const a = assessDataPlane(nft, observe({ proxyModes: new Map([["n0", { mode: "nftables" }], ["n1", { mode: "iptables" }], ["n2", { mode: "nftables" }]]) }));
    expect(a.verdict).toBe("mismatch");
    expect(a.mismatches).toEqual([{ node: "n1", field: "proxyMode", expected: "nftables", found: "iptables" }]);
    expect(a.summary).toContain("n1");
  });

  it("nodes beyond the /proxyMode sample are listed as not checked but still count by their pod flags", () => {
    const a = assessDataPlane(nft, observe({ proxyModes: new Map([["n0", { mode: "nftables" }]]) }));
    expect(a.verdict).toBe("converged");
    expect(a.nodes.filter((n) => n.state === "not-checked").map((n) => n.name)).toEqual(["n1", "n2"]);
  });

  it("disabled kube-proxy: converged without a DaemonSet, mismatch while it exists", () => {
    const off = expectedKubeProxyFlags({ enabled: false });
    expect(assessDataPlane(off, observe({ daemonSet: undefined, pods: [] })).verdict).toBe("converged");
    expect(assessDataPlane(off, observe({})).verdict).toBe("mismatch");
    expect(assessDataPlane(nft, observe({ daemonSet: undefined })).verdict).toBe("mismatch");
  });
});
