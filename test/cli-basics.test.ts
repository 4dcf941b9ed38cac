/**
 * End-to-end: the built `aks-kube-proxy` binary's help, version, usage errors and the offline `validate` command.
 * Needs `pnpm build` first (the root test flow builds before testing).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLE_SETTINGS, parseJsonDocument, runCli } from "../packages/cli/test/support/run-cli";
import { DOCS_SETTINGS } from "../packages/cli/test/support/fixtures";

const COMMANDS = ["enable-preview", "status", "plan", "apply", "create", "delete", "validate", "emulator", "demo"];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cli-basics-"));
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("help and version", () => {
  it("lists every command and the exit codes in the top-level help", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    for (const c of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${c}\\b`, "m"));
    expect(run.stdout).toContain("Exit codes: 0 ok, 1 failure, 2 changes present");
  });

  it.each(COMMANDS)("shows examples and the global options in `%s --help`", async (command) => {
    const run = await runCli([command, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: aks-kube-proxy ${command}`);
    expect(run.stdout).toMatch(/Examples:\n {2}\$ aks-kube-proxy /);
    expect(run.stdout).toContain("--output <format>");
  });

  it("prints the package version", async () => {
    const run = await runCli(["--version"]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("usage errors exit 3 with a message on stderr", () => {
  it("refuses an unknown command", async () => {
    const run = await runCli(["aply"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("unknown command 'aply'");
    expect(run.stderr).toContain("apply");
  });

  it("refuses an unknown option and answers with a JSON error document in --output json", async () => {
    const run = await runCli(["status", "--bogus", "-o", "json"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("unknown option '--bogus'");
    expect(parseJsonDocument<{ error: { code: string; exitCode: number } }>(run).error).toMatchObject({ code: "InvalidInput", exitCode: 3 });
  });

  it("refuses an --output format it does not know", async () => {
    const run = await runCli(["validate", EXAMPLE_SETTINGS, "--output", "xml"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("xml");
  });
});

describe("validate FILE (offline)", () => {
  it("prints the documentation's example normalized to the API's camelCase, with casing notes on stderr", async () => {
    const run = await runCli(["validate", EXAMPLE_SETTINGS]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(DOCS_SETTINGS);
    expect(Object.keys(JSON.parse(run.stdout) as object)).toEqual(["enabled", "ipvsConfig", "mode"]);
    expect(run.stderr).toContain("legacy-key-casing");
    expect(run.stderr).toContain("TCPTimeoutSeconds");
  });

  it("prints one JSON document with the settings and warnings in --output json", async () => {
    const run = await runCli(["validate", EXAMPLE_SETTINGS, "-o", "json"]);
    expect(run.code).toBe(0);
    const doc = parseJsonDocument<{ valid: boolean; settings: unknown; warnings: { id: string }[] }>(run);
    expect(doc.valid).toBe(true);
    expect(doc.settings).toEqual(DOCS_SETTINGS);
    expect(doc.warnings.map((w) => w.id)).toContain("legacy-key-casing");
  });

  it("accepts the plural LeastConnections from an old docs revision with a warning", async () => {
    const path = file("plural.json", JSON.stringify({ mode: "IPVS", ipvsConfig: { scheduler: "LeastConnections" } }));
    const run = await runCli(["validate", path]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ ipvsConfig: { scheduler: "LeastConnection" }, mode: "IPVS" });
    expect(run.stderr).toMatch(/LeastConnections/);
  });

  it("names the file when it does not exist (exit 3)", async () => {
    const missing = join(dir, "missing.json");
    const run = await runCli(["validate", missing]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(missing);
    expect(run.stderr).toMatch(/does not exist/i);
  });

  it("says the file is not JSON when it is malformed (exit 3)", async () => {
    const path = file("broken.json", '{"mode": "IPVS",');
    const run = await runCli(["validate", path]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(path);
    expect(run.stderr).toMatch(/not valid JSON/i);
  });

  it("names the JSON path of an unknown key and suggests the right one (exit 3)", async () => {
    const path = file("typo.json", JSON.stringify({ mode: "IPVS", ipvsConfig: { schedular: "RoundRobin" } }));
    const run = await runCli(["validate", path, "-o", "json"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("$.ipvsConfig.schedular");
    expect(run.stderr).toContain('did you mean "scheduler"');
    const doc = parseJsonDocument<{ error: { code: string; issues: { path: string }[] } }>(run);
    expect(doc.error.code).toBe("ValidationError");
    expect(doc.error.issues[0]!.path).toBe("$.ipvsConfig.schedular");
  });

  it("refuses a negative timeout with its path and what is allowed (exit 3)", async () => {
    const path = file("negative.json", JSON.stringify({ mode: "IPVS", ipvsConfig: { tcpTimeoutSeconds: -5 } }));
    const run = await runCli(["validate", path]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("$.ipvsConfig.tcpTimeoutSeconds");
  });
});
