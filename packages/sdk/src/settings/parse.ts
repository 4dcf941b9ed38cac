/**
 * Parsing of the settings file that `az aks create/update --kube-proxy-config` accepts, into the Azure SDK model.
 * Normalises at the edge (key case, known aliases) and refuses everything else with path-bearing issues.
 * @packageDocumentation
 */
import { readFile } from "node:fs/promises";
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { ErrorObject, ValidateFunction } from "ajv";
import { ValidationError, type ValidationIssue } from "../errors";
import type { Finding } from "../findings";
import { fieldsIn, INT32_MAX, KUBE_PROXY_FIELDS, type KubeProxyFieldDefinition } from "./fields";
import { capIssues, describeJsonValue, formatIssues, formatJsonPath, isPlainObject } from "./jsonValue";
import { assertReadableFile, INPUT_LIMITS, parseJsonText, withLineNotes } from "./jsonText";
import { kubeProxySettingsJsonSchema } from "./schema";
import { compileSchema, errorSegments, issuesFromSchemaErrors } from "./schemaIssues";

const TOP_LEVEL_KEYS = fieldsIn(undefined).map((f) => f.name);

/** The result of parsing a settings document. */
export interface ParsedKubeProxySettings {
  /** The settings, in the API's spelling, as the Azure SDK model type. */
  readonly settings: KubeProxyConfig;
  /** Accepted oddities (legacy key casing, `LeastConnections`...), as warnings and notes. */
  readonly warnings: Finding[];
}

/** Options of {@link parseKubeProxySettings}. */
export interface ParseKubeProxySettingsOptions {
  /** Where the document came from (a file name), used in error messages. @default "kube-proxy settings" */
  readonly source?: string;
}

/** Where each value sits, by its canonical segments (`/ipvsConfig/scheduler`), in the user's key casing. */
type UserPaths = Map<string, string>;

function childPath(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** Accepted oddities and the problems validation cannot see (keys that repeat under another casing). */
interface Normalised {
  readonly document: unknown;
  readonly userPaths: UserPaths;
  readonly issues: ValidationIssue[];
  readonly warnings: Finding[];
}

/**
 * The az-casing pass before validation: keys matched to the table's names without regard to case (a note for other
 * casings, an issue for a key repeated under another casing), enum values folded to the API's casing (a note) and
 * known misspellings read as the right value (a warning). Unknown keys are kept for the validator to name.
 */
function normalise(input: unknown): Normalised {
  const out: Normalised = { document: input, userPaths: new Map([["", "$"]]), issues: [], warnings: [] };
  const level = (obj: Record<string, unknown>, parent: string | undefined, path: string, pointer: string): Record<string, unknown> => {
    const known = fieldsIn(parent);
    const result: Record<string, unknown> = {};
    const firstKey = new Map<string, string>();
    for (const key of Object.keys(obj)) {
      let value = obj[key];
      if (value === undefined) continue;
      const keyPath = childPath(path, key);
      const field = known.find((f) => f.name.toLowerCase() === key.toLowerCase());
      if (!field) {
        result[key] = value;
        out.userPaths.set(`${pointer}/${key}`, keyPath);
        continue;
      }
      const previous = firstKey.get(field.name);
      if (previous !== undefined) {
        out.issues.push({ path: keyPath, message: `"${key}" repeats "${previous}" (keys are matched without regard to case)`, found: key, allowed: `one "${field.name}"` });
        continue;
      }
      firstKey.set(field.name, key);
      if (key !== field.name) {
        out.warnings.push({ id: "legacy-key-casing", severity: "note", path: keyPath, message: `"${key}" read as "${field.name}", the API's spelling (the AKS docs' file uses other casing; prefer "${field.name}").` });
      }
      const fieldPointer = `${pointer}/${field.name}`;
      out.userPaths.set(fieldPointer, keyPath);
      if (field.type === "object" && isPlainObject(value)) value = level(value, field.name, keyPath, fieldPointer);
      else if (field.values && typeof value === "string") value = foldEnum(field, value, keyPath, out.warnings);
      result[field.name] = value;
    }
    // the table's order (known fields first), as the API and the canonical JSON have them
    const rank = (key: string): number => {
      const i = known.findIndex((f) => f.name === key);
      return i < 0 ? known.length : i;
    };
    return Object.fromEntries(Object.entries(result).sort(([a], [b]) => rank(a) - rank(b)));
  };
  return isPlainObject(input) ? { ...out, document: level(input, undefined, "$", "") } : out;
}

function foldEnum(field: KubeProxyFieldDefinition, value: string, path: string, warnings: Finding[]): string {
  const allowed = (field.values ?? []).map((v) => v.value);
  if (allowed.includes(value)) return value;
  const folded = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (folded) {
    warnings.push({ id: "enum-value-casing", severity: "note", path, message: `"${value}" read as "${folded}", the API's spelling.` });
    return folded;
  }
  const alias = field.aliases?.find((a) => a.alias === value.toLowerCase());
  if (alias) {
    warnings.push({ id: alias.id, severity: "warning", path, message: `"${value}" read as "${alias.value}": ${alias.why}.` });
    return alias.value;
  }
  return value;
}

let validateSettings: ValidateFunction | undefined;

/** The wording of each validator error for a settings field, from the field's row in the table. */
function describeSettingsError(
  error: ErrorObject,
  path: string,
  segments: readonly string[],
  context: { document: unknown; modeHasIssue: boolean; pathOf: (segments: readonly string[]) => string },
): ValidationIssue | null | undefined {
  const { document, modeHasIssue } = context;
  if (error.schemaPath.includes("/then/")) return null;
  if (error.keyword === "if") {
    const rule = (error.parentSchema as { if?: { required?: string[] } }).if?.required?.[0];
    const field = rule === undefined ? undefined : fieldsIn(undefined).find((f) => f.name === rule);
    if (!field || modeHasIssue) return null;
    const mode = isPlainObject(document) ? (document["mode"] as string | undefined) : undefined;
    return {
      path: context.pathOf([field.name]),
      message: `${field.name} may only be given with mode "${field.onlyWithMode}"; mode is ${mode !== undefined ? `"${mode}"` : "not set (IPTABLES)"}`,
      found: mode ?? null,
      allowed: `mode "${field.onlyWithMode}", or remove ${field.name}`,
    };
  }
  const value = error.data;
  if (segments.length === 0) {
    return error.keyword === "type" ? { path, message: `expected a JSON object, found ${describeJsonValue(value)}`, found: value, allowed: `an object with ${TOP_LEVEL_KEYS.join(", ")}` } : undefined;
  }
  if (error.keyword === "additionalProperties") return undefined;
  const field = fieldsIn(segments.length > 1 ? segments[0] : undefined).find((f) => f.name === segments[segments.length - 1]);
  if (!field) return undefined;
  const values = (field.values ?? []).map((v) => v.value).join(" | ");
  if (field.type === "object") return { path, message: `expected an object, found ${describeJsonValue(value)}`, found: value, allowed: `an object with ${fieldsIn(field.name).map((f) => f.name).join(", ")}` };
  if (field.type === "boolean") return { path, message: `expected true or false, found ${describeJsonValue(value)}`, found: value, allowed: "true | false" };
  if (field.type === "string" && error.keyword === "type") return { path, message: `expected a string, found ${describeJsonValue(value)}`, found: value, allowed: values };
  if (field.type === "integer") {
    const unit = field.unit === "s" ? " (seconds)" : "";
    const allowed = `an integer from ${field.minimum} to ${field.maximum}${unit}`;
    const of = field.unit === "s" ? " of seconds" : "";
    if (typeof value !== "number" || !Number.isFinite(value)) return { path, message: `expected an integer number${of}, found ${describeJsonValue(value)}`, found: value, allowed };
    if (!Number.isInteger(value)) return { path, message: `expected a whole number${of}, found ${value}`, found: value, allowed, suggestion: String(Math.max(field.minimum ?? 1, Math.round(value))) };
    if (error.keyword === "minimum") return { path, message: field.minimum === 1 ? `${field.unit === "s" ? "a timeout" : "the value"} must be positive, found ${value}` : `must be at least ${field.minimum}, found ${value}`, found: value, allowed };
    if (error.keyword === "maximum") return { path, message: field.maximum === INT32_MAX ? `too large for an int32, found ${value}` : `must be at most ${field.maximum}, found ${value}`, found: value, allowed };
  }
  return undefined;
}

/** Orders issues as the document reads: at each level key problems first, then the table's fields in order; mode rules last. */
function issueOrder(issue: ValidationIssue & { segments?: readonly string[]; rule?: boolean }): number[] {
  if (issue.rule) return [Number.MAX_SAFE_INTEGER];
  const order: number[] = [];
  let parent: string | undefined;
  for (const segment of issue.segments ?? []) {
    const index = KUBE_PROXY_FIELDS.findIndex((f) => ("parent" in f ? f.parent : undefined) === parent && f.name === segment);
    order.push(index < 0 ? -1 : index);
    parent = segment;
  }
  return order;
}

function compareOrder(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/**
 * Parses a kube-proxy settings document (the JSON of `az aks ... --kube-proxy-config FILE`) into the Azure SDK model.
 * Keys are matched without regard to case (`TCPTimeoutSeconds` is `tcpTimeoutSeconds`); `LeastConnections` is read as
 * `LeastConnection` with a warning. The result is then validated by the published JSON Schema
 * ({@link kubeProxySettingsJsonSchema}, derived from the field table): unknown keys, wrong types, bad enum values,
 * non-positive or non-integer timeouts and `ipvsConfig` with a mode other than IPVS are refused.
 * @param input - the parsed JSON document
 * @param options - where it came from, for messages
 * @returns the settings in the API's spelling and the accepted oddities
 * @throws {@link ValidationError} listing every issue with its JSON path, what was found, what is allowed and a did-you-mean
 */
export function parseKubeProxySettings(input: unknown, options: ParseKubeProxySettingsOptions = {}): ParsedKubeProxySettings {
  const source = options.source ?? "kube-proxy settings";
  const { document, userPaths, issues: keyIssues, warnings } = normalise(input);
  validateSettings ??= compileSchema(kubeProxySettingsJsonSchema);
  const valid = validateSettings(document) as boolean;
  const errors = valid ? [] : (validateSettings.errors ?? []);
  const pathOf = (segments: readonly string[]): string => {
    const pointer = segments.map((s) => `/${s}`).join("");
    return userPaths.get(pointer) ?? formatJsonPath(segments);
  };
  const modeHasIssue = errors.some((e) => e.instancePath === "/mode" && !e.schemaPath.includes("/then/"));
  const issues = [
    ...keyIssues.map((i) => ({ ...i, segments: [] as readonly string[], rule: false })),
    ...errors.flatMap((error) => {
      const segments = errorSegments(error);
      const described = issuesFromSchemaErrors([error], { pathOf, describe: (e, path) => describeSettingsError(e, path, segments, { document, modeHasIssue, pathOf }) });
      return described.map((issue) => ({ ...issue, segments, rule: error.keyword === "if" }));
    }),
  ];
  // one issue per path (patternProperties check known keys a second time), in document order
  const seen = new Set<string>();
  const unique = issues.filter((i) => {
    const key = `${i.path}\u0000${i.rule ? "rule" : ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const ordered = unique
    .map((issue, index) => ({ issue, index, order: issueOrder(issue) }))
    .sort((a, b) => compareOrder(a.order, b.order) || a.index - b.index)
    .map(({ issue: { segments: _segments, rule: _rule, ...issue } }) => issue as ValidationIssue);
  if (ordered.length > 0) {
    const listed = capIssues(ordered, INPUT_LIMITS.maxIssues);
    throw new ValidationError(formatIssues(source, listed), listed);
  }
  return { settings: document as KubeProxyConfig, warnings };
}

/**
 * Parses the text of a settings file (UTF-8 JSON; a BOM is tolerated). Refuses a UTF-16/UTF-32 file, duplicate keys
 * (`{"mode":"IPVS","mode":"IPTABLES"}`: JSON readers would keep one silently), deep nesting and huge objects, each with
 * its JSON path and line, before anything is built; then validates like {@link parseKubeProxySettings}.
 * @param text - the file's content
 * @param options - where it came from, for messages
 * @returns the settings in the API's spelling and the accepted oddities
 * @throws {@link ValidationError} naming the file, the key path and the line of each problem
 */
export function parseKubeProxySettingsText(text: string, options: ParseKubeProxySettingsOptions = {}): ParsedKubeProxySettings {
  const source = options.source ?? "kube-proxy settings";
  const json = parseJsonText(text, { source, hint: 'It should look like {"enabled": true, "mode": "IPVS"}.' });
  try {
    return parseKubeProxySettings(json, { source });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // The same issues, each with the line it is on (the parser saw only the parsed document).
    const issues = withLineNotes(text, error.issues);
    throw new ValidationError(formatIssues(source, issues), issues);
  }
}

/**
 * Reads and parses a settings file (UTF-8 JSON, a BOM is tolerated), as {@link parseKubeProxySettingsText} does. Only a
 * regular file of at most `INPUT_LIMITS.maxSettingsFileBytes` (1 MB) is read.
 * @param path - the file
 * @throws {@link ValidationError} for a missing or unreadable file, bad JSON (with its position) or invalid settings; the message names the file
 */
export async function readKubeProxySettingsFile(path: string): Promise<ParsedKubeProxySettings> {
  await assertReadableFile(path, INPUT_LIMITS.maxSettingsFileBytes, 'Pass the path of a JSON file like {"enabled": true, "mode": "IPVS"}.');
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : `cannot be read (${code ?? "unknown error"})`;
    throw new ValidationError(`${path}: ${why}. Pass the path of a JSON file like {"enabled": true, "mode": "IPVS"}.`, [{ path: "$", message: why, found: path }], { cause: error });
  }
  return parseKubeProxySettingsText(text, { source: path });
}
