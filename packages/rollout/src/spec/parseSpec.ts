/**
 * Parsing of rollout documents into a {@link RolloutSpec}: the JSON Schema validator checks the shape
 * ({@link rolloutSchemaIssues}: path, what was found, what is allowed, did-you-mean), then the rules a schema cannot
 * express ({@link applyRolloutRules}) check the rest and build the spec. Every problem is reported at once, in the
 * order of the document. Reading the text (YAML or JSON, with lines) is `rolloutText.ts`.
 * @packageDocumentation
 */
import { formatIssues, formatJsonPath, INPUT_LIMITS, ValidationError, type Finding, type ValidationIssue } from "@aks-kube-proxy/sdk";
import { isSettingsPath, rolloutSchemaIssues, type RolloutIssue } from "./rolloutIssues";
import { applyRolloutRules, prepareRolloutDocument } from "./rolloutRules";
import { withMoreNote } from "@aks-kube-proxy/sdk";
import { inDocumentOrder } from "./schemaCheck";
import type { RolloutSpec } from "./spec";

/** The result of parsing a rollout file. */
export interface ParsedRolloutSpec {
  /** The normalised rollout. */
  readonly spec: RolloutSpec;
  /** Accepted oddities in the settings (legacy key casing...), with paths into the rollout file. */
  readonly warnings: Finding[];
}

/** Options of {@link parseRolloutSpec} and {@link parseRolloutText}. */
export interface ParseRolloutOptions {
  /** Where the document came from (a file name), used in messages. @default "rollout file" */
  readonly source?: string;
  /**
   * {@link parseRolloutText} only: the largest YAML text accepted, in bytes (a YAML parser keeps a node with positions
   * per value, far more memory per byte than JSON). Larger YAML is refused before it is parsed.
   * @default INPUT_LIMITS.maxRolloutYamlBytes (2 MB)
   */
  readonly maxYamlBytes?: number;
}

/**
 * Validates a rollout document: the schema's issues and the rules' issues together (a rule's issue at a path the
 * schema already reported is left out), in document order; the spec when there are none.
 * @param input - the parsed document
 * @param source - where it came from, for messages
 * @internal
 */
export function validateRolloutDocument(input: unknown, source: string): { spec?: RolloutSpec; issues: RolloutIssue[]; warnings: Finding[] } {
  const document = prepareRolloutDocument(input, isSettingsPath);
  const schemaIssues = rolloutSchemaIssues(document);
  const rules = applyRolloutRules(document, source);
  const reported = new Set(schemaIssues.map((i) => formatJsonPath(i.at)));
  const issues = inDocumentOrder(document, [...schemaIssues, ...rules.issues.filter((i) => !reported.has(formatJsonPath(i.at)))]);
  if (issues.length > 0) return { issues, warnings: rules.warnings };
  return { ...(rules.spec ? { spec: rules.spec } : {}), issues, warnings: rules.warnings };
}

/**
 * The error of a refused rollout file: the first {@link INPUT_LIMITS}.maxIssues issues with their JSON path and line,
 * and one "and N more problem(s)" note.
 * @param source - where it came from
 * @param issues - every issue, in order
 * @param linesOf - given the listed issues, the line of each (YAML or JSON text), if known
 * @internal
 */
export function rolloutRefusal(
  source: string,
  issues: readonly RolloutIssue[],
  linesOf: (listed: readonly RolloutIssue[]) => (issue: RolloutIssue) => number | undefined = () => () => undefined,
): ValidationError {
  const listed = issues.slice(0, INPUT_LIMITS.maxIssues);
  const lineOf = linesOf(listed);
  const located: ValidationIssue[] = listed.map((issue) => {
    const { at, ...rest } = issue;
    const line = lineOf(issue);
    return { path: formatJsonPath(at), ...rest, ...(line === undefined ? {} : { message: `${rest.message} (line ${line})` }) };
  });
  const all = withMoreNote(located, issues.length - listed.length);
  return new ValidationError(formatIssues(source, all), all);
}

/**
 * Parses a rollout document (already read from YAML or JSON) into a normalised {@link RolloutSpec}.
 * @param input - the document
 * @param options - where it came from, for messages
 * @returns the spec and the accepted oddities found in its settings
 * @throws {@link ValidationError} listing every problem with its JSON path (e.g. `$.waves[1].percent`)
 */
export function parseRolloutSpec(input: unknown, options: ParseRolloutOptions = {}): ParsedRolloutSpec {
  const source = options.source ?? "rollout file";
  const result = validateRolloutDocument(input, source);
  if (result.issues.length > 0) throw rolloutRefusal(source, result.issues);
  if (!result.spec) throw new Error("internal error: a rollout without issues must have a spec");
  return { spec: result.spec, warnings: result.warnings };
}
