/**
 * Plan once, apply that plan: `beginApply(plan)` writes exactly what was planned, with If-Match on the eTag of the
 * plan's read, refuses a stale plan with a typed error, and saved plans round-trip through their one definition.
 */
import {
  FEATURE_NAME,
  PlanBlockedError,
  PlanStaleError,
  SAVED_PLAN_FORMAT_VERSION,
  ValidationError,
  parseSavedPlan,
  plansOfSavedPlan,
  serializeSavedPlan,
  toSavedPlan,
  type KubeProxyConfig,
} from "@aks-kube-proxy/sdk";
import type { LoggedRequest } from "@aks-kube-proxy/arm-emulator";
import { startTestEmulator, type TestEmulator } from "../../../test/support/emulator";

const RG = "rg";
const ref = (name: string) => ({ resourceGroup: RG, name });
const clusterRequests = (log: LoggedRequest[], name: string) => log.filter((r) => r.kind !== "token" && r.path.endsWith(`/managedClusters/${name}`));
const puts = (log: LoggedRequest[], name: string) => clusterRequests(log, name).filter((r) => r.method === "PUT");
const IPVS: KubeProxyConfig = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900 } };

function networkProfileOf(raw: Record<string, unknown>): Record<string, unknown> {
  const properties = (raw["properties"] ??= {}) as Record<string, unknown>;
  return (properties["networkProfile"] ??= {}) as Record<string, unknown>;
}

describe("applying a plan", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      clusters: [
        { resourceGroup: RG, name: "plain", kubernetesVersion: "1.33.2" },
        { resourceGroup: RG, name: "azpolicy", networkPolicy: "azure" },
        { resourceGroup: RG, name: "ipvs", kubeProxyConfig: IPVS },
      ],
      registeredFeatures: [{ name: FEATURE_NAME }],
    });
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => {
    t.em.control.reset();
    t.em.control.clearRequestLog();
  });

  it("writes exactly the plan: its first request is the PUT, with If-Match on the eTag of the plan's read", async () => {
    const client = t.client();
    const plan = await client.plan(ref("plain"), IPVS);
    expect(plan.cluster.etag).toBeDefined();
    t.em.control.clearRequestLog();
    const result = await client.apply(plan);
    expect(result.changed).toBe(true);
    expect(result.plan).toBe(plan);
    const requests = clusterRequests(t.em.control.requestLog(), "plain");
    expect(requests[0]?.method).toBe("PUT");
    expect(puts(t.em.control.requestLog(), "plain")).toHaveLength(1);
    expect(requests[0]?.requestHeaders["if-match"]).toBe(plan.cluster.etag);
    expect(networkProfileOf(t.em.control.getCluster(ref("plain"))!)["kubeProxyConfig"]).toEqual(IPVS);
  });

  it("refuses a plan whose cluster changed since (412 on the planned eTag): PlanStale naming what changed, nothing applied", async () => {
    const client = t.client();
    const plan = await client.plan(ref("plain"), IPVS);
    t.em.control.updateCluster(ref("plain"), (raw) => void (networkProfileOf(raw)["kubeProxyConfig"] = { enabled: true, mode: "NFTABLES" }));
    const error = await client.apply(plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanStaleError);
    expect((error as PlanStaleError).code).toBe("PlanStale");
    expect((error as PlanStaleError).changed).toEqual(expect.arrayContaining([expect.stringContaining("mode: \"IPTABLES\" → \"NFTABLES\"")]));
    expect((error as PlanStaleError).message).toContain("rg/plain");
    expect(networkProfileOf(t.em.control.getCluster(ref("plain"))!)["kubeProxyConfig"]).toEqual({ enabled: true, mode: "NFTABLES" });
    // The only PUT carried the planned eTag and was refused.
    const sent = puts(t.em.control.requestLog(), "plain");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.requestHeaders["if-match"]).toBe(plan.cluster.etag);
    expect(sent[0]?.status).toBe(412);
  });

  it("refuses a blocked plan at once, before any request", async () => {
    const plan = await t.client().plan(ref("azpolicy"), IPVS);
    t.em.control.clearRequestLog();
    expect(() => t.client().beginApply(plan)).toThrow(PlanBlockedError);
    expect(clusterRequests(t.em.control.requestLog(), "azpolicy")).toHaveLength(0);
  });

  describe("saved plans", () => {
    it("round-trip: the parsed plan stands for the same change, the same eTag, no secrets", async () => {
      const client = t.client();
      const plan = await client.plan(ref("plain"), IPVS);
      const text = serializeSavedPlan(toSavedPlan([plan], { apiVersion: client.apiVersion }));
      expect(text).not.toMatch(/secret|token|password/i);
      const saved = parseSavedPlan(text);
      expect(saved.formatVersion).toBe(SAVED_PLAN_FORMAT_VERSION);
      expect(saved.clusters[0]).toMatchObject({ id: plan.cluster.id, eTag: plan.cluster.etag, action: "update", desired: { kubeProxyConfig: IPVS } });
      const [again] = plansOfSavedPlan(saved);
      expect(again?.changes).toEqual(plan.changes);
      expect(again?.convergence).toEqual(plan.convergence);
      expect(again?.cluster.etag).toBe(plan.cluster.etag);
    });

    it("applies exactly it: one read that shows it still stands, then one PUT with If-Match on the planned eTag", async () => {
      const client = t.client();
      const text = serializeSavedPlan(toSavedPlan([await client.plan(ref("plain"), IPVS)], { apiVersion: client.apiVersion }));
      t.em.control.clearRequestLog();
      const [plan] = plansOfSavedPlan(parseSavedPlan(text));
      const result = await client.apply(plan!);
      expect(result.changed).toBe(true);
      const writes = puts(t.em.control.requestLog(), "plain");
      expect(writes).toHaveLength(1);
      expect(writes[0]?.requestHeaders["if-match"]).toBe(plan!.cluster.etag);
      expect(clusterRequests(t.em.control.requestLog(), "plain")[0]?.method).toBe("GET");
    });

    it("refuses a stale saved plan with no PUT at all", async () => {
      const client = t.client();
      const text = serializeSavedPlan(toSavedPlan([await client.plan(ref("plain"), IPVS)], { apiVersion: client.apiVersion }));
      // Another writer changes something else (a tag): the eTag moves, the settings do not.
      t.em.control.updateCluster(ref("plain"), (raw) => void (raw["tags"] = { owner: "someone else" }));
      t.em.control.clearRequestLog();
      const [plan] = plansOfSavedPlan(parseSavedPlan(text));
      const error = await client.apply(plan!).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlanStaleError);
      expect((error as PlanStaleError).changed[0]).toMatch(/^eTag /);
      expect(puts(t.em.control.requestLog(), "plain")).toHaveLength(0);
    });

    it("a converged saved plan writes nothing", async () => {
      const client = t.client();
      const [plan] = plansOfSavedPlan(parseSavedPlan(serializeSavedPlan(toSavedPlan([await client.plan(ref("ipvs"), IPVS)], { apiVersion: client.apiVersion }))));
      const result = await client.apply(plan!);
      expect(result.changed).toBe(false);
      expect(puts(t.em.control.requestLog(), "ipvs")).toHaveLength(0);
    });
  });
});

describe("parseSavedPlan", () => {
  const valid = (): Record<string, unknown> => ({
    formatVersion: 1,
    kind: "aks-kube-proxy/plan",
    toolVersion: "0.1.0",
    createdAt: "2026-01-01T00:00:00.000Z",
    apiVersion: "2026-08-02-preview",
    clusters: [
      {
        id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks",
        subscriptionId: "00000000-0000-0000-0000-000000000000",
        resourceGroup: "rg",
        name: "aks",
        location: "westeurope",
        eTag: "e1",
        facts: { kubernetesVersion: "1.33.2", networkPlugin: "azure", provisioningState: "Succeeded" },
        current: { kubeProxyConfig: null },
        desired: { kubeProxyConfig: { enabled: true, mode: "IPVS" } },
        allowDisable: false,
      },
    ],
  });

  it("derives the action and changes from the facts, not from what the file claims", () => {
    const saved = parseSavedPlan(JSON.stringify({ ...valid(), clusters: [{ ...(valid()["clusters"] as object[])[0], action: "no-op", changes: [] }] }));
    expect(saved.clusters[0]?.action).toBe("update");
    expect(saved.clusters[0]?.changes).toEqual([{ path: "mode", before: "IPTABLES", after: "IPVS" }]);
  });

  it.each<[string, (doc: Record<string, unknown>) => unknown, RegExp]>([
    ["an unknown format version", (d) => ({ ...d, formatVersion: 2 }), /format version 2 is not supported/],
    ["another kind", (d) => ({ ...d, kind: "something" }), /\$\.kind/],
    ["no clusters", (d) => ({ ...d, clusters: [] }), /\$\.clusters/],
    ["a malformed id", (d) => ({ ...d, clusters: [{ ...(d["clusters"] as object[])[0], id: "nope" }] }), /\$\.clusters\[0\]\.id/],
    ["invalid desired settings", (d) => ({ ...d, clusters: [{ ...(d["clusters"] as object[])[0], desired: { kubeProxyConfig: { mode: "FAST" } } }] }), /desired\.kubeProxyConfig/],
  ])("refuses %s with a ValidationError naming the problem", (_what, mutate, message) => {
    const text = JSON.stringify(mutate(valid()));
    expect(() => parseSavedPlan(text)).toThrow(ValidationError);
    expect(() => parseSavedPlan(text)).toThrow(message);
  });

  it("refuses text that is not JSON", () => {
    expect(() => parseSavedPlan("{", "plan.json")).toThrow(/plan\.json is not a valid aks-kube-proxy plan: \$: not JSON/);
  });
});
