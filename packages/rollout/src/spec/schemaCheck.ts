/**
 The rollout package's use of the SDK's friendly layer over the JSON Schema validator (`compileSchema`,
 * `pointerSegments`, `withMoreNote`, `capIssues` come from `@aks-kube-proxy/sdk`): a validator compiled on first use,
 * its errors with typed JSON path segments, and the document order of issues. The wording of each input's issues
 * stays with the input (`rolloutIssues.ts`, `journalValidate.ts`).
 * @packageDocumentation
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { compileSchema, pointerSegments, type JsonPathSegment } from "@aks-kube-proxy/sdk";

/** One validator error, with the path of the value it is about as typed segments (list indices are numbers). */
export interface SchemaError {
  /** The ajv error (compiled with `verbose`: it carries the value and its schema). */
  readonly error: ErrorObject;
  /** Where the value is: for an unknown key, the key itself; for a missing key, the object that lacks it. */
  readonly at: JsonPathSegment[];
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
