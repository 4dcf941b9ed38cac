/**
 * `--timeout` of the commands that only read (`status`, `preview show`, `rollout plan|status|merge`): one flag, one
 * default, the duration grammar of every other `--timeout` (`runtime/duration.ts`).
 * @packageDocumentation
 */
import type { Command } from "commander";

/** The default `--timeout` of a command that only reads: long enough for ARM's slowest list, short enough for CI. */
export const DEFAULT_READ_TIMEOUT = "2m";

/**
 * Adds `--timeout <duration>` (default {@link DEFAULT_READ_TIMEOUT}) to a command that only reads; the action reads
 * it with `CommandContext.withReadTimeout`.
 * @param command - the command
 */
export function addReadTimeoutOption(command: Command): Command {
  return command.option("--timeout <duration>", "give up when Azure (or the journal store) has not answered every read after this long (exit 1, code Timeout), e.g. 30s, 5m", DEFAULT_READ_TIMEOUT);
}
