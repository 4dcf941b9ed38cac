/**
 * The output formats of `-o` as az has them — `json`, `jsonc` (coloured JSON), `yaml`, `tsv`, `table`, `none` —
 * and `--query` (JMESPath, with `@jmespath-community/jmespath`) applied to the result document first.
 * @packageDocumentation
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the query engine and YAML writer load only when used */
import { styleText } from "node:util";
import { CliUsageError } from "./cli-error";
import { echoValue } from "./echo";
import { loadTable } from "./lazy";

/** Every `-o` value. */
export const OUTPUT_FORMATS = ["table", "json", "jsonc", "yaml", "tsv", "none"] as const;
/** One `-o` value. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

type JmesPathModule = typeof import("@jmespath-community/jmespath", { with: { "resolution-mode": "import" } });

function jmespath(): JmesPathModule {
  return require("@jmespath-community/jmespath") as JmesPathModule;
}

/**
 * Checks a `--query` before the command runs, so a typo fails before anything is read or written.
 * @param query - the JMESPath expression
 * @throws {@link CliUsageError} (exit 3) for a syntax error
 */
export function checkQuery(query: string): void {
  try {
    jmespath().compile(query);
  } catch (error) {
    throw new CliUsageError(`--query "${echoValue(query, MAX_QUERY_ECHO)}" is not a valid JMESPath expression: ${error instanceof Error ? error.message : String(error)}. See https://jmespath.org for the syntax.`);
  }
}

/**
 * The bounds of a `--query` evaluation: a JMESPath projection can multiply its input at every step
 * (`[@,@,@,@][][@,@,@,@][]…` grows 4× per pair), so the evaluator counts its steps and the size of what each step
 * returns, and gives up (exit 3) past these, before memory grows.
 */
export const QUERY_LIMITS = {
  /** Evaluation steps (nodes visited); a query over a 100,000-cluster plan takes well under a million. */
  maxSteps: 5_000_000,
  /** Longest list or string one step may produce. */
  maxLength: 10_000_000,
  /** Wall time, in ms. */
  maxMs: 10_000,
  /**
   * Largest result, in bytes of indented JSON (estimated while walking it, shared parts counted each time they
   * appear): `[@,@,@,@,@,@,@,@]` repeated refers to the document 8ⁿ times in few steps, and printing it would not.
   */
  maxResultBytes: 64 * 1024 * 1024,
} as const;

/** Thrown inside the evaluator when a bound is passed; turned into a CliUsageError by {@link applyQuery}. */
class QueryBudgetExceeded extends Error {}

/**
 * Walks a query result as it would be printed (a value referred to twice is printed twice) and throws once its
 * indented JSON would pass {@link QUERY_LIMITS}.maxResultBytes; the walk stops there, so it is bounded too.
 */
function checkResultSize(result: unknown): void {
  const tooBig = (): QueryBudgetExceeded => new QueryBudgetExceeded(`its result would print more than ${QUERY_LIMITS.maxResultBytes / (1024 * 1024)} MB`);
  let bytes = 0;
  const stack: [unknown, number][] = [[result, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    bytes += 2 * depth + 2;
    if (typeof value === "string") bytes += value.length + 2;
    else if (value === null || typeof value !== "object") bytes += 8;
    else {
      const entries: [string | undefined, unknown][] = Array.isArray(value) ? value.map((item) => [undefined, item]) : Object.entries(value);
      // every entry prints at least a few bytes: refuse before the walk's own stack grows with a huge list
      if (bytes + 4 * (stack.length + entries.length) > QUERY_LIMITS.maxResultBytes) throw tooBig();
      for (const [key, item] of entries) {
        if (key !== undefined) bytes += key.length + 4;
        stack.push([item, depth + 1]);
      }
    }
    if (bytes > QUERY_LIMITS.maxResultBytes) throw tooBig();
  }
}

/** How much of a `--query` an error message repeats (the rest is elided with its length, by {@link echoValue}). */
const MAX_QUERY_ECHO = 200;

/**
 * Applies a `--query` to a result document, within {@link QUERY_LIMITS}.
 * @param value - the document
 * @param query - the JMESPath expression
 * @throws {@link CliUsageError} (exit 3) when the query fails or passes a bound
 */
export function applyQuery(value: unknown, query: string): unknown {
  const mod = jmespath();
  // Every evaluator (also those made for `let` scopes) shares the class of the exported instance: count its steps.
  const proto = Object.getPrototypeOf(mod.TreeInterpreter) as { visit: (this: unknown, node: unknown, value: unknown) => unknown };
  const visit = proto.visit;
  const started = performance.now();
  let steps = 0;
  proto.visit = function boundedVisit(node, current) {
    steps++;
    if (steps > QUERY_LIMITS.maxSteps) throw new QueryBudgetExceeded(`it needs more than ${QUERY_LIMITS.maxSteps} evaluation steps`);
    if (steps % 4096 === 0 && performance.now() - started > QUERY_LIMITS.maxMs) throw new QueryBudgetExceeded(`it ran for more than ${QUERY_LIMITS.maxMs / 1000} s`);
    const result = visit.call(this, node, current);
    if ((typeof result === "string" || Array.isArray(result)) && result.length > QUERY_LIMITS.maxLength) {
      throw new QueryBudgetExceeded(`it builds a ${typeof result === "string" ? "string" : "list"} of more than ${QUERY_LIMITS.maxLength} ${typeof result === "string" ? "characters" : "entries"}`);
    }
    return result;
  };
  try {
    const result = mod.search(JSON.parse(JSON.stringify(value ?? null)) as Parameters<JmesPathModule["search"]>[0], query);
    checkResultSize(result);
    return result;
  } catch (error) {
    if (error instanceof QueryBudgetExceeded) {
      throw new CliUsageError(`--query "${echoValue(query, MAX_QUERY_ECHO)}" was stopped: ${error.message} (a projection that multiplies the result?). Filter first, or simplify the query.`);
    }
    if (error instanceof RangeError) throw new CliUsageError(`--query "${echoValue(query, MAX_QUERY_ECHO)}" was stopped: ${error.message}. Simplify the query.`);
    throw new CliUsageError(`--query "${echoValue(query, MAX_QUERY_ECHO)}" failed on the result: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    proto.visit = visit;
  }
}

function colourJson(value: unknown, stream: NodeJS.WriteStream): string {
  const text = JSON.stringify(value, null, 2);
  const paint = (style: Parameters<typeof styleText>[0], s: string): string => styleText(style, s, { stream });
  return text.replace(/("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (match, str: string | undefined, colon: string | undefined, literal: string | undefined) => {
    if (str !== undefined) return colon ? `${paint("cyan", str)}${colon}` : paint("green", str);
    if (literal !== undefined) return paint("yellow", literal);
    return paint("magenta", match);
  });
}

function scalarText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return "";
  return String(value);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== "object";
}

/** az's tsv: scalars one per line; an object's scalar values on one line, tab-separated; a list, one line per item. */
function tsv(value: unknown): string {
  const line = (v: unknown): string => {
    if (Array.isArray(v)) return v.filter(isScalar).map(scalarText).join("\t");
    if (v !== null && typeof v === "object") return Object.values(v).filter(isScalar).map(scalarText).join("\t");
    return scalarText(v);
  };
  if (Array.isArray(value)) return value.map(line).join("\n");
  return line(value);
}

/** A table of any query result: a list of objects gives one row each, with their scalar fields as columns. */
function genericTable(value: unknown): string {
  const rows: unknown[] = Array.isArray(value) ? value : [value];
  if (rows.length === 0) return "";
  const objects = rows.every((r) => r !== null && typeof r === "object" && !Array.isArray(r));
  const Table = loadTable();
  const chars = { top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "", left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "" };
  if (!objects) {
    const t = new Table({ head: ["Result"], chars, style: { head: [], border: [], "padding-left": 0, "padding-right": 2 } });
    for (const r of rows) t.push([Array.isArray(r) ? r.map(scalarText).join(", ") : scalarText(r)]);
    return t.toString().split("\n").map((l) => l.trimEnd()).join("\n");
  }
  const columns: string[] = [];
  for (const r of rows as Record<string, unknown>[]) for (const [k, v] of Object.entries(r)) if (isScalar(v) && !columns.includes(k)) columns.push(k);
  const t = new Table({ head: columns.map((c) => c.charAt(0).toUpperCase() + c.slice(1)), chars, style: { head: [], border: [], "padding-left": 0, "padding-right": 2 } });
  for (const r of rows as Record<string, unknown>[]) t.push(columns.map((c) => scalarText(r[c])));
  return t.toString().split("\n").map((l) => l.trimEnd()).join("\n");
}

/**
 * Renders a result document in a format (`table` here means the generic table of a `--query` result).
 * @param value - the document (after `--query`)
 * @param format - the `-o` value
 * @param stream - the stream it goes to (colours only on a terminal)
 * @returns the text to write, or undefined for `none`
 */
export function renderDocument(value: unknown, format: OutputFormat, stream: NodeJS.WriteStream): string | undefined {
  switch (format) {
    case "none":
      return undefined;
    case "json":
      return JSON.stringify(value ?? null, null, 2);
    case "jsonc":
      return colourJson(value ?? null, stream);
    case "yaml":
      return (require("yaml") as typeof import("yaml")).stringify(value ?? null).trimEnd();
    case "tsv":
      return tsv(value);
    case "table":
      return genericTable(value);
  }
}
