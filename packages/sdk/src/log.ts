/**
 * Logging: one `@azure/logger` client logger ("aks-kube-proxy", so `AZURE_LOG_LEVEL` works) plus the caller's hook.
 * Messages never carry headers, bodies or tokens.
 * @packageDocumentation
 */
import { createClientLogger } from "@azure/logger";
import { LOGGER_NAME } from "./constants";

/** Log levels, as `@azure/logger` names them. */
export type LogLevel = "info" | "verbose" | "warning" | "error";

/** One log entry passed to a {@link KubeProxyClientOptions.logger} hook. */
export interface LogEntry {
  /** Severity. */
  readonly level: LogLevel;
  /** The message (never a token, header or body). */
  readonly message: string;
}

/** The package's `@azure/logger` client logger. @internal */
export const azureLogger = createClientLogger(LOGGER_NAME);

/** A logger that writes to `@azure/logger` and to an optional hook. @internal */
export interface Log {
  info(message: string): void;
  verbose(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

// A token, not a word: it holds a digit or one of -._~+/ (JWTs hold dots), or is a long run of letters. So Azure's
// "Bearer authentication is not permitted ..." keeps its words.
const BEARER = /Bearer\s+(?:[A-Za-z0-9\-._~+/]*[0-9\-._~+/][A-Za-z0-9\-._~+/]*|[A-Za-z]{20,})=*/gi;

/**
 * Removes anything that looks like a bearer token from a message.
 * @internal
 */
export function redact(message: string): string {
  return message.replace(BEARER, "Bearer REDACTED");
}

/**
 * Creates a {@link Log} writing to `@azure/logger` and to `hook`. A hook that throws is ignored.
 * @internal
 */
export function createLog(hook?: (entry: LogEntry) => void): Log {
  const emit = (level: LogLevel, message: string): void => {
    const safe = redact(message);
    azureLogger[level](safe);
    if (hook) {
      try {
        hook({ level, message: safe });
      } catch {
        // a logging hook must never break an operation
      }
    }
  };
  return {
    info: (m) => emit("info", m),
    verbose: (m) => emit("verbose", m),
    warning: (m) => emit("warning", m),
    error: (m) => emit("error", m),
  };
}
