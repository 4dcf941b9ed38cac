/**
 * A stack made with the dynamic resources of earlier versions (`pulumi-nodejs:dynamic/aks-kube-proxy:*`) moves to the
 * aks-kube-proxy provider plugin with a plain `pulumi up` of today's program: the resources' aliases carry them over,
 * the engine's preview shows no change, nothing is written to the cluster, and the previous settings recorded by the
 * dynamic resource survive (destroy still restores them).
 *
 * The earlier version is reproduced by a program that registers exactly the resources the earlier component did
 * (same names, parents, types and serialized provider shim); it runs from a folder beside examples/existing-cluster,
 * so it resolves the same packages.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import { clusterPutsOf, createEngineStack, type EngineStack, REPO_ROOT, storedKubeProxyConfig, writesOf } from "./support/pulumi-engine";

jest.setTimeout(180_000);

const RG = "rg-migrate";
const NAME = "aks-migrate";
const CLUSTER = { resourceGroup: RG, name: NAME };
const BEFORE = { enabled: true, mode: "IPTABLES" };
const ROUND_ROBIN = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } };

/** What the earlier component registered, with the earlier dynamic resources (types pulumi-nodejs:dynamic/...). */
const LEGACY_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { createProviderShim } = require("@aks-kube-proxy/pulumi");
const config = new pulumi.Config();
const subscriptionId = new pulumi.Config("azure-native").require("subscriptionId");
const enablement = new pulumi.dynamic.Resource(createProviderShim("createPreviewEnablementProvider"), "kube-proxy-preview-" + subscriptionId.toLowerCase(),
  { subscriptionId, featureName: undefined, featureState: undefined, providerState: undefined, featureRegistered: undefined, providerRefreshed: undefined },
  {}, "aks-kube-proxy", "PreviewEnablement");
const component = new pulumi.ComponentResource("aks-kube-proxy:index:KubeProxyConfig", "kube-proxy", {}, {});
const settings = new pulumi.dynamic.Resource(createProviderShim("createClusterSettingsProvider"), "kube-proxy",
  { subscriptionId, resourceGroupName: config.require("resourceGroupName"), clusterName: config.require("clusterName"), settingsFile: config.require("settingsFile"),
    restoreOnDelete: true, allowDisable: false, appliedSettings: undefined, previousSettings: undefined, provisioningState: undefined,
    kubernetesVersion: undefined, networkPlugin: undefined, networkPolicy: undefined, drift: undefined, warnings: undefined },
  { parent: component, dependsOn: [enablement] }, "aks-kube-proxy", "ClusterKubeProxySettings");
component.registerOutputs({});
exports.previousSettings = settings.previousSettings;
`;

let em: RunningEmulator;
let engine: EngineStack;
let settingsDir: string;

beforeAll(async () => {
  em = await startEmulator({ throttling: false, clusters: [{ resourceGroup: RG, name: NAME, kubernetesVersion: "1.33.2", kubeProxyConfig: BEFORE }] });
  settingsDir = mkdtempSync(join(tmpdir(), "engine-migration-"));
  const settingsFile = join(settingsDir, "kube-proxy.json");
  writeFileSync(settingsFile, JSON.stringify(ROUND_ROBIN));
  engine = await createEngineStack({ example: "existing-cluster", em, config: { resourceGroupName: RG, clusterName: NAME, settingsFile } });
});

afterAll(async () => {
  await engine?.cleanup();
  await em?.stop();
  if (settingsDir !== undefined) rmSync(settingsDir, { recursive: true, force: true });
});

test("a stack made with the dynamic resources moves to the provider plugin on the next up: no change in preview, no write, previous settings kept, destroy restores them", async () => {
  // The earlier version's up.
  const legacyDir = mkdtempSync(join(REPO_ROOT, "examples", "existing-cluster", ".legacy-"));
  writeFileSync(join(legacyDir, "Pulumi.yaml"), "name: aks-kube-proxy-existing-cluster\nruntime: nodejs\nmain: index.js\n");
  writeFileSync(join(legacyDir, "index.js"), LEGACY_PROGRAM);
  const legacy = await engine.otherProgram(legacyDir);
  const legacyUp = await legacy.up(engine.io);
  expect(legacyUp.summary.result).toBe("succeeded");
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(ROUND_ROBIN);
  const before = await engine.stateResources();
  expect(before.map((r) => r.type)).toEqual(expect.arrayContaining(["pulumi-nodejs:dynamic/aks-kube-proxy:ClusterKubeProxySettings", "pulumi-nodejs:dynamic/aks-kube-proxy:PreviewEnablement"]));

  // Today's program on the same stack.
  em.control.clearRequestLog();
  const preview = await engine.stack.preview({ diff: true, ...engine.io });
  expect(preview.changeSummary).toEqual({ same: 4 });
  const up = await engine.stack.up(engine.io);
  expect(up.summary.result).toBe("succeeded");
  expect(up.summary.resourceChanges).toEqual({ same: 4 });
  expect(writesOf(em)).toEqual([]);
  const after = await engine.stateResources();
  const types = after.map((r) => r.type);
  expect(types).toEqual(expect.arrayContaining(["aks-kube-proxy:index:ClusterKubeProxySettings", "aks-kube-proxy:index:PreviewEnablement"]));
  expect(types.filter((t) => t.startsWith("pulumi-nodejs:dynamic/"))).toEqual([]);
  expect(up.outputs["previousSettings"]?.value).toEqual(BEFORE);

  // The next up still writes nothing; destroy restores what the cluster had before the dynamic resource changed it.
  const again = await engine.stack.up(engine.io);
  expect(again.summary.resourceChanges).toEqual({ same: 4 });
  expect(writesOf(em)).toEqual([]);
  await engine.stack.destroy(engine.io);
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(BEFORE);
});
