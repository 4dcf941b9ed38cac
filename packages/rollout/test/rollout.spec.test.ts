import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { isKubeProxyError, ValidationError, type ValidationIssue } from "@aks-kube-proxy/sdk";
import { parseRolloutSpec, parseRolloutText, parseDurationInMs, rolloutJsonSchema } from "../src/index";

const SUB_A = "11111111-1111-1111-1111-111111111111";
const SUB_B = "22222222-2222-2222-2222-222222222222";

function issuesOf(fn: () => unknown): ValidationIssue[] {
  try {
    fn();
  } catch (error) {
    expect(isKubeProxyError(error)).toBe(true);
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }
  throw new Error("expected a ValidationError");
}

describe("rollout file parsing", () => {
  test("a YAML rollout with selectors, groups, waves, soak, halt and concurrency is normalised", () => {
    const { spec, warnings } = parseRolloutText(
      `
name: ipvs-everywhere
subscriptions:
  - ${SUB_A}
  - id: ${SUB_B.toUpperCase()}
    maxConcurrency: 3
select:
  - resourceGroups: rg-prod-*
    tags: { team: payments }
  - names: [edge-??, "core-*"]
    locations: West US 2
exclude:
  names: "*-legacy"
settings:
  mode: IPVS
  ipvsConfig: { scheduler: LeastConnection, TCPTimeoutSeconds: 900 }
groups:
  - name: nftables-ready
    select: { kubernetesVersion: ">=1.33" }
    settings: { mode: NFTABLES }
waves:
  - name: canary
    count: 1
    soakTime: 30s
  - name: ring1
    select: { tags: { ring: 1 } }
  - name: ten-percent
    percent: "10%"
    halt: { maxFailurePercent: 5 }
  - name: rest
soakTime: 10m
halt: { maxFailures: 2 }
maxConcurrency: 50
maxConcurrencyPerSubscription: 5
`,
      { source: "rollout.yaml" },
    );
    expect(spec.name).toBe("ipvs-everywhere");
    expect(spec.subscriptions).toEqual([{ id: SUB_A }, { id: SUB_B, maxConcurrency: 3 }]);
    expect(spec.select).toEqual([
      { resourceGroups: ["rg-prod-*"], tags: { team: ["payments"] } },
      { names: ["edge-??", "core-*"], locations: ["westus2"] },
    ]);
    expect(spec.exclude).toEqual([{ names: ["*-legacy"] }]);
    expect(spec.settings).toEqual({ mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900 } });
    expect(spec.groups).toEqual([{ name: "nftables-ready", select: [{ kubernetesVersion: ">=1.33" }], settings: { mode: "NFTABLES" } }]);
    expect(spec.waves).toEqual([
      { name: "canary", count: 1, soakTimeInMs: 30_000 },
      { name: "ring1", select: [{ tags: { ring: ["1"] } }] },
      { name: "ten-percent", percent: 10, halt: { maxFailurePercent: 5 } },
      { name: "rest" },
    ]);
    expect(spec.soakTimeInMs).toBe(600_000);
    expect(spec.halt).toEqual({ maxFailures: 2 });
    expect(spec.maxConcurrency).toBe(50);
    expect(spec.maxConcurrencyPerSubscription).toBe(5);
    expect(spec.enablePreview).toBe(true);
    expect(spec.allowDisable).toBe(false);
    // The docs' key casing is accepted with a note that points into the rollout file.
    expect(warnings).toEqual([expect.objectContaining({ id: "legacy-key-casing", path: "$.settings.ipvsConfig.TCPTimeoutSeconds" })]);
  });

  test("JSON is read too, and defaults fill what is left out", () => {
    const { spec } = parseRolloutText(JSON.stringify({ subscriptions: [SUB_A], settings: { mode: "IPTABLES" } }), { source: "rollout.json" });
    expect(spec).toEqual({
      name: "rollout",
      subscriptions: [{ id: SUB_A }],
      select: [],
      exclude: [],
      settings: { mode: "IPTABLES" },
      groups: [],
      waves: [{ name: "all" }],
      soakTimeInMs: 0,
      halt: { maxFailures: 0 },
      maxConcurrency: 20,
      maxConcurrencyPerSubscription: 10,
      enablePreview: true,
      allowDisable: false,
    });
  });

  test("every problem is reported at once with its JSON path, line, what was found and a did-you-mean", () => {
    const text = [
      `subscriptions: [${SUB_A}, not-a-guid]`, // line 1
      "selct: { names: x }", // line 2: misspelled key
      "settings:", // line 3
      "  mode: IPVSS", // line 4: bad enum
      "waves:", // line 5
      "  - name: canary", // 6
      "    count: 0", // 7: not >= 1
      "  - name: everything", // 8: takes the rest, not last
      "  - name: late", // 9
      "    percent: 150", // 10
      "    soakTime: 10 minutes", // 11
      "halt: { maxFailures: -1 }", // 12
    ].join("\n");
    const issues = issuesOf(() => parseRolloutText(text, { source: "bad.yaml" }));
    const byPath = new Map(issues.map((i) => [i.path, i]));
    expect(byPath.get("$.subscriptions[1]")).toMatchObject({ found: "not-a-guid", message: expect.stringContaining("(line 1)") });
    expect(byPath.get("$.selct")).toMatchObject({ suggestion: "select", message: expect.stringContaining("(line 2)") });
    expect(byPath.get("$.settings.mode")).toMatchObject({ found: "IPVSS", suggestion: "IPVS", message: expect.stringContaining("(line 4)") });
    expect(byPath.get("$.waves[0].count")).toMatchObject({ found: 0, message: expect.stringContaining("(line 7)") });
    expect(byPath.get("$.waves[1]")).toMatchObject({ message: expect.stringContaining('wave "everything" takes every remaining cluster') });
    expect(byPath.get("$.waves[2].percent")).toMatchObject({ found: 150 });
    expect(byPath.get("$.waves[2].soakTime")).toMatchObject({ found: "10 minutes" });
    expect(byPath.get("$.halt.maxFailures")).toMatchObject({ found: -1 });
    expect(issues).toHaveLength(8);
  });

  test("the error message names the file and lists each path", () => {
    try {
      parseRolloutSpec({ subscriptions: [SUB_A] }, { source: "fleet.yaml" });
      throw new Error("not refused");
    } catch (error) {
      expect((error as Error).message).toMatch(/^fleet\.yaml is invalid \(1 problem\):\n {2}\$: the rollout needs settings/);
    }
  });

  test("singular selector keys get the plural as suggestion, and bad ids, ranges and tags are refused", () => {
    const issues = issuesOf(() =>
      parseRolloutSpec({
        subscriptions: SUB_A,
        settings: {},
        select: [{ name: "x" }, { ids: ["/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"] }, { kubernetesVersion: "newest" }, { tags: ["ring"] }],
      }),
    );
    expect(issues.map((i) => [i.path, i.suggestion])).toEqual([
      ["$.select[0].name", "names"],
      ["$.select[1].ids[0]", undefined],
      ["$.select[2].kubernetesVersion", undefined],
      ["$.select[3].tags", undefined],
    ]);
  });

  test("YAML syntax errors carry their position, and duplicate keys are refused", () => {
    const syntax = issuesOf(() => parseRolloutText("subscriptions: [\nsettings: {", { source: "x.yaml" }));
    expect(syntax[0]!.message).toMatch(/line \d+, column \d+/);
    const dup = issuesOf(() => parseRolloutText(`subscriptions: [${SUB_A}]\nsettings: {}\nsettings: {}\n`));
    expect(dup[0]!.path).toBe("$.settings");
    expect(dup[0]!.message).toMatch(/appears twice .*line 3, column 1; first at line 2, column 1/);
  });

  test("wave names must be unique and a wave cannot take both count and percent", () => {
    const issues = issuesOf(() => parseRolloutSpec({ subscriptions: [SUB_A], settings: {}, waves: [{ name: "a", count: 1, percent: 5 }, { name: "A" }] }));
    expect(issues.map((i) => i.path)).toEqual(["$.waves[0].percent", "$.waves[1].name"]);
  });

  test("durations: units, compounds and zero", () => {
    expect(parseDurationInMs("1h30m")).toBe(5_400_000);
    expect(parseDurationInMs("250ms")).toBe(250);
    expect(parseDurationInMs("1.5s")).toBe(1500);
    expect(parseDurationInMs("0")).toBe(0);
    expect(parseDurationInMs("10")).toBeUndefined();
    expect(parseDurationInMs("ten minutes")).toBeUndefined();
  });

  // Regenerate the file after a change: `pnpm build`, then `pnpm --filter @aks-kube-proxy/rollout schema`.
  test("the published schema file is the exported schema, and it embeds the settings schema", () => {
    const file = JSON.parse(readFileSync(join(__dirname, "..", "schema", "rollout.schema.json"), "utf8"));
    expect(file).toEqual(JSON.parse(JSON.stringify(rolloutJsonSchema)));
    const defs = (rolloutJsonSchema as { definitions: Record<string, { properties?: Record<string, unknown> }> }).definitions;
    expect(Object.keys(defs["kubeProxyConfig"]!.properties!)).toEqual(["enabled", "mode", "ipvsConfig"]);
    // Every top-level key the parser accepts is described in the schema.
    const properties = Object.keys((rolloutJsonSchema as { properties: Record<string, unknown> }).properties);
    const { spec } = parseRolloutSpec({ subscriptions: [SUB_A], settings: {} });
    for (const key of Object.keys(spec)) {
      const fileKey = key === "soakTimeInMs" ? "soakTime" : key;
      expect(properties).toContain(fileKey);
    }
  });

  test("the published schema is what the parser checks: any draft-07 validator accepts and refuses the same documents", () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(join(__dirname, "..", "schema", "rollout.schema.json"), "utf8")));
    const good = [
      { subscriptions: SUB_A, settings: { mode: "IPVS" } },
      { subscriptions: [SUB_A, { id: SUB_B, maxConcurrency: "10%" }], groups: [{ select: { tags: { ring: [0, "1"] } }, settings: {} }], waves: [{ name: 1, count: 1 }, { percent: "50%" }] },
      { subscriptions: [SUB_A], settings: {}, select: [{ ids: `/subscriptions/${SUB_A}/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/a` }], soakTime: 0, healthGate: { dataPlane: true, timeout: "1h30m" } },
    ];
    const bad = [
      { subscriptions: [SUB_A] },
      { subscriptions: ["x"], settings: {} },
      { subscriptions: SUB_A, settings: {}, waves: [{ count: 1, percent: 5 }] },
      { subscriptions: SUB_A, settings: {}, select: [{ names: [] }] },
      { subscriptions: SUB_A, settings: {}, halt: {} },
      { subscriptions: SUB_A, settings: {}, maxConcurrency: 0 },
      { subscriptions: SUB_A, settings: {}, soakTime: "10 minutes" },
      { subscriptions: SUB_A, settings: {}, healthGate: { timeout: "1m" } },
    ];
    for (const doc of good) {
      expect(validate(doc)).toBe(true);
      expect(() => parseRolloutSpec(doc)).not.toThrow();
    }
    for (const doc of bad) {
      expect(validate(doc)).toBe(false);
      expect(issuesOf(() => parseRolloutSpec(doc)).length).toBeGreaterThan(0);
    }
  });

  test("a key left empty in YAML counts as left out, values are trimmed, and problems come in the order of the file", () => {
    const { spec } = parseRolloutText(`subscriptions: [" ${SUB_A} "]
name:
soakTime:
settings: { mode: IPVS }
select: { names: " web-* " }
`);
    expect(spec).toMatchObject({ name: "rollout", subscriptions: [{ id: SUB_A }], soakTimeInMs: 0, select: [{ names: ["web-*"] }] });
    const issues = issuesOf(() =>
      parseRolloutText(["waves:", "  - name: a", "    count: 0", "  - name: a", "settings: { mode: IPVS }", "select: { kubernetesVersion: newest }", `subscriptions: [${SUB_A}, ${SUB_A}]`].join("\n")),
    );
    expect(issues.map((i) => i.path)).toEqual(["$.waves[0].count", "$.waves[1].name", "$.select.kubernetesVersion", "$.subscriptions[1]"]);
  });
});
