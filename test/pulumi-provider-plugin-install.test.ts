/**
 * The provider plugin installed the engine's own way, `pulumi plugin install resource aks-kube-proxy VERSION --file`,
 * from a local tarball (no download), instead of on PATH: the engine then finds it by name and version.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ENGINE_ROOT, PROVIDER_BIN, REPO_ROOT } from "./support/pulumi-engine";

jest.setTimeout(120_000);

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "packages", "pulumi", "package.json"), "utf8")) as { version: string }).version;
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "plugin-install-"));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

test("pulumi plugin install --file of the launcher's tarball makes the plugin usable by name from a program's directory, without PATH", () => {
  const tarball = join(work, "aks-kube-proxy.tgz");
  const tar = spawnSync("tar", ["-czf", tarball, "-C", PROVIDER_BIN, "pulumi-resource-aks-kube-proxy"], { encoding: "utf8" });
  expect(tar.status).toBe(0);
  // PATH has the engine and Node.js, not packages/pulumi/bin.
  const env = {
    ...process.env,
    PATH: [join(ENGINE_ROOT, "bin"), dirname(process.execPath), "/usr/bin", "/bin"].join(":"),
    PULUMI_HOME: join(work, "home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  const pulumi = join(ENGINE_ROOT, "bin", "pulumi");
  const install = spawnSync(pulumi, ["plugin", "install", "resource", "aks-kube-proxy", VERSION, "--file", tarball], { encoding: "utf8", env });
  expect(install.stderr).not.toMatch(/error/i);
  expect(install.status).toBe(0);
  const schema = spawnSync(pulumi, ["package", "get-schema", `aks-kube-proxy@${VERSION}`], { encoding: "utf8", env, cwd: join(REPO_ROOT, "examples", "existing-cluster") });
  expect(schema.status).toBe(0);
  expect(schema.stderr).not.toContain("from $PATH");
  expect(JSON.parse(schema.stdout)).toMatchObject({ name: "aks-kube-proxy", version: VERSION });
});
