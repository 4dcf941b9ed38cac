import { FEATURE_NAME, FeatureApprovalRequiredError, FeatureRegistrationTimeoutError, AbortedError, type EnablePreviewProgress } from "@aks-kube-proxy/sdk";
import type { LoggedRequest } from "@aks-kube-proxy/arm-emulator";
import { startTestEmulator, type TestEmulator } from "../../../test/support/emulator";

const FEATURE_PATH = /\/providers\/Microsoft\.Features\/providers\/Microsoft\.ContainerService\/features\/KubeProxyConfigurationPreview$/;
const FEATURE_REGISTER = /features\/KubeProxyConfigurationPreview\/register$/;
const PROVIDER_REGISTER = /\/providers\/Microsoft\.ContainerService\/register$/;
const PROVIDER_GET = /\/providers\/Microsoft\.ContainerService$/;

function arm(log: LoggedRequest[]): LoggedRequest[] {
  return log.filter((r) => r.kind !== "token" && r.kind !== "control");
}
function label(r: LoggedRequest): string {
  if (r.method === "POST" && FEATURE_REGISTER.test(r.path)) return "feature-register";
  if (r.method === "GET" && FEATURE_PATH.test(r.path)) return "feature-read";
  if (r.method === "POST" && PROVIDER_REGISTER.test(r.path)) return "provider-register";
  if (r.method === "GET" && PROVIDER_GET.test(r.path)) return "provider-read";
  return `${r.method} ${r.path}`;
}

describe("enablePreview against the emulator", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator();
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => {
    t.em.control.reset();
  });

  test("from NotRegistered: registers the flag, waits for 10 consecutive Registered reads, then re-registers the provider", async () => {
    // The provider is already Registered (as in most subscriptions): it still needs the refresh after the flag.
    expect(t.em.control.getProviderState({ namespace: "Microsoft.ContainerService" })).toBe("Registered");
    const events: EnablePreviewProgress[] = [];
    const result = await t.client().enablePreview({ onProgress: (e) => events.push(e) });
    expect(result).toMatchObject({ featureState: "Registered", providerState: "Registered", featureRegistered: true, providerRefreshed: true });
    expect(t.em.control.getFeatureState({ name: FEATURE_NAME })).toBe("Registered");
    expect(t.em.control.getProviderState({ namespace: "Microsoft.ContainerService" })).toBe("Registered");

    const order = arm(t.em.control.requestLog()).map(label).filter((x, i) => !(i === 1 && x === "provider-read")); // the first provider read runs beside the first feature read
    const register = order.indexOf("feature-register");
    const providerRegister = order.indexOf("provider-register");
    expect(order[0]).toBe("feature-read");
    expect(register).toBe(1);
    expect(providerRegister).toBeGreaterThan(register);
    // only feature reads between the feature registration and the provider refresh, at least the 10 consecutive ones
    const between = order.slice(register + 1, providerRegister);
    expect(new Set(between)).toEqual(new Set(["feature-read"]));
    expect(between.length).toBeGreaterThanOrEqual(10);
    // after the refresh only provider reads, ending when it reads Registered
    expect(new Set(order.slice(providerRegister + 1))).toEqual(new Set(["provider-read"]));
    // progress: each state change once, in order
    expect(events.map((e) => `${e.step}:${e.state}`).filter((x, i, all) => x !== all[i - 1])).toEqual(["feature:NotRegistered", "feature:Registering", "feature:Registered", "provider:Registering", "provider:Registered"]);
  });

  test("the number of consecutive Registered reads is configurable and exact after a transition this run saw", async () => {
    const events: EnablePreviewProgress[] = [];
    await t.client({ polling: { consecutiveRegisteredReads: 3 } }).enablePreview({ onProgress: (e) => events.push(e) });
    const order = arm(t.em.control.requestLog()).map(label);
    // every read after the registration is reported; the provider refresh follows the third Registered one
    const readsAfterRegister = order.slice(order.indexOf("feature-register") + 1, order.indexOf("provider-register"));
    expect(readsAfterRegister.every((x) => x === "feature-read")).toBe(true);
    // each counted read is reported, with how many are needed
    expect(events.filter((e) => e.step === "feature" && e.state === "Registered").map((e) => `${e.consecutiveRegisteredReads}/${e.consecutiveRegisteredReadsNeeded}`)).toEqual(["1/3", "2/3", "3/3"]);
  });

  test("eventual consistency: a flag that flaps back to Registering restarts the count of consecutive Registered reads", async () => {
    t.em.control.setFeatureState({ name: FEATURE_NAME, state: "Registered" });
    t.em.control.addFault({ kind: "feature-flap", reads: 2, featureName: FEATURE_NAME });
    const events: EnablePreviewProgress[] = [];
    const result = await t.client({ polling: { consecutiveRegisteredReads: 4 } }).enablePreview({ onProgress: (e) => events.push(e) });
    expect(result.featureRegistered).toBe(false);
    const order = arm(t.em.control.requestLog()).map(label).filter((x) => x !== "provider-read");
    // 2 flapped reads, then 4 consecutive Registered reads, then the provider refresh
    expect(order.indexOf("provider-register")).toBe(6);
    expect(order).not.toContain("feature-register");
    expect(events[0]).toMatchObject({ step: "feature", state: "Registering" });
  });

  test("a flag already Registered (and a Registered provider) costs one read of each: no registration, no refresh, no waiting", async () => {
    t.em.control.setFeatureState({ name: FEATURE_NAME, state: "Registered" });
    const result = await t.client().enablePreview();
    expect(result).toMatchObject({ featureRegistered: false, providerRefreshed: false });
    const order = arm(t.em.control.requestLog()).map(label).sort();
    expect(order).toEqual(["feature-read", "provider-read"]);
  });

  test('refreshProvider "always" (after a KubeProxyConfigFeatureNotRegistered refusal) re-registers the provider of a Registered flag, without counting reads', async () => {
    t.em.control.setFeatureState({ name: FEATURE_NAME, state: "Registered" });
    const result = await t.client().enablePreview({ refreshProvider: "always" });
    expect(result).toMatchObject({ featureRegistered: false, providerRefreshed: true });
    const order = arm(t.em.control.requestLog()).map(label);
    expect(order.filter((x) => x === "feature-read")).toHaveLength(1);
    expect(order.filter((x) => x === "provider-register")).toHaveLength(1);
  });

  test("Pending (approval required) fails fast with FeatureApprovalRequiredError and never touches the provider", async () => {
    const pending = await startTestEmulator({ approvalRequiredFeatures: [FEATURE_NAME] });
    try {
      const error = await pending.client().enablePreview().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FeatureApprovalRequiredError);
      expect((error as Error).message).toMatch(/approval/);
      const order = arm(pending.em.control.requestLog()).map(label);
      expect(order.filter((x) => x !== "provider-read")).toEqual(["feature-read", "feature-register"]);
      expect(order).not.toContain("provider-register");
    } finally {
      await pending.stop();
    }
  });

  test("the overall timeout names the stuck state and what to run next", async () => {
    t.em.control.setTimings({ featureRegistrationMs: 60_000 });
    const error = await t.client().enablePreview({ timeoutInMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeatureRegistrationTimeoutError);
    expect(error).toMatchObject({ code: "FeatureRegistrationTimeout", step: "feature", lastState: "Registering" });
    expect((error as Error).message).toMatch(/still Registering/);
    expect((error as Error).message).toMatch(/enable-preview again/);
    expect(arm(t.em.control.requestLog()).map(label)).not.toContain("provider-register");
  });

  test("aborting mid-poll stops the wait with AbortedError", async () => {
    t.em.control.setTimings({ featureRegistrationMs: 60_000 });
    const controller = new AbortController();
    const promise = t.client().enablePreview({
      abortSignal: controller.signal,
      onProgress: (e) => {
        if (e.state === "Registering") controller.abort();
      },
    });
    await expect(promise).rejects.toBeInstanceOf(AbortedError);
    expect(arm(t.em.control.requestLog()).map(label)).not.toContain("provider-register");
  });

  test("getPreviewStatus reads both states", async () => {
    await expect(t.client().getPreviewStatus()).resolves.toEqual({ featureState: "NotRegistered", providerState: expect.any(String) });
  });
});
