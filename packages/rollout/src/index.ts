// @aks-kube-proxy/rollout — the public face of the fleet: rollout file, plan, waves, runner, journals (file and
// blob), ARM rate limiter and reports, on top of @aks-kube-proxy/sdk. Every export carries a TSDoc comment.

// rollout file (pure)
/** Parse a rollout file (YAML or JSON) into a normalised spec; throws ValidationError with paths and lines. */
export { parseRolloutSpec } from "./spec/parseSpec";
/** Read a rollout file, or its text, YAML or JSON: every problem with its JSON path and line. */
export { parseRolloutText, readRolloutFile } from "./spec/rolloutText";
/** Result and options of parsing a rollout file. */
export type { ParsedRolloutSpec, ParseRolloutOptions } from "./spec/parseSpec";
/** The rollout model. */
export type { RolloutSpec, RolloutSubscription, RolloutGroup, RolloutWave, HaltRule, HealthGate, ClusterSelector } from "./spec/spec";
/** JSON Schema of the rollout file (also packages/rollout/schema/rollout.schema.json). */
export { rolloutJsonSchema } from "./spec/schema";
/** JSON Schema of the rollout journal and its log records (also packages/rollout/schema/journal.schema.json). */
export { journalJsonSchema } from "./journal/journalSchema";

// fleet selection, sharding, waves, plan (pure)
/** Fleet selection by selectors and per-group settings. */
export { selectFleet, matchesSelector } from "./spec/select";
/** What selectors look at, and a selected cluster. */
export type { SelectableCluster, SelectedCluster } from "./spec/select";
/** Deterministic sharding (`--shard i/n`). */
export { parseShard, shardOf, inShard } from "./spec/shard";
/** A shard. */
export type { Shard } from "./spec/shard";
/** The wave planner. */
export { planWaves } from "./plan/waves";
/** Planned waves. */
export type { PlannedWave, WavePlan } from "./plan/waves";
/** The rollout planner, and a fresh journal from a plan. */
export { planRollout, createRolloutJournal } from "./plan/plan";
/** What a rollout does with a planned cluster before waves (`change`, `converged`, `blocked`): the one rule. */
export { rolloutActionOf } from "./plan/plan";
/** A rollout plan. */
export type { RolloutPlan, RolloutPlanEntry, RolloutPlanTotals, RolloutAction, PlanRolloutArgs } from "./plan/plan";
/**
 * Saved rollout plans (`rollout plan --out`, `rollout apply PLANFILE`, `show`): build, serialize, parse and validate
 * (each cluster an SDK saved-plan entry), hash, the rollout plan a file stands for, and its stale clusters.
 */
export {
  ROLLOUT_PLAN_KIND,
  ROLLOUT_PLAN_FORMAT_VERSION,
  toSavedRolloutPlan,
  serializeRolloutPlan,
  parseRolloutPlan,
  rolloutPlanHash,
  rolloutPlanOfSaved,
  staleRolloutClusters,
} from "./plan/planFile";
/** A saved rollout plan, its clusters, and a planned cluster that moved since. */
export type { SavedRolloutPlan, SavedRolloutCluster, SavedUnplannedCluster, StalePlannedCluster } from "./plan/planFile";

// journal
/** Journal markers, spec hash and counts. */
export { JOURNAL_KIND, JOURNAL_VERSION, rolloutSpecHash, countClusters } from "./journal/journal";
/** What resuming a journal will run (pending, in progress, and with retryFailed the failed and halt-skipped clusters). */
export { resumeWork } from "./run/resume";
/** The counts resumeWork returns. */
export type { ResumeWork } from "./run/resume";
/** The journal model. */
export type {
  RolloutJournal,
  JournalCluster,
  JournalWave,
  JournalSubscription,
  JournalRun,
  JournalError,
  JournalIntent,
  JournalGate,
  JournalPlannedRead,
  WaveApproval,
  RolloutClusterStatus,
  RolloutSkipReason,
  RolloutOutcome,
  RolloutCounts,
} from "./journal/journal";
/**
 * The journal file: a snapshot and an append-only log (`journalLogPath`), group commit, lock; a lock-free reader; and
 * the pure parser of a snapshot with its log (a torn last record ignored).
 */
export { RolloutJournalFile, readRolloutJournal, parseRolloutJournalFile, journalLogPath, JOURNAL_FILE_VERSION_WITH_LOG } from "./journal/journalFile";
/** Options of the journal file. */
export type { JournalFileOptions, ParsedJournalFile } from "./journal/journalFile";
/** A journal's lock (pid, host, start time; published atomically; stale takeover that only one process wins), and its error. */
export { JournalLock, JournalLockedError } from "./journal/journalLock";
/** Who holds a journal's lock, and the options of taking it. */
export type { JournalLockHolder, AcquireJournalLockOptions } from "./journal/journalLock";
/** Journal stores: the local file or a folder in Azure Blob Storage, picked from what `--journal` names. */
export { FileJournalStore, journalStoreFor } from "./journal/journalStore";
/** A journal store, the journal it opens for writing, and their options. */
export type { JournalStore, OpenRolloutJournal, OpenJournalOptions, StoredJournal, JournalStoreForOptions } from "./journal/journalStore";
/** The blob journal store (lease as lock, If-Match on every write, fleet record), its opened journal, and its errors. */
export { BlobJournalStore } from "./journal/blob/blobStore";
/** A blob journal opened by this process (lease renewed, If-Match writes, lost-lease signal). */
export { BlobRolloutJournal } from "./journal/blob/blobJournal";
/** The blob journal's errors (lease taken over; storage refused or failed) and how a lock holder is described. */
export { JournalLeaseLostError, JournalStorageError, describeJournalHolder } from "./journal/blob/blobStorage";
/** Options of the blob journal store. */
export type { BlobJournalStoreOptions } from "./journal/blob/blobStore";
/** What a takeover of a crashed runner's blob journal reports (the previous holder, a sentence naming it). */
export type { JournalTakeover } from "./journal/blob/blobJournal";
/** Blob journal URLs: `https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH` or a custom endpoint `http(s)://HOST:PORT/ACCOUNT/CONTAINER/PATH`. */
export { parseBlobJournalUrl, isBlobJournalUrl } from "./journal/blob/blobLocation";
/** A parsed blob journal location. */
export type { BlobJournalLocation } from "./journal/blob/blobLocation";
/** Fleet-wide coordination of shards through a shared store: halt, failure counts, wave order. */
export type { FleetCoordinator, FleetHalt, FleetView, FleetWaveCounts } from "./journal/fleetRecord";

// execution
/** Lists the rollout's subscriptions (paged, in parallel). */
export { listRolloutClusters } from "./plan/list";
/** Options of listRolloutClusters. */
export type { ListRolloutClustersOptions } from "./plan/list";
/** Runs or resumes a rollout journal. */
export { runRollout } from "./run/execute";
/** Executor options, client seam, progress and result. */
export type {
  RunRolloutOptions,
  RolloutRunResult,
  RolloutClient,
  RolloutClientFactory,
  RolloutProgressEvent,
  RolloutProgressSnapshot,
  RolloutWaveProgress,
} from "./run/execute";
/** The adaptive per-subscription ARM rate limiter (a core-rest-pipeline policy). */
export { ArmRateLimiter } from "./run/rateLimiter";
/** Options and statistics of the rate limiter. */
export type { ArmRateLimiterOptions, ArmRateLimiterStats } from "./run/rateLimiter";
/** How often a rollout polls each operation: capped by the share of the AKS operation-status budget its subscription's concurrency leaves it. */
export { operationPollCapInMs, AKS_OPERATION_STATUS_PER_SECOND, OPERATION_STATUS_SHARE } from "./run/pollPacing";
/** Rollback journal from a rollout journal. */
export { createRollbackJournal } from "./plan/rollback";
/** Arguments of createRollbackJournal. */
export type { CreateRollbackJournalArgs } from "./plan/rollback";

// reports
/** Report (one journal or merged shards) and JUnit XML. */
export { buildRolloutReport, toJUnitXml, junitXmlChunks, jsonReportChunks, REPORT_KIND } from "./report/report";
/** Report types. */
export type { RolloutReport, RolloutReportCluster, RolloutReportWave, JournalSource } from "./report/report";
/** Durations as rollout files write them ("10m", "1h30m"). */
export { parseDurationInMs, formatDuration as formatRolloutDuration } from "./spec/duration";

/** Reports people look at: a self-contained HTML page and a Markdown summary (`$GITHUB_STEP_SUMMARY`). */
export { toHtmlReport, htmlReportChunks, toMarkdownReport, nextCommand } from "./report/reportHtml";
/** Options of the HTML and Markdown reports. */
export type { ReportRenderOptions } from "./report/reportHtml";

// gates (progressive delivery)
/** Skip and stop requests recorded beside a journal (`rollout skip`, `rollout stop`). */
export { readFileControl, updateFileControl, controlFileOf } from "./journal/control";
/** The skip and stop requests, and a change to them. */
export type { RolloutControl, RolloutControlChange } from "./journal/control";
/** Approval gates: the wave `rollout approve` may approve. */
export { approvableWave } from "./journal/approval";
/** What `JournalStore.approve` did. */
export type { ApprovalResult } from "./journal/approval";
/** Health gates: the gate of a cluster, its error, and how its failure reads. */
export { healthGateOf, HealthGateFailedError, describeMismatches } from "./run/healthGate";
/** The part of the client a health gate uses. */
export type { HealthGateClient } from "./run/healthGate";

