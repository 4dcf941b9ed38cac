/**
 * Installable the way users install it: every package packed with `pnpm pack` and the tarballs installed with plain
 * `npm` into an empty project outside the workspace (`.pack/project`, made by `bash scripts/pack-install.sh`, which
 * `bash scripts/run.sh test` runs before the tests, outside the loopback-only namespace, because npm fetches the
 * third-party dependencies from the registry). Here, inside the namespace, nothing is fetched: the checks run the
 * installed packages against the emulator.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestEmulator, type TestEmulator } from "./support/emulator";
import { REPO_ROOT } from "../packages/cli/test/support/run-cli";

const PROJECT = join(REPO_ROOT, ".pack", "project");

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: PROJECT, env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000, killSignal: "SIGKILL" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** The root README's SDK snippet: the ts block that imports @aks-kube-proxy/sdk. */
function readmeSdkSnippet(): string {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? "").find((code) => code.includes('from "@aks-kube-proxy/sdk"'));
  if (!block) throw new Error("README.md has no ts block that imports @aks-kube-proxy/sdk");
  return block;
}

describe("the packed packages, installed with npm outside the workspace", () => {
  let t: TestEmulator;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    if (!existsSync(join(PROJECT, "node_modules", "@aks-kube-proxy", "cli"))) {
      throw new Error(`${PROJECT} is not prepared: run \`bash scripts/pack-install.sh\` first (bash scripts/run.sh test does, before the tests).`);
    }
    t = await startTestEmulator({ clusters: [{ resourceGroup: "my-rg", name: "my-aks", kubernetesVersion: "1.33.2" }], timings: { featureRegistrationMs: 20, providerRegistrationMs: 20, operationMs: 50, retryAfterSeconds: 0 } });
    env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: PROJECT, NO_COLOR: "1", ...t.em.env, AZURE_RESOURCE_MANAGER_ENDPOINT: t.em.url, npm_config_offline: "true" };
  });
  afterAll(async () => {
    await t?.stop();
  });

  test("no workspace: range survives packing, and the CLI does not pull in the emulator", () => {
    for (const pkg of ["sdk", "rollout", "cli", "pulumi"]) {
      const manifest = readFileSync(join(PROJECT, "node_modules", "@aks-kube-proxy", pkg, "package.json"), "utf8");
      expect({ pkg, workspace: manifest.includes("workspace:") }).toEqual({ pkg, workspace: false });
    }
    expect(existsSync(join(PROJECT, "node_modules", "@aks-kube-proxy", "arm-emulator"))).toBe(false);
  });

  test("npx aks-kube-proxy --help works", async () => {
    const r = await run("npx", ["--no", "--", "aks-kube-proxy", "--help"], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: aks-kube-proxy");
  });

  test("npx aks-kube-proxy validate and status run against the emulator", async () => {
    copyFileSync(join(REPO_ROOT, "examples", "kube-proxy-config.json"), join(PROJECT, "kube-proxy.json"));
    expect((await run("npx", ["--no", "--", "aks-kube-proxy", "validate", "kube-proxy.json"], env)).status).toBe(0);
    const status = await run("npx", ["--no", "--", "aks-kube-proxy", "status", "-g", "my-rg", "-n", "my-aks", "-o", "json"], env);
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ clusters: [{ name: "my-aks" }] });
  });

  test("the emulator commands say how to install the optional emulator when it is missing", async () => {
    const r = await run("npx", ["--no", "--", "aks-kube-proxy", "emulator"], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("npm install @aks-kube-proxy/arm-emulator");
  });

  test("the README's SDK snippet runs against the emulator", async () => {
    copyFileSync(join(REPO_ROOT, "examples", "kube-proxy-config.json"), join(PROJECT, "kube-proxy.json"));
    // The SDK's default polling (5 s, 10 consecutive reads) would take a minute to enable the preview: enable it first,
    // as a subscription that already uses the preview is; the snippet's enablePreview is then one read.
    await t.client().enablePreview();
    writeFileSync(join(PROJECT, "quickstart.mts"), readmeSdkSnippet());
    const r = await run(process.execPath, ["quickstart.mts"], env);
    expect({ status: r.status, stderr: r.status === 0 ? "" : r.stderr.slice(-2000) }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toContain("changed and verified");
  }, 90_000);

  test("@aks-kube-proxy/pulumi imports, with its types", async () => {
    const r = await run(process.execPath, ["-e", 'const p = require("@aks-kube-proxy/pulumi"); if (typeof p.KubeProxyConfig !== "function") process.exit(2);'], env);
    expect({ status: r.status, stderr: r.stderr.slice(-1000) }).toEqual({ status: 0, stderr: "" });
    for (const pkg of ["sdk", "rollout", "cli", "pulumi"]) {
      const manifest = JSON.parse(readFileSync(join(PROJECT, "node_modules", "@aks-kube-proxy", pkg, "package.json"), "utf8")) as { types?: string };
      expect(existsSync(join(PROJECT, "node_modules", "@aks-kube-proxy", pkg, manifest.types ?? "missing"))).toBe(true);
    }
  });

  test("@aks-kube-proxy/pulumi brings its exact @pulumi/pulumi peer and not @pulumi/azure-native (an optional peer)", () => {
    const manifest = JSON.parse(readFileSync(join(PROJECT, "node_modules", "@aks-kube-proxy", "pulumi", "package.json"), "utf8")) as { peerDependencies: Record<string, string> };
    const installed = JSON.parse(readFileSync(join(PROJECT, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as { version: string };
    expect(installed.version).toBe(manifest.peerDependencies["@pulumi/pulumi"]);
    expect(existsSync(join(PROJECT, "node_modules", "@pulumi", "azure-native"))).toBe(false);
  });
});
