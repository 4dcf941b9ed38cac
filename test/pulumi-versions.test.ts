/**
 * The tested Pulumi version matrix (no registry serves one version everywhere: root README, "Pulumi versions"), pinned
 * in packages/pulumi/package.json and matched by what is built and installed: the engine (tools/pulumi/build.sh, run
 * through scripts/pulumi), the Node SDK (the exact peer of @aks-kube-proxy/pulumi, the version installed, and the
 * examples' dependency), the Python SDK (setup's virtualenv, and the requirement of the generated Python SDK).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema } from "../packages/pulumi/src/provider/schema";
import { PULUMI_NODEJS_VERSION } from "../packages/pulumi/src/provider/packageInfo";
import { loadedPulumiVersion } from "../packages/pulumi/src/provider/serverAdapter";

const ROOT = join(__dirname, "..");
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8")) as Record<string, unknown> & { pulumiVersions: { engine: string; python: string }; peerDependencies: Record<string, string>; dependencies?: Record<string, string> };
const pkg = json("packages/pulumi/package.json");
const nodePin = pkg.peerDependencies["@pulumi/pulumi"]!;

test("the engine is the pinned version: tools/pulumi/build.sh's pin, and what scripts/pulumi runs", () => {
  expect(readFileSync(join(ROOT, "tools", "pulumi", "build.sh"), "utf8")).toContain(`PULUMI_VERSION=v${pkg.pulumiVersions.engine}\n`);
  const version = spawnSync(join(ROOT, "scripts", "pulumi"), ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_HOME: join(ROOT, ".toolchain", "pulumi", "home") } });
  expect(version.stderr).toBe("");
  expect(version.stdout.trim()).toBe(`v${pkg.pulumiVersions.engine}`);
});

test("the Node SDK peer is one exact version, the one installed, loaded and named by the provider server adapter, and the one every package.json depends on", () => {
  expect(nodePin).toMatch(/^\d+\.\d+\.\d+$/); // not a range
  const installed = (JSON.parse(readFileSync(require.resolve("@pulumi/pulumi/package.json", { paths: [join(ROOT, "packages", "pulumi")] }), "utf8")) as { version: string }).version;
  expect(installed).toBe(nodePin);
  for (const example of ["existing-cluster", "fleet", "new-cluster"]) expect(json(`examples/${example}/package.json`).dependencies?.["@pulumi/pulumi"]).toBe(nodePin);
  // The package's and the root's devDependencies, which install it here, are copies of the pin.
  expect((pkg["devDependencies"] as Record<string, string>)["@pulumi/pulumi"]).toBe(nodePin);
  expect((json("package.json")["devDependencies"] as Record<string, string>)["@pulumi/pulumi"]).toBe(nodePin);
  // The provider server adapter's refusal to start names this version, and it is the one loaded.
  expect(PULUMI_NODEJS_VERSION).toBe(nodePin);
  expect(loadedPulumiVersion()).toBe(nodePin);
  expect(pkg.dependencies?.["@pulumi/pulumi"]).toBeUndefined();
  expect((pkg["peerDependenciesMeta"] as Record<string, { optional?: boolean }>)["@pulumi/azure-native"]).toEqual({ optional: true });
});

test("the Python SDK is the pinned version in setup's virtualenv, and the generated Python SDK requires exactly it", () => {
  const py = spawnSync(join(ROOT, ".toolchain", "python", "bin", "python"), ["-c", "import importlib.metadata as m; print(m.version('pulumi'))"], { encoding: "utf8" });
  expect(py.stdout.trim()).toBe(pkg.pulumiVersions.python);
  const schema = buildSchema("1.2.3") as { language: { python: { requires: Record<string, string> } } };
  expect(schema.language.python.requires).toEqual({ pulumi: `==${pkg.pulumiVersions.python}` });
  expect(readFileSync(join(ROOT, "scripts", "run.sh"), "utf8")).toContain("PYTHON_PULUMI_VERSION=$(sed -n 's/.*\"python\"");
});

test("the root README states the matrix", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const v of [`v${pkg.pulumiVersions.engine}`, nodePin, pkg.pulumiVersions.python]) expect(readme).toContain(`**${v}**`);
});
