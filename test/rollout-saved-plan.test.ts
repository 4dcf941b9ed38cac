/**
 * Saved rollout plans against the emulator (real HTTP, the built CLI): `rollout plan FILE --out PLAN` then
 * `rollout apply PLAN` writes exactly the planned clusters, once each, with If-Match on the planned eTag; a cluster
 * that changed since the plan refuses the whole plan before any write; a malformed plan file is invalid input; a
 * cluster that changes between the check and its write is a failure for the halt rule (PlanStale).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArmRateLimiter, RolloutJournalFile, createRolloutJournal, parseRolloutPlan, parseRolloutSpec, planRollout, listRolloutClusters, rolloutPlanOfSaved, runRollout, serializeRolloutPlan, toSavedRolloutPlan } from "@aks-kube-proxy/rollout";
import { DEFAULT_API_VERSION } from "@aks-kube-proxy/sdk";
import type { TestEmulator } from "./support/emulator";
import { waitFor } from "./support/waitFor";
import { clientFactory, fleetSeeds, rolloutCli, startFleetEmulator, SUBSCRIPTIONS, tempDir, writesByCluster } from "./rollout-fixtures";

const IPVS = { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900 } };

/** A fleet of 6 (2 per subscription); the first cluster of the first subscription already runs the settings. */
function seeds() {
  return fleetSeeds({ perSubscription: 2, seed: (i, sub) => (i === 0 && sub === SUBSCRIPTIONS[0] ? { kubeProxyConfig: IPVS } : {}) });
}

function writeRolloutFile(dir: string): string {
  const file = join(dir, "rollout.json");
  writeFileSync(file, JSON.stringify({ name: "saved-plan", subscriptions: SUBSCRIPTIONS, settings: IPVS, waves: [{ name: "canary", count: 1 }, { name: "rest" }] }));
  return file;
}

describe("saved rollout plans (rollout plan --out, rollout apply PLANFILE)", () => {
  let t: TestEmulator;
  afterEach(async () => {
    await t?.stop();
  });

  test("apply PLANFILE writes exactly the planned clusters once each, with If-Match on the planned eTag; a cluster added since is not written", async () => {
    t = await startFleetEmulator({ clusters: seeds() });
    const dir = tempDir();
    const file = writeRolloutFile(dir);
    const plan = await rolloutCli(t, dir, ["rollout", "plan", file, "--out", "plan.json"]);
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain("Saved the rollout plan to plan.json");
    const text = readFileSync(join(dir, "plan.json"), "utf8");
    expect(text).not.toMatch(/token|secret|authorization|clientSecret/i);
    const saved = parseRolloutPlan(text);
    expect(saved).toMatchObject({ kind: "aks-kube-proxy/rollout-plan", formatVersion: 1, apiVersion: DEFAULT_API_VERSION, rolloutName: "saved-plan" });
    expect(saved.totals).toMatchObject({ selected: 6, change: 5, converged: 1 });
    const planned = saved.clusters.filter((c) => c.rolloutAction === "change");
    expect(planned.every((c) => typeof c.eTag === "string" && c.wave !== undefined)).toBe(true);

    // `show` prints it offline: the waves and each planned cluster's eTag.
    const shown = await rolloutCli(t, dir, ["show", "plan.json"]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("canary (1) → rest (4)");
    for (const c of planned) expect(shown.stdout).toContain(`${c.resourceGroup}/${c.name}: ${c.eTag}`);

    // A cluster created after planning is not in the plan: apply does not write it.
    t.em.control.seedCluster({ subscriptionId: SUBSCRIPTIONS[1]!, resourceGroup: "rg-green", name: "aks-new-after-plan", kubernetesVersion: "1.33.2" });
    const before = t.em.control.requestLog().length;
    const apply = await rolloutCli(t, dir, ["rollout", "apply", "plan.json", "--journal", "j.json", "--yes", "-o", "json"]);
    expect(apply.stderr).not.toContain("Error");
    expect(apply.code).toBe(0);
    const writes = writesByCluster(t.em.control.requestLog().slice(before));
    expect([...writes.keys()].sort()).toEqual(planned.map((c) => c.name.toLowerCase()).sort());
    for (const c of planned) {
      const puts = writes.get(c.name.toLowerCase())!;
      expect(puts).toHaveLength(1);
      expect(puts[0]!.requestHeaders["if-match"]).toBe(c.eTag);
    }
    // The waves of the plan: the canary's write came first.
    const canary = planned.find((c) => c.wave === "canary")!;
    const firstPut = t.em.control
      .requestLog()
      .slice(before)
      .find((r) => r.method === "PUT" && /managedClusters\//i.test(r.path))!;
    expect(firstPut.path.toLowerCase()).toContain(canary.name.toLowerCase());

    // A naive re-run of the same plan file continues the journal: nothing is written again.
    const logged = t.em.control.requestLog().length;
    const rerun = await rolloutCli(t, dir, ["rollout", "apply", "plan.json", "--journal", "j.json", "--yes"]);
    expect(rerun.code).toBe(0);
    expect(writesByCluster(t.em.control.requestLog().slice(logged)).size).toBe(0);
  });

  test("a cluster changed after planning refuses the whole plan: exit 1, no PUT, naming the cluster and how to plan again", async () => {
    t = await startFleetEmulator({ clusters: seeds() });
    const dir = tempDir();
    const file = writeRolloutFile(dir);
    expect((await rolloutCli(t, dir, ["rollout", "plan", file, "--out", "plan.json"])).code).toBe(0);
    const saved = parseRolloutPlan(readFileSync(join(dir, "plan.json"), "utf8"));
    const moved = saved.clusters.find((c) => c.rolloutAction === "change" && c.wave === "rest")!;
    t.em.control.updateCluster({ subscriptionId: moved.subscriptionId, resourceGroup: moved.resourceGroup, name: moved.name }, (raw) => void (raw["tags"] = { owner: "another writer" }));

    const before = t.em.control.requestLog().length;
    const apply = await rolloutCli(t, dir, ["rollout", "apply", "plan.json", "--journal", "j.json", "--yes"]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`${moved.resourceGroup}/${moved.name}`);
    expect(apply.stderr).toContain("eTag");
    expect(apply.stderr).toContain("Nothing was written");
    expect(apply.stderr).toContain("aks-kube-proxy rollout plan ROLLOUT_FILE --out plan.json");
    expect(writesByCluster(t.em.control.requestLog().slice(before)).size).toBe(0);
    expect(t.em.control.requestLog().slice(before).filter((r) => r.method === "PUT")).toHaveLength(0);

    // A plan made again applies.
    expect((await rolloutCli(t, dir, ["rollout", "plan", file, "--out", "plan.json"])).code).toBe(0);
    expect((await rolloutCli(t, dir, ["rollout", "apply", "plan.json", "--journal", "j2.json", "--yes"])).code).toBe(0);
  });

  test("a malformed plan, an unknown format version or an edited spec is invalid input (exit 3), nothing written", async () => {
    t = await startFleetEmulator({ clusters: seeds() });
    const dir = tempDir();
    const file = writeRolloutFile(dir);
    expect((await rolloutCli(t, dir, ["rollout", "plan", file, "--out", "plan.json"])).code).toBe(0);
    const good = JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as Record<string, unknown>;
    const cases: [string, unknown, string][] = [
      ["version.json", { ...good, formatVersion: 99 }, "$.formatVersion"],
      ["spec.json", { ...good, spec: { ...(good["spec"] as object), maxConcurrency: 1000 } }, "$.specHash"],
      ["cluster.json", { ...good, clusters: [{ ...(good["clusters"] as object[])[0], eTag: 7 }] }, ".eTag"],
      ["waves.json", { ...good, waves: [] }, "$.waves"],
    ];
    const before = t.em.control.requestLog().length;
    for (const [name, doc, path] of cases) {
      writeFileSync(join(dir, name), JSON.stringify(doc));
      const apply = await rolloutCli(t, dir, ["rollout", "apply", name, "--journal", `${name}.journal.json`, "--yes"]);
      expect({ name, code: apply.code }).toEqual({ name, code: 3 });
      expect(apply.stderr).toContain(path);
      const show = await rolloutCli(t, dir, ["show", name]);
      expect({ name, code: show.code }).toEqual({ name, code: 3 });
    }
    // A rollout plan given to `rollout plan`, a single-cluster plan given to `rollout apply`: said so, exit 3.
    const replan = await rolloutCli(t, dir, ["rollout", "plan", "plan.json"]);
    expect(replan.code).toBe(3);
    expect(replan.stderr).toContain("is a saved rollout plan, not a rollout file");
    writeFileSync(join(dir, "single.json"), JSON.stringify({ kind: "aks-kube-proxy/plan", formatVersion: 1 }));
    const single = await rolloutCli(t, dir, ["rollout", "apply", "single.json", "--yes"]);
    expect(single.code).toBe(3);
    expect(single.stderr).toContain("aks-kube-proxy apply single.json");
    expect(t.em.control.requestLog().slice(before).filter((r) => r.method === "PUT")).toHaveLength(0);
  });

  test("resuming a journal with another plan file is refused, naming the change", async () => {
    t = await startFleetEmulator({ clusters: seeds() });
    const dir = tempDir();
    const file = writeRolloutFile(dir);
    expect((await rolloutCli(t, dir, ["rollout", "plan", file, "--out", "a.json"])).code).toBe(0);
    expect((await rolloutCli(t, dir, ["rollout", "apply", "a.json", "--journal", "j.json", "--wave", "canary", "--yes"])).code).toBe(0);
    // Another cluster moves; the new plan has its new eTag.
    const a = parseRolloutPlan(readFileSync(join(dir, "a.json"), "utf8"));
    const moved = a.clusters.find((c) => c.wave === "rest")!;
    t.em.control.updateCluster({ subscriptionId: moved.subscriptionId, resourceGroup: moved.resourceGroup, name: moved.name }, (raw) => void (raw["tags"] = { owner: "x" }));
    expect((await rolloutCli(t, dir, ["rollout", "plan", file, "--out", "b.json"])).code).toBe(0);
    const before = t.em.control.requestLog().length;
    const resumed = await rolloutCli(t, dir, ["rollout", "apply", "b.json", "--journal", "j.json", "--resume", "--yes"]);
    expect(resumed.code).toBe(3);
    expect(resumed.stderr).toContain("was started from another plan");
    expect(resumed.stderr).toContain(`${moved.resourceGroup}/${moved.name} eTag`);
    expect(t.em.control.requestLog().slice(before).filter((r) => r.method === "PUT")).toHaveLength(0);
  });

  test("a cluster that changes between its read and its write gets a refused PUT (412) and fails (PlanStale), halting the rollout", async () => {
    t = await startFleetEmulator({ clusters: seeds() });
    const { spec } = parseRolloutSpec({ name: "race", subscriptions: SUBSCRIPTIONS, settings: IPVS, waves: [{ name: "canary", count: 1 }, { name: "rest" }], halt: { maxFailures: 0 } });
    const limiter = new ArmRateLimiter();
    const createClient = clientFactory(t);
    const clusters = await listRolloutClusters({ spec, createClient, rateLimiter: limiter });
    const plan = rolloutPlanOfSaved(parseRolloutPlan(serializeRolloutPlan(toSavedRolloutPlan(planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION })))));
    const file = await RolloutJournalFile.create(join(tempDir(), "journal.json"), createRolloutJournal(plan));
    const canaryId = plan.waves[0]!.clusterIds[0]!;
    const canary = plan.entries.find((e) => e.cluster.id === canaryId)!.cluster;
    const path = new RegExp(`/managedClusters/${canary.name}$`, "i");
    // The canary's PUT is held by the emulator; another writer changes the cluster meanwhile.
    t.em.control.addFault({ kind: "slow", method: "PUT", pathPattern: `managedClusters/${canary.name}$`, count: 1, delayMs: 1500 });
    const before = t.em.control.requestLog().length;
    const running = runRollout({ journal: file, createClient, rateLimiter: limiter });
    await waitFor("the canary's read before its write", () => t.em.control.requestLog().slice(before).some((r) => r.method === "GET" && path.test(r.path)));
    t.em.control.updateCluster({ subscriptionId: canary.subscriptionId, resourceGroup: canary.resourceGroup, name: canary.name }, (raw) => void (raw["tags"] = { owner: "racing writer" }));
    const result = await running;
    await file.close();
    const puts = t.em.control.requestLog().slice(before).filter((r) => r.method === "PUT" && /managedClusters\//i.test(r.path));
    expect(puts.map((r) => r.status)).toEqual([412]);
    expect(result.outcome).toBe("halted");
    const failed = result.journal.clusters.find((c) => c.id === canaryId)!;
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("PlanStale");
    expect(result.journal.clusters.filter((c) => c.wave === "rest").every((c) => c.status === "skipped" && c.skipReason === "halted")).toBe(true);
  });

  test("a cluster that changes between the check and its read fails (PlanStale) and counts for the halt rule; nothing is written to it", async () => {
    t = await startFleetEmulator({ clusters: seeds() });
    const { spec } = parseRolloutSpec({ name: "late", subscriptions: SUBSCRIPTIONS, settings: IPVS, waves: [{ name: "canary", count: 1 }, { name: "rest" }], halt: { maxFailures: 0 } });
    const limiter = new ArmRateLimiter();
    const createClient = clientFactory(t);
    const clusters = await listRolloutClusters({ spec, createClient, rateLimiter: limiter });
    const text = serializeRolloutPlan(toSavedRolloutPlan(planRollout({ spec, clusters, apiVersion: DEFAULT_API_VERSION })));
    const plan = rolloutPlanOfSaved(parseRolloutPlan(text));
    // Checked (no cluster moved), journaled; then the canary moves before its write.
    const file = await RolloutJournalFile.create(join(tempDir(), "journal.json"), createRolloutJournal(plan));
    expect(file.journal.planFile).toBeDefined();
    const canaryId = plan.waves[0]!.clusterIds[0]!;
    const canary = plan.entries.find((e) => e.cluster.id === canaryId)!.cluster;
    t.em.control.updateCluster({ subscriptionId: canary.subscriptionId, resourceGroup: canary.resourceGroup, name: canary.name }, (raw) => void (raw["tags"] = { owner: "late writer" }));
    const before = t.em.control.requestLog().length;
    const result = await runRollout({ journal: file, createClient, rateLimiter: limiter });
    await file.close();
    expect(result.outcome).toBe("halted");
    const failed = result.journal.clusters.find((c) => c.id === canaryId)!;
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("PlanStale");
    expect(failed.error?.message).toContain("changed since it was planned");
    expect(failed.written).not.toBe(true);
    expect(t.em.control.requestLog().slice(before).filter((r) => r.method === "PUT")).toHaveLength(0);
  });
});
