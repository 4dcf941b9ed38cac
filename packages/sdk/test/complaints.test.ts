/**
 * One regression test per user complaint in /work/shared/README.md that concerns the SDK.
 */
import { FEATURE_NAME, FeatureApprovalRequiredError, parseKubeProxySettings, PreviewNotEnabledError, retryOnceAfterPreviewRefresh, ValidationError, type ApplyProgress } from "@aks-kube-proxy/sdk";
import { startTestEmulator, type TestEmulator } from "../../../test/support/emulator";

const RG = "rg";
const ref = (name: string) => ({ resourceGroup: RG, name });

describe("user complaints", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      clusters: [
        { resourceGroup: RG, name: "c1", kubernetesVersion: "1.33.2" },
        { resourceGroup: RG, name: "azpolicy", networkPolicy: "azure" },
        { resourceGroup: RG, name: "k135", kubernetesVersion: "1.35.0", kubeProxyConfig: { enabled: true, mode: "IPTABLES" } },
        { resourceGroup: RG, name: "byocni", networkPlugin: "none" },
      ],
    });
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.em.control.reset());

  test("registration sits in Registering for a while and scripts don't wait (azure-docs #81015, azurerm #19300, azapi #366): enablePreview waits it out", async () => {
    t.em.control.setTimings({ featureRegistrationMs: 150 });
    const states: string[] = [];
    const result = await t.client().enablePreview({ onProgress: (e) => states.push(`${e.step}:${e.state}`) });
    expect(result.featureState).toBe("Registered");
    expect(states).toContain("feature:Registering");
    expect(states.indexOf("feature:Registered")).toBeGreaterThan(states.indexOf("feature:Registering"));
  });

  test("registration stays Pending because it needs approval (azure-powershell #19630): fail fast, say so", async () => {
    const pending = await startTestEmulator({ approvalRequiredFeatures: [FEATURE_NAME] });
    try {
      await expect(pending.client().enablePreview()).rejects.toBeInstanceOf(FeatureApprovalRequiredError);
    } finally {
      await pending.stop();
    }
  });

  test("the feature store is eventually consistent (azurerm's 10 consecutive reads): a flap does not end the wait early", async () => {
    t.em.control.setFeatureState({ name: FEATURE_NAME, state: "Registered" });
    t.em.control.addFault({ kind: "feature-flap", reads: 3, featureName: FEATURE_NAME });
    await t.client().enablePreview();
    const reads = t.em.control.requestLog().filter((r) => r.method === "GET" && r.path.endsWith(`/features/${FEATURE_NAME}`));
    expect(reads.length).toBe(3 + 10);
  });

  test("the provider refresh is forgotten (azurerm PR #12385): a write refused with KubeProxyConfigFeatureNotRegistered refreshes the provider and is retried once", async () => {
    t.em.control.setFeatureState({ name: FEATURE_NAME, state: "Registered" });
    const client = t.client();
    // One read says Registered: enablePreview writes nothing...
    await expect(client.enablePreview()).resolves.toMatchObject({ featureRegistered: false, providerRefreshed: false });
    await expect(client.apply(ref("c1"), { mode: "IPVS" })).rejects.toBeInstanceOf(PreviewNotEnabledError);
    // ...so the refusal is what triggers the refresh, then the write once more.
    const result = await retryOnceAfterPreviewRefresh({ write: () => client.apply(ref("c1"), { mode: "IPVS" }), refresh: () => client.enablePreview({ refreshProvider: "always" }) });
    expect(result).toMatchObject({ changed: true });
    expect(t.em.control.requestLog().filter((r) => r.method === "POST" && r.path.endsWith("/providers/Microsoft.ContainerService/register"))).toHaveLength(1);
  });

  test("`LeastConnections` from an old docs revision silently changed nothing (Azure/AKS #3585): we read it as LeastConnection, warn, and verify the cluster", async () => {
    await t.client().enablePreview();
    const { settings, warnings } = parseKubeProxySettings({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnections" } });
    expect(warnings.map((w) => w.id)).toEqual(["ipvs-scheduler-least-connections"]);
    const result = await t.client().apply(ref("c1"), settings);
    expect(result.after).toEqual({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } });
    expect(t.em.control.getCluster(ref("c1"))?.["properties"]).toMatchObject({ networkProfile: { kubeProxyConfig: { ipvsConfig: { scheduler: "LeastConnection" } } } });
  });

  test("the docs' file uses TCPTimeoutSeconds while the API says tcpTimeoutSeconds, and az drops unknown keys silently: casing is accepted, unknown keys are refused", () => {
    const docs = parseKubeProxySettings({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", TCPTimeoutSeconds: 900, TCPFINTimeoutSeconds: 120, UDPTimeoutSeconds: 300 } });
    expect(docs.settings.ipvsConfig).toEqual({ scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 });
    expect(() => parseKubeProxySettings({ mode: "IPVS", ipvsConfig: { tcpTimeout: 900 } })).toThrow(ValidationError);
  });

  test("IPVS with Azure Network Policy breaks Service traffic (azure-container-networking #1612): refused before any write", async () => {
    await t.client().enablePreview();
    t.em.control.clearRequestLog();
    await expect(t.client().apply(ref("azpolicy"), { mode: "IPVS" })).rejects.toMatchObject({ code: "PlanBlocked" });
    expect(t.em.control.requestLog().filter((r) => r.kind === "write")).toEqual([]);
  });

  test("switching mode disrupts traffic, and IPVS is deprecated from 1.35 (KEP-5495, Azure/AKS #5061): the plan warns and points to NFTABLES", async () => {
    const plan = await t.client().plan(ref("k135"), { mode: "IPVS" });
    const byId = Object.fromEntries(plan.warnings.map((w) => [w.id, w]));
    expect(byId["mode-change-disrupts-traffic"]?.severity).toBe("warning");
    expect(byId["ipvs-deprecated"]).toMatchObject({ severity: "warning", message: expect.stringContaining("NFTABLES") });
  });

  test("writes collide with operations in flight (409 OperationNotAllowed): a second writer waits and then converges", async () => {
    await t.client().enablePreview();
    t.em.control.setTimings({ operationMs: 150 });
    const events: ApplyProgress[] = [];
    // The first writer's outcome is taken as soon as it settles (it may fail verification while the second waits).
    const first = t
      .client({ sendPreviewFeatureHeader: true })
      .apply(ref("c1"), { mode: "IPVS" })
      .then(
        (r) => r.after.mode,
        (e: unknown) => (e as { code?: string }).code,
      );
    // let the first write start its operation
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (t.em.control.requestLog().some((r) => r.method === "PUT" && r.status < 300)) resolve();
        else setTimeout(check, 2);
      };
      check();
    });
    const second = await t.client().apply(ref("c1"), { mode: "NFTABLES" }, { onProgress: (e) => events.push(e) });
    // The first writer either verified before the second wrote, or saw the second writer's value on read-back and
    // says so (VerificationFailed) instead of claiming success.
    const firstOutcome = await first;
    expect(["IPVS", "VerificationFailed"]).toContain(firstOutcome);
    expect(second.after.mode).toBe("NFTABLES");
    expect(events.some((e) => e.phase === "waiting-for-cluster" || (e.phase === "retrying" && /in progress|409/.test(e.reason)))).toBe(true);
    expect(t.em.control.getCluster(ref("c1"))?.["properties"]).toMatchObject({ networkProfile: { kubeProxyConfig: { mode: "NFTABLES" } } });
  });

  test("IaC can't diff the setting: GET omits it at defaults and returns {} after disabling (azure-rest-api-specs #22208) - neither shows a spurious change", async () => {
    await t.client().enablePreview();
    expect((await t.client().plan(ref("c1"), { enabled: true, mode: "IPTABLES" })).hasChanges).toBe(false);
    await t.client().apply(ref("byocni"), { enabled: false }, { allowDisable: true });
    // what Azure then returns for the disabled cluster
    t.em.control.updateCluster(ref("byocni"), (raw) => {
      ((raw["properties"] as Record<string, Record<string, unknown>>)["networkProfile"]!)["kubeProxyConfig"] = {};
    });
    const plan = await t.client().plan(ref("byocni"), { enabled: false }, { allowDisable: true });
    expect(plan.cluster.kubeProxyConfig).toEqual({});
    expect(plan.hasChanges).toBe(false);
    t.em.control.clearRequestLog();
    await expect(t.client().apply(ref("byocni"), { enabled: false }, { allowDisable: true })).resolves.toMatchObject({ changed: false, writes: 0 });
    expect(t.em.control.requestLog().filter((r) => r.kind === "write")).toEqual([]);
  });

  test("disabling kube-proxy where Azure then answers {} (azure-rest-api-specs #22208) verifies, and a second apply writes nothing", async () => {
    const quirky = await startTestEmulator({
      disabledKubeProxyReadsAsEmpty: true,
      clusters: [{ resourceGroup: "rg", name: "byo", kubernetesVersion: "1.33.2", networkPlugin: "none", kubeProxyConfig: { enabled: true, mode: "IPTABLES" } }],
    });
    try {
      const client = quirky.client({ sendPreviewFeatureHeader: true });
      const first = await client.apply({ resourceGroup: "rg", name: "byo" }, { enabled: false }, { allowDisable: true });
      expect(first).toMatchObject({ changed: true, writes: 1, after: { enabled: false } });
      expect(first.cluster.kubeProxyConfig).toEqual({});
      quirky.em.control.clearRequestLog();
      await expect(client.apply({ resourceGroup: "rg", name: "byo" }, { enabled: false }, { allowDisable: true })).resolves.toMatchObject({ changed: false, writes: 0 });
      expect(quirky.em.control.requestLog().filter((r) => r.kind === "write")).toEqual([]);
      expect(quirky.em.control.effectiveKubeProxyMode({ resourceGroup: "rg", name: "byo" })).toBe("DISABLED");
    } finally {
      await quirky.stop();
    }
  });
});
