/**
 * What a JSON Schema cannot say about a rollout file, checked after the validator, and the normalised
 * {@link RolloutSpec} built from the document: the kube-proxy settings (through the settings parser), unique
 * subscriptions, group and wave names, a wave that takes "the rest" only last, semver ranges, percentages of a string
 * ("150%"), and the file-wide limits on selectors and glob patterns. Values of the wrong shape are passed over here:
 * the validator has reported them ({@link rolloutSchemaIssues}).
 * @packageDocumentation
 */
import { validRange } from "semver";
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { INPUT_LIMITS, isKubeProxyError, isPlainObject, parseKubeProxySettings, ValidationError, describeJsonValue, formatJsonPath, type Finding, type JsonPathSegment } from "@aks-kube-proxy/sdk";
import { parseDurationInMs } from "./duration";
import type { RolloutIssue } from "./rolloutIssues";
import { compact } from "../util";
import { ROLLOUT_DEFAULTS, type ClusterSelector, type HaltRule, type HealthGate, type RolloutGroup, type RolloutSpec, type RolloutSubscription, type RolloutWave } from "./spec";

type Segment = JsonPathSegment;
type Doc = Record<string, unknown>;

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLUSTER_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i;

/** Azure region names are compared lower-cased without spaces (`West US 2` is `westus2`). @internal */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

/** Splits a JSON path (`$.a.b[2]["c d"]`) into segments. @internal */
export function segmentsOf(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.replace(/^\$/, "").matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

/** One value or a list of them, as a list, and whether it was a list (an entry's path then has its index). */
function oneOrMany(value: unknown): { items: unknown[]; listed: boolean } {
  return Array.isArray(value) ? { items: value, listed: true } : { items: [value], listed: false };
}

/** A string or a YAML number (`ring: 0`) as text; undefined for anything else. */
function textOf(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The texts of a value or list of values (wrong entries left out: the validator reported them). */
function textsOf(value: unknown, at: readonly Segment[]): { s: string; at: readonly Segment[] }[] {
  const { items, listed } = oneOrMany(value);
  return items.flatMap((item, i) => {
    const s = textOf(item);
    return s === undefined ? [] : [{ s, at: listed ? [...at, i] : at }];
  });
}

class Rules {
  readonly issues: RolloutIssue[] = [];
  readonly warnings: Finding[] = [];
  private patterns = 0;
  private selectorCount = 0;

  constructor(private readonly source: string) {}

  issue(at: readonly Segment[], message: string, extra: Omit<RolloutIssue, "at" | "message"> = {}): void {
    this.issues.push({ at, message, ...extra });
  }

  /** Counts a glob pattern; past {@link INPUT_LIMITS}.maxPatterns, one issue. */
  pattern(s: string, at: readonly Segment[]): string | undefined {
    if (!/[*?]/.test(s)) return s;
    this.patterns++;
    if (this.patterns === INPUT_LIMITS.maxPatterns + 1) {
      this.issue(at, `more than ${INPUT_LIMITS.maxPatterns} glob patterns (values with * or ?) in the file`, {
        found: s,
        allowed: `at most ${INPUT_LIMITS.maxPatterns} patterns; list exact names, or select by tags or resource groups`,
      });
    }
    return this.patterns > INPUT_LIMITS.maxPatterns ? undefined : s;
  }

  /** A percentage: a number, or a string such as "25%" whose range the schema cannot check. */
  percent(value: unknown, at: readonly Segment[], allowZero: boolean): number | undefined {
    if (typeof value === "number") return value;
    if (typeof value !== "string" || !/^\d+(\.\d+)?%$/.test(value)) return undefined;
    const parsed = Number(value.slice(0, -1));
    if (parsed > 100 || (parsed === 0 && !allowZero)) {
      const range = allowZero ? "from 0 to 100" : "above 0, at most 100";
      this.issue(at, `expected a percentage, found ${describeJsonValue(value)}`, { found: value, allowed: `a number ${range} (e.g. 10 or "10%")` });
      return undefined;
    }
    return parsed;
  }

  concurrency(value: unknown, at: readonly Segment[]): { count?: number; percent?: number } {
    if (typeof value === "string") {
      const percent = this.percent(value, at, false);
      return percent === undefined ? {} : { percent };
    }
    return typeof value === "number" ? { count: value } : {};
  }

  duration(value: unknown): number | undefined {
    return typeof value === "string" ? parseDurationInMs(value) : value === 0 ? 0 : undefined;
  }

  settings(value: unknown, at: readonly Segment[]): KubeProxyConfig | undefined {
    try {
      const parsed = parseKubeProxySettings(value, { source: this.source });
      for (const w of parsed.warnings) this.warnings.push({ ...w, path: formatJsonPath([...at, ...segmentsOf(w.path ?? "$")]) });
      return parsed.settings;
    } catch (error) {
      if (!isKubeProxyError(error) || !(error instanceof ValidationError)) throw error;
      for (const { path, ...rest } of error.issues) this.issues.push({ ...rest, at: [...at, ...segmentsOf(path)] });
      return undefined;
    }
  }

  selectors(value: unknown, at: readonly Segment[]): ClusterSelector[] {
    const { items, listed } = oneOrMany(value);
    return items.flatMap((item, i) => {
      const s = this.selector(item, listed ? [...at, i] : at);
      return s ? [s] : [];
    });
  }

  selector(value: unknown, at: readonly Segment[]): ClusterSelector | undefined {
    this.selectorCount++;
    if (this.selectorCount === INPUT_LIMITS.maxSelectors + 1) {
      this.issue(at, `more than ${INPUT_LIMITS.maxSelectors} cluster selectors in the file (select, exclude, groups and waves together)`, {
        allowed: `at most ${INPUT_LIMITS.maxSelectors} selectors; one selector takes lists of names, ids and tag values`,
      });
    }
    if (this.selectorCount > INPUT_LIMITS.maxSelectors || !isPlainObject(value)) return undefined;
    const o = value;
    const out: { -readonly [K in keyof ClusterSelector]: ClusterSelector[K] } = {};
    const patterns = (v: unknown, a: readonly Segment[]): string[] => textsOf(v, a).flatMap(({ s, at: sAt }) => this.pattern(s, sAt) ?? []);
    if (o["ids"] !== undefined) out.ids = textsOf(o["ids"], [...at, "ids"]).flatMap(({ s }) => (CLUSTER_ID.test(s) ? [s] : []));
    if (o["subscriptions"] !== undefined) out.subscriptions = textsOf(o["subscriptions"], [...at, "subscriptions"]).flatMap(({ s }) => (SUBSCRIPTION_ID.test(s) ? [s.toLowerCase()] : []));
    if (o["resourceGroups"] !== undefined) out.resourceGroups = patterns(o["resourceGroups"], [...at, "resourceGroups"]);
    if (o["names"] !== undefined) out.names = patterns(o["names"], [...at, "names"]);
    if (o["locations"] !== undefined) out.locations = textsOf(o["locations"], [...at, "locations"]).map(({ s }) => normalizeLocation(s));
    const range = textOf(o["kubernetesVersion"]);
    if (range !== undefined) {
      if (validRange(range) === null) {
        this.issue([...at, "kubernetesVersion"], `"${range}" is not a version range`, { found: range, allowed: 'a semver range, e.g. ">=1.30 <1.34", "1.33.x", "^1.32"' });
      } else out.kubernetesVersion = range;
    }
    if (isPlainObject(o["tags"])) {
      out.tags = Object.fromEntries(Object.entries(o["tags"]).map(([key, v]) => [key, patterns(v, [...at, "tags", key])]));
    }
    return out;
  }

  halt(value: unknown, at: readonly Segment[]): HaltRule | undefined {
    if (!isPlainObject(value)) return undefined;
    const out: { maxFailures?: number; maxFailurePercent?: number; rollback?: boolean } = {};
    if (typeof value["maxFailures"] === "number") out.maxFailures = value["maxFailures"];
    const percent = value["maxFailurePercent"] === undefined ? undefined : this.percent(value["maxFailurePercent"], [...at, "maxFailurePercent"], true);
    if (percent !== undefined) out.maxFailurePercent = percent;
    if (value["rollback"] === true) out.rollback = true;
    // `halt: { rollback: true }` alone keeps the default threshold (halt on the first failure).
    if (value["maxFailures"] === undefined && value["maxFailurePercent"] === undefined && value["rollback"] !== undefined) out.maxFailures = 0;
    return out;
  }

  healthGate(value: unknown): HealthGate | undefined {
    if (!isPlainObject(value) || typeof value["dataPlane"] !== "boolean") return undefined;
    const timeoutInMs = value["timeout"] === undefined ? ROLLOUT_DEFAULTS.healthGateTimeoutInMs : this.duration(value["timeout"]);
    const unreachable = value["unreachable"] ?? "fail";
    if (timeoutInMs === undefined || (unreachable !== "fail" && unreachable !== "skip")) return undefined;
    return { dataPlane: value["dataPlane"], timeoutInMs, unreachable };
  }
}

function subscriptionsOf(r: Rules, value: unknown): RolloutSubscription[] {
  const { items, listed } = oneOrMany(value);
  if (items.length > INPUT_LIMITS.maxSubscriptions) return [];
  const seen = new Set<string>();
  return items.flatMap((item, i) => {
    const at = listed ? ["subscriptions", i] : ["subscriptions"];
    const idText = isPlainObject(item) ? item["id"] : item;
    if (typeof idText !== "string" || !SUBSCRIPTION_ID.test(idText)) return [];
    const id = idText.toLowerCase();
    if (seen.has(id)) {
      r.issue(at, `subscription ${id} is listed twice`, { found: id, allowed: "each subscription once" });
      return [];
    }
    seen.add(id);
    const bound = isPlainObject(item) && item["maxConcurrency"] !== undefined ? r.concurrency(item["maxConcurrency"], [...at, "maxConcurrency"]) : {};
    return [{ id, ...(bound.count !== undefined ? { maxConcurrency: bound.count } : {}), ...(bound.percent !== undefined ? { maxConcurrencyPercent: bound.percent } : {}) }];
  });
}

function groupsOf(r: Rules, value: unknown): RolloutGroup[] {
  if (!Array.isArray(value) || value.length > INPUT_LIMITS.maxGroupsOrWaves) return [];
  const names = new Set<string>();
  return value.flatMap((g: unknown, i): RolloutGroup[] => {
    const at = ["groups", i];
    if (!isPlainObject(g)) return [];
    const name = g["name"] === undefined ? `group-${i + 1}` : textOf(g["name"]);
    if (name !== undefined && names.has(name.toLowerCase())) r.issue([...at, "name"], `group name "${name}" is used twice`, { found: name, allowed: "unique group names" });
    if (name !== undefined) names.add(name.toLowerCase());
    const select = g["select"] === undefined ? [] : r.selectors(g["select"], [...at, "select"]);
    const settings = g["settings"] === undefined ? undefined : r.settings(g["settings"], [...at, "settings"]);
    return name !== undefined && settings !== undefined ? [{ name, select, settings }] : [];
  });
}

function wavesOf(r: Rules, value: unknown): RolloutWave[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > INPUT_LIMITS.maxGroupsOrWaves) return [];
  const waves: { wave: RolloutWave; limited: boolean; i: number }[] = [];
  const names = new Map<string, number>();
  value.forEach((o: unknown, i) => {
    const at = ["waves", i];
    if (!isPlainObject(o)) return;
    const name = o["name"] === undefined ? `wave-${i + 1}` : textOf(o["name"]);
    if (name === undefined) return;
    const seen = names.get(name.toLowerCase());
    if (seen !== undefined) r.issue([...at, "name"], `wave name "${name}" is already used by wave ${seen + 1}`, { found: name, allowed: "unique wave names" });
    names.set(name.toLowerCase(), i);
    const wave: { -readonly [K in keyof RolloutWave]: RolloutWave[K] } = { name };
    if (typeof o["count"] === "number") wave.count = o["count"];
    if (o["percent"] !== undefined) wave.percent = r.percent(o["percent"], [...at, "percent"], false);
    if (o["select"] !== undefined) wave.select = r.selectors(o["select"], [...at, "select"]);
    if (o["soakTime"] !== undefined) wave.soakTimeInMs = r.duration(o["soakTime"]);
    if (o["halt"] !== undefined) wave.halt = r.halt(o["halt"], [...at, "halt"]);
    if (o["maxConcurrency"] !== undefined) {
      const bound = r.concurrency(o["maxConcurrency"], [...at, "maxConcurrency"]);
      wave.maxConcurrency = bound.count;
      wave.maxConcurrencyPercent = bound.percent;
    }
    if (o["approval"] === true) wave.approval = true;
    if (o["healthGate"] !== undefined) wave.healthGate = r.healthGate(o["healthGate"]);
    waves.push({ wave: compact(wave), limited: o["count"] !== undefined || o["percent"] !== undefined || o["select"] !== undefined, i });
  });
  // A wave that takes "the rest" leaves nothing for the waves after it.
  waves.forEach(({ wave, limited, i }, n) => {
    if (!limited && n < waves.length - 1) {
      r.issue(["waves", i], `wave "${wave.name}" takes every remaining cluster (no count, percent or select), so the waves after it would be empty`, {
        allowed: "count, percent or select on every wave but the last",
      });
    }
  });
  return waves.map(({ wave }) => wave);
}

/**
 * Checks what the schema cannot and builds the spec. The spec is only meaningful when the validator found nothing
 * and `issues` is empty.
 * @param document - the rollout document (after `prepareRolloutDocument`)
 * @param source - where it came from, for the settings parser's messages
 * @internal
 */
export function applyRolloutRules(document: unknown, source: string): { spec?: RolloutSpec; issues: RolloutIssue[]; warnings: Finding[] } {
  const r = new Rules(source);
  if (!isPlainObject(document)) return { issues: [], warnings: [] };
  const o: Doc = document;
  const subscriptions = o["subscriptions"] === undefined ? [] : subscriptionsOf(r, o["subscriptions"]);
  const select = o["select"] === undefined ? [] : r.selectors(o["select"], ["select"]);
  const exclude = o["exclude"] === undefined ? [] : r.selectors(o["exclude"], ["exclude"]);
  const settings = o["settings"] === undefined ? undefined : r.settings(o["settings"], ["settings"]);
  const groups = o["groups"] === undefined ? [] : groupsOf(r, o["groups"]);
  const waves = o["waves"] === undefined ? [{ name: "all" }] : wavesOf(r, o["waves"]);
  const overall = o["maxConcurrency"] === undefined ? {} : r.concurrency(o["maxConcurrency"], ["maxConcurrency"]);
  const perSub = o["maxConcurrencyPerSubscription"] === undefined ? {} : r.concurrency(o["maxConcurrencyPerSubscription"], ["maxConcurrencyPerSubscription"]);
  const soakTimeInMs = o["soakTime"] === undefined ? ROLLOUT_DEFAULTS.soakTimeInMs : r.duration(o["soakTime"]);
  const halt = o["halt"] === undefined ? ROLLOUT_DEFAULTS.halt : r.halt(o["halt"], ["halt"]);
  const healthGate = o["healthGate"] === undefined ? undefined : r.healthGate(o["healthGate"]);
  if (r.issues.length > 0 || soakTimeInMs === undefined || halt === undefined) return { issues: r.issues, warnings: r.warnings };
  const spec: RolloutSpec = {
    name: textOf(o["name"]) ?? ROLLOUT_DEFAULTS.name,
    subscriptions,
    select,
    exclude,
    ...(settings !== undefined ? { settings } : {}),
    groups,
    waves,
    soakTimeInMs,
    halt,
    // A percentage replaces the count; the count keeps its default for journals and readers that know only counts.
    maxConcurrency: overall.count ?? ROLLOUT_DEFAULTS.maxConcurrency,
    maxConcurrencyPerSubscription: perSub.count ?? ROLLOUT_DEFAULTS.maxConcurrencyPerSubscription,
    enablePreview: o["enablePreview"] !== false,
    allowDisable: o["allowDisable"] === true,
    ...(healthGate !== undefined ? { healthGate } : {}),
    ...(overall.percent !== undefined ? { maxConcurrencyPercent: overall.percent } : {}),
    ...(perSub.percent !== undefined ? { maxConcurrencyPerSubscriptionPercent: perSub.percent } : {}),
  };
  return { spec, issues: [], warnings: r.warnings };
}

/**
 * The document as the rules read it: a key whose value is null is left out (YAML `soakTime:` with nothing after it)
 * and strings are trimmed, except inside kube-proxy settings, which their own parser reads as written.
 * @param value - the parsed document
 * @param isSettings - true for a path into settings
 * @internal
 */
export function prepareRolloutDocument(value: unknown, isSettings: (at: readonly Segment[]) => boolean, at: readonly Segment[] = []): unknown {
  if (isSettings(at)) return value;
  if (typeof value === "string") return value.trim();
  if (Array.isArray(value)) return value.map((v, i) => prepareRolloutDocument(v, isSettings, [...at, i]));
  if (!isPlainObject(value)) return value;
  // fromEntries defines own properties: a "__proto__" key stays a key (and is refused as unknown)
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === null || v === undefined ? [] : [[k, prepareRolloutDocument(v, isSettings, [...at, k])]])));
}
