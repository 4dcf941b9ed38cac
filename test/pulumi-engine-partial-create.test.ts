/**
 * examples/existing-cluster, exactly as written, under the real Pulumi engine against the ARM emulator: creates and
 * updates whose write reached the cluster but whose long-running operation ended Failed. The provider reports the
 * partial state (`ErrorResourceInitFailed`: id, outputs with the previous settings, reasons), so the engine records
 * the resource with its init error; destroy then restores the cluster, and another up re-applies instead of creating
 * blind. A write Azure refused is a plain failure: nothing is recorded. The steps build on each other (one stack), in
 * order.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startEmulator, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import { clusterPutsOf, createEngineStack, type EngineStack, type StateResource, storedKubeProxyConfig } from "./support/pulumi-engine";

jest.setTimeout(180_000);

const RG = "rg-partial";
const NAME = "aks-partial";
const CLUSTER = { resourceGroup: RG, name: NAME };
const BEFORE = { enabled: true, mode: "IPTABLES" };
const ROUND_ROBIN = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin", tcpTimeoutSeconds: 900 } };
const LEAST_CONNECTION = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900 } };
/** The cluster's own path (not the feature or provider paths): faults aim at its PUT and its operations. */
const CLUSTER_PATH = `/managedClusters/${NAME}$`;
const SETTINGS_TYPE = "aks-kube-proxy:index:ClusterKubeProxySettings";

let em: RunningEmulator;
let engine: EngineStack;
let settingsFile: string;

/** The state's ClusterKubeProxySettings resource, if any. */
async function settingsResource(): Promise<StateResource | undefined> {
  return (await engine.stateResources()).find((r) => r.type === SETTINGS_TYPE);
}

/** Runs `pulumi up`, returning its error (undefined when it succeeded). */
async function failingUp(): Promise<Error | undefined> {
  return engine.stack.up({ ...engine.io }).then(
    () => undefined,
    (error: unknown) => error as Error,
  );
}

/** The cluster's provisioningState in the emulator. */
function provisioningState(): unknown {
  return (em.control.getCluster(CLUSTER) as { properties: { provisioningState?: unknown } }).properties.provisioningState;
}

beforeAll(async () => {
  em = await startEmulator({
    throttling: false,
    clusters: [{ resourceGroup: RG, name: NAME, kubernetesVersion: "1.33.2", networkPlugin: "azure", kubeProxyConfig: BEFORE }],
    registeredFeatures: [{ name: "KubeProxyConfigurationPreview" }],
  });
  settingsFile = join(mkdtempSync(join(tmpdir(), "engine-partial-")), "kube-proxy.json");
  writeFileSync(settingsFile, JSON.stringify(ROUND_ROBIN));
  engine = await createEngineStack({ example: "existing-cluster", em, config: { resourceGroupName: RG, clusterName: NAME, settingsFile } });
});

afterAll(async () => {
  await engine?.cleanup();
  await em?.stop();
  if (settingsFile !== undefined) rmSync(dirname(settingsFile), { recursive: true, force: true });
});

test("a create whose PUT Azure refuses fails up plainly: the resource is not recorded and the cluster is unchanged", async () => {
  em.control.addFault({ kind: "status", status: 400, armCode: "KubeProxyConfigValueUnsupported", method: "PUT", pathPattern: CLUSTER_PATH, count: 1 });
  em.control.clearRequestLog();
  const failure = await failingUp();
  expect(failure?.message).toMatch(/Azure refused a kubeProxyConfig value/);
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(BEFORE);
  expect(await settingsResource()).toBeUndefined();
});

test("a create whose cluster operation ends Failed fails up but is recorded with its init error, id and previous settings", async () => {
  em.control.addFault({ kind: "lro-failed", pathPattern: CLUSTER_PATH, count: 1, message: "injected reconcile failure" });
  em.control.clearRequestLog();
  const failure = await failingUp();
  expect(failure?.message).toMatch(/injected reconcile failure/);
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(provisioningState()).toBe("Failed");

  const recorded = await settingsResource();
  expect(recorded).toBeDefined();
  expect(recorded!.id?.toLowerCase()).toMatch(new RegExp(`/resourcegroups/${RG}/providers/microsoft.containerservice/managedclusters/${NAME}$`));
  expect(recorded!.initErrors).toEqual([expect.stringMatching(/injected reconcile failure/)]);
  expect(recorded!.outputs).toMatchObject({ resourceGroupName: RG, clusterName: NAME, settings: ROUND_ROBIN, previousSettings: BEFORE, restoreOnDelete: true, provisioningState: "Failed" });
});

test("destroy of the partially created resource puts back the settings the cluster had before", async () => {
  em.control.clearRequestLog();
  await engine.stack.destroy({ ...engine.io });
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(BEFORE);
  expect(provisioningState()).toBe("Succeeded");
  expect(await settingsResource()).toBeUndefined();
});

test("after another failed create, the next up re-applies with one PUT, clears the init error and keeps the original previous settings", async () => {
  em.control.addFault({ kind: "lro-failed", pathPattern: CLUSTER_PATH, count: 1, message: "injected reconcile failure" });
  expect(await failingUp()).toBeDefined();
  expect((await settingsResource())?.initErrors).toHaveLength(1);

  em.control.clearRequestLog();
  const up = await engine.stack.up({ ...engine.io });
  expect(up.summary.result).toBe("succeeded");
  expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
  // The failed operation left the cluster Failed with the desired settings: one PUT of the same settings reconciles it.
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(ROUND_ROBIN);
  expect(provisioningState()).toBe("Succeeded");
  expect(up.outputs["appliedSettings"]?.value).toEqual(ROUND_ROBIN);
  // What the cluster had before the failed create, not what that create wrote: destroy must put this back.
  expect(up.outputs["previousSettings"]?.value).toEqual(BEFORE);
  expect((await settingsResource())?.initErrors ?? []).toEqual([]);
});

test("an update whose operation ends Failed records the new settings with the init error, and destroy still restores the original settings", async () => {
  writeFileSync(settingsFile, JSON.stringify(LEAST_CONNECTION));
  em.control.addFault({ kind: "lro-failed", pathPattern: CLUSTER_PATH, count: 1, message: "injected reconcile failure" });
  em.control.clearRequestLog();
  expect((await failingUp())?.message).toMatch(/injected reconcile failure/);
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  const recorded = await settingsResource();
  // The new settings as the resource's state (reverting the program is then a change again), still the first previous settings.
  expect(recorded?.initErrors).toEqual([expect.stringMatching(/injected reconcile failure/)]);
  expect(recorded?.outputs).toMatchObject({ settings: LEAST_CONNECTION, previousSettings: BEFORE, provisioningState: "Failed" });

  em.control.clearRequestLog();
  await engine.stack.destroy({ ...engine.io });
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(BEFORE);
  expect(provisioningState()).toBe("Succeeded");
});
