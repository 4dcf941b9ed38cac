/**
 * Parses the human durations of flags such as `--timeout 30m`.
 * @packageDocumentation
 */
import { CliUsageError } from "./cli-error";
import { echoValue } from "./echo";

const UNIT_IN_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses `500ms`, `90s`, `30m`, `1h`, `1h30m` or a bare number of seconds into milliseconds.
 * @param text - the flag's value
 * @param flag - the flag's name, for the error message
 */
export function parseDurationInMs(text: string, flag: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || consumed !== trimmed) {
    throw new CliUsageError(`${flag} "${echoValue(text)}" is not a duration. Use e.g. 90s, 30m, 1h or 1h30m.`);
  }
  const total = parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_IN_MS[p[2] ?? ""] ?? 0), 0);
  if (total <= 0) throw new CliUsageError(`${flag} must be longer than zero.`);
  return Math.round(total);
}

/** Formats milliseconds for people: `850ms`, `3.4s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, "0")}s`;
}
