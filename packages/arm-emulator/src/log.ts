/**
 * The request log. Every path that records a request goes through {@link redactHeaders} and
 * {@link redactBody}: no token, secret or assertion is ever stored.
 */
import type { LoggedRequest } from "./types";

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-ms-authorization-auxiliary"]);
const SECRET_FIELDS = new Set(["secret", "client_secret", "client_assertion", "assertion", "refresh_token", "password", "adminpassword", "access_token", "id_token"]);
/** OAuth form fields that are secrets only at the top of a token request (an ARM body's `powerState.code` is not). */
const TOP_LEVEL_SECRET_FIELDS = new Set([...SECRET_FIELDS, "code"]);

/** What replaces a secret. */
export const REDACTED = "REDACTED";

/** Copies headers with secrets replaced. Multi-valued headers are joined with ", ". */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (SECRET_HEADERS.has(lower)) {
      const text = Array.isArray(value) ? value.join(", ") : value;
      const scheme = /^\s*(\w+)\s+/.exec(text)?.[1];
      out[lower] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
    } else {
      out[lower] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return out;
}

/** Copies a parsed body with secret fields replaced (recursively). */
export function redactBody(body: unknown): unknown {
  return redactValue(body, TOP_LEVEL_SECRET_FIELDS);
}

function redactValue(value: unknown, secretFields: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => redactValue(v, SECRET_FIELDS));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = secretFields.has(k.toLowerCase()) ? REDACTED : redactValue(v, SECRET_FIELDS);
    return out;
  }
  return value;
}

/** A bounded, in-memory request log. */
export class RequestLog {
  private entries: LoggedRequest[] = [];

  constructor(private readonly limit: number) {}

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  /** A deep copy of every entry, oldest first. */
  list(): LoggedRequest[] {
    return JSON.parse(JSON.stringify(this.entries)) as LoggedRequest[];
  }

  clear(): void {
    this.entries = [];
  }
}
