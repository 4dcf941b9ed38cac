/**
 * Fault path patterns are regular expressions from callers of the control API: one that can backtrack catastrophically
 * (`^/(a+)+$` froze the emulator for more than 20 s) is refused before it is compiled. The check is a star-height test
 * in the manner of safe-regex: a quantified group may not contain another quantifier or an alternation, and
 * backreferences are refused; patterns are at most 512 characters. Everything else (anchors, classes, escapes, single
 * quantifiers, unquantified alternations) is allowed, which covers every path pattern the tests use.
 */

/** Longest pattern accepted. */
export const MAX_PATTERN_LENGTH = 512;

/**
 * Why `source` may backtrack catastrophically, or undefined when it is safe.
 * @param source - a RegExp source
 */
export function unsafePatternReason(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  const stack: { quantified: boolean; alternation: boolean }[] = [{ quantified: false, alternation: false }];
  const isQuantifier = (i: number): boolean => {
    const c = source[i];
    return c === "*" || c === "+" || c === "?" || (c === "{" && /^\{\d+(,\d*)?\}/.test(source.slice(i)));
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const top = stack[stack.length - 1] ?? { quantified: false, alternation: false };
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      if (/[1-9]/.test(next) || next === "k") return "it uses a backreference";
      i++;
      if (isQuantifier(i + 1)) top.quantified = true;
      continue;
    }
    if (c === "[") {
      // skip a character class
      let j = i + 1;
      if (source[j] === "^") j++;
      if (source[j] === "]") j++;
      while (j < source.length && source[j] !== "]") j += source[j] === "\\" ? 2 : 1;
      i = j;
      if (isQuantifier(i + 1)) top.quantified = true;
      continue;
    }
    if (c === "(") {
      stack.push({ quantified: false, alternation: false });
      if (source[i + 1] === "?") i++; // (?:, (?=, (?!, (?<=, (?<!, (?<name>: the "?" is not a quantifier
      continue;
    }
    if (c === ")") {
      const group = stack.pop();
      const parent = stack[stack.length - 1];
      if (!group || !parent) return "its parentheses do not balance";
      if (isQuantifier(i + 1)) {
        if (group.quantified) return "a quantified group contains a quantifier (nested quantifiers, e.g. (a+)+)";
        if (group.alternation) return "a quantified group contains an alternation (e.g. (a|a)*)";
        parent.quantified = true;
      }
      if (group.quantified) parent.quantified = true;
      continue;
    }
    if (c === "|") {
      top.alternation = true;
      continue;
    }
    if (isQuantifier(i)) {
      top.quantified = true;
      if (c === "{") i = source.indexOf("}", i);
      if (source[i + 1] === "?") i++; // lazy modifier
    }
  }
  if (stack.length !== 1) return "its parentheses do not balance";
  return undefined;
}

/**
 * Compiles a fault's path pattern, refusing one that can backtrack catastrophically.
 * @param source - the pattern
 * @throws Error naming the problem
 */
export function safePattern(source: unknown): RegExp {
  if (typeof source !== "string") throw new Error(`pathPattern must be a string, found ${typeof source}`);
  const why = unsafePatternReason(source);
  if (why) throw new Error(`pathPattern ${JSON.stringify(source.slice(0, 80))} is refused: ${why}; such patterns can backtrack catastrophically. Use a simpler pattern (anchors, classes, single quantifiers).`);
  return new RegExp(source);
}
