/**
 * Where the CLI writes. Results go to stdout: human text in `--output table`, exactly one JSON document in
 * `--output json`. Progress, warnings, verbose logs and error messages always go to stderr, so stdout stays
 * parseable and pipeable.
 * @packageDocumentation
 */
import { styleText } from "node:util";

import { applyQuery, renderDocument, type OutputFormat } from "./formats";

export type { OutputFormat } from "./formats";

/** Styles from `util.styleText` the CLI uses. */
type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan";

/** Streams and switches for an {@link Output}. */
export interface OutputOptions {
  /** `table` (human text), or a document format (`json`, `jsonc`, `yaml`, `tsv`, `none`). */
  readonly format: OutputFormat;
  /** `--query`: a JMESPath expression applied to the result document. */
  readonly query?: string;
  /** Show verbose logs on stderr. */
  readonly verbose: boolean;
  /** Defaults to `process.stdout`. */
  readonly stdout?: NodeJS.WriteStream;
  /** Defaults to `process.stderr`. */
  readonly stderr?: NodeJS.WriteStream;
}

/** The CLI's only way to write to the terminal. */
export class Output {
  /** The output format chosen with `--output`. */
  readonly format: OutputFormat;
  /** Whether `--verbose` was given. */
  readonly verbose: boolean;
  /** `--query`, when given. */
  readonly query: string | undefined;
  /** The result stream. */
  readonly stdout: NodeJS.WriteStream;
  /** The diagnostics stream. */
  readonly stderr: NodeJS.WriteStream;
  private documentWritten = false;
  private liveLine: { log(text: string): void } | undefined;

  /** @param options - format, verbosity and streams */
  constructor(options: OutputOptions) {
    this.format = options.format;
    this.verbose = options.verbose;
    this.query = options.query;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
  }

  /**
   * True when the result is a document (`-o json|jsonc|yaml|tsv|none`, or any format with `--query`) rather than the
   * command's own human text.
   */
  get json(): boolean {
    return this.format !== "table" || this.query !== undefined;
  }

  /** Whether an `{ "error": ... }` document is written on failure (the structured formats: json, jsonc, yaml). */
  get errorDocuments(): boolean {
    return this.format === "json" || this.format === "jsonc" || this.format === "yaml";
  }

  /** Whether a JSON document was already written (there is only ever one). */
  get wroteDocument(): boolean {
    return this.documentWritten;
  }

  /**
   * Writes the command's result: `table()` in table mode, `json()` as the one JSON document in json mode. `tsv()`,
   * when given, is the document of `-o tsv` without `--query` (e.g. one row per cluster, where the JSON document's
   * top level has few scalars); with `--query` the query runs on `json()` as in every format.
   * @param result - renderers; only the one needed is called
   */
  result(result: { table: () => string; json: () => unknown; tsv?: () => unknown }): void {
    if (!this.json) this.print(result.table());
    else if (this.format === "tsv" && this.query === undefined && result.tsv) this.document(result.tsv());
    else this.document(result.json());
  }

  /** Writes human result text to stdout (table mode only; ignored in json mode). */
  print(text: string): void {
    if (this.json) return;
    this.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /**
   * Writes the one result document to stdout: `--query` applied, then rendered in the `-o` format. A second call is
   * a programming error.
   */
  document(value: unknown): void {
    if (this.documentWritten) throw new Error("internal error: a second JSON document was about to be written");
    this.documentWritten = true;
    const selected = this.query !== undefined ? applyQuery(value, this.query) : value;
    const text = renderDocument(selected, this.format, this.stdout);
    if (text !== undefined && text !== "") this.stdout.write(`${text}\n`);
  }

  /** Writes an `{ "error": ... }` document (json, jsonc, yaml only; never filtered by `--query`). */
  errorDocument(value: unknown): void {
    if (this.documentWritten || !this.errorDocuments) return;
    this.documentWritten = true;
    this.stdout.write(`${renderDocument(value, this.format, this.stdout) ?? ""}\n`);
  }

  /** Registers (or clears) the live progress line, so that {@link Output.notice} writes above it instead of breaking it. */
  setLiveLine(line: { log(text: string): void } | undefined): void {
    this.liveLine = line;
  }

  /** An informational line on stderr that may arrive while a live progress line is shown (e.g. at Ctrl-C). */
  notice(text: string): void {
    if (this.liveLine) this.liveLine.log(text);
    else this.info(text);
  }

  /** An informational line on stderr. */
  info(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** A warning line on stderr. */
  warn(text: string): void {
    this.stderr.write(`${this.style("yellow", "warning:", this.stderr)} ${text}\n`);
  }

  /** An error message on stderr. */
  error(text: string): void {
    this.stderr.write(`${this.style("red", "error:", this.stderr)} ${text}\n`);
  }

  /** A verbose line on stderr, shown only with `--verbose`. */
  debug(text: string): void {
    if (this.verbose) this.stderr.write(`${this.style("dim", `verbose: ${text}`, this.stderr)}\n`);
  }

  /**
   * Styles text for a stream: colours only when that stream is a terminal and neither NO_COLOR nor
   * NODE_DISABLE_COLORS is set (Node's own rules).
   */
  style(style: Style | Style[], text: string, stream: NodeJS.WriteStream = this.stdout): string {
    return styleText(style, text, { stream });
  }
}
