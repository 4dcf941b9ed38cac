/**
 * JSON Schema of the kube-proxy settings file, for editors, derived from {@link KUBE_PROXY_FIELDS}. Published as
 * `schema/kube-proxy-config.schema.json` (written by `scripts/write-schema.cjs`; a test fails when it is stale).
 * Canonical names carry descriptions for completion; other casings are allowed through case-insensitive patterns
 * (the parser matches keys without regard to case, as `az` does).
 * @packageDocumentation
 */
import { fieldsIn, type KubeProxyFieldDefinition } from "./fields";

function caseInsensitivePattern(name: string): string {
  return `^${[...name].map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch)).join("")}$`;
}

/** The schema of one field (an object field: its members, known keys only). */
function fieldSchema(field: KubeProxyFieldDefinition): Record<string, unknown> {
  if (field.type === "object") {
    const properties = propertiesOf(field.name);
    return { type: "object", description: field.description, properties, patternProperties: patternsOf(properties), additionalProperties: false };
  }
  return {
    type: field.type,
    ...(field.values ? { enum: field.values.map((v) => v.value) } : {}),
    ...(field.minimum !== undefined ? { minimum: field.minimum } : {}),
    ...(field.maximum !== undefined ? { maximum: field.maximum } : {}),
    description: field.description,
  };
}

function propertiesOf(parent: string | undefined): Record<string, Record<string, unknown>> {
  return Object.fromEntries(fieldsIn(parent).map((f) => [f.name, fieldSchema(f)]));
}

function patternsOf(properties: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [caseInsensitivePattern(k), v]));
}

const topProperties = propertiesOf(undefined);

/** `if the object is given, mode must be its mode`, for each object field that names one. */
const modeRules = fieldsIn(undefined)
  .filter((f) => f.onlyWithMode !== undefined)
  .map((f) => ({ if: { required: [f.name] }, then: { required: ["mode"], properties: { mode: { const: f.onlyWithMode } } } }));

/**
 * JSON Schema (draft-07) of the settings file accepted by `--kube-proxy-config` and {@link parseKubeProxySettings}.
 * Also written to `packages/sdk/schema/kube-proxy-config.schema.json`.
 */
export const kubeProxySettingsJsonSchema: Record<string, unknown> = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://github.com/aks-kube-proxy/aks-kube-proxy/packages/sdk/schema/kube-proxy-config.schema.json",
  title: "AKS kube-proxy configuration (az aks --kube-proxy-config file)",
  description: "networkProfile.kubeProxyConfig of a managed cluster. Keys are matched without regard to case.",
  type: "object",
  properties: topProperties,
  patternProperties: patternsOf(topProperties),
  additionalProperties: false,
  ...(modeRules.length === 1 ? modeRules[0] : { allOf: modeRules }),
};

/** @internal */
export const SCHEMA_FILE_NAME = "kube-proxy-config.schema.json";
