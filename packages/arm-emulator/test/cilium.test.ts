/**
 * Azure CNI Powered by Cilium (`networkProfile.networkDataplane: cilium`): Cilium replaces kube-proxy, so a
 * kubeProxyConfig that enables it is refused with CiliumDataplaneRequiresKubeProxyConfigDisabled (AKS nftables
 * troubleshooting article, shared/README.md); `enabled: false` is what such a cluster takes.
 */
import { armRequest, clusterPath, startTestEmulator, waitFor, type TestEmulator } from "./support";

describe("Cilium dataplane clusters", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({
      registeredFeatures: [{ name: "KubeProxyConfigurationPreview" }],
      clusters: [
        { resourceGroup: "rg", name: "cil", networkPlugin: "azure", networkDataplane: "cilium", networkPolicy: "cilium" },
        { resourceGroup: "rg", name: "plain", networkPlugin: "azure", networkDataplane: "azure" },
      ],
    });
  });
  afterEach(() => t.stop());

  const raw = async (name: string) => {
    const answer = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", name) });
    expect(answer.status).toBe(200);
    return answer.json as { properties: { provisioningState: string; networkProfile: Record<string, unknown> } };
  };
  const putKubeProxy = async (name: string, kubeProxyConfig: unknown) => {
    const body = await raw(name);
    body.properties.networkProfile.kubeProxyConfig = kubeProxyConfig;
    return armRequest(t, { method: "PUT", path: clusterPath(t, "rg", name), body });
  };
  const writes = () => t.em.control.requestLog().filter((e) => e.method === "PUT");

  it("echoes networkDataplane in GET (seeded), as AKS returns it", async () => {
    expect((await raw("cil")).properties.networkProfile).toMatchObject({ networkPlugin: "azure", networkDataplane: "cilium", networkPolicy: "cilium" });
    expect((await raw("plain")).properties.networkProfile).toMatchObject({ networkDataplane: "azure" });
  });

  it.each([
    ["enabled: true", { enabled: true, mode: "IPTABLES" }],
    ["NFTABLES", { enabled: true, mode: "NFTABLES" }],
    ["an absent enabled (kube-proxy runs)", { mode: "IPVS" }],
    ["{} (the AKS default: enabled)", {}],
  ])("refuses %s with 400 CiliumDataplaneRequiresKubeProxyConfigDisabled in the ARM envelope, and starts nothing", async (_what, config) => {
    const answer = await putKubeProxy("cil", config);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: { code: "CiliumDataplaneRequiresKubeProxyConfigDisabled", message: expect.stringContaining("must set 'enabled' to false") } });
    const stored = t.em.control.getCluster({ resourceGroup: "rg", name: "cil" })!;
    expect((stored.properties as Record<string, unknown>).provisioningState).toBe("Succeeded");
    expect((stored.properties as { networkProfile: Record<string, unknown> }).networkProfile.kubeProxyConfig).toBeUndefined();
    expect(t.em.control.effectiveKubeProxyMode({ resourceGroup: "rg", name: "cil" })).toBe("DISABLED");
  });

  it("takes enabled: false on a Cilium cluster (not KubeProxyConfigDisabledBYOCNIOnly), and keeps the data plane on an update that omits it", async () => {
    const answer = await putKubeProxy("cil", { enabled: false });
    expect(answer.status).toBe(200);
    await waitFor(async () => (await raw("cil")).properties.provisioningState === "Succeeded");
    expect((await raw("cil")).properties.networkProfile).toMatchObject({ networkDataplane: "cilium", kubeProxyConfig: { enabled: false } });

    const body = await raw("cil");
    delete body.properties.networkProfile.networkDataplane;
    expect((await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "cil"), body })).status).toBe(200);
    await waitFor(async () => (await raw("cil")).properties.provisioningState === "Succeeded");
    expect((await raw("cil")).properties.networkProfile.networkDataplane).toBe("cilium");
    expect(writes().map((w) => w.status)).toEqual([200, 200]);
  });

  it("leaves other data planes alone: enabled: true is taken on an azure-dataplane cluster", async () => {
    const answer = await putKubeProxy("plain", { enabled: true, mode: "IPVS" });
    expect(answer.status).toBe(200);
    await waitFor(async () => (await raw("plain")).properties.provisioningState === "Succeeded");
    expect(t.em.control.effectiveKubeProxyMode({ resourceGroup: "rg", name: "plain" })).toBe("IPVS");
  });

  it("seeds networkDataplane over the control API too", async () => {
    const seeded = await armRequest(t, { method: "POST", path: "/_emulator/clusters", body: { resourceGroup: "rg", name: "viahttp", networkDataplane: "cilium" }, auth: false });
    expect(seeded.status).toBe(201);
    expect((await putKubeProxy("viahttp", { enabled: true })).json).toMatchObject({ error: { code: "CiliumDataplaneRequiresKubeProxyConfigDisabled" } });
  });
});
