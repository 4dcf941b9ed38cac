/**
 * The friendly layer of rollout files: the JSON Schema validator's errors (ajv, against {@link rolloutJsonSchema})
 * become issues that read as a person would write them: what was expected at that JSON path, what was found, what is
 * allowed, and a did-you-mean for a misspelt key. Errors inside `settings` are left to the settings parser, which
 * knows the az key casing.
 * @packageDocumentation
 */
import type { ErrorObject } from "ajv";
import { closestMatch, describeJsonValue, type JsonPathSegment, type ValidationIssue } from "@aks-kube-proxy/sdk";
import { rolloutJsonSchema } from "./schema";
import { lazySchema, schemaErrors, type SchemaError } from "./schemaCheck";

/** A problem of a rollout file, located by path segments (rendered as a JSON path and a line later). @internal */
export interface RolloutIssue extends Omit<ValidationIssue, "path"> {
  /** Where the problem is. */
  readonly at: readonly JsonPathSegment[];
}

const validateRollout = lazySchema(rolloutJsonSchema);

/** What the object at a path is, for "unknown key ... in a wave". */
const OBJECT_NAMES: Record<string, string> = {
  "": "a rollout file",
  subscriptions: "a subscription",
  select: "a cluster selector",
  exclude: "a cluster selector",
  groups: "a group",
  waves: "a wave",
  halt: "a halt rule",
  healthGate: "a health gate",
};

/** What a string at a path is, for "expected a cluster name or glob pattern (a non-empty string)". */
const TEXT_NAMES: Record<string, string> = {
  name: "a name",
  resourceGroups: "a resource group name or glob pattern",
  names: "a cluster name or glob pattern",
  locations: "an Azure region",
  kubernetesVersion: "a version range",
  ids: "a cluster resource id",
  tags: "a tag value or glob pattern",
};

const NAME_OF_OWNER: Record<string, string> = { "": "a rollout name", groups: "a group name", waves: "a wave name" };
const BOOLEANS = new Set(["approval", "enablePreview", "allowDisable", "rollback", "dataPlane"]);
const GUID_EXAMPLE = "a GUID, e.g. 00000000-0000-0000-0000-000000000000";
const DURATION_ALLOWED = 'a duration with units, e.g. "30s", "10m", "1h30m", "500ms", or "0"';

/** True for a path into the kube-proxy settings of the rollout or of a group (the settings parser checks those). */
export function isSettingsPath(at: readonly JsonPathSegment[]): boolean {
  return at[0] === "settings" || (at[0] === "groups" && typeof at[1] === "number" && at[2] === "settings");
}

/** The key a value is under (for a list entry, the list's key), and the key of the object holding that. */
function fieldOf(at: readonly JsonPathSegment[]): { key: string; owner: string; inTags: boolean } {
  const keys = at.filter((s): s is string => typeof s === "string");
  const tagsAt = at.lastIndexOf("tags");
  const inTags = tagsAt >= 0 && at.length > tagsAt + 1 && at.length <= tagsAt + 3;
  const key = keys[keys.length - 1] ?? "";
  return { key: inTags ? "tags" : key, owner: keys[keys.length - 2] ?? "", inTags };
}

function singularToPlural(key: string, known: readonly string[]): string | undefined {
  return known.find((k) => k.toLowerCase() === `${key.toLowerCase()}s`);
}

function percentAllowed(error: ErrorObject): string {
  const exclusive = "exclusiveMinimum" in (error.parentSchema ?? {});
  return `a number ${exclusive ? "above 0, at most 100" : "from 0 to 100"} (e.g. 10 or "10%")`;
}

/** The issue of a wrong value (type, pattern, range, enum) by what the value is. */
function valueIssue(e: SchemaError): RolloutIssue {
  const { error, at } = e;
  const data = error.data as unknown;
  const found = describeJsonValue(data);
  const { key, owner, inTags } = fieldOf(at);
  const keys = Object.keys(((error.parentSchema ?? {}) as { properties?: object }).properties ?? {});
  if (error.keyword === "type" && (error.schema === "object" || (Array.isArray(error.schema) && error.schema.includes("object") && !error.schema.includes("string")))) {
    if (key === "tags" && !inTags) return { at, message: `expected tags (an object of tag name to value), found ${found}`, found: data, allowed: '{ ring: "0", env: [prod, staging], team: "*" }' };
    const what = OBJECT_NAMES[key] ?? "an object";
    return { at, message: `expected ${what} (an object), found ${found}`, found: data, allowed: `an object with ${keys.join(", ")}` };
  }
  if (error.keyword === "type" && error.schema === "array" && (key === "groups" || key === "waves")) {
    return { at, message: `expected a list of ${key}, found ${found}`, found: data, allowed: `a list of ${key}` };
  }
  if (key === "subscriptions" || key === "id") {
    if (error.keyword === "pattern") return { at, message: `"${String(data)}" is not a subscription id`, found: data, allowed: GUID_EXAMPLE };
    return { at, message: `expected a subscription id (a non-empty string), found ${found}`, found: data, allowed: "a subscription id" };
  }
  if (key === "ids" && error.keyword === "pattern") {
    return { at, message: "not a managed cluster resource id", found: data, allowed: "/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name}" };
  }
  if (key === "count") return { at, message: `expected a number of clusters, found ${found}`, found: data, allowed: "an integer >= 1" };
  if (key === "maxFailures") return { at, message: `expected a number of failed clusters, found ${found}`, found: data, allowed: "an integer >= 0" };
  if (key === "percent" || key === "maxFailurePercent") return { at, message: `expected a percentage, found ${found}`, found: data, allowed: percentAllowed(error) };
  if (key === "maxConcurrency" || key === "maxConcurrencyPerSubscription") {
    if (typeof data === "string" && data.endsWith("%")) return { at, message: `expected a percentage, found ${found}`, found: data, allowed: 'a number above 0, at most 100 (e.g. 10 or "10%")' };
    return { at, message: `expected a number of clusters or a percentage, found ${found}`, found: data, allowed: 'an integer >= 1, or a percentage such as "25%"' };
  }
  if (key === "soakTime" || key === "timeout") return { at, message: `expected a duration, found ${found}`, found: data, allowed: DURATION_ALLOWED };
  if (BOOLEANS.has(key)) return { at, message: `expected true or false, found ${found}`, found: data, allowed: "true | false" };
  if (key === "unreachable") return { at, message: `expected fail or skip, found ${found}`, found: data, allowed: "fail | skip" };
  const what = key === "name" ? NAME_OF_OWNER[owner] ?? "a name" : TEXT_NAMES[key];
  if (what !== undefined) return { at, message: `expected ${what} (a non-empty string), found ${found}`, found: data, allowed: what };
  return { at, message: `${error.message ?? `fails ${error.keyword}`}, found ${found}`, found: data };
}

/** The issue of one validator error; null for an error another issue already says (or the settings parser will). */
function describe(e: SchemaError): RolloutIssue | null {
  const { error, at } = e;
  if (isSettingsPath(at) || error.keyword === "if") return null;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params["additionalProperty"]);
      const known = Object.keys(((error.parentSchema ?? {}) as { properties?: object }).properties ?? {});
      const owner = fieldOf(at.slice(0, -1)).key;
      const what = at.length === 1 ? OBJECT_NAMES[""] : (OBJECT_NAMES[owner] ?? "an object");
      const suggestion = closestMatch(key, known) ?? singularToPlural(key, known);
      return { at, message: `unknown key "${key}" in ${what}`, found: key, allowed: known.join(", "), ...(suggestion ? { suggestion } : {}) };
    }
    case "anyOf":
      return at.length === 0
        ? { at, message: "the rollout needs settings (for every cluster) or groups (settings per group of clusters)", allowed: "settings: { mode: IPVS, ipvsConfig: { scheduler: LeastConnection } }" }
        : valueIssue(e);
    case "required": {
      if (error.schemaPath.includes("/anyOf/")) return null;
      const missing = String(params["missingProperty"]);
      if (at.length === 0) return { at, message: "subscriptions is required: list the subscription ids to roll out in", allowed: "subscriptions: [00000000-0000-0000-0000-000000000000]" };
      if (missing === "dataPlane") return { at: [...at, missing], message: "a health gate needs dataPlane: true (or false to turn the rollout's default gate off for this wave)", allowed: "true | false" };
      if (missing === "id") return { at, message: "a subscription entry needs an id", allowed: "{ id: <GUID>, maxConcurrency: 5 }" };
      if (missing === "select") return { at, message: "a group needs select: which clusters get these settings", allowed: 'select: { kubernetesVersion: ">=1.33" }' };
      if (missing === "settings") return { at, message: "a group needs settings", allowed: "settings: { mode: NFTABLES }" };
      return { at, message: `${missing} is required` };
    }
    case "minProperties":
      return { at, message: "a halt rule needs maxFailures or maxFailurePercent", allowed: "maxFailures: 0, maxFailurePercent: 10, or both" };
    case "not":
      return { at: [...at, "percent"], message: "a wave takes either count or percent, not both", allowed: "count or percent" };
    case "minItems": {
      const { key } = fieldOf(at);
      if (key === "subscriptions") return { at, message: "expected at least one subscription, found an empty list", allowed: "a list of subscription ids" };
      if (key === "waves") return { at, message: "expected at least one wave, found an empty list", allowed: "leave waves out for a single wave, or list them" };
      const what = key === "select" || key === "exclude" ? "a cluster selector" : (TEXT_NAMES[key] ?? "value");
      return { at, message: `expected at least one ${what}, found an empty list`, found: error.data, allowed: `${what}, or a list of them` };
    }
    case "maxItems": {
      const { key } = fieldOf(at);
      const n = Array.isArray(error.data) ? error.data.length : 0;
      const max = Number(params["limit"]);
      if (key === "subscriptions") return { at, message: `lists ${n} subscriptions, more than the ${max} one rollout file may`, allowed: `at most ${max} subscriptions; split the fleet into several rollout files` };
      if (key === "groups" || key === "waves") return { at, message: `lists ${n} ${key}, more than the ${max} one rollout file may`, allowed: `at most ${max} ${key}` };
      return null; // selectors are counted over the whole file (rolloutRules.ts); lists of values are bounded before
    }
    default:
      return valueIssue(e);
  }
}

/**
 * Validates a rollout document against {@link rolloutJsonSchema} and words each problem; one issue per path and
 * message, settings left out (see {@link isSettingsPath}).
 * @param document - the parsed rollout file (after `prepareRolloutDocument`)
 * @internal
 */
export function rolloutSchemaIssues(document: unknown): RolloutIssue[] {
  const seen = new Set<string>();
  const out: RolloutIssue[] = [];
  for (const e of schemaErrors(validateRollout(), document)) {
    const issue = describe(e);
    if (issue === null) continue;
    const key = `${JSON.stringify(issue.at)}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}
