/**
 * Runs the example Pulumi programs under the real Pulumi engine (the CLI that `bash scripts/run.sh setup` builds into
 * .toolchain/pulumi/bin), through `@pulumi/pulumi/automation`'s LocalWorkspace, on a local file backend in a temporary
 * folder, against the ARM emulator. Only stack configuration and environment point the programs at the emulator.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import type { ClusterRefArgs, RunningEmulator } from "@aks-kube-proxy/arm-emulator";

/** The repository root. */
export const REPO_ROOT = join(__dirname, "..", "..");
/**
 * Where setup builds the engine (`tools/pulumi/build.sh`); AKS_KUBE_PROXY_ENGINE_ROOT points the tests at an engine built
 * elsewhere (`bash tools/pulumi/build.sh DEST`), e.g. to try a changed language host without rebuilding the shared one.
 */
export const ENGINE_ROOT = process.env["AKS_KUBE_PROXY_ENGINE_ROOT"] ?? join(REPO_ROOT, ".toolchain", "pulumi");
/** The folder of the aks-kube-proxy provider plugin's launcher. */
export const PROVIDER_BIN = join(REPO_ROOT, "packages", "pulumi", "bin");
/** The engine version setup pins (tools/pulumi/build.sh). */
export const ENGINE_VERSION = "3.274.1";
/** Passphrase of the test stacks' secrets provider. */
const PASSPHRASE = "engine-tests-passphrase";

/** The examples these tests drive, exactly as written. */
export type ExampleName = "existing-cluster" | "fleet" | "go-existing-cluster" | "python-existing-cluster" | "yaml-existing-cluster";

/**
 * The built engine, or an error saying how to build it. The engine tests fail (never skip) without it: setup builds it.
 */
export async function engineCommand(): Promise<PulumiCommand> {
  const missing = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"].filter((b) => !existsSync(join(ENGINE_ROOT, "bin", b)));
  if (missing.length > 0) {
    throw new Error(`The Pulumi engine is not built (${missing.join(", ")} missing in ${ENGINE_ROOT}/bin): run \`bash scripts/run.sh setup\` (it builds it with tools/pulumi/build.sh).`);
  }
  return PulumiCommand.get({ root: ENGINE_ROOT, version: undefined });
}

/** Options of {@link createEngineStack}. */
export interface EngineStackOptions {
  /** Which example program. */
  example: ExampleName;
  /** The emulator the program talks to. */
  em: RunningEmulator;
  /** Plain stack configuration (keys without a namespace belong to the project). Objects are given as JSON. */
  config?: Record<string, string>;
  /** Secret stack configuration (encrypted in the stack file and the state). */
  secretConfig?: Record<string, string>;
  /**
   * A plugin tarball (`pulumi-resource-aks-kube-proxy-v<version>-<os>-<arch>.tar.gz`) to install with `pulumi plugin
   * install resource aks-kube-proxy <version> --file` into the stack's fresh PULUMI_HOME, instead of the launcher
   * on PATH; PATH then holds only the engine's folder (no Node.js, no packages/pulumi/bin).
   */
  pluginTarball?: string;
  /** Variables added to the engine's environment (and so the plugins'), over the defaults (e.g. another identity's `ARM_*`). */
  env?: Record<string, string>;
}

/** The version of @aks-kube-proxy/pulumi, which is the plugin's. */
export const PLUGIN_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "packages", "pulumi", "package.json"), "utf8")) as { version: string }).version;

/** One resource of a stack's state, as `pulumi stack export` writes it. */
export interface StateResource {
  urn: string;
  type: string;
  /** The provider's id of a custom resource. */
  id?: string;
  /** Why a resource the provider created did not finish initializing (a partial create or update). */
  initErrors?: string[];
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** A stack of an example under the engine, with its output collected. */
export interface EngineStack {
  /** The environment of every engine command of this stack (PATH, PULUMI_HOME, …). */
  env: Record<string, string>;
  /** The automation API stack. */
  stack: Stack;
  /** Everything the engine printed (stdout and stderr of every command), for greps. */
  output: string[];
  /** Collects the engine's stdout and stderr: spread into each command's options. */
  io: { onOutput: (text: string) => void; onError: (text: string) => void };
  /** The stack's state file (the file backend's checkpoint), as text. */
  stateText(): string;
  /** The resources of the stack's state (`pulumi stack export`). */
  stateResources(): Promise<StateResource[]>;
  /**
   * The same stack, run from another program folder (its own Pulumi.yaml with the same project name): the stack's
   * settings file is copied there, and the folder is removed by {@link EngineStack.cleanup}.
   */
  otherProgram(workDir: string): Promise<Stack>;
  /** Removes the stack's settings file from the example folder and the temporary folder. */
  cleanup(): Promise<void>;
}

/**
 * Environment of every engine command: the local backend and home, no update check, no plugin download, this Node.js
 * and the engine's folder first on PATH, and the emulator's CA trusted.
 * @param work - the temporary folder
 * @param em - the emulator
 */
function engineEnv(work: string, em: RunningEmulator, pathDirs?: string[]): Record<string, string> {
  return {
    PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
    PULUMI_HOME: join(work, "home"),
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    // The engine finds the aks-kube-proxy provider plugin on PATH (packages/pulumi/bin/pulumi-resource-aks-kube-proxy).
    PATH: (pathDirs ?? [join(ENGINE_ROOT, "bin"), PROVIDER_BIN, dirname(process.execPath), process.env["PATH"] ?? ""]).join(":"),
    NODE_EXTRA_CA_CERTS: em.caPath,
    // The Go language host's `go build` uses only the module cache setup filled: a missing module fails at once.
    GOPROXY: "off",
    // No credential or subscription from the environment: only the stack configuration counts.
    ARM_CLIENT_SECRET: "",
    AZURE_CLIENT_SECRET: "",
    ARM_SUBSCRIPTION_ID: "",
    AZURE_SUBSCRIPTION_ID: "",
  };
}

let counter = 0;

/**
 * Creates a stack of an example program (in its own folder, so it runs exactly as written), configured for the
 * emulator: credentials as `azure-native:*` configuration (the client secret as a Pulumi secret), the emulator as
 * endpoint and authority host, and fast polling.
 * @param options - example, emulator, configuration
 */
export async function createEngineStack(options: EngineStackOptions): Promise<EngineStack> {
  const pulumiCommand = await engineCommand();
  const work = mkdtempSync(join(tmpdir(), "pulumi-engine-"));
  const workDir = join(REPO_ROOT, "examples", options.example);
  const stackName = `engine-${process.pid}-${++counter}`;
  const { em } = options;
  mkdirSync(join(work, "state"));
  const pathDirs = options.pluginTarball !== undefined ? [join(ENGINE_ROOT, "bin")] : undefined;
  const envVars = { ...engineEnv(work, em, pathDirs), ...options.env };
  if (options.pluginTarball !== undefined) {
    const install = spawnSync(join(ENGINE_ROOT, "bin", "pulumi"), ["plugin", "install", "resource", "aks-kube-proxy", PLUGIN_VERSION, "--file", options.pluginTarball], { encoding: "utf8", env: { ...process.env, ...envVars } });
    if (install.status !== 0) throw new Error(`pulumi plugin install --file ${options.pluginTarball} failed (${install.status}): ${install.stderr}`);
  }
  const workspaceOptions = (dir: string) => ({ workDir: dir, pulumiHome: join(work, "home"), envVars, pulumiCommand });
  const stack = await LocalWorkspace.createStack({ stackName, workDir }, workspaceOptions(workDir));
  const otherDirs: string[] = [];
  const plain: Record<string, string> = {
    "azure-native:subscriptionId": em.subscriptionId,
    "azure-native:tenantId": em.tenantId,
    "azure-native:clientId": em.clientId,
    // The provider plugin's own configuration (azure-native's key names in the aks-kube-proxy namespace); the
    // azure-native keys above stay for the programs, which read the subscription from them.
    "aks-kube-proxy:subscriptionId": em.subscriptionId,
    "aks-kube-proxy:tenantId": em.tenantId,
    "aks-kube-proxy:clientId": em.clientId,
    "aks-kube-proxy:endpoint": em.url,
    "aks-kube-proxy:authorityHost": em.url,
    "aks-kube-proxy:pollingIntervalInMs": "20",
    "aks-kube-proxy:maxPollingIntervalInMs": "100",
    "aks-kube-proxy:consecutiveRegisteredReads": "2",
    ...options.config,
  };
  const secret: Record<string, string> = { "azure-native:clientSecret": em.clientSecret, "aks-kube-proxy:clientSecret": em.clientSecret, ...options.secretConfig };
  await stack.setAllConfig({
    ...Object.fromEntries(Object.entries(plain).map(([k, value]) => [k, { value }])),
    ...Object.fromEntries(Object.entries(secret).map(([k, value]) => [k, { value, secret: true }])),
  });
  const output: string[] = [];
  return {
    env: envVars,
    stack,
    output,
    io: { onOutput: (text) => output.push(text), onError: (text) => output.push(text) },
    stateText() {
      const stacksDir = join(work, "state", ".pulumi", "stacks");
      const files: string[] = [];
      const walk = (dir: string): void => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (entry.name === `${stackName}.json`) files.push(path);
        }
      };
      walk(stacksDir);
      if (files.length !== 1) throw new Error(`expected one state file for ${stackName} under ${stacksDir}, found ${files.length}`);
      return readFileSync(files[0]!, "utf8");
    },
    async stateResources() {
      const exported = await stack.exportStack();
      return (exported.deployment as { resources?: StateResource[] }).resources ?? [];
    },
    async otherProgram(dir) {
      otherDirs.push(dir);
      copyFileSync(join(workDir, `Pulumi.${stackName}.yaml`), join(dir, `Pulumi.${stackName}.yaml`));
      return LocalWorkspace.selectStack({ stackName, workDir: dir }, workspaceOptions(dir));
    },
    async cleanup() {
      try {
        await stack.workspace.removeStack(stackName, { force: true });
      } finally {
        for (const dir of otherDirs) rmSync(dir, { recursive: true, force: true });
        rmSync(join(workDir, `Pulumi.${stackName}.yaml`), { force: true });
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
}

/** The emulator's write requests (PUT, POST, PATCH, DELETE on ARM paths), in order. */
export function writesOf(em: RunningEmulator): { method: string; path: string }[] {
  return em.control
    .requestLog()
    .filter((r) => r.kind === "write")
    .map((r) => ({ method: r.method, path: r.path }));
}

/** The kubeProxyConfig the emulator stores for a cluster (undefined: the cluster never had one). */
export function storedKubeProxyConfig(em: RunningEmulator, ref: ClusterRefArgs): unknown {
  const raw = em.control.getCluster(ref) as { properties: { networkProfile: { kubeProxyConfig?: unknown } } } | undefined;
  if (raw === undefined) throw new Error(`the emulator has no cluster ${ref.resourceGroup}/${ref.name}`);
  return raw.properties.networkProfile.kubeProxyConfig;
}

/** How many PUTs of a cluster the emulator's request log holds. */
export function clusterPutsOf(em: RunningEmulator, ref: ClusterRefArgs): number {
  const path = new RegExp(`/resourceGroups/${ref.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${ref.name}$`, "i");
  return writesOf(em).filter((w) => w.method === "PUT" && path.test(w.path)).length;
}
