/**
 * Durations as people write them in a rollout file (`"90s"`, `"10m"`, `"1h30m"`, `"500ms"`, `"0"`): the SDK's one
 * grammar ({@link parseDuration}), rounded to whole milliseconds.
 * @packageDocumentation
 */
import { formatDuration, parseDuration } from "@aks-kube-proxy/sdk";

/**
 * Parses a duration string into whole milliseconds ({@link parseDuration}, rounded; a bare number other than `"0"` is
 * refused).
 * @param text - e.g. `"30s"`, `"10m"`, `"1h30m"`, `"250ms"`; `"0"` means no wait
 * @returns the duration in milliseconds, or `undefined` when `text` is not a duration
 */
export function parseDurationInMs(text: string): number | undefined {
  const ms = parseDuration(text);
  return ms === undefined ? undefined : Math.round(ms);
}

/** The SDK's one formatter, under the name rollout code has used. */
export { formatDuration };
