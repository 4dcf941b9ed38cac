/**
 * The documented exit codes of `aks-kube-proxy`.
 * @packageDocumentation
 */

/** Exit codes, as documented in the package README. */
export const ExitCode = {
  /** Success (and, for `plan --detailed-exitcode`, nothing would change). */
  Ok: 0,
  /** A failure: Azure refused or failed, a wait timed out, no credential, anything unexpected. */
  Failure: 1,
  /** `plan --detailed-exitcode` only: the plan has changes. */
  ChangesPending: 2,
  /** Invalid input: bad flags or settings, a blocked change, a cluster that does not exist. Nothing was written. */
  InvalidInput: 3,
  /** Interrupted by Ctrl-C (SIGINT) or SIGTERM. */
  Interrupted: 130,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
