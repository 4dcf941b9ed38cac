/**
 * Progressive delivery in the rollout file and the journal, without Azure: health gates, approvals and rollback on
 * halt as the parser reads them (defaults, errors with paths), the spec hash of a file without them unchanged, which
 * wave `rollout approve` may approve, the fleet record's one approval for every shard, and the gate of each cluster.
 */
import { isKubeProxyError, ValidationError, type ValidationIssue } from "@aks-kube-proxy/sdk";
import { approvableWave, healthGateOf, parseRolloutSpec, rolloutSpecHash, type RolloutJournal } from "../src/index";
import { DocumentFleetCoordinator, type ConditionalDocument } from "../src/journal/fleetRecord";

const SUB = "11111111-1111-1111-1111-111111111111";

function issuesOf(fn: () => unknown): ValidationIssue[] {
  try {
    fn();
  } catch (error) {
    expect(isKubeProxyError(error) && error instanceof ValidationError).toBe(true);
    return [...(error as ValidationError).issues];
  }
  throw new Error("expected a ValidationError");
}

describe("rollout file: gates", () => {
  test("healthGate at the top level and per wave: timeout default 15m, unreachable default fail; approval and halt.rollback read", () => {
    const { spec } = parseRolloutSpec({
      subscriptions: [SUB],
      settings: { mode: "NFTABLES" },
      healthGate: { dataPlane: true },
      waves: [
        { name: "canary", count: 1, halt: { rollback: true } },
        { name: "prod", approval: true, healthGate: { dataPlane: true, timeout: "30m", unreachable: "skip" } },
      ],
    });
    expect(spec.healthGate).toEqual({ dataPlane: true, timeoutInMs: 15 * 60_000, unreachable: "fail" });
    expect(spec.waves[0]).toEqual({ name: "canary", count: 1, halt: { maxFailures: 0, rollback: true } });
    expect(spec.waves[1]).toMatchObject({ approval: true, healthGate: { dataPlane: true, timeoutInMs: 30 * 60_000, unreachable: "skip" } });
  });

  test("a file without gates hashes as before (no new keys with defaults are added to the spec)", () => {
    const { spec } = parseRolloutSpec({ subscriptions: [SUB], settings: { mode: "IPVS" }, waves: [{ name: "a", count: 1 }, { name: "b" }] });
    expect(Object.keys(spec)).not.toContain("healthGate");
    expect(Object.keys(spec.waves[0]!)).toEqual(["name", "count"]);
    expect(rolloutSpecHash(spec)).toBe(rolloutSpecHash(JSON.parse(JSON.stringify(spec))));
  });

  test("bad gates are reported with their paths", () => {
    const issues = issuesOf(() =>
      parseRolloutSpec({
        subscriptions: [SUB],
        settings: {},
        healthGate: { timeout: "soon", unreachable: "ignore", dataplane: true },
        waves: [{ name: "a", approval: "yes" }],
      }),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["$.healthGate.dataplane", "$.healthGate.dataPlane", "$.healthGate.timeout", "$.healthGate.unreachable", "$.waves[0].approval"]));
    expect(issues.find((i) => i.path === "$.healthGate.dataplane")?.message).toMatch(/did you mean|unknown key/i);
  });

  test("the gate of a cluster: its wave's, else the rollout's; dataPlane: false turns it off; rollback journals have none", () => {
    const { spec } = parseRolloutSpec({
      subscriptions: [SUB],
      settings: {},
      healthGate: { dataPlane: true, timeout: "5m" },
      waves: [{ name: "a", count: 1, healthGate: { dataPlane: false } }, { name: "b" }],
    });
    const j = { operation: "apply", spec } as unknown as RolloutJournal;
    expect(healthGateOf(j, { wave: "a" })).toBeUndefined();
    expect(healthGateOf(j, { wave: "b" })).toEqual({ dataPlane: true, timeoutInMs: 300_000, unreachable: "fail" });
    expect(healthGateOf({ ...j, operation: "rollback" }, { wave: "b" })).toBeUndefined();
  });
});

describe("approvals", () => {
  const { spec } = parseRolloutSpec({ subscriptions: [SUB], settings: {}, waves: [{ name: "canary", count: 1 }, { name: "Prod", approval: true }] });
  const journal = {
    operation: "apply",
    spec,
    waves: spec.waves.map((w, index) => ({ name: w.name, index, status: "pending", total: 1 })),
  } as unknown as RolloutJournal;

  test("only a wave with approval: true may be approved (any case); others are refused naming the waves that need one", () => {
    expect(approvableWave(journal, "prod").name).toBe("Prod");
    expect(issuesOf(() => approvableWave(journal, "canary"))[0]).toMatchObject({ path: "wave", message: "needs no approval", allowed: "Prod" });
    expect(issuesOf(() => approvableWave(journal, "nope"))[0]).toMatchObject({ message: "unknown wave" });
    expect(() => approvableWave({ ...journal, operation: "rollback" }, "prod")).toThrow(/waves that need an approval: Prod/);
  });

  test("the fleet record keeps one approval for every shard: the first is kept, every shard reads it", async () => {
    let text: string | undefined;
    let version = 0;
    const doc: ConditionalDocument = {
      requests: 0,
      read: async () => (text === undefined ? undefined : { text, version: String(version) }),
      write: async (t, v) => {
        if ((text === undefined ? undefined : String(version)) !== v) return "conflict";
        text = t;
        version++;
        return String(version);
      },
    };
    const shards = [1, 2, 3].map((index) => new DocumentFleetCoordinator({ document: doc, specHash: "h", shard: { index, count: 3 }, location: "mem://fleet.json" }));
    expect(await shards[0]!.approval("Prod")).toBeUndefined();
    const first = await shards[1]!.approve("Prod", { by: "alice", at: "2026-12-07T00:00:00.000Z" });
    const second = await shards[2]!.approve("Prod", { by: "bob", at: "2026-12-07T00:00:01.000Z" });
    expect(first.by).toBe("alice");
    expect(second.by).toBe("alice");
    for (const s of shards) expect((await s.approval("Prod"))?.by).toBe("alice");
  });
});
