import type { IncomingMessage, ServerResponse } from "node:http";

/** The ARM error envelope. */
export interface ArmErrorBody {
  error: { code: string; message: string; target?: string; details?: unknown[] };
}

/** A response the router hands back to the server, which adds the common headers and logs it. */
export interface ArmResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless undefined (empty body). */
  body?: unknown;
}

/** Builds an ARM error response. */
export function armError(status: number, code: string, message: string, headers?: Record<string, string>): ArmResponse {
  const body: ArmErrorBody = { error: { code, message } };
  return { status, body, headers };
}

/**
 * Bounds on one request, so that no request can hold the emulator: a body over {@link MAX_BODY_BYTES} is answered 413,
 * a URL over {@link MAX_URL_LENGTH} characters 414; the server drops a connection whose headers take longer than
 * `headersTimeoutMs` or whose whole request takes longer than `requestTimeoutMs` to arrive (checked every
 * `connectionsCheckingIntervalMs`), and refuses request lines plus headers over `maxHeaderSize` bytes (431).
 */
export const REQUEST_LIMITS = {
  maxBodyBytes: 8 * 1024 * 1024,
  maxUrlLength: 8 * 1024,
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  connectionsCheckingIntervalMs: 1_000,
} as const;

/** The `https.createServer` options that enforce {@link REQUEST_LIMITS}. */
export function serverLimits(): { maxHeaderSize: number; headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  return {
    maxHeaderSize: REQUEST_LIMITS.maxHeaderSize,
    headersTimeout: REQUEST_LIMITS.headersTimeoutMs,
    requestTimeout: REQUEST_LIMITS.requestTimeoutMs,
    connectionsCheckingInterval: REQUEST_LIMITS.connectionsCheckingIntervalMs,
  };
}

/** Largest request body accepted (8 MiB). */
export const MAX_BODY_BYTES = REQUEST_LIMITS.maxBodyBytes;
/** Longest request URL (path and query) accepted. */
export const MAX_URL_LENGTH = REQUEST_LIMITS.maxUrlLength;

/**
 * Deepest JSON body accepted (Newtonsoft.Json's default `MaxDepth`, which ARM's .NET deserialisers use; an emulator
 * assumption): a deeper body is answered 400 `InvalidRequestContent` instead of overflowing the stack later.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `value` nests arrays/objects deeper than `max` levels (iterative: no recursion on hostile input).
 * @param value - parsed JSON
 * @param max - deepest nesting allowed
 */
export function jsonDeeperThan(value: unknown, max: number): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { v, depth } = top;
    if (typeof v !== "object" || v === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === "object" && child !== null) stack.push({ v: child, depth: depth + 1 });
  }
  return false;
}

/** A request body over the limit: answered 413 (the rest of the body is discarded). */
export class BodyTooLargeError extends Error {
  constructor(readonly limitInBytes: number) {
    super(`The request body is larger than ${limitInBytes} bytes.`);
    this.name = "BodyTooLargeError";
  }
}

/** Reads a request body fully (bounded: over `limitInBytes` it rejects with {@link BodyTooLargeError} and discards the rest). */
export function readBody(req: IncomingMessage, limitInBytes: number = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limitInBytes) {
      req.resume(); // discard
      reject(new BodyTooLargeError(limitInBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitInBytes) {
        req.off("data", onData);
        chunks.length = 0;
        req.resume(); // discard the rest; the 413 answer closes the connection
        reject(new BodyTooLargeError(limitInBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Writes an {@link ArmResponse}. */
export function writeResponse(res: ServerResponse, response: ArmResponse, commonHeaders: Record<string, string>): void {
  const headers: Record<string, string> = { ...commonHeaders, ...(response.headers ?? {}) };
  let payload: string | undefined;
  if (response.body !== undefined) {
    payload = typeof response.body === "string" && headers["Content-Type"] !== undefined ? response.body : JSON.stringify(response.body);
    headers["Content-Type"] ??= "application/json; charset=utf-8";
    headers["Content-Length"] = String(Buffer.byteLength(payload));
  } else {
    headers["Content-Length"] = "0";
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

/** Deep copy of JSON data. */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Deep equality of JSON data (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual(ao[k], bo[k]));
}

/** True for a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
