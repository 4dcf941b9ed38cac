/**
 * Microsoft.Resources subscriptions: GET /subscriptions (paged) and GET /subscriptions/{id}, shapes from the REST spec
 * (2022-12-01 subscriptions.json; no recording has subscriptions traffic), driven by the real SubscriptionClient.
 */
import { writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { startEmulator } from "../src/index";
import { armRequest, startTestEmulator, type TestEmulator } from "./support";

const DEV = "11111111-1111-1111-1111-111111111111";
const PROD = "22222222-2222-2222-2222-222222222222";
const PLAIN = "33333333-3333-3333-3333-333333333333";
const UNKNOWN = "99999999-9999-9999-9999-999999999999";

function subscriptionClient(t: TestEmulator): SubscriptionClient {
  return new SubscriptionClient(t.credential, { endpoint: t.em.url, credentialScopes: [`${t.em.url}/.default`] });
}

describe("subscriptions", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      listPageSize: 2,
      subscriptions: [{ subscriptionId: DEV, displayName: "Team Dev", tags: { costCenter: "42" } }, { subscriptionId: PROD, displayName: "Team Prod" }, PLAIN],
    });
  });
  afterAll(() => t.stop());

  it("returns one subscription with the spec's fields: id, subscriptionId, tenantId, displayName, state, policies, authorizationSource", async () => {
    const answer = await armRequest(t, { method: "GET", path: `/subscriptions/${DEV}?api-version=2022-12-01` });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      id: `/subscriptions/${DEV}`,
      authorizationSource: "RoleBased",
      managedByTenants: [],
      subscriptionId: DEV,
      tenantId: t.em.tenantId,
      displayName: "Team Dev",
      state: "Enabled",
      subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01", spendingLimit: "Off" },
      tags: { costCenter: "42" },
    });
  });

  it("names a subscription seeded as a bare id after its id", async () => {
    const answer = await armRequest(t, { method: "GET", path: `/subscriptions/${PLAIN}?api-version=2020-01-01` });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ subscriptionId: PLAIN, displayName: `Emulated subscription ${PLAIN}` });
    expect(answer.json).not.toHaveProperty("tags");
  });

  it("answers 404 SubscriptionNotFound for a subscription it does not serve", async () => {
    const answer = await armRequest(t, { method: "GET", path: `/subscriptions/${UNKNOWN}?api-version=2022-12-01` });
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: { code: "SubscriptionNotFound", message: `The subscription '${UNKNOWN}' could not be found.` } });
  });

  it("pages the list: value, a count, and a nextLink on the emulator's host until the last page, which has none", async () => {
    const first = await armRequest(t, { method: "GET", path: "/subscriptions?api-version=2022-12-01" });
    expect(first.status).toBe(200);
    const page1 = first.json as { value: { subscriptionId: string }[]; nextLink?: string; count: unknown };
    expect(page1.value.map((s) => s.subscriptionId)).toEqual([DEV, PROD]);
    expect(page1.count).toEqual({ type: "Total", value: 3 });
    expect(page1.nextLink).toMatch(new RegExp(`^${t.em.url}/subscriptions\\?api-version=2022-12-01&`));
    const second = await armRequest(t, { method: "GET", path: page1.nextLink!.slice(t.em.url.length) });
    const page2 = second.json as { value: { subscriptionId: string }[]; nextLink?: string };
    expect(page2.value.map((s) => s.subscriptionId)).toEqual([PLAIN]);
    expect(page2).not.toHaveProperty("nextLink");
  });

  it("serves the real SubscriptionClient: list follows nextLink across pages, get reads one", async () => {
    const client = subscriptionClient(t);
    const listed: { subscriptionId?: string; displayName?: string; state?: string; tenantId?: string }[] = [];
    for await (const s of client.subscriptions.list()) listed.push(s);
    expect(listed.map((s) => [s.subscriptionId, s.displayName, s.state])).toEqual([
      [DEV, "Team Dev", "Enabled"],
      [PROD, "Team Prod", "Enabled"],
      [PLAIN, `Emulated subscription ${PLAIN}`, "Enabled"],
    ]);
    expect(new Set(listed.map((s) => s.tenantId))).toEqual(new Set([t.em.tenantId]));
    const one = await client.subscriptions.get(PROD);
    expect(one).toMatchObject({ id: `/subscriptions/${PROD}`, displayName: "Team Prod", authorizationSource: "RoleBased", subscriptionPolicies: { spendingLimit: "Off" } });
    await expect(client.subscriptions.get(UNKNOWN)).rejects.toMatchObject({ statusCode: 404, code: "SubscriptionNotFound" });
  });

  it("refuses a missing or unknown api-version with 400, as the resource groups do", async () => {
    const missing = await armRequest(t, { method: "GET", path: "/subscriptions" });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error: { code: "MissingApiVersionParameter" } });
    const unknown = await armRequest(t, { method: "GET", path: `/subscriptions/${DEV}?api-version=2026-08-02-preview` });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ error: { code: "InvalidApiVersionParameter" } });
  });

  it("needs a bearer token for the list too", async () => {
    const answer = await armRequest(t, { method: "GET", path: "/subscriptions?api-version=2022-12-01", auth: false });
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ error: { code: "AuthenticationFailed" } });
  });

  it("answers 405 for a write to the list", async () => {
    const answer = await armRequest(t, { method: "POST", path: "/subscriptions?api-version=2022-12-01", body: {} });
    expect(answer.status).toBe(405);
  });

  it("lists a subscription a cluster seed brought in, after the seeded ones", async () => {
    t.em.control.seedCluster({ subscriptionId: UNKNOWN, resourceGroup: "rg", name: "late" });
    try {
      const listed: string[] = [];
      for await (const s of subscriptionClient(t).subscriptions.list()) listed.push(s.subscriptionId ?? "");
      expect(listed).toEqual([DEV, PROD, PLAIN, UNKNOWN]);
    } finally {
      t.em.control.reset();
    }
    const afterReset = await armRequest(t, { method: "GET", path: `/subscriptions/${UNKNOWN}?api-version=2022-12-01` });
    expect(afterReset.status).toBe(404);
  });
});

describe("subscription seeds", () => {
  it("serves the default subscription under a display name when given no subscriptions", async () => {
    const t = await startTestEmulator();
    try {
      const answer = await armRequest(t, { method: "GET", path: "/subscriptions?api-version=2022-12-01" });
      expect((answer.json as { value: unknown[] }).value).toEqual([
        expect.objectContaining({ subscriptionId: "00000000-0000-0000-0000-000000000000", displayName: "Emulated subscription 00000000-0000-0000-0000-000000000000" }),
      ]);
    } finally {
      await t.stop();
    }
  });

  it("reads display names from a seed file, and the first subscription is the emulator's", async () => {
    const dir = await mkdtemp(join(tmpdir(), "arm-emulator-subs-"));
    const seedFile = join(dir, "seed.json");
    await writeFile(seedFile, JSON.stringify({ subscriptions: [{ subscriptionId: PROD, displayName: "Shared" }, { subscriptionId: DEV, displayName: "Shared" }] }));
    const t = await startTestEmulator({ seedFile });
    try {
      expect(t.em.subscriptionId).toBe(PROD);
      const listed: [string | undefined, string | undefined][] = [];
      for await (const s of subscriptionClient(t).subscriptions.list()) listed.push([s.subscriptionId, s.displayName]);
      expect(listed).toEqual([
        [PROD, "Shared"],
        [DEV, "Shared"],
      ]);
    } finally {
      await t.stop();
    }
  });

  it("refuses a seed-file subscription that is neither an id nor { subscriptionId }, naming the entry", async () => {
    const dir = await mkdtemp(join(tmpdir(), "arm-emulator-subs-"));
    const seedFile = join(dir, "seed.json");
    await writeFile(seedFile, JSON.stringify({ subscriptions: [DEV, { displayName: "no id" }] }));
    await expect(startEmulator({ seedFile })).rejects.toThrow(`In the seed file ${seedFile}, subscriptions[1] must be a subscription id or`);
  });
});
