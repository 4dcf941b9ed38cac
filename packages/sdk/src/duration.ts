/**
 * The one duration grammar and formatter of the project: flags (`--timeout 30m`), rollout files (`soak: 10m`) and the
 * Go durations kube-proxy renders (`15m0s`, `900ms`, `1h2m3.5s`) are all read by {@link parseDuration}, and every
 * duration shown to people is written by {@link formatDuration}, whose output {@link parseDuration} reads back.
 * This module has no dependency (the CLI loads it at start-up through `@aks-kube-proxy/sdk/duration`).
 * @packageDocumentation
 */

/** Milliseconds per unit of {@link parseDuration}: Go's units (ns, us/µs, ms, s, m, h) plus days (d). */
export const DURATION_UNITS_IN_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The grammar of {@link parseDuration} as a whole-string regular expression source (for JSON Schemas): `"0"` or one or
 * more `<number><unit>` parts. Bare numbers other than `"0"` are not in it.
 */
export const DURATION_PATTERN_SOURCE = "^(?:0|(?:(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:ns|us|µs|μs|ms|s|m|h|d))+)$";

/** One `<number><unit>` part; `ms` is tried before `m` so that `5ms` is not 5 minutes and an `s`. */
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;
const BARE_NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Options of {@link parseDuration}. */
export interface ParseDurationOptions {
  /**
   * How a bare number (`"90"`) is read: `"seconds"` (the CLI's flags) or not at all (rollout files and Go durations,
   * where only `"0"` may be written without a unit). @default "reject"
   */
  readonly bareNumber?: "seconds" | "reject";
}

/**
 * Parses a duration into milliseconds: one or more `<number><unit>` parts (`90s`, `30m`, `1h30m`, `1.5s`, `250ms`,
 * `15m0s`, `1h2m3.5s`, `2d`), units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`, `d`, or `"0"`. Sub-millisecond parts give a
 * fractional result (round it where an integer is needed).
 * @param text - the duration; surrounding white space is ignored
 * @param options - bareNumber: whether `"90"` means 90 seconds
 * @returns milliseconds (at least 0), or `undefined` when `text` is not a duration
 */
export function parseDuration(text: string, options: ParseDurationOptions = {}): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  if (BARE_NUMBER.test(trimmed)) return options.bareNumber === "seconds" ? Number(trimmed) * 1000 : undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(trimmed); match; match = PART.exec(trimmed)) {
    total += Number(match[1]) * (DURATION_UNITS_IN_MS[match[2] ?? ""] ?? Number.NaN);
    consumed = PART.lastIndex;
  }
  return consumed > 0 && consumed === trimmed.length && Number.isFinite(total) ? total : undefined;
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/**
 * Formats milliseconds for people, in a form {@link parseDuration} reads back: `850ms`, `2s`, `3.4s`, `2m05s`,
 * `1h02m05s` (below a second to the millisecond, below a minute to a tenth of a second, then to the second).
 * Zero, negative and non-finite values are `0s`.
 * @param ms - the duration in milliseconds
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || Math.round(ms) <= 0) return "0s";
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return tenths % 10 ? `${(tenths / 10).toFixed(1)}s` : `${tenths / 10}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours ? `${hours}h${pad2(minutes)}m${pad2(seconds)}s` : `${minutes}m${pad2(seconds)}s`;
}
