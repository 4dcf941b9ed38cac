/**
 * How commands plug into the program. Each command (or command group, such as `rollout`) is one module exporting
 * a {@link CliCommandModule}; its `register` declares flags and help with commander and wraps its action with
 * {@link CommandHost.action}, which builds the {@link CommandContext}, maps errors to exit codes and messages, and
 * handles Ctrl-C. `register` must not load heavy modules: load them inside the action (see `runtime/lazy.ts`).
 * @packageDocumentation
 */
import type { Command } from "commander";
import type { CommandContext } from "./context";
import type { ExitCodeValue } from "./exit-codes";

/** An action body: does the work, writes its result through `ctx.out`, and returns the exit code. */
export type CommandHandler = (ctx: CommandContext) => Promise<ExitCodeValue | number>;

/** What the program gives each command module. */
export interface CommandHost {
  /**
   * Wraps a handler as a commander action: context creation, error reporting (stderr, and an `{ "error": ... }`
   * document in `--output json`), exit codes and Ctrl-C.
   */
  action(handler: CommandHandler): (...args: unknown[]) => Promise<void>;
  /** Appends an "Examples:" section to a command's help. */
  examples(command: Command, lines: readonly string[]): Command;
}

/** One command or command group. */
export interface CliCommandModule {
  /** The command's name, as typed (e.g. `plan`, `rollout`). */
  readonly name: string;
  /** Adds the command to `program`. */
  register(program: Command, host: CommandHost): void;
}
