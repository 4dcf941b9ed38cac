/**
 * The SDKs `bash scripts/run.sh setup` generates from the provider plugin's schema with the engine
 * (`pulumi package gen-sdk`, tools/pulumi's language hosts) into .toolchain/pulumi-sdks: the Go SDK compiles (offline,
 * from the module cache setup filled), and the Python SDK carries the schema's enums and descriptions.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./support/pulumi-engine";

jest.setTimeout(300_000);

const SDKS = join(REPO_ROOT, ".toolchain", "pulumi-sdks");

function requireSdk(lang: string): string {
  const dir = join(SDKS, lang);
  if (!existsSync(dir)) throw new Error(`No generated ${lang} SDK in ${dir}: run \`bash scripts/run.sh setup\` (ensure_provider_sdks).`);
  return dir;
}

test("the Go SDK generated from the schema compiles with go build", () => {
  const dir = requireSdk("go");
  const build = spawnSync("go", ["build", "./..."], { cwd: dir, encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=mod", GOPROXY: "off" } });
  expect(build.stderr).toBe("");
  expect(build.status).toBe(0);
  const resource = readFileSync(join(dir, "akskubeproxy", "clusterKubeProxySettings.go"), "utf8");
  expect(resource).toContain('ctx.RegisterResource("aks-kube-proxy:index:ClusterKubeProxySettings"');
});

test("the Python SDK generated from the schema has the mode and scheduler enums and the schema's descriptions", () => {
  const dir = join(requireSdk("python"), "pulumi_aks_kube_proxy");
  const enums = readFileSync(join(dir, "_enums.py"), "utf8");
  expect(enums).toMatch(/class Mode\(_builtins\.str, Enum\)/);
  expect(enums).toMatch(/IPVS = "IPVS"/);
  expect(enums).toMatch(/NFTABLES = "NFTABLES"/);
  expect(enums).toMatch(/LEAST_CONNECTION = "LeastConnection"/);
  const component = readFileSync(join(dir, "kube_proxy_config.py"), "utf8");
  expect(component).toContain("Path of a settings file in the `az aks update --kube-proxy-config` format");
});
