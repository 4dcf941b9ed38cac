/**
 * One credential and one token cache per run: a rollout over many subscriptions asks the identity provider for a
 * token a constant number of times (not once or twice per subscription), through the built CLI against the emulator,
 * whose request log counts the token requests.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LoggedRequest } from "@aks-kube-proxy/arm-emulator";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, rolloutCli, startFleetEmulator, tempDir } from "./rollout-fixtures";

const SUBSCRIPTIONS = Array.from({ length: 6 }, (_, i) => `bbbbbbbb-0000-4000-8000-00000000000${i + 1}`);

/** Token requests (`POST …/oauth2/v2.0/token`), not the OpenID discovery GET MSAL makes once per credential. */
const tokenPosts = (log: readonly LoggedRequest[]): LoggedRequest[] => log.filter((r) => r.kind === "token" && r.method === "POST");

describe("token requests per run", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ subscriptions: SUBSCRIPTIONS, perSubscription: 2 }), subscriptions: SUBSCRIPTIONS });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("rollout plan and rollout apply over 6 subscriptions each ask for one token, whatever the number of subscriptions", async () => {
    const dir = tempDir();
    const file = join(dir, "rollout.json");
    writeFileSync(file, JSON.stringify({ name: "tokens", subscriptions: SUBSCRIPTIONS, settings: { mode: "IPVS" } }));

    t.em.control.clearRequestLog();
    const plan = await rolloutCli(t, dir, ["rollout", "plan", file, "-o", "json"]);
    expect(plan.code).toBe(0);
    const planLog = t.em.control.requestLog();
    // Every subscription was listed (the run did reach all six)...
    expect(new Set(planLog.filter((r) => r.kind === "read").map((r) => r.path.split("/")[2]))).toEqual(new Set(SUBSCRIPTIONS));
    // ...with one token (before: two per subscription, 12).
    expect(tokenPosts(planLog)).toHaveLength(1);
    expect(planLog.filter((r) => r.kind === "token").length).toBeLessThanOrEqual(2);

    t.em.control.clearRequestLog();
    const apply = await rolloutCli(t, dir, ["rollout", "apply", file, "--yes", "-o", "json"]);
    expect(apply.code).toBe(0);
    const applyLog = t.em.control.requestLog();
    expect(applyLog.filter((r) => r.method === "PUT" && r.status < 300)).toHaveLength(12);
    // One token for the whole run: lists, preview checks, 12 writes, their polls and read-backs (before: 36).
    expect(tokenPosts(applyLog)).toHaveLength(1);
    expect(applyLog.filter((r) => r.kind === "token").length).toBeLessThanOrEqual(2);
  });
});
