/**
 * Reading the text of a rollout file, YAML or JSON, before its document is validated: encodings, size, nesting and
 * list limits, YAML value counts, syntax errors and duplicate keys (each with line and column), then the line of
 * each problem the validation finds ({@link validateRolloutDocument}).
 * @packageDocumentation
 */
import { readFile } from "node:fs/promises";
import { Lexer, LineCounter, parseDocument, isMap, isNode, isScalar, isSeq } from "yaml";
import { formatIssues, formatJsonPath, ValidationError, type JsonPathSegment, type ValidationIssue } from "@aks-kube-proxy/sdk";
import { assertReadableFile, assertReadableText, checkJsonStructure, INPUT_LIMITS, jsonLinesOf } from "@aks-kube-proxy/sdk";
import { rolloutRefusal, validateRolloutDocument, type ParsedRolloutSpec, type ParseRolloutOptions } from "./parseSpec";
import { withMoreNote } from "@aks-kube-proxy/sdk";

type Segment = JsonPathSegment;

/** The message of a JavaScript stack overflow (a document nested deeper than a recursive reader can follow). */
function isStackOverflow(error: unknown): boolean {
  return error instanceof Error && /Maximum call stack size exceeded/.test(error.message);
}

function tooDeep(source: string): ValidationError {
  const why = `nests lists or objects too deeply to be read (a rollout file needs about 6 levels; at most ${INPUT_LIMITS.maxDepth} are allowed)`;
  return new ValidationError(`${source} ${why}.`, [{ path: "$", message: why, allowed: `at most ${INPUT_LIMITS.maxDepth} levels` }]);
}

/**
 * Refuses a parsed document whose lists or objects exceed {@link INPUT_LIMITS} (depth, entries), walking it without
 * recursion. JSON text is checked before it is parsed (`checkJsonStructure`); this holds YAML to the same bounds.
 */
function checkValueBounds(value: unknown, source: string): void {
  const stack: { value: unknown; at: readonly Segment[] }[] = [{ value, at: [] }];
  while (stack.length > 0) {
    const { value: v, at } = stack.pop() as { value: unknown; at: readonly Segment[] };
    if (typeof v !== "object" || v === null) continue;
    if (at.length >= INPUT_LIMITS.maxDepth) throw tooDeep(source);
    const entries: [Segment, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    if (entries.length > INPUT_LIMITS.maxEntries) {
      const why = `has ${entries.length} entries, more than the ${INPUT_LIMITS.maxEntries} one list or object may`;
      const allowed = `at most ${INPUT_LIMITS.maxEntries} entries; select clusters with patterns, tags or resource groups rather than long lists`;
      throw new ValidationError(`${source} is invalid (1 problem):\n  ${formatJsonPath(at)}: ${why}; allowed: ${allowed}`, [{ path: formatJsonPath(at), message: why, allowed }]);
    }
    for (const [k, x] of entries) if (typeof x === "object" && x !== null) stack.push({ value: x, at: [...at, k] });
  }
}

/**
 * Refuses YAML of more than {@link INPUT_LIMITS}.maxYamlNodes values BEFORE it is parsed: the YAML library's
 * document keeps a node with source positions per value (about 0.5 KB each), so the count of values, not the size in
 * bytes, decides its memory. The library's own lexer (a stream of tokens, nothing kept) counts them.
 */
function countYamlNodes(text: string, source: string): void {
  let nodes = 0;
  for (const token of new Lexer().lex(text)) {
    const c = token.charCodeAt(0);
    // a plain scalar (the lexer marks it with \x1f), a quoted or block scalar, a flow list or map
    if (c === 0x1f || c === 0x22 || c === 0x27 || c === 0x7c || c === 0x3e || c === 0x5b || c === 0x7b) nodes++;
    if (nodes > INPUT_LIMITS.maxYamlNodes) {
      const why = `holds more than ${INPUT_LIMITS.maxYamlNodes} YAML values (keys, list entries, scalars)`;
      throw new ValidationError(`${source} ${why}; a YAML rollout file may hold at most ${INPUT_LIMITS.maxYamlNodes}. Select clusters with patterns, tags or resource groups rather than long lists, or write it as JSON.`, [
        { path: "$", message: why, allowed: `at most ${INPUT_LIMITS.maxYamlNodes} values` },
      ]);
    }
  }
}

/**
 * Parses the text of a rollout file, YAML or JSON. JSON (text that parses as JSON) is read with `JSON.parse` after a
 * token pass that refuses duplicate keys, nesting and list lengths beyond {@link INPUT_LIMITS} (see
 * `checkJsonStructure`); anything else is YAML 1.2 (duplicate keys refused too). Issues carry their line.
 * A UTF-16/UTF-32 file is refused with a message that says to save it as UTF-8.
 * @param text - the file's content
 * @param options - where it came from, for messages
 * @throws {@link ValidationError} for syntax errors (with position), duplicate keys, limits, and every invalid value (with path and line)
 */
export function parseRolloutText(text: string, options: ParseRolloutOptions = {}): ParsedRolloutSpec {
  const source = options.source ?? "rollout file";
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  assertReadableText(body, source);
  if (/^\s*[{[]/.test(body)) {
    checkJsonStructure(body, source);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined; // not JSON: YAML flow syntax, read below
    }
    if (json !== undefined) {
      const result = validateRolloutDocument(json, source);
      if (result.issues.length > 0) {
        throw rolloutRefusal(source, result.issues, (listed) => {
          const lines = jsonLinesOf(body, listed.map((i) => formatJsonPath(i.at)));
          return (i) => lines.get(formatJsonPath(i.at));
        });
      }
      if (!result.spec) throw new Error("internal error: a rollout without issues must have a spec");
      return { spec: result.spec, warnings: result.warnings };
    }
  }
  const maxYaml = options.maxYamlBytes ?? INPUT_LIMITS.maxRolloutYamlBytes;
  if (Buffer.byteLength(body) > maxYaml) {
    const mb = (n: number): string => `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB (${n} bytes)`;
    const why = `is YAML of ${mb(Buffer.byteLength(body))}; a YAML rollout file may be at most ${mb(maxYaml)} (JSON: ${INPUT_LIMITS.maxRolloutFileBytes / (1024 * 1024)} MB)`;
    throw new ValidationError(`${source} ${why}. Select clusters with patterns, tags or resource groups rather than long lists, or write it as JSON.`, [{ path: "$", message: why }]);
  }
  countYamlNodes(body, source);
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  let value: unknown;
  try {
    doc = parseDocument(body, { lineCounter, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.some(isStackOverflow)) throw tooDeep(source);
    if (doc.errors.some((e) => e.code === "DUPLICATE_KEY")) {
      const duplicates = yamlDuplicateKeys(doc, lineCounter);
      if (duplicates.issues.length > 0) {
        const all = withMoreNote(duplicates.issues, duplicates.more);
        throw new ValidationError(formatIssues(source, all), all);
      }
    }
    if (doc.errors.length > 0) {
      const issues: ValidationIssue[] = doc.errors.slice(0, INPUT_LIMITS.maxIssues).map((e) => {
        const pos = e.linePos?.[0] ?? (e.pos ? lineCounter.linePos(e.pos[0]) : undefined);
        return { path: "$", message: `${pos ? `line ${pos.line}, column ${pos.col}: ` : ""}${e.message.split("\n")[0]}` };
      });
      throw new ValidationError(`${source} is not valid YAML or JSON:\n${issues.map((i) => `  ${i.message}`).join("\n")}`, issues);
    }
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (isStackOverflow(error)) throw tooDeep(source);
    throw error;
  }
  checkValueBounds(value, source);
  const result = validateRolloutDocument(value, source);
  if (result.issues.length > 0) throw rolloutRefusal(source, result.issues, () => (i) => lineOf(doc, lineCounter, i.at));
  if (!result.spec) throw new Error("internal error: a rollout without issues must have a spec");
  return { spec: result.spec, warnings: result.warnings };
}

/**
 * The duplicate keys of a YAML document (parsed with `uniqueKeys`, which reports only "Map keys must be unique" and a
 * position, but keeps both pairs), each with its JSON path, line and column, and where the key first appeared, as
 * JSON's duplicate keys are reported. Walks with an explicit stack, no deeper than the nesting limit (not checked yet).
 */
function yamlDuplicateKeys(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter): { issues: ValidationIssue[]; more: number } {
  const issues: ValidationIssue[] = [];
  let more = 0;
  const where = (range: readonly number[] | null | undefined): string => {
    if (!range) return "unknown position";
    const pos = lineCounter.linePos(range[0]);
    return `line ${pos.line}, column ${pos.col}`;
  };
  const stack: { node: unknown; at: JsonPathSegment[] }[] = [{ node: doc.contents, at: [] }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { node, at } = top;
    if (at.length > INPUT_LIMITS.maxDepth) continue; // refused as too deep anyway; keeps the walk linear
    const children: { node: unknown; at: JsonPathSegment[] }[] = [];
    if (isSeq(node)) {
      node.items.forEach((item, i) => children.push({ node: item, at: [...at, i] }));
    } else if (isMap(node)) {
      const first = new Map<string, readonly number[] | null | undefined>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        const range = isNode(pair.key) ? pair.key.range : undefined;
        if (first.has(key)) {
          if (issues.length >= INPUT_LIMITS.maxIssues) more++;
          else
            issues.push({
              path: formatJsonPath([...at, key]),
              message: `the key "${key}" appears twice in one mapping (${where(range)}; first at ${where(first.get(key))}); YAML readers refuse it or keep only one of them`,
              found: key,
              allowed: "each key once",
            });
        } else {
          first.set(key, range);
          children.push({ node: pair.value, at: [...at, key] });
        }
      }
    }
    stack.push(...children.reverse()); // document order
  }
  return { issues, more };
}

function lineOf(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter, at: readonly Segment[]): number | undefined {
  for (let n = at.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(at.slice(0, n), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Reads and parses a rollout file (YAML or JSON): only a regular file of at most `INPUT_LIMITS.maxRolloutFileBytes`
 * (20 MB; YAML: `maxRolloutYamlBytes`, 2 MB) is read.
 * @param path - the file
 * @throws {@link ValidationError} for a missing or unreadable file, a syntax error, or an invalid rollout; the message names the file
 */
export async function readRolloutFile(path: string): Promise<ParsedRolloutSpec> {
  await assertReadableFile(path, INPUT_LIMITS.maxRolloutFileBytes, "Pass the path of a rollout file (YAML or JSON; schema: packages/rollout/schema/rollout.schema.json).");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? "unknown error"})`;
    throw new ValidationError(`${path}: ${why}. Pass the path of a rollout file (YAML or JSON; schema: packages/rollout/schema/rollout.schema.json).`, [{ path: "$", message: why, found: path }], {
      cause: error,
    });
  }
  return parseRolloutText(text, { source: path });
}
