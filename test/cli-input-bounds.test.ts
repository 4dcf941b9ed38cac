/**
 * Hostile input through the CLI (issue 16, items 3, 5 and 8): files generated in a temp dir, each near or past a
 * documented limit. Each run must end with exit 3 and a message naming what is wrong (key path, line), or succeed;
 * never a V8 abort (exit 134), a stack overflow or a silent last-key-wins. Memory and time are measured by
 * `pnpm bench:cli`, not here.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorEnv, emulatorFlags, EXAMPLE_SETTINGS, runCli } from "../packages/cli/test/support/run-cli";
import { RG, useCliTestEmulator } from "../packages/cli/test/support/fixtures";

const t = useCliTestEmulator();
const dir = mkdtempSync(join(tmpdir(), "cli-input-bounds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): ReturnType<typeof runCli> {
  return runCli([...args, ...emulatorFlags(t.em)], { env: emulatorEnv(t.em), timeoutInMs: 120_000 });
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** About `bytes` of JSON: a rollout file whose select lists `count` names of the given length. */
function namesRollout(subscriptionId: string, count: number, length: number): string {
  const names = Array.from({ length: count }, (_, i) => `aks-${String(i).padStart(Math.max(1, length - 4), "0")}`);
  return JSON.stringify({ subscriptions: [subscriptionId], select: { names }, settings: { mode: "IPVS" } });
}

describe("duplicate keys are exit 3, naming the key path and the line", () => {
  it("validate refuses a settings file with mode twice instead of applying the last one", async () => {
    const run = await cli(["validate", file("dup.json", '{"mode":"IPVS","mode":"IPTABLES"}')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('$.mode: the key "mode" appears twice in one object (line 1, column 16; first at line 1, column 2)');
    expect(run.stdout).toBe("");
  });

  it("plan refuses the same file before it reads or writes anything", async () => {
    const run = await cli(["plan", "-g", RG, "-n", "plain", "--kube-proxy-config", join(dir, "dup.json")]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("$.mode");
    expect(t.em.control.requestLog()).toHaveLength(0);
  });

  it("rollout plan refuses a JSON rollout file whose settings repeat a key", async () => {
    const path = file("dup-rollout.json", `{\n  "subscriptions": ["${t.em.subscriptionId}"],\n  "settings": {"mode": "NFTABLES",\n    "mode": "IPVS"}\n}\n`);
    const run = await cli(["rollout", "plan", path]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('$.settings.mode: the key "mode" appears twice in one object (line 4, column 5; first at line 3, column 16)');
  });
});

describe("encodings and typos", () => {
  it("a UTF-16 settings file is exit 3 'save it as UTF-8', with no NUL byte echoed", async () => {
    const run = await cli(["validate", file("utf16.json", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"mode":"IPVS"}', "utf16le")]))]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("utf16.json is UTF-16 encoded");
    expect(run.stderr).toContain("save it as UTF-8");
    expect(run.stderr).not.toContain("\0");
  });

  it("a misspelt key gets a did-you-mean", async () => {
    const run = await cli(["validate", file("typo.json", '{"mode":"IPVS","ipvsConfig":{"tcpTimout":10}}')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('$.ipvsConfig.tcpTimout: unknown key "tcpTimout"');
    expect(run.stderr).toContain('did you mean "tcpTimeoutSeconds"?');
  });
});

describe("files near the size limits are refused early or processed, never a heap abort", () => {
  it("an 18 MB rollout JSON of 1.4 M cluster names is exit 3 naming the list and its limit", async () => {
    const path = file("names.json", namesRollout(t.em.subscriptionId, 1_400_000, 9));
    const run = await cli(["rollout", "plan", path]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("$.select.names: has more than 100000 entries (line 1)");
    expect(t.em.control.requestLog()).toHaveLength(0);
  });

  it("a 19 MB rollout JSON of 480 k subscriptions is exit 3 before any subscription is listed", async () => {
    const subs = Array.from({ length: 480_000 }, (_, i) => `00000000-0000-0000-0000-${i.toString(16).padStart(12, "0")}`);
    const run = await cli(["rollout", "plan", file("subs.json", JSON.stringify({ subscriptions: subs, settings: { mode: "IPVS" } }))]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("$.subscriptions: has more than 100000 entries");
    expect(t.em.control.requestLog()).toHaveLength(0);
  });

  it("a 19 MB rollout JSON of 99,999 long names, inside every limit, is planned (exit 0)", async () => {
    const path = file("names-ok.json", namesRollout(t.em.subscriptionId, 99_999, 185));
    const run = await cli(["rollout", "plan", path, "-o", "json"]);
    expect(run.stderr).not.toContain("heap");
    expect(run.code).toBe(0);
  });

  it("a 1.9 MB YAML list of 118 k names is exit 3 naming the list", async () => {
    const names = Array.from({ length: 118_000 }, (_, i) => `    - aks-${i}`).join("\n");
    const run = await cli(["rollout", "plan", file("list.yaml", `subscriptions: [${t.em.subscriptionId}]\nsettings: {mode: IPVS}\nselect:\n  names:\n${names}\n`)]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("$.select.names: has 118000 entries, more than the 100000 one list or object may");
  });

  it("a 100k-deep YAML file is exit 3 'nests too deeply', not a stack overflow", async () => {
    const run = await cli(["rollout", "plan", file("deep.yaml", "- ".repeat(100_000) + "x\n")]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("deep.yaml nests lists or objects too deeply to be read");
    expect(run.stderr).not.toContain("Maximum call stack");
  });

  it("a --query that multiplies its result at every step is stopped with exit 3", async () => {
    const bomb = `[@,@,@,@,@,@,@,@]${"[].[@,@,@,@,@,@,@,@]".repeat(10)}`;
    const run = await cli(["validate", EXAMPLE_SETTINGS, "-o", "json", "--query", bomb]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("was stopped: it needs more than 5000000 evaluation steps");
    expect(run.stdout).toBe("");
  });

  it("a --query whose few steps refer to the document 8^7 times is stopped before it is printed", async () => {
    const bomb = `[@,@,@,@,@,@,@,@]${"[].[@,@,@,@,@,@,@,@]".repeat(6)}`;
    const run = await cli(["validate", EXAMPLE_SETTINGS, "-o", "json", "--query", bomb]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("was stopped: its result would print more than 64 MB");
    expect(run.stdout).toBe("");
  });

  it("a --query that doubles a string at every step is stopped with exit 3", async () => {
    const bomb = `to_string(@)${" | join('', [@, @])".repeat(40)}`;
    const run = await cli(["validate", EXAMPLE_SETTINGS, "-o", "json", "--query", bomb]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("it builds a string of more than 10000000 characters");
  });
});
