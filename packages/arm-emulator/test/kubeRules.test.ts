/**
 * The emulator's own rules for the Kubernetes side, without a network: how kubeProxyConfig becomes kube-proxy's
 * command line, label/field selectors (and their bounds), and the kubeconfig YAML the credential actions return.
 */
import { parse } from "yaml";
import { renderKubeProxyCommand, proxyModeOf } from "../src/kube/render";
import { matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from "../src/kube/selectors";
import { kubeconfigYaml, toYaml } from "../src/kube/kubeconfig";
import { checkKubeFault } from "../src/kube/faults";
import { nodeName } from "../src/kube/model";
import { age, toTable, wantsTable } from "../src/kube/tables";

const base = { kubernetesVersion: "1.33.2", clusterCidr: "10.244.0.0/16" };

describe("kube-proxy command rendered from kubeProxyConfig", () => {
  it("writes iptables with AKS's fixed flags when no kubeProxyConfig was ever set", () => {
    expect(renderKubeProxyCommand({ ...base, kubeProxyConfig: undefined })).toEqual([
      "kube-proxy",
      "--conntrack-max-per-core=0",
      "--metrics-bind-address=0.0.0.0:10249",
      "--cluster-cidr=10.244.0.0/16",
      "--detect-local-mode=ClusterCIDR",
      "--proxy-mode=iptables",
      "--v=3",
    ]);
  });

  it("spells the IPVS schedulers as ipvsadm does (RoundRobin rr, LeastConnection lc) and the timeouts as durations, defaults from the spec", () => {
    const lc = renderKubeProxyCommand({ ...base, kubeProxyConfig: { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 1, tcpFinTimeoutSeconds: 2, udpTimeoutSeconds: 3 } } });
    expect(lc).toEqual(expect.arrayContaining(["--proxy-mode=ipvs", "--ipvs-scheduler=lc", "--ipvs-tcp-timeout=1s", "--ipvs-tcpfin-timeout=2s", "--ipvs-udp-timeout=3s"]));
    const defaults = renderKubeProxyCommand({ ...base, kubeProxyConfig: { enabled: true, mode: "IPVS" } });
    expect(defaults).toEqual(expect.arrayContaining(["--ipvs-scheduler=rr", "--ipvs-tcp-timeout=900s", "--ipvs-tcpfin-timeout=120s", "--ipvs-udp-timeout=300s"]));
    expect(renderKubeProxyCommand({ ...base, kubeProxyConfig: { mode: "IPTABLES" } })?.some((a) => a.startsWith("--ipvs"))).toBe(false);
  });

  it("writes --proxy-mode=iptables for NFTABLES below Kubernetes 1.33 and nftables from 1.33", () => {
    expect(renderKubeProxyCommand({ ...base, kubernetesVersion: "1.32.9", kubeProxyConfig: { mode: "NFTABLES" } })).toContain("--proxy-mode=iptables");
    expect(renderKubeProxyCommand({ ...base, kubernetesVersion: "1.33.0", kubeProxyConfig: { mode: "NFTABLES" } })).toContain("--proxy-mode=nftables");
  });

  it("renders nothing (no DaemonSet) when kube-proxy is disabled", () => {
    expect(renderKubeProxyCommand({ ...base, kubeProxyConfig: { enabled: false } })).toBeUndefined();
  });

  it("renders nothing (no DaemonSet) on a Cilium dataplane cluster, where Cilium replaces kube-proxy", () => {
    expect(renderKubeProxyCommand({ ...base, networkDataplane: "cilium", kubeProxyConfig: undefined })).toBeUndefined();
    expect(renderKubeProxyCommand({ ...base, networkDataplane: "azure", kubeProxyConfig: undefined })).toContain("--proxy-mode=iptables");
  });

  it("reads a pod's mode from its last --proxy-mode flag", () => {
    expect(proxyModeOf(["kube-proxy", "--proxy-mode=ipvs"])).toBe("ipvs");
    expect(proxyModeOf(["kube-proxy", "--proxy-mode=ipvs", "--proxy-mode=nftables"])).toBe("nftables");
    expect(proxyModeOf(["kube-proxy"])).toBe("iptables");
  });
});

describe("selectors", () => {
  const labels = { component: "kube-proxy", tier: "node" };
  it("match =, ==, !=, in, notin, existence and its negation, ANDed by commas", () => {
    expect(matchesLabels(parseLabelSelector("component=kube-proxy"), labels)).toBe(true);
    expect(matchesLabels(parseLabelSelector("component==kube-proxy,tier=node"), labels)).toBe(true);
    expect(matchesLabels(parseLabelSelector("component!=kube-proxy"), labels)).toBe(false);
    expect(matchesLabels(parseLabelSelector("component in (coredns, kube-proxy)"), labels)).toBe(true);
    expect(matchesLabels(parseLabelSelector("component notin (kube-proxy),tier"), labels)).toBe(false);
    expect(matchesLabels(parseLabelSelector("tier,!k8s-app"), labels)).toBe(true);
    expect(matchesLabels(parseLabelSelector(""), labels)).toBe(true);
  });

  it("refuse malformed and oversized selectors with a SelectorError (a 400 Status), not a crash", () => {
    expect(() => parseLabelSelector("a=b=c")).toThrow(SelectorError);
    expect(() => parseLabelSelector("x".repeat(5000))).toThrow(SelectorError);
    expect(() => parseLabelSelector(Array.from({ length: 65 }, (_, i) => `k${i}`).join(","))).toThrow(SelectorError);
    expect(() => parseFieldSelector("spec.unknown=x", ["metadata.name"])).toThrow(SelectorError);
    expect(parseFieldSelector("metadata.name=kube-proxy", ["metadata.name"])).toEqual([{ field: "metadata.name", op: "=", value: "kube-proxy" }]);
  });
});

describe("kubeconfig YAML", () => {
  it("parses back to the kubeconfig AKS returns for an Entra-integrated user (exec of kubelogin)", () => {
    const doc = parse(kubeconfigYaml({ clusterName: "aks1", resourceGroup: "rg", server: "https://127.0.0.1:1/clusters/x.hcp.westus2.azmk8s.io", caPem: "CA", kind: "user", entra: { tenantId: "t-1" } })) as Record<string, unknown>;
    expect(doc).toMatchObject({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "aks1",
      clusters: [{ name: "aks1", cluster: { server: "https://127.0.0.1:1/clusters/x.hcp.westus2.azmk8s.io", "certificate-authority-data": Buffer.from("CA").toString("base64") } }],
      contexts: [{ name: "aks1", context: { cluster: "aks1", user: "clusterUser_rg_aks1" } }],
      users: [{ name: "clusterUser_rg_aks1", user: { exec: { command: "kubelogin", apiVersion: "client.authentication.k8s.io/v1beta1", env: null } } }],
    });
  });

  it("quotes what YAML would otherwise read as another type", () => {
    expect(parse(toYaml({ a: "true", b: "0123", c: "1.5", d: "x: y", e: "-lead", f: "", g: [] }))).toEqual({ a: "true", b: "0123", c: "1.5", d: "x: y", e: "-lead", f: "", g: [] });
  });
});

describe("server-side Tables for kubectl get", () => {
  it("are served only when asked for, with kubectl's columns and short ages", () => {
    expect(wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")).toBe(true);
    expect(wantsTable("application/json")).toBe(false);
    expect([age(0, 42_000), age(0, 190_000), age(0, 25 * 60_000), age(0, 5 * 3600_000 + 3 * 60_000), age(0, 20 * 3600_000), age(0, 4 * 86_400_000)]).toEqual(["42s", "3m10s", "25m", "5h3m", "20h", "4d"]);
    const pod = { kind: "Pod", metadata: { name: "kube-proxy-abcde", namespace: "kube-system", creationTimestamp: "2026-01-01T00:00:00Z" }, status: { containerStatuses: [{ ready: false, restartCount: 2, state: { waiting: { reason: "CrashLoopBackOff" } } }] } };
    const table = toTable({ kind: "PodList", metadata: { resourceVersion: "7" }, items: [pod] }, Date.parse("2026-01-01T00:01:00Z"));
    expect(table).toMatchObject({ kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: { resourceVersion: "7" }, rows: [{ cells: ["kube-proxy-abcde", "0/1", "CrashLoopBackOff", "2", "60s"], object: { kind: "PartialObjectMetadata", metadata: { namespace: "kube-system" } } }] });
    expect(toTable({ kind: "NamespaceList", items: [] }, 0)).toBeUndefined();
  });
});

describe("data-plane fault checks and node names", () => {
  it("refuses faults without a kind, a cluster, or with values out of range", () => {
    expect(() => checkKubeFault({ kind: "nope", cluster: { resourceGroup: "rg", name: "c" } })).toThrow(/kind/);
    expect(() => checkKubeFault({ kind: "kube-node-stuck" })).toThrow(/cluster/);
    expect(() => checkKubeFault({ kind: "kube-rollout-stall", cluster: { resourceGroup: "rg", name: "c" }, afterNodes: -1 })).toThrow(/afterNodes/);
    expect(() => checkKubeFault({ kind: "kube-proxy-mode-mismatch", cluster: { resourceGroup: "rg", name: "c" } })).toThrow(/mode/);
    expect(() => checkKubeFault({ kind: "kube-forbidden", cluster: { resourceGroup: "rg", name: "c" }, resource: "secrets" })).toThrow(/resource/);
  });

  it("names nodes as AKS does, stable per cluster and pool", () => {
    const id = "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c";
    expect(nodeName(id, "nodepool1", "linux", 0)).toMatch(/^aks-nodepool1-\d{8}-vmss000000$/);
    expect(nodeName(id, "nodepool1", "linux", 11)).toMatch(/-vmss00000b$/);
    expect(nodeName(id, "nodepool1", "linux", 0)).toBe(nodeName(id, "nodepool1", "linux", 0));
    expect(nodeName(id, "win", "windows", 2)).toBe("akswin000002");
  });
});
