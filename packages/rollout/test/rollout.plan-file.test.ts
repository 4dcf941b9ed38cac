import { DEFAULT_API_VERSION, SAVED_PLAN_KIND, effectiveKubeProxySettings, isKubeProxyError, type ClusterState } from "@aks-kube-proxy/sdk";
import {
  ROLLOUT_PLAN_FORMAT_VERSION,
  ROLLOUT_PLAN_KIND,
  createRolloutJournal,
  parseRolloutPlan,
  parseRolloutSpec,
  planRollout,
  rolloutPlanHash,
  rolloutPlanOfSaved,
  serializeRolloutPlan,
  staleRolloutClusters,
  toSavedRolloutPlan,
  type RolloutPlan,
} from "../src/index";
import { clusterState, SUB, type ClusterExtra } from "./support/clusters";

/** A cluster as planned here: with an eTag, as api-versions from 2024-04-02-preview give one. */
function state(name: string, extra: ClusterExtra = {}): ClusterState {
  return clusterState(name, { etag: `etag-${name}`, ...extra });
}

const fleet = [
  state("a1"),
  state("a2", { kubeProxyConfig: { mode: "IPTABLES" } }),
  state("a3", { kubeProxyConfig: { mode: "IPVS" } }), // converged
  state("a4", { networkPolicy: "azure" }), // blocked
  state("a5"),
  state("z1"), // no settings cover it
];

function plan(): RolloutPlan {
  const { spec } = parseRolloutSpec({
    name: "unit",
    subscriptions: [SUB],
    groups: [{ name: "a", select: { names: "a*" }, settings: { mode: "IPVS" } }],
    waves: [{ name: "canary", count: 1 }, { name: "rest" }],
  });
  return planRollout({ spec, clusters: fleet, apiVersion: DEFAULT_API_VERSION });
}

const text = (): string => serializeRolloutPlan(toSavedRolloutPlan(plan(), new Date("2026-01-01T00:00:00Z")));

function refusal(doc: unknown): string {
  try {
    parseRolloutPlan(JSON.stringify(doc), "p.json");
  } catch (error) {
    expect(isKubeProxyError(error) && error.code).toBe("ValidationError");
    return (error as Error).message;
  }
  throw new Error("the plan was accepted");
}

describe("saved rollout plan file", () => {
  test("round trip: what is written is read back as the same plan (clusters, waves, actions, eTags, totals)", () => {
    const original = plan();
    const saved = parseRolloutPlan(text());
    expect(saved).toEqual(JSON.parse(text()));
    expect(saved).toMatchObject({ kind: ROLLOUT_PLAN_KIND, formatVersion: ROLLOUT_PLAN_FORMAT_VERSION, apiVersion: DEFAULT_API_VERSION, rolloutName: "unit", specHash: original.specHash });
    const back = rolloutPlanOfSaved(saved);
    expect(back.totals).toEqual(original.totals);
    expect(back.waves).toEqual(original.waves);
    const summary = (p: RolloutPlan) => p.entries.map((e) => ({ id: e.cluster.id, action: e.action, wave: e.wave ?? null, etag: e.plan ? (e.cluster.etag ?? null) : "(not planned: not kept)", desired: e.plan?.desired ?? null, group: e.group ?? null }));
    expect(summary(back).sort((x, y) => x.id.localeCompare(y.id))).toEqual(summary(original).sort((x, y) => x.id.localeCompare(y.id)));
    expect(saved.unplanned.map((u) => u.name)).toEqual(["z1"]);
    expect(saved.clusters.find((c) => c.name === "a4")?.rolloutAction).toBe("blocked");
    expect(saved.clusters.find((c) => c.name === "a3")?.rolloutAction).toBe("converged");
  });

  test("each planned cluster is the SDK's saved-plan entry (the same fields as `plan --out` writes)", () => {
    const saved = parseRolloutPlan(text());
    const keys = Object.keys(saved.clusters[0]!).sort();
    expect(keys).toEqual(expect.arrayContaining(["id", "subscriptionId", "resourceGroup", "name", "location", "eTag", "facts", "current", "desired", "allowDisable", "action", "changes", "warnings", "blockers", "rolloutAction"]));
    expect(SAVED_PLAN_KIND).not.toBe(ROLLOUT_PLAN_KIND);
  });

  test("a journal of a saved plan keeps each change's planned read, and the plan's hash", () => {
    const saved = parseRolloutPlan(text());
    const journal = createRolloutJournal(rolloutPlanOfSaved(saved));
    expect(journal.planFile).toEqual({ hash: rolloutPlanHash(saved), createdAt: "2026-01-01T00:00:00.000Z" });
    const planned = journal.clusters.filter((c) => c.planned !== undefined);
    expect(planned.map((c) => c.name).sort()).toEqual(["a1", "a2", "a5"]);
    for (const c of planned) expect(c.planned).toEqual({ eTag: `etag-${c.name}`, facts: { kubernetesVersion: "1.33.2", networkPlugin: "azure", provisioningState: "Succeeded" } });
    // A journal planned from the rollout file has none.
    expect(createRolloutJournal(plan()).clusters.some((c) => c.planned !== undefined)).toBe(false);
    expect(createRolloutJournal(plan()).planFile).toBeUndefined();
  });

  test("a journal keeps exactly the facts of the SDK's saved-plan entry (no stale copy of the list)", () => {
    const full = { ...state("f1"), networkPolicy: "calico", networkDataplane: "azure" } as ClusterState;
    const { spec } = parseRolloutSpec({ name: "f", subscriptions: [SUB], settings: { mode: "IPVS" }, waves: [{ name: "all" }] });
    const saved = parseRolloutPlan(serializeRolloutPlan(toSavedRolloutPlan(planRollout({ spec, clusters: [full], apiVersion: DEFAULT_API_VERSION }))));
    const entry = saved.clusters[0]!;
    expect(Object.keys(entry.facts).sort()).toEqual(["kubernetesVersion", "networkDataplane", "networkPlugin", "networkPolicy", "provisioningState"]);
    expect(createRolloutJournal(rolloutPlanOfSaved(saved)).clusters[0]!.planned).toEqual({ eTag: "etag-f1", facts: entry.facts });
  });

  test("another plan has another hash; the same plan the same", () => {
    const a = parseRolloutPlan(text());
    expect(rolloutPlanHash(parseRolloutPlan(text()))).toBe(rolloutPlanHash(a));
    const moved = JSON.parse(text()) as { clusters: { eTag: string }[] };
    moved.clusters[0]!.eTag = "etag-moved";
    expect(rolloutPlanHash(parseRolloutPlan(JSON.stringify(moved)))).not.toBe(rolloutPlanHash(a));
  });

  test("no secrets and no raw cluster JSON in the file", () => {
    const secretive = { ...state("a1"), servicePrincipalProfile: { clientId: "x", secret: "hunter2" } } as ClusterState;
    const { spec } = parseRolloutSpec({ name: "s", subscriptions: [SUB], settings: { mode: "IPVS" }, waves: [{ name: "all" }] });
    const out = serializeRolloutPlan(toSavedRolloutPlan(planRollout({ spec, clusters: [secretive], apiVersion: DEFAULT_API_VERSION })));
    expect(out).not.toContain("hunter2");
    expect(out).not.toContain("servicePrincipalProfile");
  });

  test("refuses, naming the path: not JSON, another kind, another format version, an edited spec, a claimed change its facts do not make, a wave taking a converged cluster, a cluster twice, a bad entry", () => {
    const good = JSON.parse(text()) as Record<string, unknown> & { clusters: Record<string, unknown>[]; waves: { name: string; index: number; clusterIds: string[] }[] };
    expect(() => parseRolloutPlan("{", "p.json")).toThrow(/p\.json is not a valid aks-kube-proxy rollout plan: \$: not JSON/);
    expect(refusal({ ...good, kind: SAVED_PLAN_KIND })).toContain("$.kind");
    expect(refusal({ ...good, formatVersion: 2 })).toContain("$.formatVersion: format version 2 is not supported");
    expect(refusal({ ...good, spec: { ...(good["spec"] as object), maxConcurrency: 7 } })).toContain("$.specHash");
    expect(refusal({ ...good, spec: { ...(good["spec"] as object), maxConcurrency: 0 } })).toContain("$.spec.maxConcurrency");
    const converged = good.clusters.findIndex((c) => c["name"] === "a3");
    const claims = structuredClone(good);
    claims.clusters[converged]!["rolloutAction"] = "change";
    expect(refusal(claims)).toContain(`$.clusters[${converged}].rolloutAction`);
    const takes = structuredClone(good);
    takes.waves[1]!.clusterIds.push(good.clusters[converged]!["id"] as string);
    expect(refusal(takes)).toMatch(/wave rest takes it, but its facts make it converged/);
    const twice = structuredClone(good);
    twice.clusters.push(structuredClone(good.clusters[converged]!));
    expect(refusal(twice)).toContain("is listed twice");
    const bad = structuredClone(good);
    bad.clusters[0]!["desired"] = { kubeProxyConfig: { mode: "FAST" } };
    expect(refusal(bad)).toContain("$.clusters[0].desired.kubeProxyConfig");
    expect(refusal({ ...good, waves: [] })).toContain("$.waves");
    expect(refusal({ ...good, unplanned: [{ id: "nope", rolloutAction: "no-settings" }] })).toContain("$.unplanned[0].id");
    // The message says how to make a plan again.
    expect(refusal({ ...good, formatVersion: 2 })).toContain("aks-kube-proxy rollout plan ROLLOUT_FILE --out FILE");
  });

  test("stale clusters: an eTag that moved, settings that changed, a cluster gone; none when the plan stands", () => {
    const p = rolloutPlanOfSaved(parseRolloutPlan(text()));
    expect(staleRolloutClusters(p, fleet)).toEqual([]);
    const now = fleet
      .filter((c) => c.name !== "a5")
      .map((c) => (c.name === "a1" ? { ...c, etag: "etag-new" } : c.name === "a2" ? { ...c, etag: "etag-new2", kubeProxyConfig: { mode: "NFTABLES" }, effective: effectiveKubeProxySettings({ mode: "NFTABLES" }) } : c));
    const stale = staleRolloutClusters(p, now);
    expect(stale.map((s) => s.label).sort()).toEqual(["rg/a1", "rg/a2", "rg/a5"]);
    expect(stale.find((s) => s.label === "rg/a1")?.changed).toEqual(['eTag "etag-a1" → "etag-new"']);
    expect(stale.find((s) => s.label === "rg/a2")?.changed.join("; ")).toContain("mode");
    expect(stale.find((s) => s.label === "rg/a5")?.changed).toEqual(["not found"]);
  });
});
