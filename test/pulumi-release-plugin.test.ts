/**
 * The self-contained plugin executable, as a user installs it: the linux-amd64 tarball that `bash scripts/run.sh setup`
 * builds (scripts/release/plugin.mjs: the provider bundled into a Node.js single-executable application, the same
 * build `bash scripts/run.sh release` puts in dist/release/) installed with `pulumi plugin install resource
 * aks-kube-proxy <version> --file` into a fresh PULUMI_HOME, then examples/python-existing-cluster under the engine with
 * only the engine's folder on PATH — no `node` anywhere on it — against the ARM emulator (its CA through
 * NODE_EXTRA_CA_CERTS, read by the Node inside the executable): preview, up with one PUT, a second up without
 * writes, drift and refresh, destroy restoring.
 */
import { spawnSync } from "node:child_process";
import { existsSync, openSync, readSync, closeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describeExistingClusterExample } from "./support/existing-cluster-example";
import { ENGINE_ROOT, PLUGIN_VERSION, REPO_ROOT } from "./support/pulumi-engine";

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
