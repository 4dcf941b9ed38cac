/**
 * Runs the CLI on an argv and returns the exit code.
 * @packageDocumentation
 */
import { CommanderError } from "commander";
import { commandNames } from "./commands/index";
import { createProgram, type RunState } from "./program";
import { detailedExitCode, ExitCode } from "./runtime/exit-codes";

function wantsJson(argv: readonly string[]): boolean {
  return argv.some((a, i) => a === "--output=json" || a === "-ojson" || ((a === "--output" || a === "-o") && argv[i + 1] === "json"));
}

function wantsDetailedExitCode(argv: readonly string[]): boolean {
  return argv.includes("--detailed-exitcode");
}

/**
 * Parses `argv` (as `process.argv`: node, script, then arguments), runs the command, and resolves to its exit code.
 * Never rejects for a user error: those become exit codes and messages on stderr.
 * @param argv - the process arguments
 */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const state: RunState = { exitCode: ExitCode.Ok };
  // `aks-kube-proxy <command> ...`: only that command's module is loaded (global options before the command, or
  // anything else, register every command).
  const first = argv[2];
  const program = createProgram(state, first !== undefined && commandNames().includes(first) ? { only: first } : {});
  try {
    await program.parseAsync([...argv]);
    return state.exitCode;
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return ExitCode.Ok;
    const exitCode = wantsDetailedExitCode(argv) ? detailedExitCode(ExitCode.InvalidInput) : ExitCode.InvalidInput;
    if (wantsJson(argv)) {
      process.stdout.write(`${JSON.stringify({ error: { code: "InvalidInput", message: err.message.replace(/^error: /, ""), exitCode } }, null, 2)}\n`);
    }
    return exitCode;
  }
}
