/**
 * The engine that `bash scripts/run.sh setup` builds (tools/pulumi/build.sh): present, at the pinned version. Fails,
 * never skips, when it is missing.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ENGINE_ROOT, ENGINE_VERSION, engineCommand } from "./support/pulumi-engine";

test("pulumi version prints the pinned version, and the automation API sees the same", async () => {
  const command = await engineCommand();
  expect(execFileSync(join(ENGINE_ROOT, "bin", "pulumi"), ["version"], { encoding: "utf8" }).trim()).toBe(`v${ENGINE_VERSION}`);
  expect(command.version?.version).toBe(ENGINE_VERSION);
});

test("the Node.js language host is built at the same version", () => {
  expect(execFileSync(join(ENGINE_ROOT, "bin", "pulumi-language-nodejs"), ["-version"], { encoding: "utf8" }).trim()).toBe(`v${ENGINE_VERSION}`);
});
