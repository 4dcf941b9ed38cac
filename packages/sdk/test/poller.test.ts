import type { CancelOnProgress as LroCancelOnProgress, OperationState as LroOperationState, PollerLike as LroPollerLike } from "@azure/core-lro";
import fc from "fast-check";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { AbortedError, FeatureRegistrationTimeoutError, ValidationError, type ApplyPoller, type ApplyOperationState, type ApplyResult, type CancelOnProgress, type OperationState, type PollerLike } from "../src/index";
import { armOperationPoller } from "../src/arm/lro";
import { adoptionPoller } from "../src/cluster/create";
import { Deadline, DEFAULT_POLLING, type PollingSettings } from "../src/poll";
import { StepPoller, restoreStepPoller, type StepPollerDefinition } from "../src/poller/stepPoller";
import { featureRegistrationPoller, providerRefreshPoller } from "../src/preview/enablePreview";
import type { PreviewApi, StateRead } from "../src/preview/previewApi";

// Compile-time (pnpm typecheck): the SDK's poller contract and core-lro's are interchangeable both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const contractIsCoreLros: [Same<PollerLike<OperationState<number>, number>, LroPollerLike<LroOperationState<number>, number>>, Same<CancelOnProgress, LroCancelOnProgress>] = [true, true];
const applyPollerIsALroPoller = (poller: ApplyPoller): LroPollerLike<ApplyOperationState, ApplyResult> => poller;

const FAST: PollingSettings = { ...DEFAULT_POLLING, intervalInMs: 1, maxIntervalInMs: 2, maxRetryAfterInMs: 2, consecutiveRegisteredReads: 3 };
const read = (state: string): StateRead => ({ state, retryAfterInMs: undefined, requestId: undefined });

function fakePreview(states: string[]): PreviewApi & { reads: number } {
  const api = {
    reads: 0,
    getFeature: async () => read(states[Math.min(api.reads++, states.length - 1)] ?? "Registered"),
    registerFeature: async () => read("Registering"),
    getProvider: async () => read(states[Math.min(api.reads++, states.length - 1)] ?? "Registered"),
    registerProvider: async () => read("Registering"),
  };
  return api;
}

const featureDef = (api: PreviewApi) => featureRegistrationPoller({ api, needed: FAST.consecutiveRegisteredReads, polling: FAST, subscriptionId: "sub", track: (r) => r, progress: () => undefined });
const stub = {} as never;

/** Every wait of the SDK, with a state it can be serialized in. */
const definitions: Array<{ name: string; definition: StepPollerDefinition<unknown, unknown>; state: unknown }> = [
  {
    name: "ARM operation",
    definition: armOperationPoller({ transport: stub, deadline: new Deadline(1000), requestIds: [], context: { operation: "op" }, log: stub }) as StepPollerDefinition<unknown, unknown>,
    state: { operation: { url: "https://management.azure.com/op/1", kind: "azure-async-operation" }, lastStatus: "InProgress" },
  },
  { name: "feature registration", definition: featureDef(fakePreview([])) as StepPollerDefinition<unknown, unknown>, state: { read: read("Registering"), consecutive: 1 } },
  { name: "provider refresh", definition: providerRefreshPoller({ api: fakePreview([]), track: (r) => r, progress: () => undefined }) as StepPollerDefinition<unknown, unknown>, state: { read: read("Registering") } },
  {
    name: "create adoption",
    definition: adoptionPoller({ api: stub, ref: { subscriptionId: "s", resourceGroup: "rg", name: "aks" }, timeoutInMs: 1000, settings: undefined, label: "rg/aks" }) as StepPollerDefinition<unknown, unknown>,
    state: { provisioningState: "Creating" },
  },
];

describe("every wait is one poller", () => {
  test("the SDK's poller contract is core-lro's PollerLike", () => {
    expect(contractIsCoreLros).toEqual([true, true]);
    expect(typeof applyPollerIsALroPoller).toBe("function");
  });

  test.each(definitions)("the $name wait serializes and restores to the same state", async ({ definition, state }) => {
    const poller = new StepPoller(definition, state, { polling: FAST, initialDelayInMs: 5 });
    const serialized = await poller.serialize();
    const restored = restoreStepPoller(definition, serialized, { polling: FAST });
    expect(await restored.serialize()).toBe(serialized);
    expect(restored.operationState.state).toEqual(state);
    expect(restored.operationState.pendingDelayInMs).toBe(5);
  });

  test("a saved state of another wait, or no saved state at all, is refused", async () => {
    const [arm, feature] = definitions;
    const serialized = await new StepPoller(arm!.definition, arm!.state, { polling: FAST }).serialize();
    expect(() => restoreStepPoller(feature!.definition, serialized, { polling: FAST })).toThrow(ValidationError);
    expect(() => restoreStepPoller(feature!.definition, "not json", { polling: FAST })).toThrow(ValidationError);
  });

  test("a restored feature wait keeps its count of consecutive Registered reads", async () => {
    const api = fakePreview(["Registered"]);
    const first = new StepPoller(featureDef(api), { read: read("Registering"), consecutive: 0 }, { polling: FAST });
    await first.poll();
    await first.poll();
    expect(first.operationState.state.consecutive).toBe(2);
    const resumed = restoreStepPoller(featureDef(api), await first.serialize(), { polling: FAST });
    const result = await resumed.pollUntilDone();
    expect(result.consecutive).toBe(FAST.consecutiveRegisteredReads);
    expect(api.reads).toBe(FAST.consecutiveRegisteredReads);
  });

  test("a read other than Registered starts the count again", () => {
    return fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom("Registered", "Registering", "Unregistered"), { minLength: 1, maxLength: 12 }), async (states) => {
        const api = fakePreview([...states, "Registered"]);
        const result = await new StepPoller(featureDef(api), { read: read("Registering"), consecutive: 0 }, { polling: { ...FAST, intervalInMs: 0, maxIntervalInMs: 0, maxRetryAfterInMs: 0 } }).pollUntilDone();
        expect(result.consecutive).toBe(FAST.consecutiveRegisteredReads);
        // The wait ended at the first run of `needed` Registered reads.
        const all = [...states, ...Array<string>(FAST.consecutiveRegisteredReads).fill("Registered")];
        const endsAt = all.findIndex((_, i) => i + 1 >= FAST.consecutiveRegisteredReads && all.slice(i + 1 - FAST.consecutiveRegisteredReads, i + 1).every((s) => s === "Registered"));
        expect(api.reads).toBe(endsAt + 1);
      }),
      { numRuns: 30 },
    );
  });

  test("past the deadline the wait ends with the definition's error, naming the last state", async () => {
    const api = fakePreview(["Registering"]);
    const deadline = new Deadline(1);
    const poller = new StepPoller(featureDef(api), { read: read("Registering"), consecutive: 0 }, { polling: FAST, deadline });
    while (!deadline.expired()) await poller.poll();
    const error = await poller.pollUntilDone().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeatureRegistrationTimeoutError);
    expect((error as FeatureRegistrationTimeoutError).message).toContain("is still Registering");
    expect(poller.operationState.status).toBe("failed");
  });

  test("an abort ends the wait with AbortedError and leaves the poller resumable", async () => {
    const controller = new AbortController();
    controller.abort();
    const poller = new StepPoller(featureDef(fakePreview(["Registering"])), { read: read("Registering"), consecutive: 0 }, { polling: FAST, initialDelayInMs: 60_000 });
    await expect(poller.pollUntilDone({ abortSignal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(poller.isDone).toBe(false);
    expect(JSON.parse(await poller.serialize())).toMatchObject({ poller: "feature-registration", pendingDelayInMs: 60_000 });
  });

  test("no hand-rolled wait outside the poller: timers only in poll.ts, sleeps only in the poller", () => {
    const src = join(__dirname, "..", "src");
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
      });
    const found = files(src).map((file) => ({ file: relative(src, file).split(sep).join("/"), text: readFileSync(file, "utf8") }));
    const timers = found.filter(({ file, text }) => file !== "poll.ts" && /setTimeout\(|setInterval\(|\bdelay\(|addEventListener\("abort"/.test(text)).map((f) => f.file);
    const sleeps = found.filter(({ file, text }) => !["poll.ts", "poller/stepPoller.ts"].includes(file) && /\bsleep\(/.test(text)).map((f) => f.file);
    expect({ timers, sleeps }).toEqual({ timers: [], sleeps: [] });
  });
});
