/**
 * Reading untrusted JSON text safely: the encoding is checked (a UTF-16 or UTF-32 file is named as such, never echoed
 * with its NUL bytes), and one pass of `jsonc-parser`'s scanner (a token stream, iterative, nothing kept per value)
 * refuses duplicate keys, nesting deeper than {@link INPUT_LIMITS}.maxDepth and lists or objects of more than
 * {@link INPUT_LIMITS}.maxEntries entries, each with its JSON path and line, BEFORE `JSON.parse` builds anything.
 * `JSON.parse` would keep the last of two equal keys silently (`{"mode":"IPVS","mode":"IPTABLES"}` is IPTABLES).
 * @packageDocumentation
 */
import { stat } from "node:fs/promises";
import { createScanner } from "jsonc-parser";
import { ValidationError, type ValidationIssue } from "../errors";
import { formatIssues, formatJsonPath, withMoreNote, type JsonPathSegment } from "./jsonValue";

/**
 * The bounds every settings and rollout file is held to (besides its size in bytes), so that any file inside them is
 * processed in bounded memory and time. A real rollout file is a few KB, nests 6 levels deep and lists a few hundred
 * names at most.
 */
export const INPUT_LIMITS = {
  /** Largest settings file, in bytes (a real one is under 1 KB). */
  maxSettingsFileBytes: 1024 * 1024,
  /** Largest rollout file, in bytes, as JSON. */
  maxRolloutFileBytes: 20 * 1024 * 1024,
  /** Largest rollout file, in bytes, as YAML (a YAML document costs far more memory per byte than JSON). */
  maxRolloutYamlBytes: 2 * 1024 * 1024,
  /** Deepest nesting of lists and objects (a rollout file needs 6). */
  maxDepth: 64,
  /** Most entries in one list or object (cluster names, ids, tag values, ...). */
  maxEntries: 100_000,
  /** Most subscriptions in one rollout file (each is listed once per run). */
  maxSubscriptions: 1_000,
  /** Most cluster selectors in one rollout file (select, exclude, groups and waves together). */
  maxSelectors: 1_000,
  /** Most groups, and most waves, in one rollout file. */
  maxGroupsOrWaves: 1_000,
  /** Most glob patterns (entries with `*` or `?`) in one rollout file: each is compiled to a matcher. */
  maxPatterns: 1_000,
  /**
   * Most values (keys, list entries, scalars) in a YAML rollout file: a YAML document keeps a node with positions per
   * value (about 0.5 KB each), so this, not the size in bytes, bounds its memory.
   */
  maxYamlNodes: 150_000,
  /** Most problems listed in one validation error; the rest are counted. */
  maxIssues: 100,
} as const;

// jsonc-parser's SyntaxKind is a const enum; its values, spelled out (they are part of its published API).
const OPEN_BRACE = 1;
const CLOSE_BRACE = 2;
const OPEN_BRACKET = 3;
const CLOSE_BRACKET = 4;
const COMMA = 5;
const COLON = 6;
const STRING = 10;
const EOF = 17;
const UNKNOWN = 16;
const TRIVIA = new Set([12, 13, 14, 15]);

/**
 * Names the encoding of a text that is not UTF-8 (decoded as UTF-8, a UTF-16 or UTF-32 file shows its byte-order mark
 * as U+FFFD and its ASCII characters as pairs with NULs), or undefined for text that can be read.
 * @param text - the file's content decoded as UTF-8 (a UTF-8 BOM already dropped or not)
 * @returns "UTF-16" or "UTF-32" (or "binary" for NUL bytes without that pattern), or undefined
 * @internal
 */
export function textEncodingProblem(text: string): "UTF-16" | "UTF-32" | "binary" | undefined {
  const head = text.slice(0, 8);
  const bom = head.startsWith("\uFFFD\uFFFD") || head.startsWith("\0\0\uFFFD\uFFFD");
  const nul = text.indexOf("\0");
  if (!bom && nul < 0) return undefined;
  if (head.startsWith("\uFFFD\uFFFD\0\0") || head.startsWith("\0\0\uFFFD\uFFFD") || /\0\0\0/.test(head)) return "UTF-32";
  if (bom || /^(?:[^\0]\0){2}|^(?:\0[^\0]){2}/.test(text.slice(nul > 1 ? nul - 1 : 0, (nul > 1 ? nul - 1 : 0) + 4))) return "UTF-16";
  return "binary";
}

/**
 * Refuses a text that is not UTF-8 with a message that says how to fix it.
 * @param text - the content
 * @param source - the file's name, for the message
 * @throws {@link ValidationError}
 * @internal
 */
export function assertReadableText(text: string, source: string): void {
  const problem = textEncodingProblem(text);
  if (problem === undefined) return;
  const why =
    problem === "binary"
      ? "contains NUL bytes (it is not a text file); give a UTF-8 JSON or YAML file"
      : `is ${problem} encoded (it has NUL bytes${problem === "UTF-16" ? " or a UTF-16 byte-order mark" : ""}); save it as UTF-8 (e.g. in PowerShell: Get-Content FILE | Set-Content -Encoding utf8 NEW-FILE)`;
  throw new ValidationError(`${source} ${why}.`, [{ path: "$", message: why }]);
}

interface Frame {
  readonly object: boolean;
  /** Keys seen so far (objects): key -> `line N, column M` of its first occurrence. */
  readonly keys: Map<string, string> | undefined;
  entries: number;
  /** The key just read, whose value comes next (objects). */
  key: string | undefined;
  expectKey: boolean;
  /** False for the document's own list or object (no segment on the path). */
  readonly nested: boolean;
}

/** What {@link scanJson} reports. */
interface JsonScanHandlers {
  /** A key of an object (its path includes the key); `firstLine` when the object had it already. */
  key?(path: readonly JsonPathSegment[], key: string, where: string, firstWhere: string | undefined): void;
  /** A value starts (its path); `entries` is its container's count so far (1 for the first). */
  value?(path: readonly JsonPathSegment[], line: number, entries: number): void;
  /** A list or object opens at `depth` (1 for the document's own). */
  open?(path: readonly JsonPathSegment[], line: number, depth: number): void;
}

/**
 * Walks JSON text with `jsonc-parser`'s token scanner, iteratively (any depth), keeping only the open containers.
 * Stops quietly at a token that cannot be JSON (syntax errors are `JSON.parse`'s to report). A handler may throw to stop.
 */
function scanJson(text: string, handlers: JsonScanHandlers): void {
  const scanner = createScanner(text, false);
  const stack: Frame[] = [];
  const path: JsonPathSegment[] = [];
  const line = (): number => scanner.getTokenStartLine() + 1;
  const where = (): string => `line ${line()}, column ${scanner.getTokenStartCharacter() + 1}`;
  /** A value starts at the current token: counts it in its container and pushes its segment onto `path`. */
  const beginValue = (): boolean => {
    const top = stack[stack.length - 1];
    if (!top) return false;
    path.push(top.object ? (top.key ?? "") : top.entries);
    top.entries++;
    handlers.value?.(path, line(), top.entries);
    return true;
  };
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    if (TRIVIA.has(token)) continue;
    if (token === UNKNOWN || scanner.getTokenError() !== 0) return;
    const top = stack[stack.length - 1];
    if (token === STRING && top?.object && top.expectKey) {
      const key = scanner.getTokenValue();
      const first = top.keys?.get(key);
      if (first === undefined) top.keys?.set(key, where());
      if (handlers.key) {
        path.push(key);
        handlers.key(path, key, where(), first);
        path.pop();
      }
      top.key = key;
      top.expectKey = false;
      continue;
    }
    if (token === COMMA) {
      if (top?.object) top.expectKey = true;
      continue;
    }
    if (token === COLON) continue;
    if (token === OPEN_BRACE || token === OPEN_BRACKET) {
      const nested = beginValue();
      const object = token === OPEN_BRACE;
      stack.push({ object, keys: object ? new Map() : undefined, entries: 0, key: undefined, expectKey: object, nested });
      handlers.open?.(path, line(), stack.length);
      continue;
    }
    if (token === CLOSE_BRACE || token === CLOSE_BRACKET) {
      const closed = stack.pop();
      if (!closed) return;
      if (closed.nested) path.pop();
      continue;
    }
    if (beginValue()) path.pop(); // a scalar
  }
}

/**
 * One pass over JSON text with a token scanner: refuses duplicate keys (exact spelling), nesting deeper than
 * `maxDepth` and lists or objects of more than `maxEntries` entries. Syntax errors are left to `JSON.parse`.
 * @param text - the JSON text
 * @param source - its name, for messages
 * @param limits - the bounds, {@link INPUT_LIMITS} by default
 * @throws {@link ValidationError} naming each key path and line (at most `maxIssues` problems are listed)
 * @internal
 */
export function checkJsonStructure(text: string, source: string, limits: { maxDepth?: number; maxEntries?: number } = {}): void {
  const maxDepth = limits.maxDepth ?? INPUT_LIMITS.maxDepth;
  const maxEntries = limits.maxEntries ?? INPUT_LIMITS.maxEntries;
  const issues: ValidationIssue[] = [];
  let more = 0;
  const stop = new Error("stop");
  try {
    scanJson(text, {
      key(path, key, at, firstAt) {
        if (firstAt === undefined) return;
        if (issues.length >= INPUT_LIMITS.maxIssues) {
          more++;
          return;
        }
        issues.push({
          path: formatJsonPath(path),
          message: `the key "${key}" appears twice in one object (${at}; first at ${firstAt}); JSON readers keep only one of them`,
          found: key,
          allowed: "each key once",
        });
      },
      value(path, line, entries) {
        if (entries <= maxEntries) return;
        issues.push({
          path: formatJsonPath(path.slice(0, -1)),
          message: `has more than ${maxEntries} entries (line ${line})`,
          allowed: `at most ${maxEntries} entries in one list or object; select clusters with patterns, tags or resource groups rather than long lists`,
        });
        throw stop;
      },
      open(path, line, depth) {
        if (depth <= maxDepth) return;
        issues.push({ path: formatJsonPath(path), message: `nests more than ${maxDepth} levels deep (line ${line})`, allowed: `at most ${maxDepth} levels of lists and objects` });
        throw stop;
      },
    });
  } catch (error) {
    if (error !== stop) throw error;
  }
  if (issues.length > 0) {
    const listed = withMoreNote(issues, more, "duplicate key(s)");
    throw new ValidationError(formatIssues(source, listed), listed);
  }
}

/**
 * The line (1-based) of the value at each of `paths` in JSON text, for messages about a document parsed from it.
 * A path not found (or found only in part) gets the line of its deepest ancestor found.
 * @param text - the JSON text the document was parsed from
 * @param paths - JSON paths as {@link formatJsonPath} writes them
 * @internal
 */
export function jsonLinesOf(text: string, paths: readonly string[]): Map<string, number> {
  const wanted = new Set<string>();
  for (const p of paths) {
    // every ancestor too, so that a path into a missing value still gets a line
    let prefix = p;
    for (;;) {
      wanted.add(prefix);
      const cut = Math.max(prefix.lastIndexOf("."), prefix.lastIndexOf("["));
      if (cut <= 0) break;
      prefix = prefix.slice(0, cut);
    }
  }
  const maxDepth = Math.max(0, ...[...wanted].map((p) => (p.match(/[.[]/g) ?? []).length));
  const found = new Map<string, number>([["$", 1]]);
  scanJson(text, {
    value(path, line) {
      if (path.length > maxDepth) return;
      const p = formatJsonPath(path);
      if (wanted.has(p) && !found.has(p)) found.set(p, line);
    },
  });
  const out = new Map<string, number>();
  for (const p of paths) {
    let prefix = p;
    for (;;) {
      const line = found.get(prefix);
      if (line !== undefined) {
        out.set(p, line);
        break;
      }
      const cut = Math.max(prefix.lastIndexOf("."), prefix.lastIndexOf("["));
      if (cut <= 0) break;
      prefix = prefix.slice(0, cut);
    }
  }
  return out;
}

/**
 * The same issues, each with ` (line N)` after its message: the line of its path in the JSON text it was parsed from
 * (issues at `$` are left as they are). The one place the line note is written.
 * @param text - the JSON text (a UTF-8 BOM is skipped)
 * @param issues - issues with JSON paths as {@link formatJsonPath} writes them
 */
export function withLineNotes<T extends { path: string; message: string }>(text: string, issues: readonly T[]): T[] {
  const lines = jsonLinesOf(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, issues.map((i) => i.path));
  return issues.map((i) => {
    const line = lines.get(i.path);
    return line === undefined || i.path === "$" ? i : { ...i, message: `${i.message} (line ${line})` };
  });
}

/**
 * Parses untrusted JSON text: encoding checked, a UTF-8 BOM dropped, duplicate keys, deep nesting and huge lists
 * refused (see {@link checkJsonStructure}), then `JSON.parse`.
 * @param text - the content
 * @param options - `source` names it in messages; `hint` is appended to a syntax error (what the file should look like)
 * @throws {@link ValidationError} for each of those, naming the file, the key path and the line
 * @internal
 */
export function parseJsonText(text: string, options: { source: string; hint?: string }): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  assertReadableText(body, options.source);
  checkJsonStructure(body, options.source);
  try {
    return JSON.parse(body);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`${options.source} is not valid JSON: ${why}${options.hint ? `. ${options.hint}` : ""}`, [{ path: "$", message: `not valid JSON: ${why}` }], { cause: error });
  }
}

/**
 * Refuses, before reading it, a path that is not a regular file (a FIFO or `/dev/zero` would hang or fill memory) or
 * is larger than `maxBytes`.
 * @param path - the file
 * @param maxBytes - its limit
 * @param hint - what to pass instead, appended to the message
 * @throws {@link ValidationError} naming the file
 * @internal
 */
export async function assertReadableFile(path: string, maxBytes: number, hint: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : `cannot be read (${code ?? "unknown error"})`;
    throw new ValidationError(`${path}: ${why}. ${hint}`, [{ path: "$", message: why, found: path }], { cause: error });
  }
  const why = info.isDirectory() ? "is a directory" : !info.isFile() ? "is not a regular file" : info.size > maxBytes ? `is ${info.size} bytes; at most ${maxBytes} are read` : undefined;
  if (why !== undefined) throw new ValidationError(`${path}: ${why}. ${hint}`, [{ path: "$", message: why, found: path }]);
}
