/**
 * Parsing of rollout files (YAML or JSON) into a {@link RolloutSpec}: every problem is reported at once, each with
 * its JSON path, the line in the file, what was found, what is allowed and a did-you-mean where one is close.
 * @packageDocumentation
 */
import { readFile } from "node:fs/promises";
import { Lexer, LineCounter, parseDocument, isMap, isNode, isScalar, isSeq } from "yaml";
import { validRange } from "semver";
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { isKubeProxyError, ValidationError, type ValidationIssue } from "@aks-kube-proxy/sdk";
import type { Finding } from "@aks-kube-proxy/sdk";
import { parseKubeProxySettings } from "@aks-kube-proxy/sdk";
import { describeJsonValue, formatIssues, formatJsonPath, isPlainObject, type JsonPathSegment } from "@aks-kube-proxy/sdk";
import { assertReadableFile, assertReadableText, checkJsonStructure, INPUT_LIMITS, jsonLinesOf } from "@aks-kube-proxy/sdk";
import { closestMatch } from "@aks-kube-proxy/sdk";
import { parseDurationInMs } from "./duration";
import { compact } from "./util";
import { ROLLOUT_DEFAULTS, type ClusterSelector, type HaltRule, type HealthGate, type RolloutGroup, type RolloutSpec, type RolloutSubscription, type RolloutWave } from "./spec";

/** The result of parsing a rollout file. */
export interface ParsedRolloutSpec {
  /** The normalised rollout. */
  readonly spec: RolloutSpec;
  /** Accepted oddities in the settings (legacy key casing...), with paths into the rollout file. */
  readonly warnings: Finding[];
}

/** Options of {@link parseRolloutSpec} and {@link parseRolloutText}. */
export interface ParseRolloutOptions {
  /** Where the document came from (a file name), used in messages. @default "rollout file" */
  readonly source?: string;
  /**
   * {@link parseRolloutText} only: the largest YAML text accepted, in bytes (a YAML parser keeps a node with positions
   * per value, far more memory per byte than JSON). Larger YAML is refused before it is parsed.
   * @default INPUT_LIMITS.maxRolloutYamlBytes (2 MB)
   */
  readonly maxYamlBytes?: number;
}

type Segment = JsonPathSegment;
interface Issue extends Omit<ValidationIssue, "path"> {
  readonly at: readonly Segment[];
}

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLUSTER_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i;

const TOP_KEYS = [
  "$schema",
  "name",
  "subscriptions",
  "select",
  "exclude",
  "settings",
  "groups",
  "waves",
  "soakTime",
  "halt",
  "maxConcurrency",
  "maxConcurrencyPerSubscription",
  "enablePreview",
  "allowDisable",
  "healthGate",
] as const;
const SELECTOR_KEYS = ["ids", "subscriptions", "resourceGroups", "names", "tags", "locations", "kubernetesVersion"] as const;
const SUBSCRIPTION_KEYS = ["id", "maxConcurrency"] as const;
const GROUP_KEYS = ["name", "select", "settings"] as const;
const WAVE_KEYS = ["name", "count", "percent", "select", "soakTime", "halt", "maxConcurrency", "approval", "healthGate"] as const;
const HALT_KEYS = ["maxFailures", "maxFailurePercent", "rollback"] as const;
const HEALTH_GATE_KEYS = ["dataPlane", "timeout", "unreachable"] as const;

/** Renders segments as a JSON path: `$.waves[1].select[0].tags.ring`. @internal */
export const formatPath = formatJsonPath;

class Parser {
  readonly issues: Issue[] = [];
  readonly warnings: Finding[] = [];
  /** Problems past {@link INPUT_LIMITS}.maxIssues, counted only (a file of a million bad names stays one bounded error). */
  more = 0;
  /** Glob patterns seen so far (each becomes a compiled matcher). */
  patterns = 0;

  issue(at: readonly Segment[], message: string, extra: Omit<ValidationIssue, "path" | "message"> = {}): void {
    this.push({ at, message, ...extra });
  }

  push(issue: Issue): void {
    if (this.issues.length < INPUT_LIMITS.maxIssues) this.issues.push(issue);
    else this.more++;
  }

  /** Refuses a list of more than {@link INPUT_LIMITS}.maxGroupsOrWaves groups or waves (one issue); true when it fits. */
  fewEnough(items: readonly unknown[], at: readonly Segment[], what: string): boolean {
    if (items.length <= INPUT_LIMITS.maxGroupsOrWaves) return true;
    this.issue(at, `lists ${items.length} ${what}, more than the ${INPUT_LIMITS.maxGroupsOrWaves} one rollout file may`, { allowed: `at most ${INPUT_LIMITS.maxGroupsOrWaves} ${what}` });
    return false;
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

  /** Returns the object at `at`, reporting unknown keys (exact spelling required, did-you-mean offered). */
  object<K extends string>(value: unknown, at: readonly Segment[], known: readonly K[], what: string): Partial<Record<K, unknown>> | undefined {
    if (!isPlainObject(value)) {
      this.issue(at, `expected ${what} (an object), found ${describeJsonValue(value)}`, { found: value, allowed: `an object with ${known.join(", ")}` });
      return undefined;
    }
    const out: Partial<Record<K, unknown>> = {};
    for (const [key, v] of Object.entries(value)) {
      if ((known as readonly string[]).includes(key)) {
        if (v !== undefined && v !== null) out[key as K] = v;
        continue;
      }
      const suggestion = closestMatch(key, known) ?? singularToPlural(key, known);
      this.issue([...at, key], `unknown key "${key}" in ${what}`, { found: key, allowed: known.join(", "), ...(suggestion ? { suggestion } : {}) });
    }
    return out;
  }

  list(value: unknown, at: readonly Segment[], what: string): unknown[] | undefined {
    if (!Array.isArray(value)) {
      this.issue(at, `expected a list of ${what}, found ${describeJsonValue(value)}`, { found: value, allowed: `a list of ${what}` });
      return undefined;
    }
    return value;
  }

  /** One value or a list of them, as a list. */
  oneOrMany(value: unknown): { items: unknown[]; listed: boolean } {
    return Array.isArray(value) ? { items: value, listed: true } : { items: [value], listed: false };
  }

  string(value: unknown, at: readonly Segment[], what: string): string | undefined {
    if (typeof value === "number" && Number.isFinite(value)) return String(value); // YAML reads ring: 0 as a number
    if (typeof value !== "string" || value.trim() === "") {
      this.issue(at, `expected ${what} (a non-empty string), found ${describeJsonValue(value)}`, { found: value, allowed: what });
      return undefined;
    }
    return value.trim();
  }

  strings(value: unknown, at: readonly Segment[], what: string, check?: (s: string, at: readonly Segment[]) => string | undefined): string[] | undefined {
    const { items, listed } = this.oneOrMany(value);
    if (listed && items.length === 0) {
      this.issue(at, `expected at least one ${what}, found an empty list`, { found: value, allowed: `${what}, or a list of them` });
      return undefined;
    }
    const out: string[] = [];
    items.forEach((item, i) => {
      const itemAt = listed ? [...at, i] : at;
      const s = this.string(item, itemAt, what);
      if (s === undefined) return;
      const checked = check ? check(s, itemAt) : s;
      if (checked !== undefined) out.push(checked);
    });
    return out;
  }

  integer(value: unknown, at: readonly Segment[], min: number, what: string): number | undefined {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      this.issue(at, `expected ${what}, found ${describeJsonValue(value)}`, { found: value, allowed: `an integer >= ${min}` });
      return undefined;
    }
    return value;
  }

  percent(value: unknown, at: readonly Segment[], allowZero: boolean): number | undefined {
    const parsed = typeof value === "string" && /^\d+(\.\d+)?%$/.test(value.trim()) ? Number(value.trim().slice(0, -1)) : value;
    if (typeof parsed !== "number" || !Number.isFinite(parsed) || parsed < 0 || (parsed === 0 && !allowZero) || parsed > 100) {
      const range = allowZero ? "from 0 to 100" : "above 0, at most 100";
      this.issue(at, `expected a percentage, found ${describeJsonValue(value)}`, { found: value, allowed: `a number ${range} (e.g. 10 or "10%")` });
      return undefined;
    }
    return parsed;
  }

  boolean(value: unknown, at: readonly Segment[]): boolean | undefined {
    if (typeof value !== "boolean") {
      this.issue(at, `expected true or false, found ${describeJsonValue(value)}`, { found: value, allowed: "true | false" });
      return undefined;
    }
    return value;
  }

  duration(value: unknown, at: readonly Segment[]): number | undefined {
    const ms = typeof value === "string" ? parseDurationInMs(value) : value === 0 ? 0 : undefined;
    if (ms === undefined) {
      this.issue(at, `expected a duration, found ${describeJsonValue(value)}`, { found: value, allowed: 'a duration with units, e.g. "30s", "10m", "1h30m", "500ms", or "0"' });
    }
    return ms;
  }

  settings(value: unknown, at: readonly Segment[], source: string): KubeProxyConfig | undefined {
    try {
      const parsed = parseKubeProxySettings(value, { source });
      for (const w of parsed.warnings) this.warnings.push({ ...w, path: rebase(w.path, at) });
      return parsed.settings;
    } catch (error) {
      if (!isKubeProxyError(error) || !(error instanceof ValidationError)) throw error;
      for (const { path, ...rest } of error.issues) {
        this.push({ ...rest, at: [...at, ...segmentsOf(path)] });
      }
      return undefined;
    }
  }

  /** Selectors seen so far (each is matched against every listed cluster). */
  selectorCount = 0;

  selector(value: unknown, at: readonly Segment[]): ClusterSelector | undefined {
    this.selectorCount++;
    if (this.selectorCount > INPUT_LIMITS.maxSelectors) {
      if (this.selectorCount === INPUT_LIMITS.maxSelectors + 1) {
        this.issue(at, `more than ${INPUT_LIMITS.maxSelectors} cluster selectors in the file (select, exclude, groups and waves together)`, {
          allowed: `at most ${INPUT_LIMITS.maxSelectors} selectors; one selector takes lists of names, ids and tag values`,
        });
      }
      return undefined;
    }
    const o = this.object(value, at, SELECTOR_KEYS, "a cluster selector");
    if (!o) return undefined;
    const out: {
      -readonly [K in keyof ClusterSelector]: ClusterSelector[K];
    } = {};
    if (o.ids !== undefined) {
      out.ids = this.strings(o.ids, [...at, "ids"], "a cluster resource id", (s, a) => {
        if (CLUSTER_ID.test(s)) return s;
        this.issue(a, `not a managed cluster resource id`, {
          found: s,
          allowed: "/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name}",
        });
        return undefined;
      });
    }
    if (o.subscriptions !== undefined) out.subscriptions = this.strings(o.subscriptions, [...at, "subscriptions"], "a subscription id", (s, a) => this.subscriptionId(s, a));
    if (o.resourceGroups !== undefined) out.resourceGroups = this.strings(o.resourceGroups, [...at, "resourceGroups"], "a resource group name or glob pattern", (s, a) => this.pattern(s, a));
    if (o.names !== undefined) out.names = this.strings(o.names, [...at, "names"], "a cluster name or glob pattern", (s, a) => this.pattern(s, a));
    if (o.locations !== undefined) out.locations = this.strings(o.locations, [...at, "locations"], "an Azure region")?.map(normalizeLocation);
    if (o.kubernetesVersion !== undefined) {
      const range = this.string(o.kubernetesVersion, [...at, "kubernetesVersion"], "a version range");
      if (range !== undefined) {
        if (validRange(range) === null) {
          this.issue([...at, "kubernetesVersion"], `"${range}" is not a version range`, { found: range, allowed: 'a semver range, e.g. ">=1.30 <1.34", "1.33.x", "^1.32"' });
        } else {
          out.kubernetesVersion = range;
        }
      }
    }
    if (o.tags !== undefined) {
      if (!isPlainObject(o.tags)) {
        this.issue([...at, "tags"], `expected tags (an object of tag name to value), found ${describeJsonValue(o.tags)}`, { found: o.tags, allowed: '{ ring: "0", env: [prod, staging], team: "*" }' });
      } else {
        const tags: Record<string, string[]> = {};
        for (const [key, v] of Object.entries(o.tags)) {
          const values = this.strings(v, [...at, "tags", key], "a tag value or glob pattern", (s, a) => this.pattern(s, a));
          if (values) tags[key] = values;
        }
        out.tags = tags;
      }
    }
    return out;
  }

  selectors(value: unknown, at: readonly Segment[]): ClusterSelector[] {
    const { items, listed } = this.oneOrMany(value);
    const out: ClusterSelector[] = [];
    items.forEach((item, i) => {
      const s = this.selector(item, listed ? [...at, i] : at);
      if (s) out.push(s);
    });
    return out;
  }

  subscriptionId(s: string, at: readonly Segment[]): string | undefined {
    if (SUBSCRIPTION_ID.test(s)) return s.toLowerCase();
    this.issue(at, `"${s}" is not a subscription id`, { found: s, allowed: "a GUID, e.g. 00000000-0000-0000-0000-000000000000" });
    return undefined;
  }

  halt(value: unknown, at: readonly Segment[]): HaltRule | undefined {
    const o = this.object(value, at, HALT_KEYS, "a halt rule");
    if (!o) return undefined;
    const out: { maxFailures?: number; maxFailurePercent?: number; rollback?: boolean } = {};
    if (o.maxFailures !== undefined) {
      const n = this.integer(o.maxFailures, [...at, "maxFailures"], 0, "a number of failed clusters");
      if (n !== undefined) out.maxFailures = n;
    }
    if (o.maxFailurePercent !== undefined) {
      const p = this.percent(o.maxFailurePercent, [...at, "maxFailurePercent"], true);
      if (p !== undefined) out.maxFailurePercent = p;
    }
    if (o.rollback !== undefined) {
      const b = this.boolean(o.rollback, [...at, "rollback"]);
      if (b === true) out.rollback = true;
    }
    if (o.maxFailures === undefined && o.maxFailurePercent === undefined) {
      // `halt: { rollback: true }` alone keeps the default threshold (halt on the first failure).
      if (o.rollback !== undefined) out.maxFailures = 0;
      else this.issue(at, "a halt rule needs maxFailures or maxFailurePercent", { allowed: "maxFailures: 0, maxFailurePercent: 10, or both" });
    }
    return out;
  }

  /** A concurrency bound as Fleet Manager writes it: a count (>= 1) or a percentage ("25%"). */
  concurrency(value: unknown, at: readonly Segment[]): { count?: number; percent?: number } {
    if (typeof value === "string" && value.trim().endsWith("%")) {
      const percent = this.percent(value, at, false);
      return percent === undefined ? {} : { percent };
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      this.issue(at, `expected a number of clusters or a percentage, found ${describeJsonValue(value)}`, { found: value, allowed: 'an integer >= 1, or a percentage such as "25%"' });
      return {};
    }
    return { count: value };
  }

  healthGate(value: unknown, at: readonly Segment[]): HealthGate | undefined {
    const o = this.object(value, at, HEALTH_GATE_KEYS, "a health gate");
    if (!o) return undefined;
    const dataPlane = o.dataPlane === undefined ? undefined : this.boolean(o.dataPlane, [...at, "dataPlane"]);
    if (o.dataPlane === undefined) this.issue([...at, "dataPlane"], "a health gate needs dataPlane: true (or false to turn the rollout's default gate off for this wave)", { allowed: "true | false" });
    const timeoutInMs = o.timeout === undefined ? ROLLOUT_DEFAULTS.healthGateTimeoutInMs : this.duration(o.timeout, [...at, "timeout"]);
    let unreachable: "fail" | "skip" | undefined = "fail";
    if (o.unreachable !== undefined) {
      if (o.unreachable === "fail" || o.unreachable === "skip") unreachable = o.unreachable;
      else {
        unreachable = undefined;
        this.issue([...at, "unreachable"], `expected fail or skip, found ${describeJsonValue(o.unreachable)}`, { found: o.unreachable, allowed: "fail | skip" });
      }
    }
    if (dataPlane === undefined || timeoutInMs === undefined || unreachable === undefined) return undefined;
    return { dataPlane, timeoutInMs, unreachable };
  }
}

function singularToPlural(key: string, known: readonly string[]): string | undefined {
  const plural = known.find((k) => k.toLowerCase() === `${key.toLowerCase()}s`);
  return plural;
}

function rebase(path: string | undefined, at: readonly Segment[]): string {
  return formatPath([...at, ...segmentsOf(path ?? "$")]);
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

/** Azure region names are compared lower-cased without spaces (`West US 2` is `westus2`). @internal */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

function parseWaves(p: Parser, value: unknown, at: readonly Segment[]): RolloutWave[] {
  const items = p.list(value, at, "waves");
  if (!items || !p.fewEnough(items, at, "waves")) return [];
  if (items.length === 0) {
    p.issue(at, "expected at least one wave, found an empty list", { allowed: "leave waves out for a single wave, or list them" });
    return [];
  }
  const waves: RolloutWave[] = [];
  const limited: boolean[] = [];
  const names = new Map<string, number>();
  items.forEach((item, i) => {
    const wAt = [...at, i];
    const o = p.object(item, wAt, WAVE_KEYS, "a wave");
    if (!o) return;
    const name = o.name === undefined ? `wave-${i + 1}` : p.string(o.name, [...wAt, "name"], "a wave name");
    if (name === undefined) return;
    const seen = names.get(name.toLowerCase());
    if (seen !== undefined) p.issue([...wAt, "name"], `wave name "${name}" is already used by wave ${seen + 1}`, { found: name, allowed: "unique wave names" });
    names.set(name.toLowerCase(), i);
    const wave: { -readonly [K in keyof RolloutWave]: RolloutWave[K] } = { name };
    limited.push(o.count !== undefined || o.percent !== undefined || o.select !== undefined);
    if (o.count !== undefined) wave.count = p.integer(o.count, [...wAt, "count"], 1, "a number of clusters");
    if (o.percent !== undefined) wave.percent = p.percent(o.percent, [...wAt, "percent"], false);
    if (wave.count !== undefined && wave.percent !== undefined) {
      p.issue([...wAt, "percent"], "a wave takes either count or percent, not both", { allowed: "count or percent" });
    }
    if (o.select !== undefined) wave.select = p.selectors(o.select, [...wAt, "select"]);
    if (o.soakTime !== undefined) wave.soakTimeInMs = p.duration(o.soakTime, [...wAt, "soakTime"]);
    if (o.halt !== undefined) wave.halt = p.halt(o.halt, [...wAt, "halt"]);
    if (o.maxConcurrency !== undefined) {
      const bound = p.concurrency(o.maxConcurrency, [...wAt, "maxConcurrency"]);
      wave.maxConcurrency = bound.count;
      wave.maxConcurrencyPercent = bound.percent;
    }
    if (o.approval !== undefined && p.boolean(o.approval, [...wAt, "approval"]) === true) wave.approval = true;
    if (o.healthGate !== undefined) wave.healthGate = p.healthGate(o.healthGate, [...wAt, "healthGate"]);
    waves.push(compact(wave));
  });
  // A wave that takes "the rest" leaves nothing for the waves after it.
  waves.forEach((w, i) => {
    if (!limited[i] && i < waves.length - 1) {
      p.issue([...at, i], `wave "${w.name}" takes every remaining cluster (no count, percent or select), so the waves after it would be empty`, {
        allowed: "count, percent or select on every wave but the last",
      });
    }
  });
  return waves;
}

/**
 * Parses a rollout document (already read from YAML or JSON) into a normalised {@link RolloutSpec}.
 * @param input - the document
 * @param options - where it came from, for messages
 * @returns the spec and the accepted oddities found in its settings
 * @throws {@link ValidationError} listing every problem with its JSON path (e.g. `$.waves[1].percent`)
 */
export function parseRolloutSpec(input: unknown, options: ParseRolloutOptions = {}): ParsedRolloutSpec {
  const result = parseInternal(input, options.source ?? "rollout file");
  if (result.issues.length > 0) {
    const issues = withMore(result.issues.map(toValidationIssue), result.more);
    throw new ValidationError(formatIssues(options.source ?? "rollout file", issues), issues);
  }
  if (!result.spec) throw new Error("internal error: a rollout without issues must have a spec");
  return { spec: result.spec, warnings: result.warnings };
}

function withMore(issues: ValidationIssue[], more: number): ValidationIssue[] {
  return more > 0 ? [...issues, { path: "$", message: `and ${more} more problem(s)` }] : issues;
}

function toValidationIssue(i: Issue): ValidationIssue {
  const { at, ...rest } = i;
  return { path: formatPath(at), ...rest };
}

function parseInternal(input: unknown, source: string): { spec?: RolloutSpec; issues: Issue[]; more: number; warnings: Finding[] } {
  const p = new Parser();
  const o = p.object(input, [], TOP_KEYS, "a rollout file");
  if (!o) return { issues: p.issues, more: p.more, warnings: p.warnings };

  const name = o.name === undefined ? ROLLOUT_DEFAULTS.name : p.string(o.name, ["name"], "a rollout name");

  const subscriptions: RolloutSubscription[] = [];
  if (o.subscriptions === undefined) {
    p.issue([], "subscriptions is required: list the subscription ids to roll out in", { allowed: "subscriptions: [00000000-0000-0000-0000-000000000000]" });
  } else {
    const { items: all, listed } = p.oneOrMany(o.subscriptions);
    const items = all.length > INPUT_LIMITS.maxSubscriptions ? [] : all;
    if (all.length === 0) p.issue(["subscriptions"], "expected at least one subscription, found an empty list", { allowed: "a list of subscription ids" });
    if (all.length > INPUT_LIMITS.maxSubscriptions) {
      p.issue(["subscriptions"], `lists ${all.length} subscriptions, more than the ${INPUT_LIMITS.maxSubscriptions} one rollout file may`, {
        allowed: `at most ${INPUT_LIMITS.maxSubscriptions} subscriptions; split the fleet into several rollout files`,
      });
    }
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const at = listed ? ["subscriptions", i] : ["subscriptions"];
      let sub: RolloutSubscription | undefined;
      if (isPlainObject(item)) {
        const so = p.object(item, at, SUBSCRIPTION_KEYS, "a subscription");
        if (!so) return;
        if (so.id === undefined) {
          p.issue(at, "a subscription entry needs an id", { allowed: "{ id: <GUID>, maxConcurrency: 5 }" });
          return;
        }
        const idText = p.string(so.id, [...at, "id"], "a subscription id");
        const id = idText === undefined ? undefined : p.subscriptionId(idText, [...at, "id"]);
        const bound = so.maxConcurrency === undefined ? {} : p.concurrency(so.maxConcurrency, [...at, "maxConcurrency"]);
        if (id !== undefined) sub = { id, ...(bound.count !== undefined ? { maxConcurrency: bound.count } : {}), ...(bound.percent !== undefined ? { maxConcurrencyPercent: bound.percent } : {}) };
      } else {
        const idText = p.string(item, at, "a subscription id");
        const id = idText === undefined ? undefined : p.subscriptionId(idText, at);
        if (id !== undefined) sub = { id };
      }
      if (!sub) return;
      if (seen.has(sub.id)) {
        p.issue(at, `subscription ${sub.id} is listed twice`, { found: sub.id, allowed: "each subscription once" });
        return;
      }
      seen.add(sub.id);
      subscriptions.push(sub);
    });
  }

  const select = o.select === undefined ? [] : p.selectors(o.select, ["select"]);
  const exclude = o.exclude === undefined ? [] : p.selectors(o.exclude, ["exclude"]);
  const settings = o.settings === undefined ? undefined : p.settings(o.settings, ["settings"], source);

  const groups: RolloutGroup[] = [];
  if (o.groups !== undefined) {
    const listed = p.list(o.groups, ["groups"], "groups");
    const items = listed && p.fewEnough(listed, ["groups"], "groups") ? listed : undefined;
    const names = new Set<string>();
    items?.forEach((item, i) => {
      const at = ["groups", i];
      const g = p.object(item, at, GROUP_KEYS, "a group");
      if (!g) return;
      const gName = g.name === undefined ? `group-${i + 1}` : p.string(g.name, [...at, "name"], "a group name");
      if (gName !== undefined && names.has(gName.toLowerCase())) p.issue([...at, "name"], `group name "${gName}" is used twice`, { found: gName, allowed: "unique group names" });
      if (gName !== undefined) names.add(gName.toLowerCase());
      if (g.select === undefined) p.issue(at, "a group needs select: which clusters get these settings", { allowed: 'select: { kubernetesVersion: ">=1.33" }' });
      if (g.settings === undefined) p.issue(at, "a group needs settings", { allowed: "settings: { mode: NFTABLES }" });
      const gSelect = g.select === undefined ? [] : p.selectors(g.select, [...at, "select"]);
      const gSettings = g.settings === undefined ? undefined : p.settings(g.settings, [...at, "settings"], source);
      if (gName !== undefined && gSettings !== undefined) groups.push({ name: gName, select: gSelect, settings: gSettings });
    });
  }
  if (o.settings === undefined && o.groups === undefined) {
    p.issue([], "the rollout needs settings (for every cluster) or groups (settings per group of clusters)", {
      allowed: "settings: { mode: IPVS, ipvsConfig: { scheduler: LeastConnection } }",
    });
  }

  const waves = o.waves === undefined ? [{ name: "all" }] : parseWaves(p, o.waves, ["waves"]);
  const soakTimeInMs = o.soakTime === undefined ? ROLLOUT_DEFAULTS.soakTimeInMs : p.duration(o.soakTime, ["soakTime"]);
  const halt = o.halt === undefined ? ROLLOUT_DEFAULTS.halt : p.halt(o.halt, ["halt"]);
  const overall = o.maxConcurrency === undefined ? {} : p.concurrency(o.maxConcurrency, ["maxConcurrency"]);
  const perSub = o.maxConcurrencyPerSubscription === undefined ? {} : p.concurrency(o.maxConcurrencyPerSubscription, ["maxConcurrencyPerSubscription"]);
  // A percentage replaces the count; the count keeps its default for journals and readers that know only counts.
  const maxConcurrency = overall.count ?? ROLLOUT_DEFAULTS.maxConcurrency;
  const maxConcurrencyPerSubscription = perSub.count ?? ROLLOUT_DEFAULTS.maxConcurrencyPerSubscription;
  const enablePreview = o.enablePreview === undefined ? true : p.boolean(o.enablePreview, ["enablePreview"]);
  const allowDisable = o.allowDisable === undefined ? false : p.boolean(o.allowDisable, ["allowDisable"]);
  const healthGate = o.healthGate === undefined ? undefined : p.healthGate(o.healthGate, ["healthGate"]);

  if (
    p.issues.length > 0 ||
    name === undefined ||
    soakTimeInMs === undefined ||
    halt === undefined ||
    maxConcurrency === undefined ||
    maxConcurrencyPerSubscription === undefined ||
    enablePreview === undefined ||
    allowDisable === undefined
  ) {
    return { issues: p.issues, more: p.more, warnings: p.warnings };
  }
  const spec: RolloutSpec = {
    name,
    subscriptions,
    select,
    exclude,
    ...(settings !== undefined ? { settings } : {}),
    groups,
    waves,
    soakTimeInMs,
    halt,
    maxConcurrency,
    maxConcurrencyPerSubscription,
    enablePreview,
    allowDisable,
    ...(healthGate !== undefined ? { healthGate } : {}),
    ...(overall.percent !== undefined ? { maxConcurrencyPercent: overall.percent } : {}),
    ...(perSub.percent !== undefined ? { maxConcurrencyPerSubscriptionPercent: perSub.percent } : {}),
  };
  return { spec, issues: [], more: 0, warnings: p.warnings };
}

/** The message of a JavaScript stack overflow (a document nested deeper than a recursive reader can follow). */
function isStackOverflow(error: unknown): boolean {
  return error instanceof Error && /Maximum call stack size exceeded/.test(error.message);
}

function tooDeep(source: string): ValidationError {
  const why = `nests lists or objects too deeply to be read (a rollout file needs about 6 levels; at most ${INPUT_LIMITS.maxDepth} are allowed)`;
  return new ValidationError(`${source} ${why}.`, [{ path: "$", message: why, allowed: `at most ${INPUT_LIMITS.maxDepth} levels` }]);
}

/**
 * Refuses a parsed document whose lists or objects exceed {@link INPUT_LIMITS} (depth, entries), walking it without
 * recursion. JSON text is checked before it is parsed (`checkJsonStructure`); this holds YAML to the same bounds.
 */
function checkValueBounds(value: unknown, source: string): void {
  const stack: { value: unknown; at: readonly Segment[] }[] = [{ value, at: [] }];
  while (stack.length > 0) {
    const { value: v, at } = stack.pop() as { value: unknown; at: readonly Segment[] };
    if (typeof v !== "object" || v === null) continue;
    if (at.length >= INPUT_LIMITS.maxDepth) throw tooDeep(source);
    const entries: [Segment, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    if (entries.length > INPUT_LIMITS.maxEntries) {
      const why = `has ${entries.length} entries, more than the ${INPUT_LIMITS.maxEntries} one list or object may`;
      const allowed = `at most ${INPUT_LIMITS.maxEntries} entries; select clusters with patterns, tags or resource groups rather than long lists`;
      throw new ValidationError(`${source} is invalid (1 problem):\n  ${formatPath(at)}: ${why}; allowed: ${allowed}`, [{ path: formatPath(at), message: why, allowed }]);
    }
    for (const [k, x] of entries) if (typeof x === "object" && x !== null) stack.push({ value: x, at: [...at, k] });
  }
}

/**
 * Refuses YAML of more than {@link INPUT_LIMITS}.maxYamlNodes values BEFORE it is parsed: the YAML library's
 * document keeps a node with source positions per value (about 0.5 KB each), so the count of values, not the size in
 * bytes, decides its memory. The library's own lexer (a stream of tokens, nothing kept) counts them.
 */
function countYamlNodes(text: string, source: string): void {
  let nodes = 0;
  for (const token of new Lexer().lex(text)) {
    const c = token.charCodeAt(0);
    // a plain scalar (the lexer marks it with \x1f), a quoted or block scalar, a flow list or map
    if (c === 0x1f || c === 0x22 || c === 0x27 || c === 0x7c || c === 0x3e || c === 0x5b || c === 0x7b) nodes++;
    if (nodes > INPUT_LIMITS.maxYamlNodes) {
      const why = `holds more than ${INPUT_LIMITS.maxYamlNodes} YAML values (keys, list entries, scalars)`;
      throw new ValidationError(`${source} ${why}; a YAML rollout file may hold at most ${INPUT_LIMITS.maxYamlNodes}. Select clusters with patterns, tags or resource groups rather than long lists, or write it as JSON.`, [
        { path: "$", message: why, allowed: `at most ${INPUT_LIMITS.maxYamlNodes} values` },
      ]);
    }
  }
}

/**
 * Parses the text of a rollout file, YAML or JSON. JSON (text that parses as JSON) is read with `JSON.parse` after a
 * token pass that refuses duplicate keys, nesting and list lengths beyond {@link INPUT_LIMITS} (see
 * `checkJsonStructure`); anything else is YAML 1.2 (duplicate keys refused too). Issues carry their line.
 * A UTF-16/UTF-32 file is refused with a message that says to save it as UTF-8.
 * @param text - the file's content
 * @param options - where it came from, for messages
 * @throws {@link ValidationError} for syntax errors (with position), duplicate keys, limits, and every invalid value (with path and line)
 */
export function parseRolloutText(text: string, options: ParseRolloutOptions = {}): ParsedRolloutSpec {
  const source = options.source ?? "rollout file";
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  assertReadableText(body, source);
  if (/^\s*[{[]/.test(body)) {
    checkJsonStructure(body, source);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined; // not JSON: YAML flow syntax, read below
    }
    if (json !== undefined) {
      const result = parseInternal(json, source);
      if (result.issues.length > 0) {
        const issues = result.issues.map(toValidationIssue);
        const lines = jsonLinesOf(body, issues.map((i) => i.path));
        const withLines = issues.map((v) => {
          const line = lines.get(v.path);
          return line === undefined ? v : { ...v, message: `${v.message} (line ${line})` };
        });
        const all = withMore(withLines, result.more);
        throw new ValidationError(formatIssues(source, all), all);
      }
      if (!result.spec) throw new Error("internal error: a rollout without issues must have a spec");
      return { spec: result.spec, warnings: result.warnings };
    }
  }
  const maxYaml = options.maxYamlBytes ?? INPUT_LIMITS.maxRolloutYamlBytes;
  if (Buffer.byteLength(body) > maxYaml) {
    const mb = (n: number): string => `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB (${n} bytes)`;
    const why = `is YAML of ${mb(Buffer.byteLength(body))}; a YAML rollout file may be at most ${mb(maxYaml)} (JSON: ${INPUT_LIMITS.maxRolloutFileBytes / (1024 * 1024)} MB)`;
    throw new ValidationError(`${source} ${why}. Select clusters with patterns, tags or resource groups rather than long lists, or write it as JSON.`, [{ path: "$", message: why }]);
  }
  countYamlNodes(body, source);
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  let value: unknown;
  try {
    doc = parseDocument(body, { lineCounter, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.some(isStackOverflow)) throw tooDeep(source);
    if (doc.errors.some((e) => e.code === "DUPLICATE_KEY")) {
      const duplicates = yamlDuplicateKeys(doc, lineCounter);
      if (duplicates.issues.length > 0) {
        const all = withMore(duplicates.issues, duplicates.more);
        throw new ValidationError(formatIssues(source, all), all);
      }
    }
    if (doc.errors.length > 0) {
      const issues: ValidationIssue[] = doc.errors.slice(0, INPUT_LIMITS.maxIssues).map((e) => {
        const pos = e.linePos?.[0] ?? (e.pos ? lineCounter.linePos(e.pos[0]) : undefined);
        return { path: "$", message: `${pos ? `line ${pos.line}, column ${pos.col}: ` : ""}${e.message.split("\n")[0]}` };
      });
      throw new ValidationError(`${source} is not valid YAML or JSON:\n${issues.map((i) => `  ${i.message}`).join("\n")}`, issues);
    }
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (isStackOverflow(error)) throw tooDeep(source);
    throw error;
  }
  checkValueBounds(value, source);
  const result = parseInternal(value, source);
  if (result.issues.length > 0) {
    const issues = result.issues.map((i) => {
      const line = lineOf(doc, lineCounter, i.at);
      const v = toValidationIssue(i);
      return line === undefined ? v : { ...v, message: `${v.message} (line ${line})` };
    });
    const all = withMore(issues, result.more);
    throw new ValidationError(formatIssues(source, all), all);
  }
  if (!result.spec) throw new Error("internal error: a rollout without issues must have a spec");
  return { spec: result.spec, warnings: result.warnings };
}

/**
 * The duplicate keys of a YAML document (parsed with `uniqueKeys`, which reports only "Map keys must be unique" and a
 * position, but keeps both pairs), each with its JSON path, line and column, and where the key first appeared, as
 * JSON's duplicate keys are reported. Walks with an explicit stack, no deeper than the nesting limit (not checked yet).
 */
function yamlDuplicateKeys(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter): { issues: ValidationIssue[]; more: number } {
  const issues: ValidationIssue[] = [];
  let more = 0;
  const where = (range: readonly number[] | null | undefined): string => {
    if (!range) return "unknown position";
    const pos = lineCounter.linePos(range[0]);
    return `line ${pos.line}, column ${pos.col}`;
  };
  const stack: { node: unknown; at: JsonPathSegment[] }[] = [{ node: doc.contents, at: [] }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { node, at } = top;
    if (at.length > INPUT_LIMITS.maxDepth) continue; // refused as too deep anyway; keeps the walk linear
    const children: { node: unknown; at: JsonPathSegment[] }[] = [];
    if (isSeq(node)) {
      node.items.forEach((item, i) => children.push({ node: item, at: [...at, i] }));
    } else if (isMap(node)) {
      const first = new Map<string, readonly number[] | null | undefined>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        const range = isNode(pair.key) ? pair.key.range : undefined;
        if (first.has(key)) {
          if (issues.length >= INPUT_LIMITS.maxIssues) more++;
          else
            issues.push({
              path: formatJsonPath([...at, key]),
              message: `the key "${key}" appears twice in one mapping (${where(range)}; first at ${where(first.get(key))}); YAML readers refuse it or keep only one of them`,
              found: key,
              allowed: "each key once",
            });
        } else {
          first.set(key, range);
          children.push({ node: pair.value, at: [...at, key] });
        }
      }
    }
    stack.push(...children.reverse()); // document order
  }
  return { issues, more };
}

function lineOf(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter, at: readonly Segment[]): number | undefined {
  for (let n = at.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(at.slice(0, n), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Reads and parses a rollout file (YAML or JSON): only a regular file of at most `INPUT_LIMITS.maxRolloutFileBytes`
 * (20 MB; YAML: `maxRolloutYamlBytes`, 2 MB) is read.
 * @param path - the file
 * @throws {@link ValidationError} for a missing or unreadable file, a syntax error, or an invalid rollout; the message names the file
 */
export async function readRolloutFile(path: string): Promise<ParsedRolloutSpec> {
  await assertReadableFile(path, INPUT_LIMITS.maxRolloutFileBytes, "Pass the path of a rollout file (YAML or JSON; schema: packages/rollout/schema/rollout.schema.json).");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? "unknown error"})`;
    throw new ValidationError(`${path}: ${why}. Pass the path of a rollout file (YAML or JSON; schema: packages/rollout/schema/rollout.schema.json).`, [{ path: "$", message: why, found: path }], {
      cause: error,
    });
  }
  return parseRolloutText(text, { source: path });
}
