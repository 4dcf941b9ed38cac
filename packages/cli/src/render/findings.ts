/**
 * Findings (blockers, warnings, notes) as lines.
 * @packageDocumentation
 */
import type { Finding } from "@aks-kube-proxy/sdk";
import type { Output } from "../runtime/output";

/**
 * `blocker [ipvs-with-azure-network-policy] IPVS is not supported with ...`
 * @param finding - the finding
 * @param out - for colours
 * @param stream - the stream the line goes to (colours only on terminals)
 */
export function formatFinding(finding: Finding, out: Output, stream: NodeJS.WriteStream = out.stdout): string {
  const style = finding.severity === "blocker" ? "red" : finding.severity === "warning" ? "yellow" : "dim";
  return `${out.style(style, finding.severity, stream)} [${finding.id}] ${finding.message}`;
}

/**
 * Prints parse warnings (legacy key casing, misspellings) on stderr.
 * @param warnings - findings from parsing the settings
 * @param out - the output
 */
export function reportSettingsWarnings(warnings: readonly Finding[], out: Output): void {
  for (const w of warnings) out.info(`${formatFinding(w, out, out.stderr)}`);
}

/**
 * Groups findings by id, keeping the first of each and the rest as `others` (for one line per kind of finding).
 * @param findings - findings in order
 */
export function groupFindings(findings: readonly Finding[]): { first: Finding; others: Finding[] }[] {
  const groups = new Map<string, { first: Finding; others: Finding[] }>();
  for (const f of findings) {
    const group = groups.get(f.id);
    if (group) group.others.push(f);
    else groups.set(f.id, { first: f, others: [] });
  }
  return [...groups.values()];
}

/**
 * One line for a group of findings with the same id: the first message, then where else it applies.
 * @param group - from {@link groupFindings}
 */
export function groupedFindingLine(group: { first: Finding; others: Finding[] }): string {
  const { first, others } = group;
  const more = others.length > 0 ? ` (likewise ${others.map((o) => (o.path ? o.path.split(".").pop() : o.message)).join(", ")})` : "";
  return `${first.severity} [${first.id}] ${first.message}${more}`;
}
