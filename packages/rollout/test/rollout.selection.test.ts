import fc from "fast-check";
import { isKubeProxyError } from "@aks-kube-proxy/sdk";
import { inShard, matchesSelector, parseRolloutSpec, parseShard, planWaves, selectFleet, shardOf, type SelectableCluster } from "../src/index";

const SUB_A = "11111111-1111-1111-1111-111111111111";
const SUB_B = "22222222-2222-2222-2222-222222222222";

function cluster(sub: string, rg: string, name: string, extra: Partial<SelectableCluster> = {}): SelectableCluster {
  return {
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    subscriptionId: sub,
    resourceGroup: rg,
    name,
    location: "westus2",
    tags: {},
    kubernetesVersion: "1.32.4",
    ...extra,
  };
}

describe("fleet selection", () => {
  const fleet = [
    cluster(SUB_A, "rg-prod-eu", "pay-1", { tags: { Team: "payments", ring: "0" }, kubernetesVersion: "1.33.2" }),
    cluster(SUB_A, "rg-prod-eu", "pay-legacy", { tags: { team: "payments" } }),
    cluster(SUB_A, "RG-PROD-US", "edge-01", { location: "eastus", tags: { ring: "1" } }),
    cluster(SUB_B, "rg-dev", "dev-1", { kubernetesVersion: "1.30.0" }),
    cluster("33333333-3333-3333-3333-333333333333", "rg-prod-eu", "other-sub"),
  ];

  test("selectors AND their fields, OR their entries; globs ignore case; tag names ignore case, values do not", () => {
    const { spec } = parseRolloutSpec({
      subscriptions: [SUB_A, SUB_B],
      select: [{ resourceGroups: "rg-prod-*", tags: { team: "pay*" } }, { names: "edge-??", locations: "East US" }],
      exclude: { names: "*-legacy" },
      settings: { mode: "IPVS" },
    });
    expect(selectFleet({ spec, clusters: fleet }).map((s) => s.cluster.name)).toEqual(["pay-1", "edge-01"]);
    expect(matchesSelector(fleet[0]!, { tags: { team: ["Payments"] } })).toBe(false);
    expect(matchesSelector(fleet[0]!, { tags: { TEAM: ["payments"] } })).toBe(true);
    expect(matchesSelector(fleet[0]!, { tags: { owner: ["*"] } })).toBe(false);
  });

  test("kubernetes version ranges and resource ids select; clusters outside the rollout's subscriptions never do", () => {
    const { spec } = parseRolloutSpec({
      subscriptions: [SUB_A, SUB_B],
      select: [{ kubernetesVersion: ">=1.33" }, { ids: fleet[3]!.id.toUpperCase() }, { names: "other-sub" }],
      settings: {},
    });
    expect(selectFleet({ spec, clusters: fleet }).map((s) => s.cluster.name)).toEqual(["pay-1", "dev-1"]);
  });

  test("the first matching group's settings win, others get the top-level settings, and without them no settings", () => {
    const withDefault = parseRolloutSpec({
      subscriptions: [SUB_A, SUB_B],
      settings: { mode: "IPVS" },
      groups: [
        { name: "new", select: { kubernetesVersion: ">=1.33" }, settings: { mode: "NFTABLES" } },
        { name: "payments", select: { tags: { team: "payments" } }, settings: { mode: "IPTABLES" } },
      ],
    }).spec;
    const picked = Object.fromEntries(selectFleet({ spec: withDefault, clusters: fleet }).map((s) => [s.cluster.name, [s.group, s.desired?.mode]]));
    expect(picked).toEqual({ "pay-1": ["new", "NFTABLES"], "pay-legacy": ["payments", "IPTABLES"], "edge-01": [undefined, "IPVS"], "dev-1": [undefined, "IPVS"] });
    const groupsOnly = parseRolloutSpec({ subscriptions: [SUB_A], groups: [{ select: { names: "pay-*" }, settings: { mode: "IPVS" } }] }).spec;
    const edge = selectFleet({ spec: groupsOnly, clusters: fleet }).find((s) => s.cluster.name === "edge-01")!;
    expect(edge.desired).toBeUndefined();
  });
});

describe("sharding", () => {
  test("--shard i/n parses 1-based and refuses nonsense with a message that shows the form", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/4", "5/4", "a/b", "1", "1/0", "-1/2"]) {
      try {
        parseShard(bad);
        throw new Error(`accepted ${bad}`);
      } catch (error) {
        expect(isKubeProxyError(error) && error.code).toBe("ValidationError");
        expect((error as Error).message).toContain("i/n");
      }
    }
  });

  test("every cluster lands in exactly one shard, whatever the split, and case does not matter", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,20}$/), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 12 }), (names, count) => {
        const ids = names.map((n) => cluster(SUB_A, "rg", n).id);
        for (const id of ids) {
          const owners = Array.from({ length: count }, (_, i) => i + 1).filter((index) => inShard(id, { index, count }));
          expect(owners).toEqual([shardOf(id, count)]);
          expect(shardOf(id.toUpperCase(), count)).toBe(shardOf(id, count));
        }
      }),
    );
  });

  test("a thousand clusters spread over four shards without an empty or a lopsided one", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 1000; i++) counts[shardOf(cluster(SUB_A, `rg-${i % 7}`, `c${i}`).id, 4) - 1]!++;
    for (const c of counts) expect(c).toBeGreaterThan(180);
  });
});

describe("wave planning", () => {
  const clusters = Array.from({ length: 40 }, (_, i) => cluster(i % 2 ? SUB_A : SUB_B, "rg", `c${String(i).padStart(2, "0")}`, { tags: { ring: String(i % 3) } }));

  test("canary, then 10%, then the rest: sizes follow the spec and every cluster is in exactly one wave", () => {
    const { waves, unassigned } = planWaves({ clusters, waves: [{ name: "canary", count: 1 }, { name: "ten", percent: 10 }, { name: "rest" }] });
    expect(waves.map((w) => [w.name, w.clusters.length])).toEqual([
      ["canary", 1],
      ["ten", 4],
      ["rest", 35],
    ]);
    expect(unassigned).toEqual([]);
    const all = waves.flatMap((w) => w.clusters.map((c) => c.id));
    expect(new Set(all).size).toBe(40);
  });

  test("percent rounds up and count/percent waves spread over subscriptions instead of taking the first ones", () => {
    const { waves } = planWaves({ clusters, waves: [{ name: "p", percent: 12.5 }] });
    expect(waves[0]!.clusters).toHaveLength(5);
    const { waves: big } = planWaves({ clusters, waves: [{ name: "half", percent: 50 }] });
    const subs = new Set(big[0]!.clusters.map((c) => c.subscriptionId));
    expect(subs.size).toBe(2);
  });

  test("tag rings take their clusters in order; clusters no wave takes are reported, not silently added", () => {
    const ring = (r: string) => ({ name: `ring${r}`, select: [{ tags: { ring: [r] } }] });
    const { waves, unassigned } = planWaves({ clusters, waves: [ring("0"), ring("1")] });
    expect(waves[0]!.clusters.every((c) => c.tags!["ring"] === "0")).toBe(true);
    expect(waves[1]!.clusters.every((c) => c.tags!["ring"] === "1")).toBe(true);
    expect(unassigned.length).toBe(13);
    expect(unassigned.every((c) => c.tags!["ring"] === "2")).toBe(true);
  });

  test("the plan is deterministic: the input order does not change it", () => {
    const spec = [{ name: "canary", count: 2 }, { name: "rest" }];
    const a = planWaves({ clusters, waves: spec });
    const b = planWaves({ clusters: [...clusters].reverse(), waves: spec });
    expect(b.waves.map((w) => w.clusters.map((c) => c.id))).toEqual(a.waves.map((w) => w.clusters.map((c) => c.id)));
  });
});
