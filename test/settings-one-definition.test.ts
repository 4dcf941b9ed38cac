/**
 * Adding a kube-proxy field touches one source file: the SDK's table (`KUBE_PROXY_FIELDS`). Every row shows up, by
 * iterating the table, in the JSON schema, the CLI's inline flags and their document, the CLI's one-line rendering,
 * the data-plane flag check and the Pulumi schema.
 */
import { Command } from "commander";
import { fieldPath, KUBE_PROXY_FIELDS, type KubeProxyFieldDefinition } from "../packages/sdk/src/settings/fields";
import { kubeProxySettingsJsonSchema } from "../packages/sdk/src/settings/schema";
import { expectedKubeProxyFlags } from "../packages/sdk/src/dataPlane/flags";
import { addSettingsOptions, inlineSettingsDocument, type SettingsFlags } from "../packages/cli/src/inputs/settings";
import { describeSettings } from "../packages/cli/src/render/settings";
import { buildSchema } from "../packages/pulumi/src/provider/schema";

const fields = KUBE_PROXY_FIELDS as readonly KubeProxyFieldDefinition[];
/** A valid value for each leaf field: its last enum value, or its maximum (distinct per field so nothing matches by chance). */
const sample = (field: KubeProxyFieldDefinition, i: number): string | number | boolean =>
  field.values ? field.values[field.values.length - 1]!.value : field.type === "integer" ? 100 + i : field.type === "boolean" ? false : "x";
const leaves = fields.filter((f) => f.type !== "object");

describe("every field of the settings table reaches every derived place", () => {
  test("the JSON schema has a property per field", () => {
    for (const field of fields) {
      const parent = field.parent ? (kubeProxySettingsJsonSchema["properties"] as Record<string, Record<string, unknown>>)[field.parent]! : kubeProxySettingsJsonSchema;
      expect(Object.keys(parent["properties"] as object)).toContain(field.name);
    }
  });

  test("the CLI has one inline flag per field with a flag, in --help, and turns it into that field of the document", () => {
    const command = addSettingsOptions(new Command("x"));
    const longs = command.options.map((o) => o.long);
    for (const [i, field] of leaves.entries()) {
      if (!field.cli) continue;
      expect(longs).toContain(field.cli.flag);
      const option = command.options.find((o) => o.long === field.cli!.flag)!;
      const given = field.cli.argument === undefined ? true : String(sample(field, i));
      const doc = inlineSettingsDocument({ [option.attributeName()]: given } as SettingsFlags)!;
      const value = field.parent ? (doc[field.parent] as Record<string, unknown>)[field.name] : doc[field.name];
      expect([fieldPath(field), value]).toEqual([fieldPath(field), field.cli.argument === undefined ? field.cli.sets : sample(field, i)]);
    }
  });

  test("the one-line rendering shows every ipvsConfig field with its label and unit", () => {
    const ipvs = Object.fromEntries(leaves.filter((f) => f.parent === "ipvsConfig").map((f, i) => [f.name, sample(f, i)]));
    const line = describeSettings({ enabled: true, mode: "IPVS", ipvsConfig: ipvs });
    for (const [i, field] of leaves.filter((f) => f.parent === "ipvsConfig").entries()) {
      expect(line).toContain(`${field.label ? `${field.label} ` : ""}${sample(field, i)}${field.unit ?? ""}`);
    }
  });

  test("the data-plane check expects a kube-proxy flag for every field that names one", () => {
    const ipvs = Object.fromEntries(leaves.filter((f) => f.parent === "ipvsConfig").map((f, i) => [f.name, sample(f, i)]));
    const expected = expectedKubeProxyFlags({ mode: "IPVS", ipvsConfig: ipvs });
    const withFlag = leaves.filter((f) => f.nodeFlag !== undefined);
    expect(expected.flags.map((f) => f.field).sort()).toEqual(withFlag.map(fieldPath).sort());
  });

  test("the Pulumi schema has a property per field, and an enum per enum field with its values", () => {
    const schema = buildSchema("1.0.0") as { types: Record<string, { properties?: Record<string, { description?: string }>; enum?: { value: string }[] }> };
    for (const field of fields) {
      const parentType = fields.find((f) => f.name === field.parent)?.typeName;
      const owner = schema.types[`aks-kube-proxy:index:${parentType ?? "KubeProxySettings"}`];
      expect([fieldPath(field), owner?.properties?.[field.name]?.description]).toEqual([fieldPath(field), field.description]);
      if (field.values) expect(schema.types[`aks-kube-proxy:index:${field.typeName}`]!.enum!.map((e) => e.value)).toEqual(field.values.map((v) => v.value));
    }
  });
});
