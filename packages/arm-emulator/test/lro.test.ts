/**
 * Long-running operations exactly as the recordings show them, busy clusters, etags and lists.
 */
import { armRequest, clusterPath, startTestEmulator, waitFor, FAST_POLL, type TestEmulator } from "./support";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function newClusterBody(): Record<string, unknown> {
  return {
    location: "westus2",
    identity: { type: "SystemAssigned" },
    properties: {
      kubernetesVersion: "",
      dnsPrefix: "lro-test",
      agentPoolProfiles: [{ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System", osType: "Linux" }],
      networkProfile: { networkPlugin: "kubenet", loadBalancerSku: "standard" },
    },
  };
}

describe("long-running operations", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({ timings: { operationMs: 150, retryAfterSeconds: 0 }, clusters: [{ resourceGroup: "rg", name: "existing" }] });
  });
  afterEach(() => t.stop());

  it("answers a create PUT with 201, provisioningState Creating and an Azure-AsyncOperation URL of the recorded form", async () => {
    const answer = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "fresh"), body: newClusterBody() });
    expect(answer.status).toBe(201);
    expect((answer.json as { properties: { provisioningState: string } }).properties.provisioningState).toBe("Creating");
    const opUrl = new URL(String(answer.headers["azure-asyncoperation"]));
    expect(opUrl.origin).toBe(t.em.url);
    expect(opUrl.pathname).toMatch(new RegExp(`^/subscriptions/${t.em.subscriptionId}/providers/Microsoft.ContainerService/locations/westus2/operations/[0-9a-f-]{36}$`));
    expect(opUrl.searchParams.get("api-version")).toBe("2016-03-30");
    expect(answer.headers.location).toBeUndefined();
  });

  it("serves the operation status {name, status, startTime[, endTime]} with the GUID byte-swapped in name and Retry-After while running", async () => {
    const put = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "fresh"), body: newClusterBody() });
    const opUrl = new URL(String(put.headers["azure-asyncoperation"]));
    const id = opUrl.pathname.split("/").pop()!;
    const [a, b, c, ...rest] = id.split("-");
    const swap = (h: string) => h.match(/../g)!.reverse().join("");
    const expectedName = [swap(a!), swap(b!), swap(c!), ...rest].join("-");

    const running = await armRequest(t, { method: "GET", path: opUrl.pathname + opUrl.search });
    expect(running.status).toBe(200);
    expect(running.json).toEqual({ name: expectedName, status: "InProgress", startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/) });
    expect(running.headers["retry-after"]).toBeUndefined(); // as in the recordings: no Retry-After

    await waitFor(async () => ((await armRequest(t, { method: "GET", path: opUrl.pathname + opUrl.search })).json as { status: string }).status !== "InProgress");
    const done = await armRequest(t, { method: "GET", path: opUrl.pathname + opUrl.search });
    expect(done.json).toEqual({ name: expectedName, status: "Succeeded", startTime: expect.any(String), endTime: expect.any(String) });
    expect(done.headers["retry-after"]).toBeUndefined();
    const cluster = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "fresh") });
    expect((cluster.json as { properties: { provisioningState: string } }).properties.provisioningState).toBe("Succeeded");
  });

  it("answers an update PUT with 200 and provisioningState Updating", async () => {
    const current = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "existing") });
    const answer = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "existing"), body: current.json });
    expect(answer.status).toBe(200);
    expect((answer.json as { properties: { provisioningState: string } }).properties.provisioningState).toBe("Updating");
    expect(answer.headers["azure-asyncoperation"]).toBeDefined();
  });

  it("answers a second write while an operation runs with 409 OperationNotAllowed", async () => {
    const current = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "existing") });
    await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "existing"), body: current.json });
    const second = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "existing"), body: current.json });
    expect(second.status).toBe(409);
    expect(second.json).toEqual({ error: { code: "OperationNotAllowed", message: expect.stringContaining("in progress update managed cluster operation") } });
  });

  it("answers DELETE with 202, Azure-AsyncOperation and Location, and the cluster is gone after the operation", async () => {
    const answer = await armRequest(t, { method: "DELETE", path: clusterPath(t, "rg", "existing") });
    expect(answer.status).toBe(202);
    expect(answer.text).toBe("");
    expect(String(answer.headers["azure-asyncoperation"])).toMatch(/\/operations\/[0-9a-f-]{36}\?api-version=2016-03-30$/);
    const location = new URL(String(answer.headers.location));
    expect(location.pathname).toMatch(/\/locations\/westus2\/operationresults\/[0-9a-f-]{36}$/);
    expect(answer.headers["retry-after"]).toBeUndefined(); // as in the recordings: no Retry-After
    const pending = await armRequest(t, { method: "GET", path: location.pathname + location.search });
    expect(pending.status).toBe(202);
    await waitFor(async () => (await armRequest(t, { method: "GET", path: location.pathname + location.search })).status === 204);
    expect((await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "existing") })).status).toBe(404);
    expect((await armRequest(t, { method: "DELETE", path: clusterPath(t, "rg", "existing") })).status).toBe(204);
  });

  it("lets the real SDK poller create and delete a cluster", async () => {
    const client = t.aks("2026-08-02-preview");
    const created = await client.managedClusters.beginCreateOrUpdateAndWait("rg", "sdk", { location: "westus2", dnsPrefix: "sdk", agentPoolProfiles: [{ name: "nodepool1", count: 1, vmSize: "Standard_DS2_v2", mode: "System" }] }, FAST_POLL);
    expect(created.provisioningState).toBe("Succeeded");
    expect(created.id).toBe(`/subscriptions/${t.em.subscriptionId}/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/sdk`);
    await client.managedClusters.beginDeleteAndWait("rg", "sdk", FAST_POLL);
    expect(t.em.control.getCluster({ resourceGroup: "rg", name: "sdk" })).toBeUndefined();
  });
});

describe("etag and If-Match", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: "rg", name: "c" }] });
  });
  afterEach(() => t.stop());

  it("answers 412 PreconditionFailed to a PUT with a stale If-Match, and accepts the current etag", async () => {
    const current = (await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") })).json as { eTag: string };
    expect(current.eTag).toMatch(GUID);
    t.em.control.updateCluster({ resourceGroup: "rg", name: "c" }, (raw) => {
      raw.tags = { drift: "true" };
    });
    const stale = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "c"), body: current, headers: { "If-Match": current.eTag } });
    expect(stale.status).toBe(412);
    expect(stale.json).toMatchObject({ error: { code: "PreconditionFailed" } });
    const fresh = (await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") })).json as { eTag: string };
    expect(fresh.eTag).not.toBe(current.eTag);
    const ok = await armRequest(t, { method: "PUT", path: clusterPath(t, "rg", "c"), body: fresh, headers: { "If-Match": fresh.eTag } });
    expect(ok.status).toBe(200);
  });

  it("passes ifMatch through the SDK and refuses a stale one", async () => {
    const client = t.aks("2026-08-02-preview");
    const mc = await client.managedClusters.get("rg", "c");
    await expect(client.managedClusters.beginCreateOrUpdateAndWait("rg", "c", mc, { ...FAST_POLL, ifMatch: "not-the-etag" })).rejects.toMatchObject({ statusCode: 412 });
    const ok = await client.managedClusters.beginCreateOrUpdateAndWait("rg", "c", mc, { ...FAST_POLL, ifMatch: mc.eTag });
    expect(ok.provisioningState).toBe("Succeeded");
  });
});

describe("lists", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      subscriptions: ["11111111-1111-1111-1111-111111111111"],
      listPageSize: 2,
      clusters: [
        ...["a", "b", "c", "d", "e"].map((name) => ({ subscriptionId: "11111111-1111-1111-1111-111111111111", resourceGroup: "rg1", name })),
        { subscriptionId: "11111111-1111-1111-1111-111111111111", resourceGroup: "rg2", name: "z" },
      ],
    });
  });
  afterAll(() => t.stop());

  it("pages the subscription list with nextLink and the real SDK follows it", async () => {
    const first = await armRequest(t, { method: "GET", path: `/subscriptions/${t.em.subscriptionId}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-08-02-preview` });
    expect((first.json as { value: unknown[] }).value).toHaveLength(2);
    expect((first.json as { nextLink: string }).nextLink).toContain(t.em.url);
    const names: string[] = [];
    for await (const mc of t.aks("2026-08-02-preview").managedClusters.list()) names.push(mc.name!);
    expect(names.sort()).toEqual(["a", "b", "c", "d", "e", "z"]);
  });

  it("lists one resource group", async () => {
    const names: string[] = [];
    for await (const mc of t.aks("2026-08-02-preview").managedClusters.listByResourceGroup("rg2")) names.push(mc.name!);
    expect(names).toEqual(["z"]);
  });

  it("answers 404 SubscriptionNotFound for an unknown subscription", async () => {
    const answer = await armRequest(t, { method: "GET", path: `/subscriptions/22222222-2222-2222-2222-222222222222/providers/Microsoft.ContainerService/managedClusters?api-version=2026-08-02-preview` });
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error: { code: "SubscriptionNotFound" } });
  });
});
