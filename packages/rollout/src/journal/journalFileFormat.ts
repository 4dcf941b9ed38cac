/**
 * The journal file's format and its lock-free reader: the snapshot (one JSON document), the append-only log beside it
 * (`<journal>.log`, one record a line: what changed since the record before), how a cluster is written in a record, and
 * the parse of a snapshot with its log (a torn last record ignored, a log that does not follow its snapshot re-read).
 * The writer is `journalFile.ts`.
 * @packageDocumentation
 */
import { readFile } from "node:fs/promises";
import { ValidationError } from "@aks-kube-proxy/sdk";
import { sleep } from "@aks-kube-proxy/sdk";
import { JOURNAL_KIND, JOURNAL_VERSION, type JournalCluster, type RolloutJournal } from "./journal";
import { journalIssues, logRecordIssue } from "./journalValidate";

/** The append-only log of a journal file: `<journal>.log`, beside it. */
export function journalLogPath(path: string): string {
  return `${path}.log`;
}

/**
 * The snapshot's `version` while a log beside it may hold newer records: an SDK that reads only version 1 refuses it
 * (its message says the journal was written by another version) instead of reading a stale state. A journal closed
 * cleanly is compacted back to a single version-1 document.
 */
export const JOURNAL_FILE_VERSION_WITH_LOG = 2;

/**
 * What a cluster gets when planned and never changes after: kept in the snapshot, not repeated in each log record
 * (they are most of a cluster's bytes: settings, changes, findings). Code that changed one of them after planning
 * would see the change written only by the next compaction.
 */
const PLANNED_FIELDS: ReadonlySet<string> = new Set(["subscriptionId", "resourceGroup", "name", "location", "kubernetesVersion", "group", "desired", "changes", "findings", "previous"]);

/** A cluster as a log record carries it: without its planned fields (shared with the blob journal's log). @internal */
export function recordOf(c: JournalCluster): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c)) if (!PLANNED_FIELDS.has(key)) out[key] = value;
  return out;
}

/** One record of the log: the clusters changed since the record before (whole), and the header when it changed. */
interface LogRecord {
  /** 1, 2, 3... in the order written; the snapshot's `logSeq` is the last record it includes. */
  readonly seq: number;
  /** When written (the journal's `updatedAt`). */
  readonly at: string;
  /** The journal without its clusters, when it changed since the record before. */
  readonly header?: Record<string, unknown>;
  /** Changed clusters: [index in `clusters`, the cluster without its planned fields]. */
  readonly clusters?: [number, Record<string, unknown>][];
}

/** What {@link parseRolloutJournalFile} found. */
export interface ParsedJournalFile {
  readonly journal: RolloutJournal;
  /** The last record applied (the snapshot's when the log adds nothing). */
  readonly seq: number;
  /** Bytes of the log that hold complete records (a torn last record after a crash starts here). */
  readonly logGoodBytes: number;
  /** Bytes of a torn last record (0 when the log ends with a complete record). */
  readonly tornBytes: number;
  /** The snapshot's version was 2: a log belongs to it. */
  readonly withLog: boolean;
}

/** Thrown for a log that does not follow its snapshot (a reader raced a compaction): read both again. */
class LogGap extends Error {}

function invalid(path: string, message: string, issuePath: string, cause?: unknown): ValidationError {
  return new ValidationError(
    `journal ${path} cannot be used: ${message}; it may have been edited by hand. Restore the file from the rollout's own writes, or start a new journal.`,
    [{ path: issuePath, message }],
    cause !== undefined ? { cause } : undefined,
  );
}

/**
 * Parses a journal file and its log (pure): the snapshot, then each complete log record after the snapshot's
 * `logSeq`, in order. A last record cut short by a crash (no final newline, or not JSON) is ignored: its commit never
 * resolved, so nothing was sent on its faith. Anything else that does not fit (a broken record before the last, a
 * record for a cluster the journal does not have) is a {@link ValidationError}, as is the merged journal when it does
 * not pass the field-by-field check.
 * @param path - the journal file (for messages)
 * @param text - the journal file's content
 * @param logText - its log's content (`undefined`: no log)
 * @throws {@link ValidationError} for a journal that cannot be used
 */
export function parseRolloutJournalFile(path: string, text: string, logText: string | undefined): ParsedJournalFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`journal ${path} is not valid JSON (${(error as Error).message}); it may have been edited by hand or cut short.`, [{ path: "$", message: "not valid JSON" }], {
      cause: error,
    });
  }
  const doc = json as Record<string, unknown> | null;
  let withLog = false;
  let seq = 0;
  let logGoodBytes = 0;
  let tornBytes = 0;
  if (doc !== null && typeof doc === "object" && !Array.isArray(doc) && doc["kind"] === JOURNAL_KIND) {
    withLog = doc["version"] === JOURNAL_FILE_VERSION_WITH_LOG;
    if (withLog) doc["version"] = JOURNAL_VERSION;
    const logSeq = doc["logSeq"];
    if (logSeq !== undefined && !(Number.isSafeInteger(logSeq) && (logSeq as number) >= 0)) throw invalid(path, `logSeq must be a whole number, found ${JSON.stringify(logSeq)}`, "$.logSeq");
    seq = (logSeq as number | undefined) ?? 0;
    delete doc["logSeq"];
    if (withLog && logText !== undefined && Array.isArray(doc["clusters"])) {
      const clusters = doc["clusters"] as unknown[];
      let offset = 0;
      let line = 0;
      while (offset < logText.length) {
        const nl = logText.indexOf("\n", offset);
        if (nl < 0) {
          tornBytes = Buffer.byteLength(logText.slice(offset));
          break;
        }
        const raw = logText.slice(offset, nl);
        line++;
        let record: LogRecord;
        try {
          record = JSON.parse(raw) as LogRecord;
        } catch (error) {
          if (nl === logText.length - 1) {
            // The last record, cut short by a crash (the file grew before its bytes reached the disk).
            tornBytes = Buffer.byteLength(raw) + 1;
            break;
          }
          throw invalid(`${path}`, `record ${line} of its log ${journalLogPath(path)} is not valid JSON`, `log[${line}]`, error);
        }
        offset = nl + 1;
        logGoodBytes += Buffer.byteLength(raw) + 1;
        const problem = logRecordIssue(record);
        if (problem) {
          const where = `log[${line}]${problem.path.slice(1)}`;
          throw invalid(path, `record ${line} of its log is not a log record (${where}: ${problem.message}${problem.found !== undefined ? `, found ${String(problem.found)}` : ""})`, where);
        }
        if (!Number.isSafeInteger(record.seq)) throw invalid(path, `record ${line} of its log has no usable sequence number`, `log[${line}].seq`);
        if (record.seq <= seq) continue; // already in the snapshot (written before a compaction)
        if (record.seq !== seq + 1) throw new LogGap(`record ${record.seq} follows ${seq}`);
        seq = record.seq;
        if (record.header !== undefined) {
          for (const key of Object.keys(doc)) if (key !== "clusters") Reflect.deleteProperty(doc, key);
          Object.assign(doc, record.header, { version: JOURNAL_VERSION });
        }
        if (typeof record.at === "string") doc["updatedAt"] = record.at;
        for (const entry of record.clusters ?? []) {
          const [index, cluster] = Array.isArray(entry) ? (entry as [unknown, unknown]) : [undefined, undefined];
          const before = typeof index === "number" ? (clusters[index] as { id?: unknown } | undefined) : undefined;
          const id = (cluster as { id?: unknown } | null | undefined)?.id;
          if (before === undefined || before === null || typeof before !== "object" || before.id !== id) {
            throw invalid(path, `record ${line} of its log changes a cluster the journal does not have (${JSON.stringify(index)})`, `log[${line}].clusters`);
          }
          const merged: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(before)) if (PLANNED_FIELDS.has(key)) merged[key] = value;
          clusters[index as number] = Object.assign(merged, cluster);
        }
      }
    }
  }
  const issues = journalIssues(doc);
  if (issues.length > 0) {
    const lines = issues.map((i) => `  - ${i.path}: ${i.message}${i.found !== undefined ? ` (found ${String(i.found)})` : ""}`);
    throw new ValidationError(
      `journal ${path} cannot be used (edited by hand, or written by another version?):\n${lines.join("\n")}\nRestore the file from the rollout's own writes, or start a new journal.`,
      issues,
    );
  }
  return { journal: doc as unknown as RolloutJournal, seq, logGoodBytes, tornBytes, withLog };
}

async function readText(path: string, missingOk: boolean): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (missingOk && code === "ENOENT") return undefined;
    const why = code === "ENOENT" ? "file not found" : `cannot be read (${code ?? "unknown error"})`;
    throw new ValidationError(`journal ${path}: ${why}. Pass the --journal file a rollout apply wrote.`, [{ path: "$", message: why, found: path }], { cause: error });
  }
}

/** Reads a journal file and its log, again when the writer compacted in between. @internal */
export async function readJournalFile(path: string): Promise<ParsedJournalFile> {
  for (let attempt = 1; ; attempt++) {
    const text = (await readText(path, false)) as string;
    const logText = await readText(journalLogPath(path), true);
    try {
      return parseRolloutJournalFile(path, text, logText);
    } catch (error) {
      if (!(error instanceof LogGap)) throw error;
      if (attempt >= 20) throw invalid(path, `its log ${journalLogPath(path)} does not follow it (${error.message})`, "log");
      await sleep(5 * attempt, undefined);
    }
  }
}

/**
 * Reads a journal file (no lock: for `status`, `merge`, reports), with the records its log holds beyond the
 * snapshot, and checks it field by field.
 * @param path - the journal file
 * @throws {@link ValidationError} when it is missing, not JSON, or not a journal this SDK reads (each problem with its path)
 */
export async function readRolloutJournal(path: string): Promise<RolloutJournal> {
  return (await readJournalFile(path)).journal;
}

