/**
 * JSON Schema of the rollout journal: the document a file journal's snapshot and a blob journal hold, and the records
 * of a file journal's log (`<journal>.log`, one JSON record a line). Published as
 * `packages/rollout/schema/journal.schema.json`. It holds a journal to what a run needs (the fields a resume, a report
 * and a rollback read), not to every field it may carry: a journal written by a newer version with more fields passes.
 * @packageDocumentation
 */
/** The `kind` marker of a journal file. */
export const JOURNAL_KIND = "aks-kube-proxy.rollout-journal";
/** The journal format version this SDK writes and reads. */
export const JOURNAL_VERSION = 1;

/** Where a cluster stands (`RolloutClusterStatus`). @internal */
export const CLUSTER_STATUSES = ["pending", "in-progress", "done", "failed", "skipped"] as const;
/** Where a wave stands (`JournalWave.status`). @internal */
export const WAVE_STATUSES = ["pending", "running", "soaking", "done", "halted", "skipped"] as const;
/** Where a journal stands (`RolloutJournalStatus`). @internal */
export const JOURNAL_STATUSES = ["planned", "running", "completed", "halted", "aborted", "awaiting-approval", "stopped"] as const;
/** Why a cluster was skipped (`RolloutSkipReason`). @internal */
export const SKIP_REASONS = ["converged", "blocked", "no-settings", "not-in-any-wave", "halted", "nothing-to-roll-back", "requested"] as const;

const text = { type: "string", minLength: 1 };
const count = { type: "integer", minimum: 1 };
const atLeastZero = { type: "number", minimum: 0 };
const settingsOrNull = { type: ["object", "null"], description: "kubeProxyConfig as Azure returned it (null: absent)." };
const halt = { type: "object", properties: { maxFailures: atLeastZero, maxFailurePercent: atLeastZero } };

/** The file journal's version with a log beside it (`JOURNAL_FILE_VERSION_WITH_LOG` in journalFile.ts). */
const FILE_VERSION_WITH_LOG = 2;

/**
 * JSON Schema (draft-07) of a rollout journal and of its log records (`#/definitions/logRecord`). Also written to
 * `packages/rollout/schema/journal.schema.json`.
 */
export const journalJsonSchema: Record<string, unknown> = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://github.com/aks-kube-proxy/aks-kube-proxy/packages/rollout/schema/journal.schema.json",
  title: "aks-kube-proxy rollout journal",
  description: "The durable record of a rollout or rollback, cluster by cluster: what a resume, a report and a rollback read.",
  type: "object",
  required: ["kind", "version", "operation", "status", "specHash", "rolloutName", "spec", "subscriptions", "runs", "waves", "clusters"],
  properties: {
    kind: { const: JOURNAL_KIND },
    version: { enum: [JOURNAL_VERSION, FILE_VERSION_WITH_LOG], description: `${JOURNAL_VERSION}; a file journal with a log beside it: ${FILE_VERSION_WITH_LOG}.` },
    logSeq: { type: "integer", minimum: 0, description: "A file journal with a log: the last log record the snapshot includes." },
    operation: { enum: ["apply", "rollback"] },
    status: { enum: JOURNAL_STATUSES },
    specHash: text,
    rolloutName: text,
    spec: { $ref: "#/definitions/spec" },
    subscriptions: { type: "object", additionalProperties: { type: "object" }, description: "Subscription id to its state." },
    runs: { type: "array", items: { type: "object" } },
    waves: { type: "array", items: { $ref: "#/definitions/wave" } },
    clusters: { type: "array", items: { $ref: "#/definitions/cluster" } },
    planFile: {
      type: "object",
      required: ["hash", "createdAt"],
      properties: { hash: text, createdAt: text },
      description: "Set when started from a saved rollout plan (`rollout apply PLANFILE`): its hash and time; a resume needs the same plan.",
    },
  },
  definitions: {
    spec: {
      type: "object",
      description: "The normalised rollout file the journal runs.",
      required: ["name", "maxConcurrency", "maxConcurrencyPerSubscription", "soakTimeInMs", "enablePreview", "allowDisable", "halt", "subscriptions", "waves", "select", "exclude", "groups"],
      properties: {
        name: text,
        maxConcurrency: count,
        maxConcurrencyPerSubscription: count,
        soakTimeInMs: atLeastZero,
        enablePreview: { type: "boolean" },
        allowDisable: { type: "boolean" },
        halt,
        subscriptions: { type: "array", items: { type: "object", required: ["id"], properties: { id: text, maxConcurrency: count } } },
        waves: {
          type: "array",
          minItems: 1,
          items: { type: "object", required: ["name"], properties: { name: text, maxConcurrency: count, soakTimeInMs: atLeastZero, halt } },
        },
        select: { type: "array" },
        exclude: { type: "array" },
        groups: { type: "array" },
      },
    },
    wave: {
      type: "object",
      required: ["name", "status", "index", "total"],
      properties: { name: text, status: { enum: WAVE_STATUSES }, index: atLeastZero, total: atLeastZero },
    },
    cluster: {
      type: "object",
      required: ["id", "subscriptionId", "resourceGroup", "name", "status", "attempts"],
      properties: {
        id: text,
        subscriptionId: text,
        resourceGroup: text,
        name: text,
        status: { enum: CLUSTER_STATUSES },
        skipReason: { enum: SKIP_REASONS },
        attempts: atLeastZero,
        wave: { type: "string", description: "The name of one of the journal's waves." },
        desired: { type: "object" },
        previous: settingsOrNull,
        after: settingsOrNull,
        intent: { type: "object", required: ["previous", "at"], properties: { previous: settingsOrNull, at: text } },
        planned: {
          type: "object",
          required: ["eTag", "facts"],
          properties: { eTag: { type: ["string", "null"] }, facts: { type: "object" } },
          description: "The read the cluster was planned from, when the rollout applies a saved rollout plan (its eTag, null when the api-version gave none, and its facts).",
        },
        operationUrl: { type: "string" },
        phase: { type: "string" },
        pollerState: { type: "string" },
        written: { type: "boolean" },
        changed: { type: "boolean" },
      },
      description: "A cluster that is not skipped belongs to a wave and has its desired settings.",
      if: { properties: { status: { const: "skipped" } } },
      else: { required: ["wave", "desired"] },
    },
    logRecord: {
      type: "object",
      description: "One line of a file journal's log: what changed since the record before.",
      required: ["seq"],
      properties: {
        seq: { type: "integer", minimum: 0, description: "1, 2, 3... in the order written." },
        at: { type: "string", description: "When written (the journal's updatedAt)." },
        header: { type: "object", description: "The journal without its clusters, when it changed." },
        clusters: {
          type: "array",
          description: "Changed clusters: [index in clusters, the cluster without its planned fields].",
          items: { type: "array", minItems: 2, maxItems: 2, items: [{ type: "integer", minimum: 0 }, { type: "object" }] },
        },
      },
    },
  },
};

/** The schema of a journal's normalised rollout spec, on its own (a saved rollout plan keeps one too). @internal */
export const journalSpecJsonSchema: Record<string, unknown> = (journalJsonSchema["definitions"] as Record<string, Record<string, unknown>>)["spec"] as Record<string, unknown>;

/** The schema of one log record, on its own (compiled to check each record). @internal */
export const journalLogRecordJsonSchema: Record<string, unknown> = (journalJsonSchema["definitions"] as Record<string, Record<string, unknown>>)["logRecord"] as Record<string, unknown>;

/** @internal */
export const JOURNAL_SCHEMA_FILE_NAME = "journal.schema.json";
