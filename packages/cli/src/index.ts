/**
 * `@aks-kube-proxy/cli`: the `aks-kube-proxy` command line. Its public face is small: run it on an argv, or build
 * the program; command modules (such as `rollout`) plug in through {@link CliCommandModule}.
 * @packageDocumentation
 */

/** Runs the CLI on an argv and resolves to the exit code. */
export { main } from "./main";
/** Builds the commander program with every command registered. */
export { createProgram, cliVersion } from "./program";
/** Run state that receives a command's exit code. */
export type { RunState } from "./program";
/** The documented exit codes, and the `--detailed-exitcode` mapping (Terraform's 0/1/2). */
export { ExitCode, detailedExitCode } from "./runtime/exit-codes";
/** One exit code value. */
export type { ExitCodeValue } from "./runtime/exit-codes";
/** The contract of a command module. */
export type { CliCommandModule, CommandHost, CommandHandler } from "./runtime/command-module";
/** What a command action receives. */
export { CommandContext } from "./runtime/context";
/** Global options shared by every command. */
export type { GlobalOptions } from "./runtime/context";
/** CLI-level errors with their exit codes. */
export { CliError, CliUsageError, CliInterruptedError, CliNotConfirmedError } from "./runtime/cli-error";
/** Maps any thrown value to an exit code and a message; the one error-code → exit-code table; the follow-up of an accepted write. */
export { describeError, exitCodeForError, EXIT_CODE_BY_ERROR_CODE, attachFollowUp } from "./runtime/errors";
/** What follows an accepted write (operation URL, `aks-kube-proxy wait` command). */
export type { FollowUp } from "./runtime/errors";
/** Describes a thrown value for the user. */
export type { DescribedError } from "./runtime/errors";
