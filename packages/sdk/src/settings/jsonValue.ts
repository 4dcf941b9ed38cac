/**
 * Small helpers for reading untrusted JSON/YAML input and naming what was found in error messages.
 * @packageDocumentation
 */

/**
 * True for an object that is not null and not an array (a JSON object).
 * @internal
 */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Names a parsed value for an error message ("the string \"x\"", "the number 3", "an array"...).
 * @internal
 */
export function describeJsonValue(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "string") return `the string ${JSON.stringify(x)}`;
  if (typeof x === "number") return `the number ${String(x)}`;
  if (typeof x === "object") return "an object";
  return `${typeof x} ${String(x)}`;
}
