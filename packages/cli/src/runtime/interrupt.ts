/**
 * Ctrl-C handling. The first SIGINT (or SIGTERM) aborts the running wait through an `AbortController`, so the SDK
 * stops polling at once and the command can say in which state it left the cluster. A second one exits
 * immediately with 130.
 * @packageDocumentation
 */
import { ExitCode } from "./exit-codes";

/** The abort side of a command run. */
export interface InterruptTrap {
  /** Passed to every SDK call that waits. */
  readonly signal: AbortSignal;
  /** True once SIGINT/SIGTERM arrived. */
  readonly interrupted: boolean;
  /** Removes the signal handlers. */
  dispose(): void;
}

/**
 * Installs SIGINT/SIGTERM handlers that abort the returned signal.
 * @param onInterrupt - called once, at the first signal (e.g. to print "stopping…")
 */
export function trapInterrupts(onInterrupt: (signal: NodeJS.Signals) => void): InterruptTrap {
  const controller = new AbortController();
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count += 1;
    if (count > 1) process.exit(ExitCode.Interrupted);
    onInterrupt(signal);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    get interrupted() {
      return count > 0;
    },
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
