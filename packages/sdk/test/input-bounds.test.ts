/**
 * Hostile settings and rollout files (issue 16, items 3, 5 and 8): duplicate keys, UTF-16 files, deep nesting, huge
 * lists, too many subscriptions or patterns, and misspelt keys are refused with a ValidationError that names the key
 * path and the line, never a silent last-one-wins, a stack overflow or an unbounded heap.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INPUT_LIMITS, isKubeProxyError, parseKubeProxySettingsText, readKubeProxySettingsFile, ValidationError, type ValidationIssue } from "../src/index";
import { parseRolloutText, readRolloutFile, selectFleet } from "@aks-kube-proxy/rollout";

const SUB = "11111111-1111-1111-1111-111111111111";

function refusal(fn: () => unknown): { message: string; issues: ValidationIssue[] } {
  try {
    fn();
  } catch (error) {
    expect(isKubeProxyError(error)).toBe(true);
    expect(error).toBeInstanceOf(ValidationError);
    return { message: (error as ValidationError).message, issues: [...(error as ValidationError).issues] };
  }
  throw new Error("expected a ValidationError");
}

describe("duplicate keys", () => {
  test("a settings file with one key twice is refused, naming the key path, its line and column and the first one", () => {
    const { message, issues } = refusal(() => parseKubeProxySettingsText('{"mode":"IPVS","mode":"IPTABLES"}', { source: "dup.json" }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("$.mode");
    expect(message).toContain('dup.json is invalid');
    expect(message).toContain('$.mode: the key "mode" appears twice in one object (line 1, column 16; first at line 1, column 2)');
  });

  test("a duplicate inside ipvsConfig is found on its own line", () => {
    const text = '{\n  "mode": "IPVS",\n  "ipvsConfig": {\n    "scheduler": "RoundRobin",\n    "scheduler": "LeastConnection"\n  }\n}';
    const { issues } = refusal(() => parseKubeProxySettingsText(text, { source: "s.json" }));
    expect(issues.map((i) => i.path)).toEqual(["$.ipvsConfig.scheduler"]);
    expect(issues[0]?.message).toContain("line 5, column 5; first at line 4, column 5");
  });

  test("equal keys in different objects are not duplicates", () => {
    const { settings } = parseKubeProxySettingsText('{"mode":"IPVS","ipvsConfig":{"scheduler":"RoundRobin"}}');
    expect(settings).toEqual({ mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } });
  });

  test("a JSON rollout file with a duplicate key in its settings is refused with the key path and line", () => {
    const text = `{\n  "subscriptions": ["${SUB}"],\n  "settings": {"mode": "NFTABLES",\n    "mode": "IPVS"}\n}`;
    const { issues } = refusal(() => parseRolloutText(text, { source: "r.json" }));
    expect(issues.map((i) => i.path)).toEqual(["$.settings.mode"]);
    expect(issues[0]?.message).toContain("line 4, column 5; first at line 3, column 16");
  });

  test("a YAML rollout file with a duplicate key is refused with the key path and line", () => {
    const { message, issues } = refusal(() => parseRolloutText(`subscriptions: [${SUB}]\nsettings:\n  mode: IPVS\n  mode: IPTABLES\n`, { source: "r.yaml" }));
    expect(issues.map((i) => i.path)).toEqual(["$.settings.mode"]);
    expect(message).toContain('$.settings.mode: the key "mode" appears twice in one mapping (line 4, column 3; first at line 3, column 3)');
  });

  test("duplicate keys deep in a YAML rollout file (a wave, a flow mapping) are each named by key path and line", () => {
    const text = `subscriptions: [${SUB}]\nsettings: {mode: IPVS, mode: NFTABLES}\nwaves:\n  - name: all\n    count: 1\n    count: 2\n`;
    const { issues } = refusal(() => parseRolloutText(text, { source: "r.yaml" }));
    expect(issues.map((i) => [i.path, i.found])).toEqual([
      ["$.settings.mode", "mode"],
      ["$.waves[0].count", "count"],
    ]);
    expect(issues[0]?.message).toContain("line 2, column 24; first at line 2, column 12");
    expect(issues[1]?.message).toContain("line 6, column 5; first at line 5, column 5");
  });
});

describe("file encodings", () => {
  const utf16le = (s: string, bom: boolean): string => Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(s, "utf16le")]).toString("utf8");
  const utf32le = (s: string): string => Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), ...[...s].map((c) => Buffer.from([c.charCodeAt(0), 0, 0, 0]))]).toString("utf8");

  test.each([
    ["UTF-16 with a byte-order mark", utf16le('{"mode":"IPVS"}', true), "UTF-16"],
    ["UTF-16 without one", utf16le('{"mode":"IPVS"}', false), "UTF-16"],
    ["UTF-32", utf32le('{"mode":"IPVS"}'), "UTF-32"],
  ])("a settings file in %s is refused as such, without echoing NUL bytes", (_, text, encoding) => {
    const { message } = refusal(() => parseKubeProxySettingsText(text, { source: "k.json" }));
    expect(message).toContain(`k.json is ${encoding} encoded`);
    expect(message).toContain("save it as UTF-8");
    expect(message).not.toContain("\0");
  });

  test("a rollout file in UTF-16 is refused as such", () => {
    const { message } = refusal(() => parseRolloutText(utf16le(`subscriptions: [${SUB}]\n`, true), { source: "r.yaml" }));
    expect(message).toContain("r.yaml is UTF-16 encoded");
    expect(message).not.toContain("\0");
  });
});

describe("did-you-mean for every unknown key", () => {
  test("a misspelt settings key (tcpTimout) gets the key it meant", () => {
    const { issues } = refusal(() => parseKubeProxySettingsText('{"mode":"IPVS","ipvsConfig":{"tcpTimout":10}}'));
    expect(issues[0]).toMatchObject({ path: "$.ipvsConfig.tcpTimout", suggestion: "tcpTimeoutSeconds" });
  });

  test("the same typo inside a rollout file's settings, and a misspelt top-level key, get theirs", () => {
    const { issues } = refusal(() => parseRolloutText(`subscriptions: [${SUB}]\nsoakTme: 10m\nsettings:\n  mode: IPVS\n  ipvsConfig: { udpTimout: 10 }\n`));
    expect(issues.find((i) => i.path === "$.soakTme")?.suggestion).toBe("soakTime");
    expect(issues.find((i) => i.path === "$.settings.ipvsConfig.udpTimout")?.suggestion).toBe("udpTimeoutSeconds");
  });
});

describe("nesting", () => {
  test("100,000-deep JSON is refused at the 65th level, naming its path", () => {
    const { message, issues } = refusal(() => parseRolloutText("[".repeat(100_000) + "]".repeat(100_000), { source: "deep.json" }));
    expect(message).toContain(`nests more than ${INPUT_LIMITS.maxDepth} levels deep (line 1)`);
    expect(issues[0]?.path).toBe(`$${"[0]".repeat(INPUT_LIMITS.maxDepth)}`);
  });

  test.each([
    ["a block list of lists (- - - …)", "- ".repeat(100_000) + "x\n"],
    ["flow lists under a key", "a: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n"],
    ["flow maps", "{a: ".repeat(100_000) + "}".repeat(100_000) + "\n"],
  ])("100,000-deep YAML (%s) is refused with a clear message, not a stack overflow", (_, text) => {
    const { message } = refusal(() => parseRolloutText(text, { source: "deep.yaml" }));
    expect(message).toMatch(/^deep\.yaml (nests lists or objects too deeply to be read|holds more than)/);
    expect(message).not.toContain("Maximum call stack");
  });

  test("YAML nested deeper than the limit but readable is refused too", () => {
    const { message } = refusal(() => parseRolloutText(`subscriptions: [${SUB}]\nsettings: {mode: IPVS}\nx: ${"[".repeat(100)}${"]".repeat(100)}\n`, { source: "d.yaml" }));
    expect(message).toContain(`at most ${INPUT_LIMITS.maxDepth} are allowed`);
  });
});

describe("counts", () => {
  const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `aks-${i}`);

  test("a list of more entries than the limit is refused by the token pass, naming the list", () => {
    const text = JSON.stringify({ subscriptions: [SUB], select: { names: names(INPUT_LIMITS.maxEntries + 1) }, settings: { mode: "IPVS" } });
    const { issues } = refusal(() => parseRolloutText(text, { source: "r.json" }));
    expect(issues).toEqual([expect.objectContaining({ path: "$.select.names", message: `has more than ${INPUT_LIMITS.maxEntries} entries (line 1)` })]);
  });

  test("a list at the limit is accepted, and its exact names select their clusters (and only them)", () => {
    const text = JSON.stringify({ subscriptions: [SUB], select: { names: [...names(INPUT_LIMITS.maxEntries - 1), "web-*"] }, settings: { mode: "IPVS" } });
    const { spec } = parseRolloutText(text);
    const cluster = (name: string) => ({ id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`, subscriptionId: SUB, resourceGroup: "rg", name });
    const selected = selectFleet({ spec, clusters: [cluster("AKS-77"), cluster("aks-x"), cluster("web-1"), cluster("aks-99998"), cluster("aks-99999")] });
    expect(selected.map((s) => s.cluster.name)).toEqual(["AKS-77", "aks-99998", "web-1"]);
  });

  test("a YAML list longer than the limit is refused with its path and line", () => {
    const text = `subscriptions: [${SUB}]\nsettings: {mode: IPVS}\nselect:\n  names: [${names(INPUT_LIMITS.maxEntries + 1).join(",")}]\n`;
    const { issues } = refusal(() => parseRolloutText(text, { source: "r.yaml" }));
    expect(issues[0]).toMatchObject({ path: "$.select.names" });
    expect(issues[0]?.message).toContain(`more than the ${INPUT_LIMITS.maxEntries}`);
  });

  test("YAML with more values than the limit is refused before its document is built", () => {
    const list = names(INPUT_LIMITS.maxYamlNodes / 2 + 1).join(",");
    const text = `subscriptions: [${SUB}]\nsettings: {mode: IPVS}\nselect:\n  - names: [${list}]\n  - resourceGroups: [${list}]\n`;
    const { message } = refusal(() => parseRolloutText(text, { source: "r.yaml" }));
    expect(message).toContain(`r.yaml holds more than ${INPUT_LIMITS.maxYamlNodes} YAML values`);
  });

  test("more subscriptions than the limit are refused in one problem, not one per subscription", () => {
    const subs = Array.from({ length: INPUT_LIMITS.maxSubscriptions + 1 }, (_, i) => `00000000-0000-0000-0000-${i.toString(16).padStart(12, "0")}`);
    const { issues } = refusal(() => parseRolloutText(JSON.stringify({ subscriptions: subs, settings: { mode: "IPVS" } })));
    expect(issues).toEqual([expect.objectContaining({ path: "$.subscriptions", message: `lists ${subs.length} subscriptions, more than the ${INPUT_LIMITS.maxSubscriptions} one rollout file may (line 1)` })]);
  });

  test("more cluster selectors than the limit (select, exclude, groups and waves together) are refused once", () => {
    const select = Array.from({ length: INPUT_LIMITS.maxSelectors - 10 }, (_, i) => ({ names: [`aks-${i}`] }));
    const exclude = Array.from({ length: 20 }, (_, i) => ({ names: [`old-${i}`] }));
    const { issues } = refusal(() => parseRolloutText(JSON.stringify({ subscriptions: [SUB], select, exclude, settings: { mode: "IPVS" } })));
    expect(issues).toEqual([expect.objectContaining({ path: "$.exclude[10]", message: `more than ${INPUT_LIMITS.maxSelectors} cluster selectors in the file (select, exclude, groups and waves together) (line 1)` })]);
  });

  test.each(["groups", "waves"])("more %s than the limit are refused in one problem", (what) => {
    const many = Array.from({ length: INPUT_LIMITS.maxGroupsOrWaves + 1 }, (_, i) => ({ name: `x${i}`, select: { names: [`aks-${i}`] }, settings: { mode: "IPVS" } }));
    const doc = what === "groups" ? { subscriptions: [SUB], groups: many } : { subscriptions: [SUB], settings: { mode: "IPVS" }, waves: many.map(({ name, select }) => ({ name, select })) };
    const { issues } = refusal(() => parseRolloutText(JSON.stringify(doc)));
    expect(issues).toEqual([expect.objectContaining({ path: `$.${what}`, message: `lists ${many.length} ${what}, more than the ${INPUT_LIMITS.maxGroupsOrWaves} one rollout file may (line 1)` })]);
  });

  test("more glob patterns than the limit are refused once", () => {
    const patterns = Array.from({ length: INPUT_LIMITS.maxPatterns + 5 }, (_, i) => `aks-${i}-*`);
    const { issues } = refusal(() => parseRolloutText(JSON.stringify({ subscriptions: [SUB], select: { names: patterns }, settings: { mode: "IPVS" } })));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: `$.select.names[${INPUT_LIMITS.maxPatterns}]` });
    expect(issues[0]?.message).toContain(`more than ${INPUT_LIMITS.maxPatterns} glob patterns`);
  });

  test("a file with thousands of bad values lists the first problems and counts the rest", () => {
    const bad = Array.from({ length: 1000 }, () => "");
    const { message, issues } = refusal(() => parseRolloutText(JSON.stringify({ subscriptions: [SUB], select: { names: bad }, settings: { mode: "IPVS" } })));
    expect(issues).toHaveLength(INPUT_LIMITS.maxIssues + 1);
    expect(issues[INPUT_LIMITS.maxIssues]?.message).toBe(`and ${1000 - INPUT_LIMITS.maxIssues} more problem(s)`);
    expect(message).toContain(`and ${1000 - INPUT_LIMITS.maxIssues} more problem(s)`);
  });

  test("issues in a JSON rollout file carry their line, as YAML's do", () => {
    const text = `{\n  "subscriptions": ["${SUB}"],\n  "settings": {\n    "mode": "FOO"\n  }\n}`;
    const { issues } = refusal(() => parseRolloutText(text));
    expect(issues[0]).toMatchObject({ path: "$.settings.mode" });
    expect(issues[0]?.message).toMatch(/\(line 4\)$/);
  });
});

describe("file readers of the SDK", () => {
  const dir = mkdtempSync(join(tmpdir(), "sdk-input-bounds-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("readKubeProxySettingsFile refuses a duplicate key, and a device such as /dev/zero before reading it", async () => {
    const path = join(dir, "dup.json");
    writeFileSync(path, '{"mode":"IPVS","mode":"IPTABLES"}');
    await expect(readKubeProxySettingsFile(path)).rejects.toThrow('$.mode: the key "mode" appears twice');
    await expect(readKubeProxySettingsFile("/dev/zero")).rejects.toThrow("/dev/zero: is not a regular file");
  });

  test("readRolloutFile refuses a file over the size limit before reading it, and YAML over its own", async () => {
    const big = join(dir, "big.json");
    writeFileSync(big, " ".repeat(INPUT_LIMITS.maxRolloutFileBytes + 1));
    await expect(readRolloutFile(big)).rejects.toThrow(`is ${INPUT_LIMITS.maxRolloutFileBytes + 1} bytes; at most ${INPUT_LIMITS.maxRolloutFileBytes} are read`);
    const yaml = join(dir, "big.yaml");
    writeFileSync(yaml, `subscriptions: [${SUB}]\n#${"x".repeat(INPUT_LIMITS.maxRolloutYamlBytes)}\n`);
    await expect(readRolloutFile(yaml)).rejects.toThrow("a YAML rollout file may be at most 2 MB (2097152 bytes)");
  });
});

describe("lines in settings files", () => {
  test("each problem of a settings file names the line it is on, as a rollout file's do", () => {
    const text = '{\n  "mode": "IPVS",\n  "ipvsConfig": {\n    "tcpTimout": 10,\n    "scheduler": "Maglev"\n  }\n}';
    const { issues } = refusal(() => parseKubeProxySettingsText(text, { source: "k.json" }));
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ["$.ipvsConfig.tcpTimout", 'unknown key "tcpTimout" (line 4)'],
      ["$.ipvsConfig.scheduler", '"Maglev" is not an allowed value (line 5)'],
    ]);
  });
});
