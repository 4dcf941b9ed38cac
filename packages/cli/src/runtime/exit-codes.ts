/**
 * The documented exit codes of `aks-kube-proxy`: one table for every command, single-cluster and rollout alike
 * (the package README's "Exit codes" section is this table).
 * @packageDocumentation
 */

/** Exit codes, as documented in the package README. */
export const ExitCode = {
  /** Success (and, with `--detailed-exitcode`, nothing would change). */
  Ok: 0,
  /** A failure: Azure refused or failed, a wait timed out, no credential, anything unexpected. */
  Failure: 1,
  /** `--detailed-exitcode` only (`plan`, `rollout plan`): success, and something would change (or an operation in flight leaves the cluster not converged). */
  ChangesPending: 2,
  /** Invalid input, nothing written: bad flags or files, a cluster or subscription that does not exist. */
  InvalidInput: 3,
  /** A rule blocks the change (e.g. IPVS with Azure Network Policy); nothing was written to the blocked cluster(s). */
  Blocked: 4,
  /** A write needs consent: stdin is not a terminal and `--yes` was not given, or the question was answered no. Nothing was written. */
  NotConfirmed: 5,
  /** `rollout apply`: stopped before a wave that needs an approval (`rollout approve --wave NAME`, then `--resume`). */
  AwaitingApproval: 6,
  /** Interrupted by Ctrl-C (SIGINT) or SIGTERM. */
  Interrupted: 130,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The exit code under `--detailed-exitcode`, exactly as Terraform's: 0 nothing would change, 1 error, 2 changes
 * present. Every other code (invalid input, blocked, not confirmed, interrupted) is an error: 1.
 * @param code - the exit code without the flag
 */
export function detailedExitCode(code: number): 0 | 1 | 2 {
  return code === ExitCode.Ok ? 0 : code === ExitCode.ChangesPending ? 2 : 1;
}

/** What each exit code means, in a few words: the help's "Exit codes" lines are built from it ({@link exitCodesHelp}). */
export const EXIT_CODE_SUMMARY: Readonly<Record<ExitCodeValue, string>> = {
  [ExitCode.Ok]: "ok",
  [ExitCode.Failure]: "failure",
  [ExitCode.ChangesPending]: "changes present (--detailed-exitcode)",
  [ExitCode.InvalidInput]: "invalid input",
  [ExitCode.Blocked]: "blocked by a rule",
  [ExitCode.NotConfirmed]: "not confirmed (no terminal and no --yes)",
  [ExitCode.AwaitingApproval]: "awaiting approval (rollout apply only)",
  [ExitCode.Interrupted]: "interrupted",
};

/**
 * The "# Exit codes: …" lines of a command's help, from the one table: every code of {@link ExitCode} in order, in
 * the command's own words where it gives them, without the codes it never returns.
 * @param specific - the command's wording for some codes
 * @param omit - codes the command never returns (e.g. 2 without --detailed-exitcode)
 * @param width - the longest line
 */
export function exitCodesHelp(specific: Partial<Record<ExitCodeValue, string>> = {}, omit: readonly ExitCodeValue[] = [], width = 116): string[] {
  const items = (Object.values(ExitCode) as ExitCodeValue[])
    .filter((code) => !omit.includes(code))
    .map((code, i, all) => `${code} ${specific[code] ?? EXIT_CODE_SUMMARY[code]}${i === all.length - 1 ? "." : ","}`);
  const lines: string[] = [];
  let line = "# Exit codes:";
  for (const item of items) {
    if (line.length + 1 + item.length > width && line.trim() !== "#") {
      lines.push(line);
      line = "#            ";
    }
    line += ` ${item}`;
  }
  lines.push(line);
  return lines;
}
