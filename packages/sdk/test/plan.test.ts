import { canonicalKubeProxyJson, effectiveKubeProxySettings, planKubeProxyChange, sameKubeProxySettings, type ClusterState, type KubeProxyConfig } from "@aks-kube-proxy/sdk";

function cluster(kubeProxyConfig: KubeProxyConfig | undefined, extra: Partial<ClusterState> = {}): ClusterState {
  return {
    id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c",
    subscriptionId: "s",
    resourceGroup: "rg",
    name: "c",
    location: "westus2",
    tags: {},
    kubernetesVersion: "1.33.2",
    networkPlugin: "azure",
    provisioningState: "Succeeded",
    kubeProxyConfig,
    effective: effectiveKubeProxySettings(kubeProxyConfig),
    ...extra,
  };
}
const plan = (current: KubeProxyConfig | undefined, desired: KubeProxyConfig, extra: Partial<ClusterState> = {}, allowDisable?: boolean) =>
  planKubeProxyChange({ cluster: cluster(current, extra), desired, apiVersion: "2026-08-02-preview", ...(allowDisable !== undefined ? { allowDisable } : {}) });

describe("effectiveKubeProxySettings", () => {
  test("absent, null and {} all mean enabled IPTABLES", () => {
    for (const raw of [undefined, null, {}]) expect(effectiveKubeProxySettings(raw)).toEqual({ enabled: true, mode: "IPTABLES" });
  });
  test("fills only enabled and mode; ipvsConfig stays as set", () => {
    expect(effectiveKubeProxySettings({ mode: "IPVS" })).toEqual({ enabled: true, mode: "IPVS" });
    expect(effectiveKubeProxySettings({ mode: "ipvs", ipvsConfig: { scheduler: "RoundRobin" } })).toEqual({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } });
  });
  test("sameKubeProxySettings compares effectively", () => {
    expect(sameKubeProxySettings(undefined, { enabled: true, mode: "IPTABLES" })).toBe(true);
    expect(sameKubeProxySettings({ mode: "IPVS", ipvsConfig: {} }, { mode: "IPVS" })).toBe(true);
    expect(sameKubeProxySettings({ mode: "IPVS" }, { mode: "IPVS", ipvsConfig: { udpTimeoutSeconds: 30 } })).toBe(false);
  });
});

describe("canonicalKubeProxyJson", () => {
  test("sorts keys at every level and drops undefined members", () => {
    expect(canonicalKubeProxyJson({ mode: "IPVS", ipvsConfig: { udpTimeoutSeconds: 3, scheduler: "RoundRobin", tcpTimeoutSeconds: undefined }, enabled: true })).toBe(
      '{"enabled":true,"ipvsConfig":{"scheduler":"RoundRobin","udpTimeoutSeconds":3},"mode":"IPVS"}',
    );
    expect(canonicalKubeProxyJson(undefined)).toBe("null");
    expect(canonicalKubeProxyJson({ mode: "IPVS" }, { indent: 2 })).toBe('{\n  "mode": "IPVS"\n}');
  });
});

describe("planKubeProxyChange", () => {
  test("a cluster that never had kubeProxyConfig matches the default settings: no change", () => {
    expect(plan(undefined, { enabled: true, mode: "IPTABLES" }).hasChanges).toBe(false);
    expect(plan(undefined, {}).hasChanges).toBe(false);
  });

  test("lists field-by-field changes, with before and after", () => {
    const p = plan({ enabled: true, mode: "IPTABLES" }, { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin", tcpTimeoutSeconds: 900 } });
    expect(p.hasChanges).toBe(true);
    expect(p.changes).toEqual([
      { path: "mode", before: "IPTABLES", after: "IPVS" },
      { path: "ipvsConfig.scheduler", before: undefined, after: "RoundRobin" },
      { path: "ipvsConfig.tcpTimeoutSeconds", before: undefined, after: 900 },
    ]);
    expect(p.warnings.map((w) => w.id)).toContain("mode-change-disrupts-traffic");
  });

  test("the write replaces kubeProxyConfig whole, so a timeout set today and absent from desired is a change", () => {
    const p = plan({ mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin", udpTimeoutSeconds: 300 } }, { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } });
    expect(p.changes).toEqual([{ path: "ipvsConfig.udpTimeoutSeconds", before: 300, after: undefined }]);
  });

  test("blockers are reported, and become warnings when nothing would be written", () => {
    const blocked = plan({ mode: "IPTABLES" }, { mode: "IPVS" }, { networkPolicy: "azure" });
    expect(blocked.blockers.map((b) => b.id)).toEqual(["ipvs-with-azure-network-policy"]);
    const converged = plan({ mode: "NFTABLES" }, { mode: "NFTABLES" }, { kubernetesVersion: "1.32.1" });
    expect(converged.hasChanges).toBe(false);
    expect(converged.blockers).toEqual([]);
    expect(converged.warnings).toContainEqual(expect.objectContaining({ id: "nftables-needs-k8s-1.33", severity: "warning" }));
  });

  test("{} after disabling kube-proxy on a bring-your-own-CNI cluster counts as disabled: no spurious change (azure-rest-api-specs #22208)", () => {
    const p = plan({}, { enabled: false }, { networkPlugin: "none" }, true);
    expect(p.hasChanges).toBe(false);
    expect(p.current.enabled).toBe(false);
    expect(p.warnings.map((w) => w.id)).toContain("empty-config-read-as-disabled");
  });

  test("{} on a bring-your-own-CNI cluster with enabled:true desired is written explicitly to resolve the ambiguity", () => {
    const p = plan({}, { enabled: true, mode: "IPTABLES" }, { networkPlugin: "none" });
    expect(p.hasChanges).toBe(true);
    expect(p.warnings.map((w) => w.id)).toContain("empty-config-ambiguous");
    // and an explicit read-back converges
    expect(plan({ enabled: true, mode: "IPTABLES" }, { enabled: true, mode: "IPTABLES" }, { networkPlugin: "none" }).hasChanges).toBe(false);
  });

  test("{} on an ordinary cluster is the default", () => {
    expect(plan({}, { enabled: true, mode: "IPTABLES" }).hasChanges).toBe(false);
    expect(plan({}, { enabled: false }, {}, true).changes).toEqual([{ path: "enabled", before: true, after: false }]);
  });
});
