import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fc from "fast-check";
import {
  canonicalKubeProxyJson,
  canonicalKubeProxySettings,
  isKubeProxyError,
  parseKubeProxySettings,
  readKubeProxySettingsFile,
  ValidationError,
  type KubeProxyConfig,
} from "@aks-kube-proxy/sdk";

const RECORDED = "/work/shared/recordings/azure-cli-extensions-data";

/** What the REST spec (2026-08-02-preview) accepts for kubeProxyConfig, checked independently of the parser. */
function apiAccepts(x: unknown): boolean {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!["enabled", "mode", "ipvsConfig"].includes(k)) return false;
  if ("enabled" in o && typeof o["enabled"] !== "boolean") return false;
  if ("mode" in o && !["IPTABLES", "IPVS", "NFTABLES"].includes(o["mode"] as string)) return false;
  if ("ipvsConfig" in o) {
    if (o["mode"] !== "IPVS") return false;
    const i = o["ipvsConfig"];
    if (typeof i !== "object" || i === null || Array.isArray(i)) return false;
    for (const [k, v] of Object.entries(i)) {
      if (k === "scheduler") {
        if (!["RoundRobin", "LeastConnection"].includes(v as string)) return false;
      } else if (["tcpTimeoutSeconds", "tcpFinTimeoutSeconds", "udpTimeoutSeconds"].includes(k)) {
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 2147483647) return false;
      } else return false;
    }
  }
  return true;
}

function issuesOf(fn: () => unknown): ValidationError["issues"] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error("expected a ValidationError");
}

describe("parseKubeProxySettings", () => {
  test("reads the settings files the az CLI's own tests pass to --kube-proxy-config", async () => {
    const plain = await readKubeProxySettingsFile(join(RECORDED, "kubeproxyconfig.json"));
    expect(plain.settings).toEqual({ enabled: true, mode: "IPTABLES" });
    expect(plain.warnings).toEqual([]);
    const update = await readKubeProxySettingsFile(join(RECORDED, "kubeproxyconfig_update.json"));
    expect(update.settings).toEqual({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } });
  });

  test("reads the AKS docs' file with TCPTimeoutSeconds/TCPFINTimeoutSeconds/UDPTimeoutSeconds into the API's camelCase, with notes", () => {
    const { settings, warnings } = parseKubeProxySettings({
      enabled: true,
      mode: "IPVS",
      ipvsConfig: { scheduler: "LeastConnection", TCPTimeoutSeconds: 900, TCPFINTimeoutSeconds: 120, UDPTimeoutSeconds: 300 },
    });
    expect(settings).toEqual({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 } });
    expect(warnings.map((w) => [w.id, w.path])).toEqual([
      ["legacy-key-casing", "$.ipvsConfig.TCPTimeoutSeconds"],
      ["legacy-key-casing", "$.ipvsConfig.TCPFINTimeoutSeconds"],
      ["legacy-key-casing", "$.ipvsConfig.UDPTimeoutSeconds"],
    ]);
  });

  test("accepts LeastConnections (plural, from an old docs revision) as LeastConnection with a warning", () => {
    const { settings, warnings } = parseKubeProxySettings({ mode: "IPVS", ipvsConfig: { scheduler: "LeastConnections" } });
    expect(settings.ipvsConfig?.scheduler).toBe("LeastConnection");
    expect(warnings).toEqual([expect.objectContaining({ id: "ipvs-scheduler-least-connections", severity: "warning", path: "$.ipvsConfig.scheduler" })]);
  });

  test("matches top-level keys and enum values without regard to case", () => {
    const { settings, warnings } = parseKubeProxySettings({ Enabled: true, MODE: "nftables" });
    expect(settings).toEqual({ enabled: true, mode: "NFTABLES" });
    expect(warnings.map((w) => w.id).sort()).toEqual(["enum-value-casing", "legacy-key-casing", "legacy-key-casing"]);
  });

  test("refuses an unknown key with its path and a did-you-mean", () => {
    const issues = issuesOf(() => parseKubeProxySettings({ mode: "IPVS", ipvsConfig: { tcpTimeoutSecond: 10 } }));
    expect(issues).toEqual([expect.objectContaining({ path: "$.ipvsConfig.tcpTimeoutSecond", found: "tcpTimeoutSecond", suggestion: "tcpTimeoutSeconds" })]);
  });

  test("refuses a bad enum value naming what was found, what is allowed and the closest value", () => {
    const issues = issuesOf(() => parseKubeProxySettings({ mode: "IPVSS" }));
    expect(issues).toEqual([expect.objectContaining({ path: "$.mode", found: "IPVSS", allowed: "IPTABLES | IPVS | NFTABLES", suggestion: "IPVS" })]);
    const scheduler = issuesOf(() => parseKubeProxySettings({ mode: "IPVS", ipvsConfig: { scheduler: "WeightedRoundRobin" } }));
    expect(scheduler[0]).toEqual(expect.objectContaining({ path: "$.ipvsConfig.scheduler", allowed: "RoundRobin | LeastConnection" }));
  });

  test("refuses wrong types", () => {
    const issues = issuesOf(() => parseKubeProxySettings({ enabled: "true", mode: 3, ipvsConfig: [] }));
    expect(issues.map((i) => i.path)).toEqual(["$.enabled", "$.mode", "$.ipvsConfig"]);
  });

  test.each([
    [-1, "positive"],
    [0, "positive"],
    [1.5, "whole number"],
    ["900", "integer"],
    [2147483648, "int32"],
  ])("refuses the timeout %p", (value, words) => {
    const issues = issuesOf(() => parseKubeProxySettings({ mode: "IPVS", ipvsConfig: { udpTimeoutSeconds: value } }));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("$.ipvsConfig.udpTimeoutSeconds");
    expect(issues[0]!.message).toContain(words);
  });

  test.each([["IPTABLES"], ["NFTABLES"], [undefined]])("refuses ipvsConfig with mode %p", (mode) => {
    const issues = issuesOf(() => parseKubeProxySettings({ ...(mode ? { mode } : {}), ipvsConfig: { scheduler: "RoundRobin" } }));
    expect(issues).toEqual([expect.objectContaining({ path: "$.ipvsConfig" })]);
  });

  test("refuses keys that repeat under another casing", () => {
    const issues = issuesOf(() => parseKubeProxySettings({ mode: "IPVS", Mode: "IPTABLES" }));
    expect(issues[0]!.path).toBe("$.Mode");
  });

  test("refuses a document that is not an object", () => {
    for (const input of [null, [], "IPVS", 3, true]) {
      expect(issuesOf(() => parseKubeProxySettings(input))[0]!.path).toBe("$");
    }
  });

  test("reports every issue at once, and the message names the source", () => {
    try {
      parseKubeProxySettings({ mode: "X", enabled: 1, extra: true }, { source: "cfg.json" });
      throw new Error("not refused");
    } catch (error) {
      expect(isKubeProxyError(error)).toBe(true);
      const e = error as ValidationError;
      expect(e.code).toBe("ValidationError");
      expect(e.issues).toHaveLength(3);
      expect(e.message).toMatch(/^cfg\.json is invalid \(3 problems\)/);
    }
  });

  test("an empty document is the empty setting", () => {
    expect(parseKubeProxySettings({})).toEqual({ settings: {}, warnings: [] });
  });
});

describe("readKubeProxySettingsFile", () => {
  test("names the file when it is missing or not JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kpc-"));
    const missing = join(dir, "missing.json");
    await expect(readKubeProxySettingsFile(missing)).rejects.toMatchObject({ code: "ValidationError", message: expect.stringContaining(missing) });
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{ mode: IPVS }");
    await expect(readKubeProxySettingsFile(bad)).rejects.toMatchObject({ code: "ValidationError", message: expect.stringContaining("bad.json is not valid JSON") });
    const bom = join(dir, "bom.json");
    await writeFile(bom, '\ufeff{"mode":"IPVS"}');
    await expect(readKubeProxySettingsFile(bom)).resolves.toEqual({ settings: { mode: "IPVS" }, warnings: [] });
  });
});

// Arbitraries: keys in random casing, values that are sometimes right and sometimes anything.
const casing = (key: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: key.length, maxLength: key.length }).map((flags) => [...key].map((ch, i) => (flags[i] ? ch.toUpperCase() : ch.toLowerCase())).join(""));
const keyOf = (key: string): fc.Arbitrary<string> => fc.oneof({ weight: 3, arbitrary: fc.constant(key) }, { weight: 1, arbitrary: casing(key) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });
const timeoutValue = fc.oneof(fc.integer({ min: 1, max: 2147483647 }), fc.integer(), fc.double(), fc.anything());
const schedulerValue = fc.oneof(fc.constantFrom("RoundRobin", "LeastConnection", "LeastConnections", "roundrobin"), fc.anything());
const modeValue = fc.oneof(fc.constantFrom("IPTABLES", "IPVS", "NFTABLES", "ipvs", "Iptables"), fc.anything());
const ipvsObject = fc.dictionary(
  fc.oneof(keyOf("scheduler"), keyOf("tcpTimeoutSeconds"), keyOf("tcpFinTimeoutSeconds"), keyOf("udpTimeoutSeconds")),
  fc.oneof(schedulerValue, timeoutValue),
  { maxKeys: 5 },
);
const messyInput = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(fc.oneof(keyOf("enabled"), keyOf("mode"), keyOf("ipvsConfig")), fc.oneof(fc.boolean(), modeValue, ipvsObject, fc.anything()), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.anything() },
);
const validSettings: fc.Arbitrary<KubeProxyConfig> = fc.oneof(
  fc.record({ enabled: fc.boolean(), mode: fc.constantFrom("IPTABLES", "NFTABLES") }, { requiredKeys: [] }),
  fc.record(
    {
      enabled: fc.boolean(),
      mode: fc.constant("IPVS"),
      ipvsConfig: fc.record(
        {
          scheduler: fc.constantFrom("RoundRobin", "LeastConnection"),
          tcpTimeoutSeconds: fc.integer({ min: 1, max: 2147483647 }),
          tcpFinTimeoutSeconds: fc.integer({ min: 1, max: 2147483647 }),
          udpTimeoutSeconds: fc.integer({ min: 1, max: 2147483647 }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ["mode"] },
  ),
);

describe("parseKubeProxySettings properties", () => {
  test("any input either parses to a value the API accepts or is refused with a path-bearing ValidationError, never a crash", () => {
    fc.assert(
      fc.property(messyInput, (input) => {
        let parsed: KubeProxyConfig;
        try {
          parsed = parseKubeProxySettings(input).settings;
        } catch (error) {
          if (!(error instanceof ValidationError)) return false;
          return error.issues.length > 0 && error.issues.every((i) => i.path.startsWith("$") && i.message.length > 0);
        }
        return apiAccepts(parsed);
      }),
      { numRuns: 3000 },
    );
  });

  test("parse(canonical(x)) gives x back for every valid setting", () => {
    fc.assert(
      fc.property(validSettings, (settings) => {
        const again = parseKubeProxySettings(canonicalKubeProxySettings(settings)).settings;
        expect(again).toEqual(settings);
        expect(canonicalKubeProxyJson(again)).toBe(canonicalKubeProxyJson(settings));
      }),
      { numRuns: 1000 },
    );
  });

  test("whatever parses, parses again to the same value from its canonical JSON", () => {
    fc.assert(
      fc.property(messyInput, (input) => {
        let parsed: KubeProxyConfig;
        try {
          parsed = parseKubeProxySettings(input).settings;
        } catch {
          return true;
        }
        return canonicalKubeProxyJson(parseKubeProxySettings(canonicalKubeProxySettings(parsed)).settings) === canonicalKubeProxyJson(parsed);
      }),
      { numRuns: 2000 },
    );
  });
});
