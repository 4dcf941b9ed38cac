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

/** Reads a request body fully (bounded, 8 MiB). */
export function readBody(req: IncomingMessage, limitInBytes = 8 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitInBytes) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
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
