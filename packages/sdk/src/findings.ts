/**
 * The coded finding type shared by settings parsing, rule checks and plans.
 * @packageDocumentation
 */

/** How serious a finding is: a `blocker` stops apply; a `warning` deserves attention; a `note` is informational. */
export type FindingSeverity = "blocker" | "warning" | "note";

/**
 * One coded observation about settings or a planned change. `id` is stable (e.g. `ipvs-with-azure-network-policy`),
 * so callers can match, count or acknowledge it.
 */
export interface Finding {
  /** Stable identifier, kebab-case. */
  readonly id: string;
  /** Blocker, warning or note. */
  readonly severity: FindingSeverity;
  /** What it means and what to do. */
  readonly message: string;
  /** JSON path of the value concerned, when there is one. */
  readonly path?: string;
}
