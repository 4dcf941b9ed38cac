/**
 * The self-contained plugin executable, as a user installs it: the linux-amd64 tarball that `bash scripts/run.sh setup`
 * builds (scripts/release/plugin.mjs: the provider bundled into a Node.js single-executable application, the same
 * build `bash scripts/run.sh release` puts in dist/release/) installed with `pulumi plugin install resource
 * aks-kube-proxy <version> --file` into a fresh PULUMI_HOME, then examples/python-existing-cluster under the engine with
 * only the engine's folder on PATH — no `node` anywhere on it — against the ARM emulator (its CA through
 * NODE_EXTRA_CA_CERTS, read by the Node inside the executable): preview, up with one PUT, a second up without
 * writes, drift and refresh, destroy restoring. Then the released shape for Python users: the SDK's wheel (built by
 * setup with `python -m build`, as the release does) pip-installed into a fresh virtualenv, and a program of the
 * test's own on it, again with no node on PATH: up writes once, destroy restores.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "@aks-kube-proxy/arm-emulator";
import { describeExistingClusterExample } from "./support/existing-cluster-example";
import { clusterPutsOf, createEngineStack, ENGINE_ROOT, PLUGIN_VERSION, REPO_ROOT, storedKubeProxyConfig } from "./support/pulumi-engine";

jest.setTimeout(180_000);

const TARBALL = join(REPO_ROOT, ".toolchain", "plugin", `pulumi-resource-aks-kube-proxy-v${PLUGIN_VERSION}-linux-amd64.tar.gz`);
if (!existsSync(TARBALL)) {
  throw new Error(`${TARBALL} is missing: run \`bash scripts/run.sh setup\` (it builds the plugin executable with scripts/release/plugin.mjs).`);
}

const suite = describeExistingClusterExample({ example: "python-existing-cluster", label: "sea", pluginTarball: TARBALL });

test("sea: the engine ran the installed single executable, with no node on its PATH", () => {
  const { env } = suite.engine;
  const which = spawnSync("/bin/sh", ["-c", "command -v node"], { encoding: "utf8", env });
  expect(which.status).not.toBe(0);
  const installed = join(env["PULUMI_HOME"]!, "plugins", `resource-aks-kube-proxy-v${PLUGIN_VERSION}`, "pulumi-resource-aks-kube-proxy");
  const head = Buffer.alloc(4);
  const fd = openSync(installed, "r");
  readSync(fd, head, 0, 4, 0);
  closeSync(fd);
  expect(head.toString("latin1")).toBe("\x7fELF"); // a binary, not the shell launcher that runs `exec node`
  expect(suite.engine.output.join("\n")).not.toContain("from $PATH");
});

test("sea: the schema the executable serves names its download URL, from package.json's pulumi.server", () => {
  const { env } = suite.engine;
  const schema = spawnSync(join(ENGINE_ROOT, "bin", "pulumi"), ["package", "get-schema", `aks-kube-proxy@${PLUGIN_VERSION}`], { encoding: "utf8", env });
  expect(schema.status).toBe(0);
  const server = (JSON.parse(readFileSync(join(REPO_ROOT, "packages", "pulumi", "package.json"), "utf8")) as { pulumi: { server: string } }).pulumi.server;
  expect(JSON.parse(schema.stdout)).toMatchObject({ name: "aks-kube-proxy", version: PLUGIN_VERSION, pluginDownloadURL: server });
});

test("sea: the Python SDK's wheel in a fresh virtualenv and a program of its own, with no node on PATH: up writes once, destroy restores", async () => {
  const wheelDir = join(REPO_ROOT, ".toolchain", "pulumi-sdks", "wheel");
  const wheel = existsSync(wheelDir) ? readdirSync(wheelDir).find((f) => f.endsWith(".whl")) : undefined;
  if (wheel === undefined) throw new Error(`no wheel in ${wheelDir}: run \`bash scripts/run.sh setup\` (ensure_provider_sdks builds it).`);
  const work = mkdtempSync(join(tmpdir(), "sea-wheel-"));
  const CLUSTER = { resourceGroup: "rg-wheel", name: "aks-wheel" };
  const BEFORE = { enabled: true, mode: "IPTABLES" };
  const em = await startEmulator({ throttling: false, clusters: [{ ...CLUSTER, kubernetesVersion: "1.33.2", networkPlugin: "azure", kubeProxyConfig: BEFORE }] });
  const engine = await createEngineStack({ example: "python-existing-cluster", em, pluginTarball: TARBALL, config: { resourceGroupName: CLUSTER.resourceGroup, clusterName: CLUSTER.name } });
  try {
    // A fresh virtualenv with only the wheel installed; the pulumi SDK it requires (pinned, the same version) comes
    // from setup's virtualenv through a .pth file, since PyPI is out of the tests' reach.
    const venv = join(work, "venv");
    const toolchainPython = join(REPO_ROOT, ".toolchain", "python", "bin", "python");
    const run = (cmd: string, args: string[]) => {
      const r = spawnSync(cmd, args, { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
      return r.stdout.trim();
    };
    run(toolchainPython, ["-m", "venv", venv]);
    const purelib = (python: string) => run(python, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]);
    run(join(venv, "bin", "python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index", "--no-deps", join(wheelDir, wheel)]);
    // After the install (pip would otherwise find setup's copy of the SDK there and install nothing).
    writeFileSync(join(purelib(join(venv, "bin", "python")), "toolchain-pulumi.pth"), `${purelib(toolchainPython)}\n`);
    const program = join(work, "program");
    run("mkdir", [program]);
    writeFileSync(join(program, "Pulumi.yaml"), `name: aks-kube-proxy-python-existing-cluster\nruntime:\n  name: python\n  options:\n    virtualenv: ${venv}\n`);
    writeFileSync(
      join(program, "__main__.py"),
      [
        "import pulumi",
        "import pulumi_aks_kube_proxy as akp",
        "config = pulumi.Config()",
        'kp = akp.KubeProxyConfig("kp", resource_group_name=config.require("resourceGroupName"), cluster_name=config.require("clusterName"),',
        '    settings=akp.KubeProxySettingsArgs(mode="IPVS", ipvs_config=akp.IpvsConfigArgs(scheduler="LeastConnection")))',
        'pulumi.export("sdk", akp.__file__)',
        'pulumi.export("applied", kp.applied_settings)',
        "",
      ].join("\n"),
    );
    const stack = await engine.otherProgram(program);
    em.control.clearRequestLog();
    const up = await stack.up(engine.io);
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs["sdk"]?.value).toContain(venv); // the wheel's package, not setup's
    expect(clusterPutsOf(em, CLUSTER)).toBe(1);
    expect(storedKubeProxyConfig(em, CLUSTER)).toMatchObject({ mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } });
    em.control.clearRequestLog();
    await stack.destroy(engine.io);
    expect(clusterPutsOf(em, CLUSTER)).toBe(1);
    expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(BEFORE);
    expect(spawnSync("/bin/sh", ["-c", "command -v node"], { env: engine.env }).status).not.toBe(0);
  } finally {
    await engine.cleanup();
    await em.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
