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

/** One step of a JSON path: an object key or a list index. */
export type JsonPathSegment = string | number;

/**
 * Renders segments as a JSON path: `$.waves[1].select[0].tags.ring`, `$["odd key"]`.
 * @internal
 */
export function formatJsonPath(at: readonly JsonPathSegment[]): string {
  let out = "$";
  for (const s of at) {
    if (typeof s === "number") out += `[${s}]`;
    else out += /^[A-Za-z_$][\w$]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
  }
  return out;
}

/**
 * Formats issues for a message: one line per issue with path, problem, allowed values and suggestion.
 * @internal
 */
export function formatIssues(source: string, issues: readonly { path: string; message: string; allowed?: string; suggestion?: string }[]): string {
  const lines = issues.map((i) => {
    let line = `  ${i.path}: ${i.message}`;
    if (i.allowed) line += `; allowed: ${i.allowed}`;
    if (i.suggestion) line += `; did you mean "${i.suggestion}"?`;
    return line;
  });
  return `${source} is invalid (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}

/**
 * Issues as listed, plus one `and N more <what>` line at `$` when `more` were counted past the cap. The one place
 * the "and N more" note is written (settings, JSON text; the rollout file's parser can use it too).
 * @param listed - the issues kept
 * @param more - how many were left out
 * @param what - what was left out, e.g. `problem(s)`, `duplicate key(s)`
 */
export function withMoreNote<T extends { path: string; message: string }>(listed: readonly T[], more: number, what = "problem(s)"): (T | { path: string; message: string })[] {
  return more > 0 ? [...listed, { path: "$", message: `and ${more} more ${what}` }] : [...listed];
}

/**
 * The first `max` issues, plus an `and N more <what>` note when there were more (see {@link withMoreNote}).
 * @param issues - every issue
 * @param max - how many to list
 * @param what - what was left out
 */
export function capIssues<T extends { path: string; message: string }>(issues: readonly T[], max: number, what = "problem(s)"): (T | { path: string; message: string })[] {
  return withMoreNote(issues.slice(0, max), Math.max(0, issues.length - max), what);
}
