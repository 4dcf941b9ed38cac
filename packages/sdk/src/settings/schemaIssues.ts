/**
 * The friendly layer over a JSON Schema validator (ajv): its errors become {@link ValidationIssue}s with a JSON path
 * (`$.ipvsConfig.scheduler`), what was found, what is allowed and a did-you-mean, one issue per path. Shared
 * by every validated input (the settings file now; the rollout file and journal can use it too).
 * @packageDocumentation
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import type { ValidationIssue } from "../errors";
import { describeJsonValue, formatJsonPath } from "./jsonValue";
import { closestMatch } from "./suggest";

/**
 * Compiles a schema with the options the friendly layer needs (every error, with the value and its schema).
 * @param schema - a draft-07 JSON Schema
 */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
  return ajv.compile(schema);
}

/** The path segments of an ajv instance path (`/ipvsConfig/scheduler` → `["ipvsConfig", "scheduler"]`). */
export function pointerSegments(instancePath: string): string[] {
  return instancePath === "" ? [] : instancePath.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The segments of the value an error is about (for an unknown key: the key itself). */
export function errorSegments(error: ErrorObject): string[] {
  const at = pointerSegments(error.instancePath);
  return error.keyword === "additionalProperties" ? [...at, String((error.params as { additionalProperty: string }).additionalProperty)] : at;
}

/**
 * The default wording of one validator error, keyword by keyword.
 * @param error - an ajv error (compiled with `verbose`)
 * @param path - its JSON path
 */
export function defaultIssueOf(error: ErrorObject, path: string): ValidationIssue {
  const data = error.data;
  const parent = (error.parentSchema ?? {}) as { properties?: Record<string, unknown>; enum?: unknown[]; minimum?: number; maximum?: number };
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const suggestion = closestMatch(key, known);
      return { path, message: `unknown key "${key}"`, found: key, allowed: known.join(", "), ...(suggestion ? { suggestion } : {}) };
    }
    case "enum": {
      const allowed = (parent.enum ?? []).map(String);
      const suggestion = typeof data === "string" ? closestMatch(data, allowed) : undefined;
      return { path, message: `${JSON.stringify(data)} is not an allowed value`, found: data, allowed: allowed.join(" | "), ...(suggestion ? { suggestion } : {}) };
    }
    case "type":
      return { path, message: `expected ${String((error.params as { type: string }).type)}, found ${describeJsonValue(data)}`, found: data };
    case "minimum":
      return { path, message: `must be at least ${parent.minimum}, found ${String(data)}`, found: data };
    case "maximum":
      return { path, message: `must be at most ${parent.maximum}, found ${String(data)}`, found: data };
    default:
      return { path, message: error.message ?? `fails ${error.keyword}`, found: data };
  }
}

/** Options of {@link issuesFromSchemaErrors}. */
export interface SchemaIssueOptions {
  /** The path to show for an error's value (default: the segments as a JSON path); e.g. in the user's own key casing. */
  readonly pathOf?: (segments: readonly string[]) => string;
  /** Input-specific wording; undefined keeps {@link defaultIssueOf}'s, null drops the error. */
  readonly describe?: (error: ErrorObject, path: string, segments: readonly string[]) => ValidationIssue | null | undefined;
}

/**
 * Turns a validator's errors into issues: one per path (the first error there wins, so `type` beats `enum`),
 * worded by `describe` or by default, in the validator's order.
 * @param errors - `validate.errors`
 * @param options - path display and wording
 */
export function issuesFromSchemaErrors(errors: readonly ErrorObject[], options: SchemaIssueOptions = {}): ValidationIssue[] {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const segments = errorSegments(error);
    const path = options.pathOf ? options.pathOf(segments) : formatJsonPath(segments);
    const issue = options.describe?.(error, path, segments);
    if (issue === null) continue;
    const key = `${issue?.path ?? path}\u0000${error.keyword === "if" ? "if" : ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue ?? defaultIssueOf(error, path));
  }
  return issues;
}
