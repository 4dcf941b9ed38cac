/**
 * Checks a parsed journal document before anything runs it: a journal edited by hand or cut short (a `null` cluster,
 * `maxConcurrency: 0`, an unknown status) is reported with the path of each problem, instead of failing later with a
 * TypeError or, worse, running nothing and reporting success. The shape is checked by the JSON Schema validator
 * against {@link journalJsonSchema}, its errors worded here; what a schema cannot say (a cluster's wave is one of the
 * journal's waves, wave names are unique) is checked after it.
 * @packageDocumentation
 */
import type { ValidationIssue } from "@aks-kube-proxy/sdk";
import { describeJsonValue, formatJsonPath, isPlainObject } from "@aks-kube-proxy/sdk";
import { JOURNAL_KIND, JOURNAL_VERSION } from "./journal";
import { journalJsonSchema, journalLogRecordJsonSchema, journalSpecJsonSchema } from "./journalSchema";
import { capIssues } from "@aks-kube-proxy/sdk";
import { lazySchema, schemaErrors, type SchemaError } from "../spec/schemaCheck";

const MAX_ISSUES = 20;
const validateJournal = lazySchema(journalJsonSchema);
const validateLogRecord = lazySchema(journalLogRecordJsonSchema);
const validateSpec = lazySchema(journalSpecJsonSchema);

/** What a value must be, from its schema: "must be a non-empty string", "must be one of a, b". */
function mustBe(schema: Record<string, unknown>): string {
  if (Array.isArray(schema["enum"])) return `must be one of ${schema["enum"].join(", ")}`;
  const type = schema["type"];
  if (Array.isArray(type)) return type.includes("null") ? "must be an object (or null)" : `must be ${type.join(" or ")}`;
  if (type === "string") return schema["minLength"] ? "must be a non-empty string" : "must be a string";
  if (type === "integer") return `must be a whole number of at least ${String(schema["minimum"] ?? 0)}`;
  if (type === "number") return "must be a number of at least 0";
  if (type === "boolean") return "must be true or false";
  if (type === "array") return schema["minItems"] ? "must be a non-empty list" : "must be a list";
  if (type === "object") return "must be an object";
  return "is not valid";
}

/** The issue of one validator error (null: said by another, or not worth saying). */
function describe({ error, at }: SchemaError, root: unknown): ValidationIssue | null {
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  if (error.keyword === "if") return null;
  if (error.keyword === "required") {
    const missing = String(params["missingProperty"]);
    const path = formatJsonPath([...at, missing]);
    if (error.schemaPath.includes("/else/")) {
      const status = String((valueAt(root, at) as Record<string, unknown>)["status"]);
      return missing === "wave" ? { path, message: `a ${status} cluster must belong to a wave` } : { path, message: `a ${status} cluster needs its desired settings (an object)` };
    }
    if (missing === "previous") return { path, message: "must be the settings before the first write (an object, or null)" };
    const properties = (parent["properties"] ?? {}) as Record<string, Record<string, unknown>>;
    return { path, message: mustBe(properties[missing] ?? {}) };
  }
  const found = error.data === undefined ? {} : { found: describeJsonValue(error.data) };
  return { path: formatJsonPath(at), message: mustBe(parent), ...found };
}

function valueAt(root: unknown, at: readonly (string | number)[]): unknown {
  let node = root;
  for (const s of at) node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[String(s)] : undefined;
  return node;
}

/** Issues of a validator's errors, one per path. */
function issuesOf(errors: readonly SchemaError[], root: unknown): ValidationIssue[] {
  const seen = new Set<string>();
  const out: ValidationIssue[] = [];
  for (const e of errors) {
    const issue = describe(e, root);
    if (issue === null || seen.has(issue.path)) continue;
    seen.add(issue.path);
    out.push(issue);
  }
  return out;
}

/** What the schema cannot say: unique wave names, and each cluster's wave one of them. */
function crossFieldIssues(journal: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const names = new Set<string>();
  const waves = Array.isArray(journal["waves"]) ? journal["waves"] : [];
  waves.forEach((w: unknown, i) => {
    if (!isPlainObject(w) || typeof w["name"] !== "string") return;
    if (names.has(w["name"])) issues.push({ path: `$.waves[${i}].name`, message: "must be unique", found: describeJsonValue(w["name"]) });
    names.add(w["name"]);
  });
  const clusters = Array.isArray(journal["clusters"]) ? journal["clusters"] : [];
  clusters.forEach((c: unknown, i) => {
    if (isPlainObject(c) && typeof c["wave"] === "string" && !names.has(c["wave"])) {
      issues.push({ path: `$.clusters[${i}].wave`, message: "must name one of the journal's waves", found: describeJsonValue(c["wave"]) });
    }
  });
  return issues;
}

/**
 * Every problem of a parsed journal document, with its JSON path (the first 20, and one "and N more" note); empty
 * when it is a journal this SDK can run.
 * @param value - the parsed JSON
 * @internal
 */
export function journalIssues(value: unknown): ValidationIssue[] {
  if (!isPlainObject(value)) return [{ path: "$", message: "not a JSON object", found: describeJsonValue(value) }];
  if (value["kind"] !== JOURNAL_KIND) return [{ path: "$.kind", message: `not a rollout journal (expected "${JOURNAL_KIND}")`, found: describeJsonValue(value["kind"]) }];
  if (value["version"] !== JOURNAL_VERSION) {
    return [{ path: "$.version", message: `journal version is not supported (this SDK reads version ${JOURNAL_VERSION})`, found: describeJsonValue(value["version"]) }];
  }
  const shape = issuesOf(schemaErrors(validateJournal(), value), value);
  const reported = new Set(shape.map((i) => i.path));
  const all = [...shape, ...crossFieldIssues(value).filter((i) => !reported.has(i.path))];
  return capIssues(all, MAX_ISSUES);
}

/**
 * The problem of one record of a file journal's log ({@link journalJsonSchema}'s `logRecord`), or undefined when it
 * has the shape of one.
 * @param record - the parsed line
 * @internal
 */
export function logRecordIssue(record: unknown): ValidationIssue | undefined {
  return issuesOf(schemaErrors(validateLogRecord(), record), record)[0];
}

/**
 * Every problem of a rollout spec as a journal or a saved rollout plan keeps it (normalised), at `$.spec`.
 * @param spec - the parsed JSON object
 * @internal
 */
export function specIssues(spec: Record<string, unknown>): ValidationIssue[] {
  return capIssues(
    issuesOf(schemaErrors(validateSpec(), spec), spec).map((issue) => ({ ...issue, path: issue.path === "$" ? "$.spec" : issue.path.replace(/^\$/, "$.spec") })),
    MAX_ISSUES,
  );
}
