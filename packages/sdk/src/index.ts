/**
 * `@aks-kube-proxy/sdk`: the typed client that enables the AKS kube-proxy configuration preview and converges
 * clusters' `networkProfile.kubeProxyConfig`. This file is the package's whole public face.
 * @packageDocumentation
 */

/**
 * The Azure SDK's own model of kubeProxyConfig (`ContainerServiceNetworkProfileKubeProxyConfig` from
 * `@azure/arm-containerservice` 21.2.0-beta.1), re-exported, never redeclared.
 */
export type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
/** The Azure SDK's model of ipvsConfig. */
export type { ContainerServiceNetworkProfileKubeProxyConfigIpvsConfig as KubeProxyIpvsConfig } from "@azure/arm-containerservice";

// constants
export {
  /** Default managedClusters api-version ("2026-08-02-preview"). */
  DEFAULT_API_VERSION,
  /** Oldest api-version that knows kubeProxyConfig ("2022-08-02-preview"). */
  MIN_API_VERSION,
  /** First api-version with NFTABLES ("2025-09-02-preview"). */
  NFTABLES_MIN_API_VERSION,
  /** "KubeProxyConfigurationPreview". */
  FEATURE_NAME,
  /** "Microsoft.ContainerService". */
  PROVIDER_NAMESPACE,
  /** "AKSHTTPCustomFeatures". */
  PREVIEW_FEATURE_HEADER_NAME,
  /** "Microsoft.ContainerService/KubeProxyConfigurationPreview". */
  PREVIEW_FEATURE_HEADER_VALUE,
  /** "aks-kube-proxy", the @azure/logger namespace. */
  LOGGER_NAME,
} from "./constants";

/** Refuses (ValidationError) an api-version that cannot carry kubeProxyConfig: GA, malformed, or older than MIN_API_VERSION. */
export { assertSupportedApiVersion } from "./apiVersion";

// settings input (pure)
/** Parse the `--kube-proxy-config` file format into the SDK model; throws ValidationError. */
export { parseKubeProxySettings, parseKubeProxySettingsText, readKubeProxySettingsFile } from "./settings/parse";
/** The bounds every settings and rollout file is held to (depth, entries per list, subscriptions, patterns). */
export { INPUT_LIMITS } from "./settings/jsonText";
/** Result and options of parsing. */
export type { ParsedKubeProxySettings, ParseKubeProxySettingsOptions } from "./settings/parse";
/** Canonical JSON with sorted keys. */
export { canonicalKubeProxyJson } from "./settings/canonical";
/** Options of canonicalKubeProxyJson. */
export type { CanonicalJsonOptions } from "./settings/canonical";
/** JSON Schema of the settings file (also packages/sdk/schema/kube-proxy-config.schema.json). */
export { kubeProxySettingsJsonSchema } from "./settings/schema";
/** Effective settings for every shape Azure returns. */
export { effectiveKubeProxySettings, sameKubeProxySettings } from "./settings/effective";
/** Effective settings and field changes. */
export type { EffectiveKubeProxySettings, FieldChange } from "./settings/effective";
/** Known enum values. */
export { KUBE_PROXY_MODES, IPVS_SCHEDULERS } from "./settings/model";

// findings, rules, plan (pure)
/** A coded finding. */
export type { Finding, FindingSeverity } from "./findings";
/** The rule checker. */
export { checkKubeProxyRules } from "./rules";
/** True for a Cilium dataplane cluster (`networkDataplane: cilium`), which runs no kube-proxy. */
export { isCiliumDataplane } from "./rules";
/** Facts and arguments of the rule checker. */
export type { ClusterFacts, CheckKubeProxyRulesArgs } from "./rules";
/** The pure planner. */
export { planKubeProxyChange } from "./plan";
/** A plan and its arguments. */
export type { KubeProxyPlan, PlanKubeProxyChangeArgs } from "./plan";
/** The one definition of converged: classify a read (and a provisioningState alone); `needsWrite` of a classification. */
export { classifyConvergence, classifyProvisioningState, needsWrite, isConverged, IN_FLIGHT_PROVISIONING_STATES } from "./convergence";
/** What an operation's `status` says (unknown values throw UnknownOperationStatusError), and the running statuses known. */
export { classifyOperationStatus, RUNNING_OPERATION_STATUSES } from "./convergence";
/** The one restore target (Pulumi delete, rollout rollback): "never set" restores Azure's default explicitly. */
export { restoreTargetOf, AZURE_DEFAULT_KUBE_PROXY_CONFIG } from "./restore";
/** A restore target. */
export type { RestoreTarget } from "./restore";
/** A classification, its arguments, and what a provisioningState alone says. */
export type { Convergence, ClassifyConvergenceArgs, ProvisioningClass, OperationStatusClass } from "./convergence";

// clusters
/** Parse a managed cluster resource id. */
export { parseClusterId } from "./clusterRef";
/** Cluster references. */
export type { ClusterRef, ResolvedClusterRef } from "./clusterRef";
/** The SDK's view of a cluster. */
export type { ClusterState } from "./clusterState";

// client
/** The typed client. */
export { KubeProxyClient } from "./client";
/** Options and results of the client's operations. */
export type {
  KubeProxyClientOptions,
  PollingOptions,
  ReadOptions,
  ListClustersOptions,
  PlanOptions,
  ApplyOptions,
  WaitForOperationOptions,
  CreateClusterOptions,
  DeleteClusterOptions,
  PreviewStatus,
} from "./clientOptions";
/** The outcome of an apply. */
export type { ApplyResult } from "./apply/result";
/** The apply poller (a core-lro PollerLike), its options, and the bounds on re-plans after 409, 412 and lost write answers. */
export { MAX_CONFLICT_REPLANS, MAX_LOST_WRITE_ANSWERS, MAX_PRECONDITION_REPLANS } from "./apply/poller";
/** The apply poller type and its options. */
export type { ApplyPoller, ApplyPollerOptions } from "./apply/poller";
/** The apply poller's state and serialized form. */
export { APPLY_POLLER_STATE_KIND, APPLY_POLLER_STATE_VERSION } from "./apply/state";
/** The apply poller's state, phase, operation URL kind, and serialized form. */
export type { ApplyOperationState, ApplyPhase, OperationUrlKind, SerializedApplyPoller } from "./apply/state";
/** Defaults of createCluster, named. */
export { DEFAULT_CLUSTER_LOCATION, DEFAULT_SYSTEM_POOL_VM_SIZE, DEFAULT_SYSTEM_POOL_NODE_COUNT, DEFAULT_NETWORK_PLUGIN } from "./cluster/defaults";
/** Options and result of enablePreview. */
export type { EnablePreviewOptions, EnablePreviewResult } from "./preview/enablePreview";
/** Runs a write and, when Azure refuses it with KubeProxyConfigFeatureNotRegistered, refreshes the preview and runs it once more. */
export { retryOnceAfterPreviewRefresh, isPreviewNotEnabledError } from "./preview/enablePreview";
/** Progress events. */
export type { ApplyProgress, EnablePreviewProgress } from "./progress";
/** Pipeline options. */
export type { RetryOptions, AdditionalPolicy } from "./arm/pipeline";
/** Log entries passed to the logger hook. */
export type { LogEntry, LogLevel } from "./log";

// credentials and clouds (shared by cli and pulumi)
/** Cloud endpoints by name or endpoint. */
export { resolveCloud, isPublicCloudLoginHost, AZURE_CLOUDS } from "./cloud";
/** Cloud types. */
export type { AzureCloudName, CloudEndpoints, ResolveCloudOptions } from "./cloud";
/** The credential factory, and the one token cache a whole run shares across its clients and subscriptions. */
export { createCredential, sharedTokenCache } from "./credential";
/** Options of createCredential and sharedTokenCache. */
export type { CreateCredentialOptions, SharedTokenCacheOptions } from "./credential";
/** Bounds any reads by a deadline: past it, OperationTimeoutError (code `Timeout`) instead of a hang. */
export { withDeadline } from "./poll";
/** Options of withDeadline. */
export type { WithDeadlineOptions } from "./poll";

// errors
/** Typed errors; test with isKubeProxyError (survives two copies of the package). */
export {
  KubeProxyError,
  isKubeProxyError,
  operationMayStillRun,
  ValidationError,
  PlanBlockedError,
  PreviewNotEnabledError,
  FeatureApprovalRequiredError,
  FeatureRegistrationTimeoutError,
  ClusterNotFoundError,
  ClusterExistsError,
  ClusterBusyError,
  PreconditionFailedError,
  UnauthorizedError,
  SettingsRejectedError,
  OperationFailedError,
  OperationTimeoutError,
  VerificationFailedError,
  AbortedError,
  ArmError,
  UnknownClusterStateError,
  UnknownOperationStatusError,
  EtagUnavailableError,
  ThrottledError,
} from "./errors";
/** Error details and validation issues. */
export type { KubeProxyErrorDetails, ValidationIssue } from "./errors";

// data plane (kube-proxy on the nodes)
/** The data-plane wait did not converge in time; its `result` names the nodes. */
export { DataPlaneNotConvergedError, DEFAULT_PROXY_MODE_SAMPLE, DEFAULT_KUBE_REQUEST_TIMEOUT_IN_MS, DATA_PLANE_WAIT_STATE_KIND } from "./dataPlane/verify";
/** Options, result and progress of verifyDataPlane / waitForDataPlane. */
export type { VerifyDataPlaneOptions, WaitForDataPlaneOptions, DataPlaneResult, DataPlaneProgress } from "./dataPlane/verify";
/** The kube-proxy flags expected for settings, reading them from a command line, and comparing them. */
export { expectedKubeProxyFlags, parseKubeProxyArgs, compareKubeProxyFlags, metricsPortOf, IPVS_SCHEDULER_FLAG_VALUES, DEFAULT_KUBE_PROXY_METRICS_PORT } from "./dataPlane/flags";
/** Expected flags and one field's comparison. */
export type { ExpectedKubeProxyFlags, KubeProxyFlagCheck } from "./dataPlane/flags";
/** The verdict computed from what the Kubernetes API showed (pure), and kubectl's DaemonSet rollout-status rule. */
export { assessDataPlane, daemonSetRolloutStatus } from "./dataPlane/verdict";
/** The parts of a data-plane result. */
export type {
  DataPlaneVerdict,
  DataPlaneUnreachableReason,
  DataPlaneObservation,
  DataPlaneAssessment,
  DataPlaneRollout,
  DataPlaneMismatch,
  DaemonSetObservation,
  NodeObservation,
  PodObservation,
  ProxyModeObservation,
  NodeDataPlaneResult,
  NodeDataPlaneState,
} from "./dataPlane/verdict";
/** Why the API server could not be read; the least RBAC the check needs; the kube-proxy names it reads. */
export type { DataPlaneUnreachable } from "./dataPlane/kubeApi";
/** The least Kubernetes RBAC the check needs, in words; the namespace, DaemonSet and pod selector it reads. */
export { DATA_PLANE_RBAC_ADVICE, KUBE_PROXY_NAMESPACE, KUBE_PROXY_DAEMONSET, KUBE_PROXY_POD_SELECTOR } from "./dataPlane/kubeApi";
/** ARM's kubeconfig answer: decode, read the current context, swap a kubelogin exec user for a bearer token. */
export { AKS_SERVER_APPLICATION_ID, decodeCredentialResults, readKubeconfig, withBearerToken } from "./dataPlane/kubeconfig";
/** A kubeconfig read from ARM and how it authenticates. */
export type { ClusterKubeconfig, KubeconfigAuthentication } from "./dataPlane/kubeconfig";

// ---------------------------------------------------------------------------------------------------------------
// BEGIN rollout exports — owned by the fleet helper (packages/sdk/src/rollout/**). Add the rollout API below this
// line; keep the explicit-named-export style and TSDoc on every export.
// ---------------------------------------------------------------------------------------------------------------

// rollout file (pure)
/** Parse a rollout file (YAML or JSON) into a normalised spec; throws ValidationError with paths and lines. */
export { parseRolloutSpec, parseRolloutText, readRolloutFile } from "./rollout/parseSpec";
/** Result and options of parsing a rollout file. */
export type { ParsedRolloutSpec, ParseRolloutOptions } from "./rollout/parseSpec";
/** The rollout model. */
export type { RolloutSpec, RolloutSubscription, RolloutGroup, RolloutWave, HaltRule, HealthGate, ClusterSelector } from "./rollout/spec";
/** JSON Schema of the rollout file (also packages/sdk/schema/rollout.schema.json). */
export { rolloutJsonSchema } from "./rollout/schema";

// fleet selection, sharding, waves, plan (pure)
/** Fleet selection by selectors and per-group settings. */
export { selectFleet, matchesSelector } from "./rollout/select";
/** What selectors look at, and a selected cluster. */
export type { SelectableCluster, SelectedCluster } from "./rollout/select";
/** Deterministic sharding (`--shard i/n`). */
export { parseShard, shardOf, inShard } from "./rollout/shard";
/** A shard. */
export type { Shard } from "./rollout/shard";
/** The wave planner. */
export { planWaves } from "./rollout/waves";
/** Planned waves. */
export type { PlannedWave, WavePlan } from "./rollout/waves";
/** The rollout planner, and a fresh journal from a plan. */
export { planRollout, createRolloutJournal } from "./rollout/plan";
/** A rollout plan. */
export type { RolloutPlan, RolloutPlanEntry, RolloutPlanTotals, RolloutAction, PlanRolloutArgs } from "./rollout/plan";

// journal
/** Journal markers, spec hash and counts. */
export { JOURNAL_KIND, JOURNAL_VERSION, rolloutSpecHash, countClusters } from "./rollout/journal";
/** What resuming a journal will run (pending, in progress, and with retryFailed the failed and halt-skipped clusters). */
export { resumeWork } from "./rollout/resume";
/** The counts resumeWork returns. */
export type { ResumeWork } from "./rollout/resume";
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
  WaveApproval,
  RolloutClusterStatus,
  RolloutSkipReason,
  RolloutOutcome,
  RolloutCounts,
} from "./rollout/journal";
/**
 * The journal file: a snapshot and an append-only log (`journalLogPath`), group commit, lock; a lock-free reader; and
 * the pure parser of a snapshot with its log (a torn last record ignored).
 */
export { RolloutJournalFile, readRolloutJournal, parseRolloutJournalFile, journalLogPath, JOURNAL_FILE_VERSION_WITH_LOG } from "./rollout/journalFile";
/** Options of the journal file. */
export type { JournalFileOptions, ParsedJournalFile } from "./rollout/journalFile";
/** A journal's lock (pid, host, start time; published atomically; stale takeover that only one process wins), and its error. */
export { JournalLock, JournalLockedError } from "./rollout/journalLock";
/** Who holds a journal's lock, and the options of taking it. */
export type { JournalLockHolder, AcquireJournalLockOptions } from "./rollout/journalLock";
/** Journal stores: the local file or a folder in Azure Blob Storage, picked from what `--journal` names. */
export { FileJournalStore, journalStoreFor } from "./rollout/journalStore";
/** A journal store, the journal it opens for writing, and their options. */
export type { JournalStore, OpenRolloutJournal, OpenJournalOptions, StoredJournal, JournalStoreForOptions } from "./rollout/journalStore";
/** The blob journal store (lease as lock, If-Match on every write, fleet record), its opened journal, and its errors. */
export { BlobJournalStore } from "./rollout/blobStore";
/** A blob journal opened by this process (lease renewed, If-Match writes, lost-lease signal). */
export { BlobRolloutJournal } from "./rollout/blobJournal";
/** The blob journal's errors (lease taken over; storage refused or failed) and how a lock holder is described. */
export { JournalLeaseLostError, JournalStorageError, describeJournalHolder } from "./rollout/blobStorage";
/** Options of the blob journal store. */
export type { BlobJournalStoreOptions } from "./rollout/blobStore";
/** What a takeover of a crashed runner's blob journal reports (the previous holder, a sentence naming it). */
export type { JournalTakeover } from "./rollout/blobJournal";
/** Blob journal URLs: `https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH` or a custom endpoint `http(s)://HOST:PORT/ACCOUNT/CONTAINER/PATH`. */
export { parseBlobJournalUrl, isBlobJournalUrl } from "./rollout/blobLocation";
/** A parsed blob journal location. */
export type { BlobJournalLocation } from "./rollout/blobLocation";
/** Fleet-wide coordination of shards through a shared store: halt, failure counts, wave order. */
export type { FleetCoordinator, FleetHalt, FleetView, FleetWaveCounts } from "./rollout/fleetRecord";

// execution
/** Lists the rollout's subscriptions (paged, in parallel). */
export { listRolloutClusters } from "./rollout/list";
/** Options of listRolloutClusters. */
export type { ListRolloutClustersOptions } from "./rollout/list";
/** Runs or resumes a rollout journal. */
export { runRollout } from "./rollout/execute";
/** Executor options, client seam, progress and result. */
export type {
  RunRolloutOptions,
  RolloutRunResult,
  RolloutClient,
  RolloutClientFactory,
  RolloutProgressEvent,
  RolloutProgressSnapshot,
  RolloutWaveProgress,
} from "./rollout/execute";
/** The adaptive per-subscription ARM rate limiter (a core-rest-pipeline policy). */
export { ArmRateLimiter } from "./rollout/rateLimiter";
/** Options and statistics of the rate limiter. */
export type { ArmRateLimiterOptions, ArmRateLimiterStats } from "./rollout/rateLimiter";
/** Rollback journal from a rollout journal. */
export { createRollbackJournal } from "./rollout/rollback";
/** Arguments of createRollbackJournal. */
export type { CreateRollbackJournalArgs } from "./rollout/rollback";

// reports
/** Report (one journal or merged shards) and JUnit XML. */
export { buildRolloutReport, toJUnitXml, junitXmlChunks, jsonReportChunks, REPORT_KIND } from "./rollout/report";
/** Report types. */
export type { RolloutReport, RolloutReportCluster, RolloutReportWave, JournalSource } from "./rollout/report";
/** Durations as rollout files write them ("10m", "1h30m"). */
export { parseDurationInMs, formatDuration as formatRolloutDuration } from "./rollout/duration";

/** Reports people look at: a self-contained HTML page and a Markdown summary (`$GITHUB_STEP_SUMMARY`). */
export { toHtmlReport, htmlReportChunks, toMarkdownReport, nextCommand } from "./rollout/reportHtml";
/** Options of the HTML and Markdown reports. */
export type { ReportRenderOptions } from "./rollout/reportHtml";

// gates (progressive delivery)
/** Skip and stop requests recorded beside a journal (`rollout skip`, `rollout stop`). */
export { readFileControl, updateFileControl, controlFileOf } from "./rollout/control";
/** The skip and stop requests, and a change to them. */
export type { RolloutControl, RolloutControlChange } from "./rollout/control";
/** Approval gates: the wave `rollout approve` may approve. */
export { approvableWave } from "./rollout/approval";
/** What `JournalStore.approve` did. */
export type { ApprovalResult } from "./rollout/approval";
/** Health gates: the gate of a cluster, its error, and how its failure reads. */
export { healthGateOf, HealthGateFailedError, describeMismatches } from "./rollout/healthGate";
/** The part of the client a health gate uses. */
export type { HealthGateClient } from "./rollout/healthGate";

// END rollout exports
