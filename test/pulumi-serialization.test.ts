/**
 * The dynamic providers survive Pulumi's serialization: the code Pulumi stores in the state is produced here with
 * `pulumi.runtime.serializeFunction` (as `pulumi.dynamic.Resource` does), then loaded in a separate Node process from
 * the example program's directory with `require-from-string` and configured with the stack configuration, exactly as
 * the `pulumi-nodejs` dynamic provider host does, and driven against the emulator.
 *
 * Needs the packages built (`pnpm build`): a separate process loads `@aks-kube-proxy/pulumi` from dist, as a
 * deployed program would.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createProviderShim } from "@aks-kube-proxy/pulumi";
import { startTestEmulator, type TestEmulator } from "./support/emulator";

const ROOT = join(__dirname, "..");
const PROGRAM_DIR = join(ROOT, "examples", "existing-cluster");
const RG = "rg-serialized";
const IPVS_FROM_FILE = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 } };

let t: TestEmulator;
let settingsText: string;
let previewText: string;

/** The stack configuration a user would set to point the component at this ARM (here: the emulator). */
function stackConfig(): Record<string, string> {
  return {
    "azure-native:subscriptionId": t.em.subscriptionId,
    "azure-native:tenantId": t.em.tenantId,
    "azure-native:clientId": t.em.clientId,
    "azure-native:clientSecret": t.em.clientSecret,
    "aks-kube-proxy:endpoint": t.em.url,
    "aks-kube-proxy:authorityHost": t.em.url,
    "aks-kube-proxy:pollingIntervalInMs": "5",
    "aks-kube-proxy:maxPollingIntervalInMs": "20",
    "aks-kube-proxy:consecutiveRegisteredReads": "2",
  };
}

/** Runs `script` in a fresh Node process in the program's directory, with the job as JSON on stdin; returns stdout's last JSON line. */
async function runInProgramDir(script: string, job: unknown): Promise<{ result: unknown; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "kp-host-"));
  const file = join(dir, "host.cjs");
  writeFileSync(file, script);
  // Only what a Pulumi provider process would have; no AZURE_* variables, so credentials can only come from config.
  const env: Record<string, string> = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? dir, NODE_EXTRA_CA_CERTS: t.em.caPath };
  const child = spawn(process.execPath, [file], { cwd: PROGRAM_DIR, env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(JSON.stringify(job));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`host exited ${String(code)}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  const last = stdout.trim().split("\n").pop() ?? "null";
  return { result: JSON.parse(last), stdout, stderr };
}

/** Loads a serialized provider like the pulumi-nodejs host: require-from-string, handler(), configure(config). */
const HOST_PRELUDE = `
// Resolve as the program (and the host, which is found from the program's directory) would.
const programRequire = require("node:module").createRequire(require("node:path").join(process.cwd(), "index.js"));
const requireFromString = require(require.resolve("require-from-string", { paths: [programRequire.resolve("@pulumi/pulumi")] }));
const { Config } = programRequire("@pulumi/pulumi/cmd/dynamic-provider/config");
setTimeout(() => { console.error("host timed out"); process.exit(3); }, 20000).unref();
async function load(text, rawConfig) {
  const provider = requireFromString(text).handler();
  await provider.configure({ config: new Config(rawConfig, "aks-kube-proxy") });
  return provider;
}
async function readJob() {
  let data = "";
  for await (const chunk of process.stdin) data += chunk;
  return JSON.parse(data);
}
`;

beforeAll(async () => {
  for (const pkg of ["sdk", "pulumi"]) {
    if (!existsSync(join(ROOT, "packages", pkg, "dist", "index.js"))) throw new Error(`packages/${pkg}/dist is missing: run pnpm build first (this test loads the built package in a separate process).`);
  }
  t = await startTestEmulator({
    clusters: [
      { resourceGroup: RG, name: "aks-serialized", kubernetesVersion: "1.33.2", networkPlugin: "azure", kubeProxyConfig: { enabled: true, mode: "IPTABLES" } },
      { resourceGroup: RG, name: "aks-program", kubernetesVersion: "1.33.2", networkPlugin: "azure" },
    ],
  });
  settingsText = (await pulumi.runtime.serializeFunction(() => createProviderShim("createClusterSettingsProvider"), { allowSecrets: true })).text;
  previewText = (await pulumi.runtime.serializeFunction(() => createProviderShim("createPreviewEnablementProvider"), { allowSecrets: true })).text;
});

afterAll(async () => {
  await t?.stop();
});

test("what Pulumi stores is a few kilobytes that load this package by name, with no secret captured", async () => {
  for (const factory of ["createClusterSettingsProvider", "createPreviewEnablementProvider"] as const) {
    const serialized = await pulumi.runtime.serializeFunction(() => createProviderShim(factory), { allowSecrets: true });
    expect(serialized.containsSecrets).toBe(false);
    expect(serialized.text.length).toBeLessThan(5000);
    expect(serialized.text.match(/require\("[^"]+"\)/g)).toEqual(['require("@aks-kube-proxy/pulumi")']);
    expect(serialized.text).toContain(`"${factory}"`);
  }
});

test("the serialized providers run in a separate process from the program's directory, configured from stack config: create, read, then delete restores", async () => {
  const config = stackConfig();
  const createRun = await runInProgramDir(
    `${HOST_PRELUDE}
(async () => {
  const job = await readJob();
  const preview = await load(job.previewText, job.config);
  const settings = await load(job.settingsText, job.config);
  const enabled = await preview.create((await preview.check({}, { subscriptionId: job.subscriptionId })).inputs);
  const checked = await settings.check({}, { subscriptionId: job.subscriptionId, resourceGroupName: job.rg, clusterName: "aks-serialized", settingsFile: "kube-proxy.json" });
  if (checked.failures.length) throw new Error(JSON.stringify(checked.failures));
  const created = await settings.create(checked.inputs);
  const read = await settings.read(created.id, created.outs);
  console.log(JSON.stringify({ enabled: enabled.outs, created, read: read.props }));
})().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
`,
    { previewText, settingsText, config, subscriptionId: t.em.subscriptionId, rg: RG },
  );
  const { enabled, created, read } = createRun.result as {
    enabled: { featureState: string; providerState: string };
    created: { id: string; outs: Record<string, unknown> };
    read: Record<string, unknown>;
  };
  expect(enabled).toMatchObject({ featureState: "Registered", providerState: "Registered" });
  expect(t.em.control.getFeatureState({ name: "KubeProxyConfigurationPreview" })).toBe("Registered");
  const raw = t.em.control.getCluster({ resourceGroup: RG, name: "aks-serialized" }) as { properties: { networkProfile: { kubeProxyConfig: unknown } } };
  expect(raw.properties.networkProfile.kubeProxyConfig).toEqual(IPVS_FROM_FILE);
  expect(created.outs).toMatchObject({ settingsFile: "kube-proxy.json", appliedSettings: IPVS_FROM_FILE, previousSettings: { enabled: true, mode: "IPTABLES" } });
  expect(read["drift"]).toEqual([]);
  // The file's docs-style key spelling is accepted and noted.
  expect(created.outs["warnings"]).toEqual(expect.arrayContaining([expect.stringMatching(/^\[legacy-key-casing\] "TCPTimeoutSeconds"/)]));
  // The token request went to the emulator with the configured client; the secret never reached output or state.
  expect(t.em.control.requestLog().some((r) => r.kind === "token")).toBe(true);
  for (const text of [createRun.stdout, createRun.stderr, JSON.stringify(created)]) expect(text).not.toContain(t.em.clientSecret);

  // A later `pulumi destroy`, in another process, from the state alone.
  await runInProgramDir(
    `${HOST_PRELUDE}
(async () => {
  const job = await readJob();
  const settings = await load(job.settingsText, job.config);
  await settings.delete(job.id, job.outs);
  console.log(JSON.stringify({ deleted: true }));
})().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
`,
    { settingsText, config, id: created.id, outs: created.outs },
  );
  const restored = t.em.control.getCluster({ resourceGroup: RG, name: "aks-serialized" }) as { properties: { networkProfile: { kubeProxyConfig: unknown } } };
  expect(restored.properties.networkProfile.kubeProxyConfig).toEqual({ enabled: true, mode: "IPTABLES" });
});

test("a program using the component, with Pulumi's mocks acting as the engine (check then create through the provider plugin's provider), configures the cluster", async () => {
  const run = await runInProgramDir(
    `${HOST_PRELUDE}
(async () => {
  const job = await readJob();
  const pulumi = programRequire("@pulumi/pulumi");
  const lib = programRequire("@aks-kube-proxy/pulumi");
  // The provider the plugin serves, configured as the engine configures a default provider: the stack's
  // aks-kube-proxy:* keys without their namespace (azure-native's key names).
  const provider = new lib.KubeProxyProvider({ version: "0.1.0" });
  const providerConfig = {};
  for (const [key, value] of Object.entries(job.config)) {
    const [ns, name] = key.split(":");
    if (ns === "aks-kube-proxy" || ns === "azure-native") providerConfig[name] = value;
  }
  provider.configureProvider(providerConfig);
  const providers = new Set([provider]);
  const engineCalls = [];
  await pulumi.runtime.setMocks({
    async newResource(args) {
      if (!args.type.startsWith("aks-kube-proxy:index:") || args.type === "aks-kube-proxy:index:KubeProxyConfig") return { id: args.name + "-id", state: args.inputs };
      const urn = "urn:pulumi:dev::aks-kube-proxy::" + args.type + "::" + args.name;
      const checked = await provider.check(urn, {}, args.inputs);
      if (checked.failures && checked.failures.length) throw new Error(JSON.stringify(checked.failures));
      const created = await provider.create(urn, checked.inputs);
      engineCalls.push(args.type + " " + args.name);
      return { id: created.id, state: created.outs };
    },
    call() { return {}; },
  }, "aks-kube-proxy", "dev", false);
  pulumi.runtime.setAllConfig(job.config, ["azure-native:clientSecret"]);
  const { KubeProxyConfig } = lib;
  const kp = new KubeProxyConfig("kube-proxy", { resourceGroupName: job.rg, clusterName: "aks-program", settings: { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } } });
  pulumi.all([kp.appliedSettings, kp.previousSettings, kp.provisioningState, kp.apiVersion]).apply(([applied, previous, state, apiVersion]) => {
    console.log(JSON.stringify({ applied, previous, state, apiVersion, engineCalls, distinctProviders: providers.size }));
  });
})().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
`,
    { config: stackConfig(), rg: RG },
  );
  const result = run.result as { applied: unknown; previous: unknown; state: string; apiVersion: string; engineCalls: string[]; distinctProviders: number };
  expect(result.engineCalls).toEqual([
    `aks-kube-proxy:index:PreviewEnablement kube-proxy-preview-${t.em.subscriptionId}`,
    "aks-kube-proxy:index:ClusterKubeProxySettings kube-proxy",
  ]);
  expect(result.distinctProviders).toBe(1);
  expect(result).toMatchObject({ applied: { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } }, previous: null, state: "Succeeded", apiVersion: "2026-08-02-preview" });
  const raw = t.em.control.getCluster({ resourceGroup: RG, name: "aks-program" }) as { properties: { networkProfile: { kubeProxyConfig: unknown } } };
  expect(raw.properties.networkProfile.kubeProxyConfig).toEqual({ mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } });
  expect(run.stdout + run.stderr).not.toContain(t.em.clientSecret);
});
