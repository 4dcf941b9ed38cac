/**
 * The rollout package's adapter over the JSON Schema validator (ajv): compile a schema, run it, and get its errors
 * with typed JSON path segments; plus the one "and N more" note and the document order of issues. Its names mirror
 * the SDK's friendly layer (`compileSchema`, `pointerSegments`, `withMoreNote`, `capIssues`), so the imports can be
 * re-pointed to `@aks-kube-proxy/sdk` once it exports them; the wording of each input's issues stays with the input
 * (`rolloutIssues.ts`, `journalValidate.ts`).
 * @packageDocumentation
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import type { JsonPathSegment } from "@aks-kube-proxy/sdk";

/** One validator error, with the path of the value it is about as typed segments (list indices are numbers). */
export interface SchemaError {
  /** The ajv error (compiled with `verbose`: it carries the value and its schema). */
  readonly error: ErrorObject;
  /** Where the value is: for an unknown key, the key itself; for a missing key, the object that lacks it. */
  readonly at: JsonPathSegment[];
}

/**
 * Compiles a schema with the options the friendly layer needs (every error, with the value and its schema).
 * @param schema - a draft-07 JSON Schema
 * @internal
 */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
  return ajv.compile(schema);
}

/**
 * A validator compiled on first use (a command that reads no rollout file or journal pays nothing for it).
 * @param schema - a draft-07 JSON Schema
 * @internal
 */
export function lazySchema(schema: Record<string, unknown>): () => ValidateFunction {
  let validate: ValidateFunction | undefined;
  return () => (validate ??= compileSchema(schema));
}

/**
 * The path segments of an ajv instance path (`/waves/0/count` → `["waves", "0", "count"]`).
 * @internal
 */
export function pointerSegments(instancePath: string): string[] {
  return instancePath === "" ? [] : instancePath.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Types the segments of a path by walking the value: an index into a list becomes a number. */
function typedSegments(root: unknown, segments: readonly string[]): JsonPathSegment[] {
  const out: JsonPathSegment[] = [];
  let node = root;
  for (const s of segments) {
    if (Array.isArray(node)) {
      out.push(Number(s));
      node = node[Number(s)];
    } else {
      out.push(s);
      node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[s] : undefined;
    }
  }
  return out;
}

/**
 * Validates `value` and returns the validator's errors (none: valid), each with the typed path of its value.
 * @param validate - a compiled schema ({@link compileSchema})
 * @param value - the parsed document
 * @internal
 */
export function schemaErrors(validate: ValidateFunction, value: unknown): SchemaError[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => {
    const at = typedSegments(value, pointerSegments(error.instancePath));
    if (error.keyword === "additionalProperties") at.push(String((error.params as { additionalProperty: string }).additionalProperty));
    return { error, at };
  });
}

/**
 * Issues as listed, plus one `and N more <what>` line at `$` when `more` were counted past the cap: the one place
 * the rollout package writes that note (rollout files, their duplicate keys, journals).
 * @param listed - the issues kept
 * @param more - how many were left out
 * @param what - what was left out, e.g. `problem(s)`, `duplicate key(s)`
 * @internal
 */
export function withMoreNote<T extends { path: string; message: string }>(listed: readonly T[], more: number, what = "problem(s)"): (T | { path: string; message: string })[] {
  return more > 0 ? [...listed, { path: "$", message: `and ${more} more ${what}` }] : [...listed];
}

/**
 * The first `max` issues, plus an `and N more <what>` note when there were more (see {@link withMoreNote}).
 * @param issues - every issue
 * @param max - how many to list
 * @param what - what was left out
 * @internal
 */
export function capIssues<T extends { path: string; message: string }>(issues: readonly T[], max: number, what = "problem(s)"): (T | { path: string; message: string })[] {
  return withMoreNote(issues.slice(0, max), Math.max(0, issues.length - max), what);
}

/**
 * Sorts located items into the order their values appear in the document (object keys in insertion order, which is
 * the file's order for `JSON.parse` and the YAML reader; an item about a parent comes before its children). Stable.
 * @param root - the document
 * @param items - items with their path segments
 * @internal
 */
export function inDocumentOrder<T extends { readonly at: readonly JsonPathSegment[] }>(root: unknown, items: readonly T[]): T[] {
  const keyOrder = new Map<object, Map<string, number>>();
  const rank = (container: unknown, s: JsonPathSegment): number => {
    if (typeof s === "number") return s;
    if (typeof container !== "object" || container === null) return 0;
    let order = keyOrder.get(container);
    if (!order) {
      order = new Map(Object.keys(container).map((k, i) => [k, i]));
      keyOrder.set(container, order);
    }
    return order.get(s) ?? -1;
  };
  const compare = (a: readonly JsonPathSegment[], b: readonly JsonPathSegment[]): number => {
    let node = root;
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const sa = a[i] as JsonPathSegment;
      const sb = b[i] as JsonPathSegment;
      if (sa !== sb) return rank(node, sa) - rank(node, sb);
      node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[String(sa)] : undefined;
    }
    return a.length - b.length;
  };
  return items
    .map((item, index) => ({ item, index }))
    .sort((x, y) => compare(x.item.at, y.item.at) || x.index - y.index)
    .map(({ item }) => item);
}
