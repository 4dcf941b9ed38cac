/**
 * Duration flags (`--timeout 30m`, `--poll-interval 5s`...) read with the SDK's one grammar, and the SDK's one
 * formatter for what the CLI prints. `@aks-kube-proxy/sdk/duration` has no dependency, so loading it keeps cold start short.
 * @packageDocumentation
 */
import { formatDuration, parseDuration } from "@aks-kube-proxy/sdk/duration";
import { CliUsageError } from "./cli-error";
import { echoValue } from "./echo";

/**
 * Parses a duration flag with the SDK's grammar (`500ms`, `90s`, `30m`, `1h`, `1h30m`, `15m0s`), a bare number being
 * seconds, into whole milliseconds.
 * @param text - the flag's value
 * @param flag - the flag's name, for the error message
 * @throws CliUsageError when it is not a duration or not longer than zero
 */
export function parseDurationInMs(text: string, flag: string): number {
  const ms = parseDuration(text, { bareNumber: "seconds" });
  if (ms === undefined) throw new CliUsageError(`${flag} "${echoValue(text)}" is not a duration. Use e.g. 90s, 30m, 1h or 1h30m.`);
  const total = Math.round(ms);
  if (total <= 0) throw new CliUsageError(`${flag} must be longer than zero.`);
  return total;
}

/** The SDK's one formatter (`850ms`, `3.4s`, `2m05s`, `1h02m05s`). */
export { formatDuration };
