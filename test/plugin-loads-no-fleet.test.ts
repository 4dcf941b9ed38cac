/**
 * The Pulumi provider plugin loads nothing of the fleet: the built plugin entry (packages/pulumi/dist/provider/main.js,
 * what bin/pulumi-resource-aks-kube-proxy runs) is started in a child Node process with a preload; once it has printed
 * its port, SIGTERM makes the preload load the SDK the provider uses when it serves and dump the module list. No module
 * of @aks-kube-proxy/rollout, @azure/storage-blob or yaml is in it, and none of our own loaded modules requires
 * semver, yaml, storage or the rollout package (semver itself is loaded by @pulumi/pulumi and the Azure SDK's own
 * dependencies, so its presence alone proves nothing).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const MAIN = join(ROOT, "packages", "pulumi", "dist", "provider", "main.js");
const PRELOAD = join(__dirname, "support", "dump-module-list.cjs");
const FLEET_ONLY = /[\\/](packages[\\/]rollout|node_modules[\\/]@aks-kube-proxy[\\/]rollout|node_modules[\\/]@azure[\\/]storage-blob|node_modules[\\/]yaml)[\\/]/;
const FLEET_REQUIRE = /require\(["'](semver|yaml|@azure\/storage-blob|@aks-kube-proxy\/rollout)["']\)/;

async function loadedModulesOfPlugin(listFile: string): Promise<string[]> {
  const child = spawn(process.execPath, ["--require", PRELOAD, MAIN], {
    env: { ...process.env, MODULE_LIST_FILE: listFile, PULUMI_PACKAGE_DIR: join(ROOT, "packages", "pulumi") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/^\d+\s*$/m.test(stdout)) resolve();
    });
    child.on("exit", (code) => reject(new Error(`the plugin exited (${code}) before printing its port: ${stderr.slice(-2000)}`)));
  });
  child.kill("SIGTERM");
  expect({ code: await exited, stderr: stderr.slice(-2000) }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(readFileSync(listFile, "utf8")) as string[];
}

describe("the Pulumi provider plugin process", () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error("packages/pulumi/dist is missing: run pnpm build first (this test starts the built plugin).");
    dir = mkdtempSync(join(tmpdir(), "plugin-modules-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loads the provider and the SDK but nothing of the fleet (rollout package, blob storage, YAML)", async () => {
    const modules = await loadedModulesOfPlugin(join(dir, "modules.json"));
    expect(modules.some((m) => m.includes(join("packages", "pulumi", "dist", "provider", "kubeProxyProvider.js")))).toBe(true);
    expect(modules.some((m) => /[\\/]packages[\\/]sdk[\\/]dist[\\/]index\.js$/.test(m))).toBe(true);
    expect(modules.filter((m) => FLEET_ONLY.test(m))).toEqual([]);
    const ours = modules.filter((m) => /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].*\.js$/.test(m) && !m.includes("node_modules"));
    expect(ours.filter((m) => FLEET_REQUIRE.test(readFileSync(m, "utf8")))).toEqual([]);
  }, 60_000);
});
