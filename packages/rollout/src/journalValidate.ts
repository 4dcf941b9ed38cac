/**
 * Checks a parsed journal document field by field before anything runs it: a journal edited by hand or cut short
 * (a `null` cluster, `maxConcurrency: 0`, an unknown status) is reported with the path of each problem, instead of
 * failing later with a TypeError or, worse, running nothing and reporting success.
 * @packageDocumentation
 */
import type { ValidationIssue } from "@aks-kube-proxy/sdk";
import { describeJsonValue, isPlainObject } from "@aks-kube-proxy/sdk";
import { JOURNAL_KIND, JOURNAL_VERSION } from "./journal";

const CLUSTER_STATUSES = ["pending", "in-progress", "done", "failed", "skipped"];
const WAVE_STATUSES = ["pending", "running", "soaking", "done", "halted", "skipped"];
const JOURNAL_STATUSES = ["planned", "running", "completed", "halted", "aborted", "awaiting-approval", "stopped"];
const SKIP_REASONS = ["converged", "blocked", "no-settings", "not-in-any-wave", "halted", "nothing-to-roll-back", "requested"];
const MAX_ISSUES = 20;

class Issues {
  readonly list: ValidationIssue[] = [];
  add(path: string, message: string, found?: unknown): void {
    if (this.list.length < MAX_ISSUES) this.list.push({ path, message, ...(found !== undefined ? { found: describeJsonValue(found) } : {}) });
  }
  str(o: Record<string, unknown>, key: string, path: string, optional = false): void {
    const v = o[key];
    if (v === undefined && optional) return;
    if (typeof v !== "string" || v === "") this.add(`${path}.${key}`, "must be a non-empty string", v);
  }
  oneOf(o: Record<string, unknown>, key: string, path: string, allowed: readonly string[], optional = false): void {
    const v = o[key];
    if (v === undefined && optional) return;
    if (typeof v !== "string" || !allowed.includes(v)) this.add(`${path}.${key}`, `must be one of ${allowed.join(", ")}`, v);
  }
  positiveInt(o: Record<string, unknown>, key: string, path: string, optional = false): void {
    const v = o[key];
    if (v === undefined && optional) return;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) this.add(`${path}.${key}`, "must be a whole number of at least 1", v);
  }
  nonNegative(o: Record<string, unknown>, key: string, path: string, optional = false): void {
    const v = o[key];
    if (v === undefined && optional) return;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) this.add(`${path}.${key}`, "must be a number of at least 0", v);
  }
  objectOrNull(o: Record<string, unknown>, key: string, path: string): void {
    const v = o[key];
    if (v !== undefined && v !== null && !isPlainObject(v)) this.add(`${path}.${key}`, "must be an object (or null)", v);
  }
}

function checkHalt(issues: Issues, v: unknown, path: string): void {
  if (!isPlainObject(v)) {
    issues.add(path, "must be an object", v);
    return;
  }
  issues.nonNegative(v, "maxFailures", path, true);
  issues.nonNegative(v, "maxFailurePercent", path, true);
}

function checkSpec(issues: Issues, spec: Record<string, unknown>): void {
  issues.str(spec, "name", "$.spec");
  issues.positiveInt(spec, "maxConcurrency", "$.spec");
  issues.positiveInt(spec, "maxConcurrencyPerSubscription", "$.spec");
  issues.nonNegative(spec, "soakTimeInMs", "$.spec");
  if (typeof spec["enablePreview"] !== "boolean") issues.add("$.spec.enablePreview", "must be true or false", spec["enablePreview"]);
  if (typeof spec["allowDisable"] !== "boolean") issues.add("$.spec.allowDisable", "must be true or false", spec["allowDisable"]);
  checkHalt(issues, spec["halt"], "$.spec.halt");
  const subs = spec["subscriptions"];
  if (!Array.isArray(subs)) issues.add("$.spec.subscriptions", "must be a list", subs);
  else
    subs.forEach((s: unknown, i) => {
      if (!isPlainObject(s)) return issues.add(`$.spec.subscriptions[${i}]`, "must be an object", s);
      issues.str(s, "id", `$.spec.subscriptions[${i}]`);
      issues.positiveInt(s, "maxConcurrency", `$.spec.subscriptions[${i}]`, true);
    });
  const waves = spec["waves"];
  if (!Array.isArray(waves) || waves.length === 0) issues.add("$.spec.waves", "must be a non-empty list", waves);
  else
    waves.forEach((w: unknown, i) => {
      const p = `$.spec.waves[${i}]`;
      if (!isPlainObject(w)) return issues.add(p, "must be an object", w);
      issues.str(w, "name", p);
      issues.positiveInt(w, "maxConcurrency", p, true);
      issues.nonNegative(w, "soakTimeInMs", p, true);
      if (w["halt"] !== undefined) checkHalt(issues, w["halt"], `${p}.halt`);
    });
  for (const key of ["select", "exclude", "groups"]) if (!Array.isArray(spec[key])) issues.add(`$.spec.${key}`, "must be a list", spec[key]);
}

function checkCluster(issues: Issues, c: unknown, i: number, waveNames: ReadonlySet<string>): void {
  const p = `$.clusters[${i}]`;
  if (!isPlainObject(c)) return issues.add(p, "must be an object", c);
  for (const key of ["id", "subscriptionId", "resourceGroup", "name"]) issues.str(c, key, p);
  issues.oneOf(c, "status", p, CLUSTER_STATUSES);
  issues.oneOf(c, "skipReason", p, SKIP_REASONS, true);
  issues.nonNegative(c, "attempts", p);
  if (c["wave"] !== undefined && (typeof c["wave"] !== "string" || !waveNames.has(c["wave"]))) issues.add(`${p}.wave`, "must name one of the journal's waves", c["wave"]);
  if (c["status"] !== "skipped" && c["wave"] === undefined) issues.add(`${p}.wave`, `a ${String(c["status"])} cluster must belong to a wave`);
  if (c["status"] !== "skipped" && !isPlainObject(c["desired"])) issues.add(`${p}.desired`, `a ${String(c["status"])} cluster needs its desired settings (an object)`, c["desired"]);
  issues.objectOrNull(c, "previous", p);
  issues.objectOrNull(c, "after", p);
  const intent = c["intent"];
  if (intent !== undefined) {
    if (!isPlainObject(intent)) issues.add(`${p}.intent`, "must be an object", intent);
    else {
      issues.objectOrNull(intent, "previous", `${p}.intent`);
      if (!("previous" in intent)) issues.add(`${p}.intent.previous`, "must be the settings before the first write (an object, or null)");
      issues.str(intent, "at", `${p}.intent`);
    }
  }
  const planned = c["planned"];
  if (planned !== undefined && (!isPlainObject(planned) || (planned["eTag"] !== null && typeof planned["eTag"] !== "string") || !isPlainObject(planned["facts"]))) {
    issues.add(`${p}.planned`, "must be { eTag: string or null, facts: object } (the read the cluster was planned from)", planned);
  }
  for (const key of ["operationUrl", "phase", "pollerState"]) if (c[key] !== undefined && typeof c[key] !== "string") issues.add(`${p}.${key}`, "must be a string", c[key]);
  for (const key of ["written", "changed"]) if (c[key] !== undefined && typeof c[key] !== "boolean") issues.add(`${p}.${key}`, "must be true or false", c[key]);
}

/**
 * Every problem of a rollout spec as a journal or a saved rollout plan keeps it (normalised), at `$.spec`.
 * @param spec - the parsed JSON object
 * @internal
 */
export function specIssues(spec: Record<string, unknown>): ValidationIssue[] {
  const issues = new Issues();
  checkSpec(issues, spec);
  return issues.list;
}

/**
 * Every problem of a parsed journal document, with its JSON path; empty when it is a journal this SDK can run.
 * @param value - the parsed JSON
 * @internal
 */
export function journalIssues(value: unknown): ValidationIssue[] {
  const issues = new Issues();
  if (!isPlainObject(value)) {
    issues.add("$", "not a JSON object", value);
    return issues.list;
  }
  if (value["kind"] !== JOURNAL_KIND) {
    issues.add("$.kind", `not a rollout journal (expected "${JOURNAL_KIND}")`, value["kind"]);
    return issues.list;
  }
  if (value["version"] !== JOURNAL_VERSION) {
    issues.add("$.version", `journal version is not supported (this SDK reads version ${JOURNAL_VERSION})`, value["version"]);
    return issues.list;
  }
  issues.oneOf(value, "operation", "$", ["apply", "rollback"]);
  issues.oneOf(value, "status", "$", JOURNAL_STATUSES);
  issues.str(value, "specHash", "$");
  issues.str(value, "rolloutName", "$");
  const spec = value["spec"];
  if (!isPlainObject(spec)) issues.add("$.spec", "must be an object", spec);
  else checkSpec(issues, spec);
  if (!isPlainObject(value["subscriptions"])) issues.add("$.subscriptions", "must be an object", value["subscriptions"]);
  else
    for (const [id, s] of Object.entries(value["subscriptions"])) {
      if (!isPlainObject(s)) issues.add(`$.subscriptions.${id}`, "must be an object", s);
    }
  if (!Array.isArray(value["runs"])) issues.add("$.runs", "must be a list", value["runs"]);
  else value["runs"].forEach((r: unknown, i) => (isPlainObject(r) ? undefined : issues.add(`$.runs[${i}]`, "must be an object", r)));
  const waveNames = new Set<string>();
  const waves = value["waves"];
  if (!Array.isArray(waves)) issues.add("$.waves", "must be a list", waves);
  else
    waves.forEach((w: unknown, i) => {
      const p = `$.waves[${i}]`;
      if (!isPlainObject(w)) return issues.add(p, "must be an object", w);
      issues.str(w, "name", p);
      if (typeof w["name"] === "string") {
        if (waveNames.has(w["name"])) issues.add(`${p}.name`, "must be unique", w["name"]);
        waveNames.add(w["name"]);
      }
      issues.oneOf(w, "status", p, WAVE_STATUSES);
      issues.nonNegative(w, "index", p);
      issues.nonNegative(w, "total", p);
    });
  const clusters = value["clusters"];
  if (!Array.isArray(clusters)) issues.add("$.clusters", "must be a list", clusters);
  else clusters.forEach((c: unknown, i) => checkCluster(issues, c, i, waveNames));
  return issues.list;
}
