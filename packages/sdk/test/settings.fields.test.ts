import { readFileSync } from "node:fs";
import { join } from "node:path";
import { INT32_MAX, KUBE_PROXY_FIELDS, fieldPath, type KubeProxyFieldDefinition, type KubeProxySettingsDocument } from "../src/settings/fields";
import { kubeProxySettingsJsonSchema } from "../src/settings/schema";
import { IPVS_FIELDS, IPVS_SCHEDULERS, KUBE_PROXY_MODES } from "../src/settings/model";
import { parseKubeProxySettings } from "../src/settings/parse";
import type { KubeProxyConfig } from "../src";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readSpecExcerpts } = require("../../../test/fixtures/azure-rest-spec/excerpts.cjs") as {
  readSpecExcerpts(): { apiVersion: string; fields: Record<string, { type: string; format?: string; enum?: string[]; enumName?: string; description?: string }> }[];
};

const fields = KUBE_PROXY_FIELDS as readonly KubeProxyFieldDefinition[];
const excerpts = readSpecExcerpts();
const newest = excerpts[excerpts.length - 1]!;

describe("the one kube-proxy settings definition matches the REST spec excerpts (test/fixtures/azure-rest-spec)", () => {
  test("there are excerpts of several api-versions, oldest first", () => {
    expect(excerpts.map((e) => e.apiVersion)).toEqual([...excerpts.map((e) => e.apiVersion)].sort());
    expect(excerpts.length).toBeGreaterThanOrEqual(2);
  });

  test("the table has exactly the newest spec's fields, with its types", () => {
    expect(fields.map(fieldPath).sort()).toEqual(Object.keys(newest.fields).sort());
    for (const field of fields) expect([fieldPath(field), field.type]).toEqual([fieldPath(field), newest.fields[fieldPath(field)]!.type]);
  });

  test("enum fields list the newest spec's values in its order, under its enum name", () => {
    for (const [path, spec] of Object.entries(newest.fields).filter(([, s]) => s.enum)) {
      const field = fields.find((f) => fieldPath(f) === path)!;
      expect((field.values ?? []).map((v) => v.value)).toEqual(spec.enum);
      expect(field.typeName).toBe(spec.enumName);
    }
  });

  test("int32 fields are bounded within int32, positive as the spec's descriptions demand", () => {
    for (const [path, spec] of Object.entries(newest.fields).filter(([, s]) => s.format === "int32")) {
      const field = fields.find((f) => fieldPath(f) === path)!;
      expect([path, field.minimum, field.maximum]).toEqual([path, 1, INT32_MAX]);
      expect(spec.description).toMatch(/positive integer/);
    }
  });

  test("every field has a description, as every field of the spec does", () => {
    for (const field of fields) {
      expect(newest.fields[fieldPath(field)]!.description).toBeTruthy();
      expect(field.description.length).toBeGreaterThan(10);
    }
  });

  test("each field's and enum value's minimum api-version is the first excerpt that has it", () => {
    const firstWith = (has: (e: (typeof excerpts)[number]) => boolean): string | undefined => excerpts.find(has)?.apiVersion;
    for (const field of fields) {
      const path = fieldPath(field);
      expect([path, field.since]).toEqual([path, firstWith((e) => e.fields[path] !== undefined)]);
      for (const v of field.values ?? []) {
        expect([path, v.value, v.since]).toEqual([path, v.value, firstWith((e) => e.fields[path]?.enum?.includes(v.value) === true)]);
      }
    }
  });
});

describe("everything else is derived from the table", () => {
  test("the model's constants are the table's enum values and ipvsConfig fields", () => {
    expect(KUBE_PROXY_MODES).toEqual(fields.find((f) => f.name === "mode")!.values!.map((v) => v.value));
    expect(IPVS_SCHEDULERS).toEqual(fields.find((f) => f.name === "scheduler")!.values!.map((v) => v.value));
    expect(IPVS_FIELDS).toEqual(fields.filter((f) => f.parent === "ipvsConfig").map((f) => f.name));
  });

  test("the published JSON schema file is the one generated from the table (run `pnpm --filter @aks-kube-proxy/sdk schema` after `pnpm build` when this fails)", () => {
    const file = JSON.parse(readFileSync(join(__dirname, "..", "schema", "kube-proxy-config.schema.json"), "utf8"));
    expect(file).toEqual(kubeProxySettingsJsonSchema);
  });

  test("every field of the table is in the JSON schema with its type, bounds, enum and description", () => {
    for (const field of fields) {
      const parent = field.parent === undefined ? kubeProxySettingsJsonSchema : (kubeProxySettingsJsonSchema["properties"] as Record<string, Record<string, unknown>>)[field.parent]!;
      const prop = (parent["properties"] as Record<string, Record<string, unknown>>)[field.name]!;
      expect(prop).toMatchObject({ type: field.type, description: field.description });
      if (field.values) expect(prop["enum"]).toEqual(field.values.map((v) => v.value));
      if (field.maximum !== undefined) expect([prop["minimum"], prop["maximum"]]).toEqual([field.minimum, field.maximum]);
    }
  });

  test("the parser accepts every enum value and bound of the table and refuses one past each bound", () => {
    for (const field of fields.filter((f) => f.type === "integer")) {
      const doc = (value: number): Record<string, unknown> => (field.parent ? { mode: "IPVS", [field.parent]: { [field.name]: value } } : { [field.name]: value });
      expect(() => parseKubeProxySettings(doc(field.minimum!))).not.toThrow();
      expect(() => parseKubeProxySettings(doc(field.maximum!))).not.toThrow();
      expect(() => parseKubeProxySettings(doc(field.minimum! - 1))).toThrow(fieldPath(field));
      expect(() => parseKubeProxySettings(doc(field.maximum! + 1))).toThrow(fieldPath(field));
    }
    for (const field of fields.filter((f) => f.values)) {
      for (const { value } of field.values!) {
        const doc = field.parent ? { mode: "IPVS", [field.parent]: { [field.name]: value } } : { [field.name]: value };
        expect(parseKubeProxySettings(doc).settings).toEqual(doc);
      }
    }
  });

  test("the settings type derived from the table is accepted as the Azure SDK's model", () => {
    const document: KubeProxySettingsDocument = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900 } };
    const asModel: KubeProxyConfig = document;
    expect(parseKubeProxySettings(asModel).settings).toEqual(document);
  });
});
