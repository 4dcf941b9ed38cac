/**
 * Fault path patterns are regular expressions from callers of the control API. They are compiled by RE2JS (the
 * JavaScript port of RE2: an automaton, no backtracking), so matching takes time linear in the path whatever the
 * pattern: `^/(a+)+$` or `a*a*a*a*a*a*a*a*a*a*a*a*!` against a 3,000-character path is answered at once (with
 * JavaScript's `RegExp` the second froze the emulator for minutes). RE2's syntax is JavaScript's minus the features
 * that need backtracking: backreferences (`\1`, `\k<name>`) and lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) are refused
 * with the parser's reason. Matching costs (path length) × (program size), and counted repetitions such as `.{1000}` make
 * large programs, so a pattern is at most {@link MAX_PATTERN_LENGTH} characters and {@link MAX_PROGRAM_SIZE} RE2
 * instructions; with URLs bounded (http.ts) and at most 100 active faults, every request's fault matching is bounded.
 */
import { RE2JS } from "re2js";

/** Longest pattern accepted. */
export const MAX_PATTERN_LENGTH = 512;
/** Largest compiled program accepted (RE2 instructions; `managedClusters/aks1$` is about 20, `.{400}` about 400). */
export const MAX_PROGRAM_SIZE = 500;

/** A compiled fault path pattern: `test` is true when the pattern matches somewhere in the path (as `RegExp.test`). */
export interface PathPattern {
  /** The pattern as given. */
  readonly source: string;
  /** True when the pattern matches a substring of `path`; time linear in `path.length`. */
  test(path: string): boolean;
}

function compile(source: string): { pattern: PathPattern } | { why: string } {
  if (source.length > MAX_PATTERN_LENGTH) return { why: `it is longer than ${MAX_PATTERN_LENGTH} characters` };
  try {
    const re2 = RE2JS.compile(source);
    if (re2.programSize() > MAX_PROGRAM_SIZE) return { why: `it compiles to ${re2.programSize()} instructions, more than ${MAX_PROGRAM_SIZE} (use fewer counted repetitions such as {1000})` };
    return { pattern: { source, test: (path: string) => re2.test(path) } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { why: `it is not a pattern the linear-time matcher (RE2 syntax) accepts: ${message}` };
  }
}

/**
 * Why `source` is refused as a fault path pattern (too long, or not valid RE2 syntax: backreferences, lookaround,
 * unbalanced parentheses…), or undefined when it is accepted. Accepted patterns cannot backtrack: they are matched in
 * linear time.
 * @param source - a pattern (RE2 syntax, which is JavaScript's without backreferences and lookaround)
 */
export function unsafePatternReason(source: string): string | undefined {
  const compiled = compile(source);
  return "why" in compiled ? compiled.why : undefined;
}

/**
 * Compiles a fault's path pattern with the linear-time matcher.
 * @param source - the pattern
 * @throws Error naming the problem when it is not a string, too long or not valid RE2 syntax
 */
export function safePattern(source: unknown): PathPattern {
  if (typeof source !== "string") throw new Error(`pathPattern must be a string, found ${source === null ? "null" : typeof source}.`);
  const compiled = compile(source);
  if ("why" in compiled) {
    throw new Error(`pathPattern ${JSON.stringify(source.slice(0, 80))} is refused: ${compiled.why}. Use RE2 syntax (JavaScript's without backreferences and lookaround), at most ${MAX_PATTERN_LENGTH} characters and ${MAX_PROGRAM_SIZE} instructions.`);
  }
  return compiled.pattern;
}
