/**
 * Azure Blob Storage plumbing of the blob journal (`blobJournal.ts`, `blobStore.ts`): its typed errors, the mapping of
 * storage failures to them (with what to do), the holder metadata kept on a journal blob, reading a blob as text,
 * checking a journal read from storage, and the fleet record's blob as a conditional document.
 * @packageDocumentation
 */
import type { BlockBlobClient } from "@azure/storage-blob";
import { KubeProxyError, ValidationError } from "@aks-kube-proxy/sdk";
import type { ConditionalDocument } from "../fleetRecord";
import type { RolloutJournal } from "../journal";
import { describeHolder, type JournalLockHolder } from "../journalLock";
import { parseRolloutJournalFile } from "../journalFile";

/** The blob journal's lease was lost: another runner took the journal over (or it could not be renewed in time). */
export class JournalLeaseLostError extends KubeProxyError {
  /** The runner that holds the journal now, when known. */
  readonly holder: JournalLockHolder;
  /**
   * @param message - what happened and what to do
   * @param holder - who holds the journal now
   * @param details - status, storage error code, request id, cause
   */
  constructor(message: string, holder: JournalLockHolder = {}, details: ConstructorParameters<typeof KubeProxyError>[2] = {}) {
    super("JournalLeaseLost", message, details);
    this.holder = holder;
  }
}

/** Azure Storage refused or failed a request of the blob journal (permissions, missing container...). */
export class JournalStorageError extends KubeProxyError {
  /**
   * @param message - what happened and what to do
   * @param details - status, storage error code (in `armCode`), request id, cause
   */
  constructor(message: string, details: ConstructorParameters<typeof KubeProxyError>[2] = {}) {
    super("JournalStorageError", message, details);
  }
}

/** Counts requests to the store (for benchmarks: journal requests per cluster). @internal */
export interface RequestCounter {
  n: number;
}

interface StorageErrorLike {
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string; requestId?: string };
  request?: unknown;
  response?: { headers?: { get(name: string): string | undefined } };
}

export function storageCode(e: unknown): string | undefined {
  const x = e as StorageErrorLike;
  return x?.details?.errorCode ?? x?.response?.headers?.get("x-ms-error-code") ?? (typeof x?.code === "string" ? x.code : undefined);
}

export function statusOf(e: unknown): number | undefined {
  const s = (e as StorageErrorLike)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

export function requestIdOf(e: unknown): string | undefined {
  const x = e as StorageErrorLike;
  return x?.details?.requestId ?? x?.response?.headers?.get("x-ms-request-id");
}

export function isTransient(e: unknown): boolean {
  const s = statusOf(e);
  return s === undefined || s === 408 || s === 429 || s >= 500;
}

/** Maps a storage failure to a typed error that says what to do. */
export function storageError(e: unknown, what: string, where: string): KubeProxyError {
  const status = statusOf(e);
  const code = storageCode(e);
  const requestId = requestIdOf(e);
  const details = { ...(status !== undefined ? { statusCode: status } : {}), ...(code ? { armCode: code } : {}), ...(requestId ? { requestId } : {}), cause: e };
  let hint = "Check the URL and that the storage account is reachable, then run again (with --resume if the journal exists).";
  if (status === 403 || status === 401) {
    hint =
      "The identity may not use this container: grant it the role \"Storage Blob Data Contributor\" on the container (az role assignment create --role \"Storage Blob Data Contributor\" --scope <container resource id>), or pass AZURE_STORAGE_KEY / AZURE_STORAGE_SAS_TOKEN explicitly.";
  } else if (code === "ContainerNotFound") {
    hint = "Create the container first (az storage container create --auth-mode login ...): the rollout does not create containers.";
  }
  // A storage message never carries a SAS here (the URL we print has none), but redact a signature if one ever does.
  const msg = ((e as Error)?.message?.split("\n")[0] ?? String(e)).replace(/([?&]sig=)[^&\s]+/gi, "$1REDACTED");
  return new JournalStorageError(`${what} ${where} failed (${status ?? "no answer"}${code ? ` ${code}` : ""}: ${msg}). ${hint}`, details);
}

export const META = {
  host: "holderhost",
  pid: "holderpid",
  purpose: "holderpurpose",
  startedAt: "holderstartedat",
  runId: "holderrunid",
  seq: "writeseq",
  released: "released",
} as const;

export const ascii = (s: string): string => s.replace(/[^\x20-\x7e]/g, "?");

export function holderOf(metadata: Record<string, string> | undefined): JournalLockHolder & { runId?: string; released?: boolean } {
  const m = metadata ?? {};
  const pid = Number(m[META.pid]);
  return {
    ...(m[META.host] ? { host: m[META.host] } : {}),
    ...(Number.isInteger(pid) && pid > 0 ? { pid } : {}),
    ...(m[META.purpose] ? { purpose: m[META.purpose] } : {}),
    ...(m[META.startedAt] ? { startedAt: m[META.startedAt] } : {}),
    ...(m[META.runId] ? { runId: m[META.runId] } : {}),
    released: m[META.released] === "1",
  };
}

/** Describes a holder for messages, as the file journal's lock does: `process 123 on runner-7 (rollout apply), since ...`. */
export function describeJournalHolder(h: JournalLockHolder): string {
  return describeHolder(h);
}

/** What {@link parseBlobJournal} found. @internal */
export interface ParsedBlobJournal {
  readonly journal: RolloutJournal;
  /** The last log record applied (the snapshot's `logSeq` when the log adds nothing). */
  readonly seq: number;
  /** The snapshot's version was 2: log records may follow it. */
  readonly withLog: boolean;
}

/**
 * Parses and checks a journal blob: its first line is the snapshot (the whole journal on one line: version 1, or
 * version 2 with `logSeq` while log records follow it), each further line a log record as the file journal's log holds
 * them (`journalFile.ts`), applied in order.
 */
export function parseBlobJournal(text: string, where: string): ParsedBlobJournal {
  const nl = text.indexOf("\n");
  const snapshot = nl < 0 ? text : text.slice(0, nl);
  const log = nl < 0 || nl === text.length - 1 ? undefined : text.slice(nl + 1);
  try {
    const { journal, seq, withLog } = parseRolloutJournalFile(where, snapshot, log);
    return { journal, seq, withLog };
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    // A log that does not follow its snapshot: a blob is written whole (one block list), so only a hand edit does this.
    throw new ValidationError(`journal ${where} cannot be used: its log records do not follow its snapshot (${(error as Error).message}). Start a new journal.`, [{ path: "log", message: "gap" }], {
      cause: error,
    });
  }
}

/** Parses and checks a journal read from storage (snapshot and log records). */
export function parseJournal(text: string, where: string): RolloutJournal {
  return parseBlobJournal(text, where).journal;
}

export async function downloadText(blob: BlockBlobClient, options: Parameters<BlockBlobClient["download"]>[2] = {}): Promise<{ text: string; etag: string; metadata: Record<string, string> }> {
  const res = await blob.download(0, undefined, options);
  const chunks: Buffer[] = [];
  for await (const chunk of res.readableStreamBody as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return { text: Buffer.concat(chunks).toString("utf8"), etag: res.etag ?? "", metadata: res.metadata ?? {} };
}

/** The fleet record blob as a {@link ConditionalDocument}. */
export class BlobDocument implements ConditionalDocument {
  constructor(
    private readonly blob: BlockBlobClient,
    private readonly counter: RequestCounter,
    private readonly where: string,
  ) {}

  get requests(): number {
    return this.counter.n;
  }

  async read(): Promise<{ text: string; version: string } | undefined> {
    this.counter.n++;
    try {
      const { text, etag } = await downloadText(this.blob);
      return { text, version: etag };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw storageError(e, "reading", this.where);
    }
  }

  async write(text: string, version: string | undefined): Promise<string | "conflict"> {
    this.counter.n++;
    const body = Buffer.from(text, "utf8");
    try {
      const res = await this.blob.upload(body, body.length, {
        conditions: version === undefined ? { ifNoneMatch: "*" } : { ifMatch: version },
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
      return res.etag ?? "";
    } catch (e) {
      const s = statusOf(e);
      if (s === 412 || s === 409) return "conflict";
      throw storageError(e, "writing", this.where);
    }
  }
}

