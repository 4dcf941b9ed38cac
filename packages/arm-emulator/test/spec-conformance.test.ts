/**
 * The emulator keeps its own kubeProxyConfig rules (it is the judge of the SDK, so it never imports it); this checks
 * them against the same REST spec excerpts the SDK's field table is checked against (test/fixtures/azure-rest-spec).
 */
import { parseApiVersion, type ApiVersion } from "../src/apiVersions";
import { IPVS_FIELD_RULES, validateKubeProxyConfig, type ClusterFactsForRules } from "../src/specRules";

type SpecField = { type: string; format?: string; enum?: string[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readSpecExcerpts } = require("../../../test/fixtures/azure-rest-spec/excerpts.cjs") as { readSpecExcerpts(): { apiVersion: string; fields: Record<string, SpecField> }[] };

const INT32_MAX = 2147483647;
const facts: ClusterFactsForRules = { resourceGroup: "rg", name: "c", kubernetesVersion: "1.33.0", networkPlugin: "azure" };

/** The smallest document that sets `path` to `value` (with mode IPVS when it is inside ipvsConfig). */
function documentWith(path: string, value: unknown): Record<string, unknown> {
  const [parent, name] = path.includes(".") ? path.split(".") : [undefined, path];
  return parent ? { mode: "IPVS", [parent]: { [name!]: value } } : { [name!]: value };
}

function accepts(path: string, value: unknown, apiVersion: ApiVersion): boolean {
  return validateKubeProxyConfig(documentWith(path, value), apiVersion, facts).ok;
}

describe.each(readSpecExcerpts())("the emulator's kubeProxyConfig rules conform to the spec of $apiVersion", ({ apiVersion: raw, fields }) => {
  const apiVersion = parseApiVersion(raw)!;

  test("the api-version parses", () => {
    expect(apiVersion).toBeDefined();
  });

  test("every enum value of the spec is accepted; a value outside it is refused", () => {
    for (const [path, spec] of Object.entries(fields).filter(([, s]) => s.enum)) {
      for (const value of spec.enum!) expect([path, value, accepts(path, value, apiVersion)]).toEqual([path, value, true]);
      expect([path, accepts(path, "NotAValue", apiVersion)]).toEqual([path, false]);
    }
  });

  test("a mode that a later api-version added is refused with this one", () => {
    const all = new Set(readSpecExcerpts().flatMap((e) => e.fields["mode"]?.enum ?? []));
    for (const mode of [...all].filter((m) => !fields["mode"]!.enum!.includes(m))) expect([mode, accepts("mode", mode, apiVersion)]).toEqual([mode, false]);
  });

  test("int32 fields accept 1 and the int32 maximum, and refuse 0, negatives, fractions and values past int32", () => {
    for (const [path] of Object.entries(fields).filter(([, s]) => s.format === "int32")) {
      for (const ok of [1, INT32_MAX]) expect([path, ok, accepts(path, ok, apiVersion)]).toEqual([path, ok, true]);
      for (const bad of [0, -1, 1.5, INT32_MAX + 1, "10"]) expect([path, bad, accepts(path, bad, apiVersion)]).toEqual([path, bad, false]);
    }
  });

  test("booleans take true and false and refuse other types", () => {
    for (const [path] of Object.entries(fields).filter(([, s]) => s.type === "boolean")) {
      expect(accepts(path, true, apiVersion)).toBe(true);
      expect(accepts(path, "yes", apiVersion)).toBe(false);
    }
  });

  test("the emulator knows exactly the spec's ipvsConfig fields, and refuses unknown ones", () => {
    const specIpvs = Object.keys(fields).filter((p) => p.startsWith("ipvsConfig.")).map((p) => p.slice("ipvsConfig.".length));
    expect(IPVS_FIELD_RULES.map((f) => f.name)).toEqual(specIpvs);
    expect(accepts("ipvsConfig.notAField", 1, apiVersion)).toBe(false);
    expect(accepts("notAField", 1, apiVersion)).toBe(false);
  });
});
