import { checkKubeProxyRules, effectiveKubeProxySettings, type ClusterFacts, type KubeProxyConfig } from "@aks-kube-proxy/sdk";

const DEFAULT = effectiveKubeProxySettings(undefined);
const facts = (f: Partial<ClusterFacts> = {}): ClusterFacts => ({ kubernetesVersion: "1.33.2", networkPlugin: "azure", ...f });
const ids = (desired: KubeProxyConfig, f: Partial<ClusterFacts> = {}, extra: { apiVersion?: string; allowDisable?: boolean; current?: KubeProxyConfig } = {}) =>
  checkKubeProxyRules({
    facts: facts(f),
    current: effectiveKubeProxySettings(extra.current),
    desired,
    apiVersion: extra.apiVersion ?? "2026-08-02-preview",
    ...(extra.allowDisable !== undefined ? { allowDisable: extra.allowDisable } : {}),
  }).map((x) => `${x.severity}:${x.id}`);

describe("checkKubeProxyRules", () => {
  test("IPVS with Azure Network Policy is a blocker (azure-container-networking #1612)", () => {
    expect(ids({ mode: "IPVS" }, { networkPolicy: "azure" })).toContain("blocker:ipvs-with-azure-network-policy");
    expect(ids({ mode: "IPVS" }, { networkPolicy: "Azure" })).toContain("blocker:ipvs-with-azure-network-policy");
    expect(ids({ mode: "IPVS" }, { networkPolicy: "cilium" })).not.toContain("blocker:ipvs-with-azure-network-policy");
    expect(ids({ mode: "IPTABLES" }, { networkPolicy: "azure" })).toEqual([]);
  });

  test("NFTABLES needs Kubernetes 1.33, because Azure accepts it on older versions and keeps iptables", () => {
    expect(ids({ mode: "NFTABLES" }, { kubernetesVersion: "1.32.7" })).toContain("blocker:nftables-needs-k8s-1.33");
    expect(ids({ mode: "NFTABLES" }, { kubernetesVersion: "1.33.0" })).not.toContain("blocker:nftables-needs-k8s-1.33");
    expect(ids({ mode: "NFTABLES" }, { kubernetesVersion: undefined })).toContain("warning:kubernetes-version-unknown");
  });

  test("NFTABLES needs api-version 2025-09-02-preview or newer", () => {
    expect(ids({ mode: "NFTABLES" }, {}, { apiVersion: "2025-08-02-preview" })).toContain("blocker:nftables-needs-api-version");
    expect(ids({ mode: "NFTABLES" }, {}, { apiVersion: "2025-09-02-preview" })).not.toContain("blocker:nftables-needs-api-version");
  });

  test("IPVS needs Kubernetes 1.22", () => {
    expect(ids({ mode: "IPVS" }, { kubernetesVersion: "1.21.9" })).toContain("blocker:ipvs-needs-k8s-1.22");
    expect(ids({ mode: "IPVS" }, { kubernetesVersion: "1.22.0" })).not.toContain("blocker:ipvs-needs-k8s-1.22");
  });

  test("ipvsConfig with NFTABLES is a blocker (Azure: KubeProxyConfigFieldUnsupported)", () => {
    expect(ids({ mode: "NFTABLES", ipvsConfig: { scheduler: "RoundRobin" } })).toContain("blocker:ipvs-config-with-nftables");
    expect(ids({ mode: "IPTABLES", ipvsConfig: {} })).toContain("blocker:ipvs-config-requires-ipvs");
  });

  test("enabled:false is refused unless the caller says it means it, and always refused without bring-your-own CNI (Azure would refuse it)", () => {
    expect(ids({ enabled: false }, { networkPlugin: "none" })).toContain("blocker:disable-kube-proxy");
    expect(ids({ enabled: false }, { networkPlugin: "none" }, { allowDisable: true })).toEqual([]);
    expect(ids({ enabled: false }, { networkPlugin: "azure" })).toContain("blocker:disable-requires-byo-cni");
    expect(ids({ enabled: false }, { networkPlugin: "azure" }, { allowDisable: true })).toContain("blocker:disable-requires-byo-cni");
    expect(ids({ enabled: false }, { networkPlugin: undefined }, { allowDisable: true })).toContain("warning:disable-requires-byo-cni");
    // already disabled: nothing to confirm
    expect(ids({ enabled: false }, { networkPlugin: "none" }, { current: { enabled: false } })).toEqual([]);
  });

  test("a mode change is a warning that Service traffic is interrupted briefly", () => {
    expect(ids({ mode: "NFTABLES" }, {}, { current: { mode: "IPTABLES" } })).toContain("warning:mode-change-disrupts-traffic");
    expect(ids({ mode: "IPTABLES" }, {}, { current: undefined })).not.toContain("warning:mode-change-disrupts-traffic");
  });

  test("IPVS is deprecated upstream from 1.35: a warning there that points to NFTABLES, a note before", () => {
    const findings = checkKubeProxyRules({ facts: facts({ kubernetesVersion: "1.35.0" }), current: DEFAULT, desired: { mode: "IPVS" }, apiVersion: "2026-08-02-preview" });
    const deprecated = findings.find((f) => f.id === "ipvs-deprecated");
    expect(deprecated?.severity).toBe("warning");
    expect(deprecated?.message).toContain("NFTABLES");
    expect(ids({ mode: "IPVS" }, { kubernetesVersion: "1.30.1" })).toContain("note:ipvs-deprecated");
  });

  test("LeastConnection gets a note about low connection counts", () => {
    expect(ids({ mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } })).toContain("note:ipvs-least-connection");
    expect(ids({ mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } })).not.toContain("note:ipvs-least-connection");
  });

  test("blockers come first", () => {
    const list = ids({ mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } }, { networkPolicy: "azure", kubernetesVersion: "1.35.1" }, { current: { mode: "IPTABLES" } });
    const firstNonBlocker = list.findIndex((x) => !x.startsWith("blocker:"));
    expect(list.slice(firstNonBlocker).some((x) => x.startsWith("blocker:"))).toBe(false);
    expect(list[0]).toBe("blocker:ipvs-with-azure-network-policy");
  });
});
