/**
 * The top-level help as a file (dist/help.txt, written at build time by scripts/write-help.cjs), so that a bare
 * `aks-kube-proxy --help` prints it without loading commander and the command modules.
 * @packageDocumentation
 */
import { createProgram } from "./program";

/** The width the snapshot is rendered at (commander's default when stdout is not a terminal). */
export const HELP_SNAPSHOT_COLUMNS = 80;

/** Renders `aks-kube-proxy --help` exactly as commander prints it at {@link HELP_SNAPSHOT_COLUMNS} columns. */
export function renderTopLevelHelp(): string {
  const program = createProgram({ exitCode: 0 });
  let text = "";
  program.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s), getOutHelpWidth: () => HELP_SNAPSHOT_COLUMNS, getErrHelpWidth: () => HELP_SNAPSHOT_COLUMNS });
  program.outputHelp();
  return text;
}
