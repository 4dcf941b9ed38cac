/**
 * The engine tests of the existing-cluster examples written in other languages (Go, Python, YAML): the same program's
 * behaviour under the real engine against the ARM emulator — preview, up, a second up with no writes, drift and
 * refresh, destroy restoring. Each test file names its example; this module declares the suite.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startEmulator, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import { clusterPutsOf, createEngineStack, type EngineStack, type ExampleName, storedKubeProxyConfig, writesOf } from "./pulumi-engine";

/** Options of {@link describeExistingClusterExample}. */
export interface ExistingClusterExampleOptions {
  /** The example program. */
  example: ExampleName;
  /** The prefix of the tests' names, and of the emulated cluster's resource group and name (e.g. "python"). */
  label: string;
  /** Run the plugin installed from this tarball instead of the launcher on PATH (see EngineStackOptions). */
  pluginTarball?: string;
}

const BEFORE = { enabled: true, mode: "IPTABLES" };
const LEAST_CONNECTION = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 } };

/** Declares the hooks and tests that run an existing-cluster example through its lifecycle under the engine. */
export function describeExistingClusterExample(options: ExistingClusterExampleOptions): { readonly engine: EngineStack; readonly em: RunningEmulator } {
  const { example, label } = options;
  const RG = `rg-${label}`;
  const NAME = `aks-${label}`;
  const CLUSTER = { resourceGroup: RG, name: NAME };

  let em: RunningEmulator;
  let engine: EngineStack;
  let settingsFile: string;
  /** The suite's engine stack (after beforeAll), for checks a test file adds. */
  const handle = { get engine(): EngineStack { return engine; }, get em(): RunningEmulator { return em; } };

  beforeAll(async () => {
    em = await startEmulator({ throttling: false, clusters: [{ resourceGroup: RG, name: NAME, kubernetesVersion: "1.33.2", networkPlugin: "azure", kubeProxyConfig: BEFORE }] });
    settingsFile = join(mkdtempSync(join(tmpdir(), `engine-${label}-`)), "kube-proxy.json");
    // The AKS docs' spelling of the keys, as in examples/existing-cluster/kube-proxy.json.
    writeFileSync(settingsFile, JSON.stringify({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", TCPTimeoutSeconds: 900, TCPFINTimeoutSeconds: 120, UDPTimeoutSeconds: 300 } }));
    engine = await createEngineStack({ example, em, config: { resourceGroupName: RG, clusterName: NAME, settingsFile }, ...(options.pluginTarball !== undefined ? { pluginTarball: options.pluginTarball } : {}) });
  });

  afterAll(async () => {
    await engine?.cleanup();
    await em?.stop();
    if (settingsFile !== undefined) rmSync(dirname(settingsFile), { recursive: true, force: true });
  });

  test(`${label}: preview shows the component's resources and writes nothing`, async () => {
    em.control.clearRequestLog();
    const preview = await engine.stack.preview({ diff: true, ...engine.io });
    expect(preview.changeSummary.create).toBe(4); // stack, component, enablement, settings
    expect(writesOf(em)).toEqual([]);
  });

  test(`${label}: up enables the preview and applies the settings with one PUT; outputs are the cluster's`, async () => {
    em.control.clearRequestLog();
    const up = await engine.stack.up(engine.io);
    expect(up.summary.result).toBe("succeeded");
    expect(clusterPutsOf(em, CLUSTER)).toBe(1);
    expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(LEAST_CONNECTION);
    expect(up.outputs["appliedSettings"]?.value).toEqual(LEAST_CONNECTION);
    expect(up.outputs["previousSettings"]?.value).toEqual(BEFORE);
    expect(up.outputs["provisioningState"]?.value).toBe("Succeeded");
    const types = (await engine.stateResources()).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(["aks-kube-proxy:index:KubeProxyConfig", "aks-kube-proxy:index:ClusterKubeProxySettings", "aks-kube-proxy:index:PreviewEnablement"]));
  });

  test(`${label}: a second up changes nothing and writes nothing`, async () => {
    em.control.clearRequestLog();
    const up = await engine.stack.up(engine.io);
    expect(up.summary.resourceChanges).toEqual({ same: 4 });
    expect(writesOf(em)).toEqual([]);
  });

  test(`${label}: drift made outside Pulumi shows in refresh, and the next up converges it`, async () => {
    em.control.updateCluster(CLUSTER, (raw) => {
      const kpc = (raw as { properties: { networkProfile: { kubeProxyConfig: { ipvsConfig: { scheduler: string } } } } }).properties.networkProfile.kubeProxyConfig;
      kpc.ipvsConfig.scheduler = "RoundRobin";
    });
    em.control.clearRequestLog();
    const refresh = await engine.stack.refresh({ ...engine.io, runProgram: true });
    expect(refresh.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(writesOf(em)).toEqual([]);
    expect((await engine.stack.outputs())["drift"]?.value).toEqual(["ipvsConfig.scheduler"]);
    const up = await engine.stack.up(engine.io);
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(clusterPutsOf(em, CLUSTER)).toBe(1);
    expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(LEAST_CONNECTION);
  });

  test(`${label}: destroy puts back the settings the cluster had before`, async () => {
    em.control.clearRequestLog();
    await engine.stack.destroy(engine.io);
    expect(clusterPutsOf(em, CLUSTER)).toBe(1);
    expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(BEFORE);
    expect(engine.output.join("\n")).not.toContain(em.clientSecret);
  });
  return handle;
}
