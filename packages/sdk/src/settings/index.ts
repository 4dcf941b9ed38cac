/**
 * `@aks-kube-proxy/sdk/settings`: the pure settings half of the SDK — parse, validate, normalize and compare
 * kube-proxy settings — with nothing of Azure's SDK loaded. For offline tools that must start fast (the CLI's
 * `validate`). Everything here is also exported by the package's main entry, `@aks-kube-proxy/sdk`.
 * @packageDocumentation
 */

/** Parses and validates a settings document (the `az --kube-proxy-config` format, keys in any case). */
export { parseKubeProxySettings, parseKubeProxySettingsText, readKubeProxySettingsFile } from "./parse";
/** The bounds every settings and rollout file is held to (depth, entries per list, subscriptions, patterns). */
export { INPUT_LIMITS } from "./jsonText";
/** Result and options of the parser. */
export type { ParsedKubeProxySettings, ParseKubeProxySettingsOptions } from "./parse";
/** Canonical JSON of settings (the API's camelCase, sorted keys). */
export { canonicalKubeProxyJson, canonicalKubeProxySettings } from "./canonical";
/** Options of canonicalKubeProxyJson. */
export type { CanonicalJsonOptions } from "./canonical";
/** Effective settings for every shape Azure returns, and their comparison. */
export { effectiveKubeProxySettings, sameKubeProxySettings } from "./effective";
/** Effective settings and field changes. */
export type { EffectiveKubeProxySettings, FieldChange } from "./effective";
/** The allowed modes and schedulers. */
export { KUBE_PROXY_MODES, IPVS_SCHEDULERS } from "./model";
/** The one kube-proxy settings definition (fields, types, bounds, enums, CLI flags, labels) and lookups into it. */
export { KUBE_PROXY_FIELDS, fieldAt, fieldPath, fieldsIn, INT32_MAX } from "./fields";
/** A row of the field table, and the settings type derived from it. */
export type { KubeProxyFieldDefinition, KubeProxyField, KubeProxyEnumValue, KubeProxyEnumAlias, KubeProxyCliFlag, KubeProxySettingsDocument } from "./fields";
/** Literal types of the enum fields. */
export type { KubeProxyMode, IpvsScheduler } from "./model";
/** The friendly layer over the JSON Schema validator (ajv errors → issues with path, found, allowed, did-you-mean), for every validated input. */
export { compileSchema, issuesFromSchemaErrors, defaultIssueOf, errorSegments, pointerSegments } from "./schemaIssues";
/** Options of issuesFromSchemaErrors. */
export type { SchemaIssueOptions } from "./schemaIssues";
/** The one "and N more" note and the one "(line N)" note of issue lists. */
export { withMoreNote, capIssues } from "./jsonValue";
export { withLineNotes } from "./jsonText";
