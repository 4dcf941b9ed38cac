/**
 * The one interactive question the CLI asks ("Apply these changes?"), only when stdin is a terminal.
 * @packageDocumentation
 */
import { createInterface } from "node:readline/promises";

/** How a confirmation ended. */
export type ConfirmAnswer = "yes" | "no" | "interrupted";

/**
 * Asks a yes/no question on stderr, reading stdin. Anything but `y`/`yes` is a no; Ctrl-C is `interrupted`.
 * @param question - the question, without the `[y/N]` suffix
 */
export async function confirm(question: string, streams: { input?: NodeJS.ReadStream; output?: NodeJS.WriteStream } = {}): Promise<ConfirmAnswer> {
  const rl = createInterface({ input: streams.input ?? process.stdin, output: streams.output ?? process.stderr, terminal: true });
  const controller = new AbortController();
  let interrupted = false;
  rl.on("SIGINT", () => {
    interrupted = true;
    controller.abort();
  });
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal: controller.signal });
    return /^y(es)?$/i.test(answer.trim()) ? "yes" : "no";
  } catch (err) {
    if (interrupted || (err as { name?: string }).name === "AbortError") {
      (streams.output ?? process.stderr).write("\n");
      return "interrupted";
    }
    throw err;
  } finally {
    rl.close();
  }
}
