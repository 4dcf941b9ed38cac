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
export { canonicalKubeProxyJson, canonicalKubeProxySettings } from "./settings/canonical";
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
/** The one kube-proxy settings definition (fields, types, bounds, enums, CLI flags, labels) and lookups into it. */
export { KUBE_PROXY_FIELDS, fieldAt, fieldPath, fieldsIn, INT32_MAX } from "./settings/fields";
/** A row of the field table, and the settings type derived from it. */
export type { KubeProxyFieldDefinition, KubeProxyField, KubeProxyEnumValue, KubeProxyEnumAlias, KubeProxyCliFlag, KubeProxySettingsDocument } from "./settings/fields";
/** Literal types of the enum fields. */
export type { KubeProxyMode, IpvsScheduler } from "./settings/model";

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
export type { KubeProxyPlan, PlanKubeProxyChangeArgs, PlannedRead } from "./plan";
/** What changed on a cluster since it was planned (eTag, settings, provisioningState); empty when the plan stands. */
export { changedSincePlan } from "./plan";
/** Saved plans (`plan --out`, `apply PLANFILE`, `show`): build, serialize, parse and validate, and the plans they stand for. */
export { toSavedPlan, serializeSavedPlan, parseSavedPlan, savedPlanOf, plansOfSavedPlan, planAction, readVersionedDocument, SAVED_PLAN_KIND, SAVED_PLAN_FORMAT_VERSION } from "./savedPlan";
/** A saved plan, one cluster of it, and the action it records. */
export type { SavedPlan, SavedClusterPlan, SavedClusterRead, SavedPlanAction } from "./savedPlan";
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
/** The poller contract every SDK poller follows (the shape of `@azure/core-lro`'s `PollerLike`, declared by the SDK). */
export type { PollerLike, OperationState, OperationStatus, CancelOnProgress } from "./poller/types";
/** The apply poller (a PollerLike), its options, and the bounds on re-plans after 409, 412 and lost write answers. */
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
/** The one duration grammar and formatter (`90s`, `1h30m`, `15m0s`, `2m05s`), also at `@aks-kube-proxy/sdk/duration`. */
export { parseDuration, formatDuration, DURATION_UNITS_IN_MS, DURATION_PATTERN_SOURCE } from "./duration";
/** Options of {@link parseDuration}. */
export type { ParseDurationOptions } from "./duration";
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
  PlanStaleError,
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
// Building blocks for @aks-kube-proxy/rollout (the fleet lives in its own package on top of this one). Stable
// enough for other layers too; each is documented where it is defined.
// ---------------------------------------------------------------------------------------------------------------

/** Abortable sleep and Retry-After parsing (the duration formatter is {@link formatDuration}). */
export { sleep, parseRetryAfterInMs } from "./poll";
/** Retries a call while ARM answers with a transient failure (throttling, 5xx, connection reset), honouring Retry-After. */
export { retryTransient } from "./preview/transient";
/** Serializes an apply poller's state (the string a journal records to resume the operation). */
export { serializeApplyState } from "./apply/state";
/** JSON text helpers every input file goes through: readable text and file checks, structure bounds, line numbers of paths. */
export { assertReadableFile, assertReadableText, checkJsonStructure, jsonLinesOf } from "./settings/jsonText";
/** JSON value helpers: plain-object test, value description, JSON path formatting and issue lists. */
export { isPlainObject, describeJsonValue, formatJsonPath, formatIssues } from "./settings/jsonValue";
/** A segment of a JSON path (a key or an index). */
export type { JsonPathSegment } from "./settings/jsonValue";
/** The closest candidate to a misspelt name ("did you mean"). */
export { closestMatch } from "./settings/suggest";
/** Recursively sorts object keys (canonical JSON for hashes). */
export { sortKeysDeep } from "./settings/canonical";
/** The friendly layer over the JSON Schema validator (ajv errors → issues with path, found, allowed, did-you-mean), for every validated input. */
export { compileSchema, issuesFromSchemaErrors, defaultIssueOf, errorSegments, pointerSegments } from "./settings/schemaIssues";
/** Options of issuesFromSchemaErrors. */
export type { SchemaIssueOptions } from "./settings/schemaIssues";
/** The one "and N more" note of issue lists. */
export { withMoreNote, capIssues } from "./settings/jsonValue";
/** The one "(line N)" note of issue lists. */
export { withLineNotes } from "./settings/jsonText";
