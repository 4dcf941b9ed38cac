/**
 * Parsing of the settings file that `az aks create/update --kube-proxy-config` accepts, into the Azure SDK model.
 * Normalises at the edge (key case, known aliases) and refuses everything else with path-bearing issues.
 * @packageDocumentation
 */
import { readFile } from "node:fs/promises";
import type {
  ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig,
  ContainerServiceNetworkProfileKubeProxyConfigIpvsConfig as IpvsConfig,
} from "@azure/arm-containerservice";
import { ValidationError, type ValidationIssue } from "../errors";
import type { Finding } from "../findings";
import { fieldAt, fieldsIn } from "./fields";
import { INT32_MAX, IPVS_FIELDS, IPVS_SCHEDULERS, IPVS_TIMEOUT_FIELDS, KUBE_PROXY_MODES } from "./model";
import { isPlainObject, describeJsonValue, formatIssues } from "./jsonValue";
import { assertReadableFile, INPUT_LIMITS, jsonLinesOf, parseJsonText } from "./jsonText";
import { closestMatch } from "./suggest";

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

const TOP_LEVEL_KEYS = fieldsIn(undefined).map((f) => f.name);
const IPVS_KEYS = IPVS_FIELDS;

/** Known misspellings of an enum field's values: lower-cased alias -> canonical value and the finding to report. */
function aliasesOf(path: string): Record<string, { value: string; id: string; why: string }> {
  return Object.fromEntries((fieldAt(path).aliases ?? []).map(({ alias, ...rest }) => [alias, rest]));
}
const SCHEDULER_ALIASES = aliasesOf("ipvsConfig.scheduler");

function childPath(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

class Collector {
  readonly issues: ValidationIssue[] = [];
  readonly warnings: Finding[] = [];
  /** Problems past {@link INPUT_LIMITS}.maxIssues, counted only. */
  more = 0;
  issue(issue: ValidationIssue): void {
    if (this.issues.length < INPUT_LIMITS.maxIssues) this.issues.push(issue);
    else this.more++;
  }
  finding(f: Finding): void {
    this.warnings.push(f);
  }
}

/** Matches the keys of `obj` to `known` without regard to case; reports unknown and duplicate keys. */
function matchKeys<K extends string>(obj: Record<string, unknown>, known: readonly K[], path: string, c: Collector): Map<K, { key: string; value: unknown }> {
  const out = new Map<K, { key: string; value: unknown }>();
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    if (value === undefined) continue;
    const canonical = known.find((k) => k.toLowerCase() === key.toLowerCase());
    const keyPath = childPath(path, key);
    if (!canonical) {
      const suggestion = closestMatch(key, known);
      c.issue({
        path: keyPath,
        message: `unknown key "${key}"`,
        found: key,
        allowed: known.join(", "),
        ...(suggestion ? { suggestion } : {}),
      });
      continue;
    }
    const previous = out.get(canonical);
    if (previous) {
      c.issue({ path: keyPath, message: `"${key}" repeats "${previous.key}" (keys are matched without regard to case)`, found: key, allowed: `one "${canonical}"` });
      continue;
    }
    if (key !== canonical) {
      c.finding({
        id: "legacy-key-casing",
        severity: "note",
        path: keyPath,
        message: `"${key}" read as "${canonical}", the API's spelling (the AKS docs' file uses other casing; prefer "${canonical}").`,
      });
    }
    out.set(canonical, { key, value });
  }
  return out;
}

function parseEnum(value: unknown, allowed: readonly string[], path: string, c: Collector, aliases: Record<string, { value: string; id: string; why: string }> = {}): string | undefined {
  if (typeof value !== "string") {
    c.issue({ path, message: `expected a string, found ${describeJsonValue(value)}`, found: value, allowed: allowed.join(" | ") });
    return undefined;
  }
  const exact = allowed.find((a) => a === value);
  if (exact) return exact;
  const folded = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (folded) {
    c.finding({ id: "enum-value-casing", severity: "note", path, message: `"${value}" read as "${folded}", the API's spelling.` });
    return folded;
  }
  const alias = aliases[value.toLowerCase()];
  if (alias) {
    c.finding({ id: alias.id, severity: "warning", path, message: `"${value}" read as "${alias.value}": ${alias.why}.` });
    return alias.value;
  }
  const suggestion = closestMatch(value, allowed);
  c.issue({ path, message: `"${value}" is not an allowed value`, found: value, allowed: allowed.join(" | "), ...(suggestion ? { suggestion } : {}) });
  return undefined;
}

function parseTimeout(value: unknown, path: string, c: Collector): number | undefined {
  const allowed = `an integer from 1 to ${INT32_MAX} (seconds)`;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    c.issue({ path, message: `expected an integer number of seconds, found ${describeJsonValue(value)}`, found: value, allowed });
    return undefined;
  }
  if (!Number.isInteger(value)) {
    c.issue({ path, message: `expected a whole number of seconds, found ${value}`, found: value, allowed, suggestion: String(Math.max(1, Math.round(value))) });
    return undefined;
  }
  if (value <= 0 || value > INT32_MAX) {
    c.issue({ path, message: value <= 0 ? `a timeout must be positive, found ${value}` : `too large for an int32, found ${value}`, found: value, allowed });
    return undefined;
  }
  return value;
}

function parseIpvsConfig(value: unknown, path: string, c: Collector): IpvsConfig | undefined {
  if (!isPlainObject(value)) {
    c.issue({ path, message: `expected an object, found ${describeJsonValue(value)}`, found: value, allowed: `an object with ${IPVS_KEYS.join(", ")}` });
    return undefined;
  }
  const keys = matchKeys(value, IPVS_KEYS, path, c);
  const out: IpvsConfig = {};
  const scheduler = keys.get("scheduler");
  if (scheduler) {
    const parsed = parseEnum(scheduler.value, IPVS_SCHEDULERS, childPath(path, scheduler.key), c, SCHEDULER_ALIASES);
    if (parsed !== undefined) out.scheduler = parsed;
  }
  for (const field of IPVS_TIMEOUT_FIELDS) {
    const entry = keys.get(field);
    if (!entry) continue;
    const parsed = parseTimeout(entry.value, childPath(path, entry.key), c);
    if (parsed !== undefined) out[field] = parsed;
  }
  return out;
}

/**
 * Parses a kube-proxy settings document (the JSON of `az aks ... --kube-proxy-config FILE`) into the Azure SDK model.
 * Keys are matched without regard to case (`TCPTimeoutSeconds` is `tcpTimeoutSeconds`); `LeastConnections` is read as
 * `LeastConnection` with a warning. Unknown keys, wrong types, bad enum values, non-positive or non-integer timeouts
 * and `ipvsConfig` with a mode other than IPVS are refused.
 * @param input - the parsed JSON document
 * @param options - where it came from, for messages
 * @returns the settings in the API's spelling and the accepted oddities
 * @throws {@link ValidationError} listing every issue with its JSON path, what was found, what is allowed and a did-you-mean
 */
export function parseKubeProxySettings(input: unknown, options: ParseKubeProxySettingsOptions = {}): ParsedKubeProxySettings {
  const source = options.source ?? "kube-proxy settings";
  const c = new Collector();
  const settings: KubeProxyConfig = {};
  if (!isPlainObject(input)) {
    c.issue({ path: "$", message: `expected a JSON object, found ${describeJsonValue(input)}`, found: input, allowed: `an object with ${TOP_LEVEL_KEYS.join(", ")}` });
  } else {
    const keys = matchKeys(input, TOP_LEVEL_KEYS, "$", c);
    const enabled = keys.get("enabled");
    if (enabled) {
      if (typeof enabled.value === "boolean") settings.enabled = enabled.value;
      else c.issue({ path: childPath("$", enabled.key), message: `expected true or false, found ${describeJsonValue(enabled.value)}`, found: enabled.value, allowed: "true | false" });
    }
    const mode = keys.get("mode");
    if (mode) {
      const parsed = parseEnum(mode.value, KUBE_PROXY_MODES, childPath("$", mode.key), c);
      if (parsed !== undefined) settings.mode = parsed;
    }
    const ipvs = keys.get("ipvsConfig");
    if (ipvs) {
      const ipvsPath = childPath("$", ipvs.key);
      const parsed = parseIpvsConfig(ipvs.value, ipvsPath, c);
      const modeKnown = !mode || settings.mode !== undefined;
      if (modeKnown && settings.mode !== "IPVS") {
        c.issue({
          path: ipvsPath,
          message: `ipvsConfig may only be given with mode "IPVS"; mode is ${settings.mode ? `"${settings.mode}"` : "not set (IPTABLES)"}`,
          found: settings.mode ?? null,
          allowed: 'mode "IPVS", or remove ipvsConfig',
        });
      } else if (parsed) {
        settings.ipvsConfig = parsed;
      }
    }
  }
  if (c.issues.length > 0) {
    const issues = c.more > 0 ? [...c.issues, { path: "$", message: `and ${c.more} more problem(s)` }] : c.issues;
    throw new ValidationError(formatIssues(source, issues), issues);
  }
  return { settings, warnings: c.warnings };
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
    const lines = jsonLinesOf(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, error.issues.map((i) => i.path));
    const issues = error.issues.map((i) => {
      const line = lines.get(i.path);
      return line === undefined || i.path === "$" ? i : { ...i, message: `${i.message} (line ${line})` };
    });
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
