/**
 * examples/existing-cluster, exactly as written, under the real Pulumi engine against the ARM emulator: preview, up,
 * a second up, drift and refresh, an edited settings file, secrets in the state and the output, destroy. The steps
 * build on each other (one stack), in order.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startEmulator, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import { clusterPutsOf, createEngineStack, type EngineStack, REPO_ROOT, storedKubeProxyConfig, writesOf } from "./support/pulumi-engine";

jest.setTimeout(180_000);

const RG = "rg-engine";
const NAME = "aks-engine";
const CLUSTER = { resourceGroup: RG, name: NAME };
const BEFORE = { enabled: true, mode: "IPTABLES" };
const DOCS_SETTINGS = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 } };

let em: RunningEmulator;
let engine: EngineStack;
let settingsFile: string;

/** The outputs of the state's ClusterKubeProxySettings resource. */
async function settingsOutputs(): Promise<Record<string, unknown>> {
  const found = (await engine.stateResources()).find((r) => r.type === "aks-kube-proxy:index:ClusterKubeProxySettings");
  if (!found?.outputs) throw new Error("no ClusterKubeProxySettings in the state");
  return found.outputs;
}

beforeAll(async () => {
  em = await startEmulator({ throttling: false, clusters: [{ resourceGroup: RG, name: NAME, kubernetesVersion: "1.33.2", networkPlugin: "azure", kubeProxyConfig: BEFORE }] });
  // A copy of the example's own settings file (the AKS docs' example, with its TCPTimeoutSeconds casing), so the test
  // can edit it; the program reads the file named by its settingsFile configuration.
  settingsFile = join(mkdtempSync(join(tmpdir(), "engine-settings-")), "kube-proxy.json");
  copyFileSync(join(REPO_ROOT, "examples", "existing-cluster", "kube-proxy.json"), settingsFile);
  engine = await createEngineStack({ example: "existing-cluster", em, config: { resourceGroupName: RG, clusterName: NAME, settingsFile } });
});

afterAll(async () => {
  await engine?.cleanup();
  await em?.stop();
  if (settingsFile !== undefined) rmSync(dirname(settingsFile), { recursive: true, force: true });
});

test("preview shows the kube-proxy change and the SDK's casing warning, and writes nothing", async () => {
  em.control.clearRequestLog();
  const preview = await engine.stack.preview({ diff: true, ...engine.io });
  expect(preview.changeSummary.create).toBe(4); // stack, component, enablement, settings
  expect(preview.stdout).toMatch(/mode\s*:\s*"IPVS"/);
  expect(preview.stdout).toMatch(/scheduler\s*:\s*"LeastConnection"/);
  // The SDK's finding about the docs' key casing, as a Pulumi warning on the component (stderr in diff mode).
  expect(preview.stderr).toMatch(/warning: \[legacy-key-casing\] \$\.ipvsConfig\.TCPTimeoutSeconds: "TCPTimeoutSeconds" read as "tcpTimeoutSeconds"/);
  expect(writesOf(em)).toEqual([]);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(BEFORE);
});

test("up enables the preview once, applies the settings with one PUT, and reports applied and previous settings", async () => {
  em.control.clearRequestLog();
  const up = await engine.stack.up(engine.io);
  expect(up.summary.result).toBe("succeeded");
  const writes = writesOf(em);
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(writes.filter((w) => /features\/KubeProxyConfigurationPreview\/register$/i.test(w.path))).toHaveLength(1);
  expect(writes.filter((w) => /providers\/Microsoft.ContainerService\/register$/i.test(w.path))).toHaveLength(1);
  expect(up.outputs["appliedSettings"]?.value).toEqual(DOCS_SETTINGS);
  expect(up.outputs["previousSettings"]?.value).toEqual(BEFORE);
  expect(up.outputs["provisioningState"]?.value).toBe("Succeeded");
  expect(up.outputs["apiVersion"]?.value).toBe("2026-08-02-preview");
  expect(up.outputs["drift"]?.value).toEqual([]);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(DOCS_SETTINGS);
  expect(em.control.getFeatureState({ name: "KubeProxyConfigurationPreview" })).toBe("Registered");
});

test("a second up changes nothing and writes nothing", async () => {
  em.control.clearRequestLog();
  const up = await engine.stack.up(engine.io);
  expect(up.summary.resourceChanges).toEqual({ same: 4 });
  expect(writesOf(em)).toEqual([]);
});

test("drift made outside Pulumi: refresh reports it (the drift output, the state, the engine's diff), the next up converges it", async () => {
  em.control.updateCluster({ resourceGroup: RG, name: NAME }, (raw) => {
    const kpc = (raw as { properties: { networkProfile: { kubeProxyConfig: { ipvsConfig: { scheduler: string } } } } }).properties.networkProfile.kubeProxyConfig;
    kpc.ipvsConfig.scheduler = "RoundRobin";
  });
  em.control.clearRequestLog();
  // --run-program, so the program's own `drift` output is computed from the refreshed state too.
  const refresh = await engine.stack.refresh({ ...engine.io, runProgram: true });
  expect(refresh.summary.resourceChanges).toMatchObject({ update: 1 });
  expect(refresh.stdout).toMatch(/ClusterKubeProxySettings kube-proxy updated .*\[diff: ~settings\]/);
  expect(writesOf(em)).toEqual([]);
  const state = await settingsOutputs();
  expect(state["drift"]).toEqual(["ipvsConfig.scheduler"]);
  expect((state["appliedSettings"] as typeof DOCS_SETTINGS).ipvsConfig.scheduler).toBe("RoundRobin");
  expect((await engine.stack.outputs())["drift"]?.value).toEqual(["ipvsConfig.scheduler"]);

  const preview = await engine.stack.preview({ diff: true, ...engine.io });
  expect(preview.changeSummary.update).toBe(1);
  expect(preview.stdout).toMatch(/scheduler\s*:\s*"RoundRobin"\s*=>\s*"LeastConnection"/);

  em.control.clearRequestLog();
  const up = await engine.stack.up(engine.io);
  expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(DOCS_SETTINGS);
  expect((await settingsOutputs())["drift"]).toEqual([]);
});

test("editing the settings file shows as an update of exactly the edited settings in preview", async () => {
  writeFileSync(settingsFile, JSON.stringify({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin", TCPTimeoutSeconds: 900, TCPFINTimeoutSeconds: 120, UDPTimeoutSeconds: 300 } }));
  em.control.clearRequestLog();
  const preview = await engine.stack.preview({ diff: true, ...engine.io });
  expect(preview.changeSummary).toMatchObject({ update: 1 });
  expect(preview.stdout).toMatch(/scheduler\s*:\s*"LeastConnection"\s*=>\s*"RoundRobin"/);
  expect(preview.stdout).not.toMatch(/tcpTimeoutSeconds\s*:\s*900\s*=>/);
  expect(writesOf(em)).toEqual([]);
});

test("the client secret, given as secret configuration, never appears in plaintext in the state file or the engine's output", () => {
  const state = engine.stateText();
  // The provider plugin's configuration (its default provider's inputs) holds the client secret, encrypted.
  expect(state).toMatch(/"clientSecret":\s*\{[^}]*"ciphertext"/);
  expect(state).not.toContain(em.clientSecret);
  expect(engine.output.length).toBeGreaterThan(0);
  expect(engine.output.join("\n")).not.toContain(em.clientSecret);
});

test("destroy puts back the settings the cluster had before and leaves the feature registered", async () => {
  em.control.clearRequestLog();
  const destroy = await engine.stack.destroy(engine.io);
  expect(destroy.summary.result).toBe("succeeded");
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(BEFORE);
  expect(em.control.getFeatureState({ name: "KubeProxyConfigurationPreview" })).toBe("Registered");
  expect(writesOf(em).filter((w) => /unregister/i.test(w.path))).toEqual([]);
  expect(engine.output.join("\n")).not.toContain(em.clientSecret);
});
