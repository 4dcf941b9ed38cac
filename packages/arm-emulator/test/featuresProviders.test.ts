/**
 * Microsoft.Features flags and resource providers through @azure/arm-features and @azure/arm-resources.
 */
import { ResourceManagementClient } from "@azure/arm-resources";
import { armRequest, startTestEmulator, waitFor, type TestEmulator } from "./support";

const NS = "Microsoft.ContainerService";
const FLAG = "KubeProxyConfigurationPreview";

describe("feature flags", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({ timings: { featureRegistrationMs: 120 }, approvalRequiredFeatures: ["NeedsApproval"] });
  });
  afterEach(() => t.stop());

  it("moves NotRegistered -> Registering -> Registered over the configured time", async () => {
    const features = t.features().features;
    expect((await features.get(NS, FLAG)).properties?.state).toBe("NotRegistered");
    const registered = await features.register(NS, FLAG);
    expect(registered).toMatchObject({
      name: `${NS}/${FLAG}`,
      type: "Microsoft.Features/providers/features",
      id: `/subscriptions/${t.em.subscriptionId}/providers/Microsoft.Features/providers/${NS}/features/${FLAG}`,
      properties: { state: "Registering" },
    });
    expect((await features.get(NS, FLAG)).properties?.state).toBe("Registering");
    await waitFor(async () => (await features.get(NS, FLAG)).properties?.state === "Registered");
    expect(t.em.control.getFeatureState({ name: FLAG })).toBe("Registered");
    expect((await features.register(NS, FLAG)).properties?.state).toBe("Registered");
  });

  it("leaves an approval-required feature Pending", async () => {
    const features = t.features().features;
    expect((await features.register(NS, "NeedsApproval")).properties?.state).toBe("Pending");
    await new Promise((r) => setTimeout(r, 200));
    expect((await features.get(NS, "NeedsApproval")).properties?.state).toBe("Pending");
  });

  it("unregisters through Unregistering to Unregistered", async () => {
    t.em.control.setFeatureState({ name: FLAG, state: "Registered" });
    const features = t.features().features;
    expect((await features.unregister(NS, FLAG)).properties?.state).toBe("Unregistering");
    await waitFor(async () => (await features.get(NS, FLAG)).properties?.state === "Unregistered");
  });

  it("lists the namespace's features and all features", async () => {
    const features = t.features().features;
    const names: string[] = [];
    for await (const f of features.list(NS)) names.push(f.name!);
    expect(names).toContain(`${NS}/${FLAG}`);
    const all: string[] = [];
    for await (const f of features.listAll()) all.push(f.name!);
    expect(all).toContain(`${NS}/${FLAG}`);
  });

  it("reads a Registered flag as Registering for the next N reads under a feature-flap fault (eventual consistency)", async () => {
    t.em.control.setFeatureState({ name: FLAG, state: "Registered" });
    t.em.control.addFault({ kind: "feature-flap", reads: 2, featureName: FLAG });
    const features = t.features().features;
    const states: string[] = [];
    for (let i = 0; i < 4; i++) states.push((await features.get(NS, FLAG)).properties!.state!);
    expect(states).toEqual(["Registering", "Registering", "Registered", "Registered"]);
  });

  it("checks the Microsoft.Features api-version", async () => {
    const path = `/subscriptions/${t.em.subscriptionId}/providers/Microsoft.Features/providers/${NS}/features/${FLAG}`;
    expect((await armRequest(t, { method: "GET", path: `${path}?api-version=2021-07-01` })).status).toBe(200);
    const bad = await armRequest(t, { method: "GET", path: `${path}?api-version=2019-01-01` });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: "InvalidApiVersionParameter" } });
    const missing = await armRequest(t, { method: "GET", path });
    expect(missing.json).toMatchObject({ error: { code: "MissingApiVersionParameter" } });
  });
});

describe("resource providers", () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator({ timings: { providerRegistrationMs: 100 } });
  });
  afterEach(() => t.stop());

  function resources(): ResourceManagementClient {
    return new ResourceManagementClient(t.credential, t.em.subscriptionId, { endpoint: t.em.url, credentials: { scopes: [`${t.em.url}/.default`] } });
  }

  it("re-registers Microsoft.ContainerService: Registering, then Registered", async () => {
    const client = resources();
    expect((await client.providers.get(NS)).registrationState).toBe("Registered");
    const answer = await client.providers.register(NS);
    expect(answer).toMatchObject({ namespace: NS, registrationState: "Registering" });
    expect(answer.resourceTypes?.some((r) => r.resourceType === "managedClusters")).toBe(true);
    await waitFor(async () => (await client.providers.get(NS)).registrationState === "Registered");
    expect(t.em.control.getProviderState({ namespace: NS })).toBe("Registered");
  });

  it("registers a provider that was not registered and unregisters it", async () => {
    const client = resources();
    expect((await client.providers.get("Microsoft.ClassicInfrastructureMigrate")).registrationState).toBe("NotRegistered");
    expect((await client.providers.register("Microsoft.ClassicInfrastructureMigrate")).registrationState).toBe("Registering");
    await waitFor(async () => (await client.providers.get("Microsoft.ClassicInfrastructureMigrate")).registrationState === "Registered");
    expect((await client.providers.unregister("Microsoft.ClassicInfrastructureMigrate")).registrationState).toBe("Unregistering");
  });
});
