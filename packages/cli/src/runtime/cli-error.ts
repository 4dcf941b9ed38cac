/**
 * Errors raised by the command line itself: flags that do not fit together, a missing subscription (before the
 * SDK is asked anything), and the "interrupted, here is what state things were left in" report after Ctrl-C.
 * @packageDocumentation
 */
import { ExitCode, type ExitCodeValue } from "./exit-codes";

/** An error of the CLI itself, with its stable code and exit code. */
export class CliError extends Error {
  /** Stable code shown in `--output json` error documents. */
  readonly code: string;
  /** The exit code this error ends the process with. */
  readonly exitCode: ExitCodeValue;
  /** Extra fields of the `--output json` error document (e.g. `findings`). */
  readonly details: Readonly<Record<string, unknown>>;

  /**
   * @param code - stable code (`InvalidInput`, `Interrupted`, `ConfirmationRequired`)
   * @param message - what happened and what to do next
   * @param exitCode - the process exit code
   * @param details - extra fields of the JSON error document
   */
  constructor(code: string, message: string, exitCode: ExitCodeValue, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "CliError";
    this.code = code;
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** A problem with how the command was invoked (exit code 3); the message says what to type instead. */
export class CliUsageError extends CliError {
  /** @param message - what is wrong and how to fix it */
  constructor(message: string) {
    super("InvalidInput", message, ExitCode.InvalidInput);
    this.name = "CliUsageError";
  }
}

/**
 * A write needs consent that was not given (exit code 5): stdin is not a terminal and `--yes` is missing, or the
 * question was answered no. Nothing was written.
 */
export class CliNotConfirmedError extends CliError {
  /**
   * @param code - `ConfirmationRequired` (no terminal, no --yes) or `Cancelled` (answered no)
   * @param message - what was not done and how to consent
   */
  constructor(code: "ConfirmationRequired" | "Cancelled", message: string) {
    super(code, message, ExitCode.NotConfirmed);
    this.name = "CliNotConfirmedError";
  }
}

/** Ctrl-C stopped a wait (exit code 130); the message says in which state the cluster or subscription was left. */
export class CliInterruptedError extends CliError {
  /** @param message - what was interrupted and the state left behind */
  constructor(message: string) {
    super("Interrupted", message, ExitCode.Interrupted);
    this.name = "CliInterruptedError";
  }
}
