/**
 * The demo's voice: numbered headings and one line per step. On stdout in table mode; on stderr with
 * `--output json`, where stdout carries only the final summary document.
 * @packageDocumentation
 */
import type { Output } from "../runtime/output";

/** Marks at the start of a step line. */
export type StepMark = "·" | "✓" | "✗" | "=" | "~" | "!";

/** Writes the tour. */
export class Narrator {
  private readonly stream: NodeJS.WriteStream;
  private section = 0;

  /** @param out - the CLI output */
  constructor(private readonly out: Output) {
    this.stream = out.json ? out.stderr : out.stdout;
  }

  /** The tour's title line. */
  title(text: string): void {
    this.write(this.out.style("bold", text, this.stream));
  }

  /** `\n3. Enable the preview  (aside)` */
  heading(text: string, aside?: string): void {
    this.section += 1;
    this.write(`\n${this.out.style(["bold", "cyan"], `${this.section}. ${text}`, this.stream)}${aside ? `  ${this.out.style("dim", aside, this.stream)}` : ""}`);
  }

  /** One step. */
  step(mark: StepMark, text: string): void {
    const color = mark === "✓" ? "green" : mark === "✗" ? "red" : mark === "!" ? "yellow" : "dim";
    this.write(`   ${this.out.style(color, mark, this.stream)} ${text}`);
  }

  /** A detail under a step, indented by `indent` more columns. */
  detail(mark: StepMark, text: string, indent: number): void {
    const color = mark === "!" ? "yellow" : "dim";
    this.write(`   ${" ".repeat(indent)}${this.out.style(color, mark, this.stream)} ${text}`);
  }

  /** A block (e.g. a table), indented. */
  block(text: string): void {
    this.write(text.split("\n").map((l) => `   ${l}`).join("\n"));
  }

  /** A plain line. */
  line(text: string): void {
    this.write(text);
  }

  private write(text: string): void {
    this.stream.write(`${text}\n`);
  }
}
