/**
 * Durations as people write them in a rollout file: `"90s"`, `"10m"`, `"1h30m"`, `"500ms"`, `"0"`.
 * @packageDocumentation
 */

const UNIT_IN_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART_PATTERN = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/**
 * Parses a duration string into milliseconds.
 * @param text - e.g. `"30s"`, `"10m"`, `"1h30m"`, `"250ms"`; `"0"` means no wait
 * @returns the duration in milliseconds, or `undefined` when `text` is not a duration
 * @internal
 */
export function parseDurationInMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  if (!DURATION_PATTERN.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(PART_PATTERN)) {
    total += Number(match[1]) * (UNIT_IN_MS[match[2] ?? ""] ?? 0);
  }
  return Math.round(total);
}

/**
 * Formats milliseconds the way {@link parseDurationInMs} reads them (`"1h2m3s"`, `"250ms"`, `"0s"`).
 * @internal
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return "0s";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  return `${hours ? `${hours}h` : ""}${minutes ? `${minutes}m` : ""}${seconds || (!hours && !minutes) ? `${seconds}s` : ""}`;
}
