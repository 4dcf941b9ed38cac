/**
 * `KubeProxyClient`: enables the preview, reads clusters through a preview api-version, plans, and applies
 * kubeProxyConfig as a raw-JSON read-modify-write through the Azure SDK client's own pipeline.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { FeatureClient } from "@azure/arm-features";
import { ResourceManagementClient } from "@azure/arm-resources";
import type { TokenCredential } from "@azure/core-auth";
import { assertSupportedApiVersion } from "./apiVersion";
import { armErrorFromResponse, type ArmErrorContext } from "./arm/errors";
import { operationFromHeaders, waitForArmOperation, type OperationHandle } from "./arm/lro";
import { buildPipelineOptions, DEFAULT_RETRY, type AdditionalPolicy, type RetryOptions } from "./arm/pipeline";
import { ArmTransport, type ArmResponse } from "./arm/transport";
import { resolveCloud } from "./cloud";
import { clusterPath, resolveClusterRef, type ClusterRef, type ResolvedClusterRef } from "./clusterRef";
import { isTerminalProvisioningState, rawClusterOf, toClusterState, type ClusterState } from "./clusterState";
import { DEFAULT_API_VERSION } from "./constants";
import { createCredential } from "./credential";
import { ClusterBusyError, ClusterExistsError, KubeProxyError, PlanBlockedError, PreconditionFailedError, ValidationError, VerificationFailedError, isKubeProxyError } from "./errors";
import { createLog, type Log, type LogEntry } from "./log";
import { planKubeProxyChange, type KubeProxyPlan } from "./plan";
import { Deadline, DEFAULT_POLLING, formatDuration, nextPollDelayInMs, parseRetryAfterInMs, sleep, throwIfAborted, type PollingSettings } from "./poll";
import { runEnablePreview, type EnablePreviewOptions, type EnablePreviewResult } from "./preview/enablePreview";
import { createPreviewApi, type PreviewApi } from "./preview/previewApi";
import { report, type ApplyProgress } from "./progress";
import { checkKubeProxyRules } from "./rules";
import { effectiveKubeProxySettings, type EffectiveKubeProxySettings } from "./settings/effective";
import { parseKubeProxySettings } from "./settings/parse";

/** Polling options of {@link KubeProxyClientOptions}. */
export interface PollingOptions {
  /** Base interval between polls (feature, provider, operations, busy clusters). @default 5000 */
  readonly intervalInMs?: number;
  /** Largest interval the backoff reaches. @default 30000 */
  readonly maxIntervalInMs?: number;
  /** Largest wait a server's Retry-After may impose on a poll. @default 60000 */
  readonly maxRetryAfterInMs?: number;
  /** Consecutive Registered reads of the feature flag needed to trust it (the store is eventually consistent). @default 10 */
  readonly consecutiveRegisteredReads?: number;
}

/** Options of {@link KubeProxyClient}. */
export interface KubeProxyClientOptions {
  /** The subscription to work in (clusters may name another one in their reference). */
  readonly subscriptionId: string;
  /** Any TokenCredential. @default createCredential() (environment, workload identity, managed identity, Azure CLI...) */
  readonly credential?: TokenCredential;
  /** Cloud by name. @default "AzureCloud" */
  readonly cloud?: "AzureCloud" | "AzureChinaCloud" | "AzureUSGovernment";
  /** Any ARM endpoint (Azure Stack, the emulator); overrides the cloud's. */
  readonly endpoint?: string;
  /** Token audience; @default the cloud's, or the endpoint's origin */
  readonly audience?: string;
  /** Preview api-version of managedClusters. @default "2026-08-02-preview"; older than 2022-08-02-preview, or GA, is refused */
  readonly apiVersion?: string;
  /** Send `AKSHTTPCustomFeatures: Microsoft.ContainerService/KubeProxyConfigurationPreview` (what Azure's own tests do). @default false */
  readonly sendPreviewFeatureHeader?: boolean;
  /** Retry of 429, 5xx and dropped connections by the pipeline's retry policies. */
  readonly retry?: RetryOptions;
  /** Polling of long waits. */
  readonly polling?: PollingOptions;
  /** Extra pipeline policies (e.g. a rate limiter), added to every client. */
  readonly additionalPolicies?: readonly AdditionalPolicy[];
  /** Receives log entries (also sent to `@azure/logger` "aks-kube-proxy", see AZURE_LOG_LEVEL). Never gets tokens. */
  readonly logger?: (entry: LogEntry) => void;
}

/** Options of {@link KubeProxyClient.getPreviewStatus}, {@link KubeProxyClient.getCluster}. */
export interface ReadOptions {
  /** Cancels the read. */
  readonly abortSignal?: AbortSignal;
}

/** Options of {@link KubeProxyClient.listClusters}. */
export interface ListClustersOptions extends ReadOptions {
  /** Only this resource group. @default the whole subscription */
  readonly resourceGroup?: string;
  /** Another subscription than the client's. */
  readonly subscriptionId?: string;
}

/** Options of {@link KubeProxyClient.plan}. */
export interface PlanOptions extends ReadOptions {
  /** The caller means to disable kube-proxy (`enabled: false`). @default false */
  readonly allowDisable?: boolean;
}

/** Options of {@link KubeProxyClient.apply}. */
export interface ApplyOptions extends PlanOptions {
  /** Overall timeout (busy waits, the operation, verification). @default 3600000 */
  readonly timeoutInMs?: number;
  /** Called at each phase. */
  readonly onProgress?: (e: ApplyProgress) => void;
  /** Re-attach to an operation a previous run started instead of writing again (then verify, and write only if still needed). */
  readonly resumeOperationUrl?: string;
}

/** Options of {@link KubeProxyClient.waitForOperation}. */
export interface WaitForOperationOptions {
  /** @default 3600000 */
  readonly timeoutInMs?: number;
  /** Stops waiting promptly (the operation continues in Azure). */
  readonly abortSignal?: AbortSignal;
  /** Called on each poll. */
  readonly onProgress?: (e: ApplyProgress) => void;
}

/** Options of {@link KubeProxyClient.createCluster}. */
export interface CreateClusterOptions extends WaitForOperationOptions {
  /** Resource group (must exist). */
  readonly resourceGroup: string;
  /** Cluster name. */
  readonly name: string;
  /** Another subscription than the client's. */
  readonly subscriptionId?: string;
  /** @default "westus2" */
  readonly location?: string;
  /** @default Azure's default version */
  readonly kubernetesVersion?: string;
  /** Nodes in the system pool. @default 1 */
  readonly nodeCount?: number;
  /** VM size of the system pool. @default "Standard_DS2_v2" */
  readonly vmSize?: string;
  /** @default "azure" */
  readonly networkPlugin?: string;
  /** @default none */
  readonly networkPolicy?: string;
  /** Resource tags. */
  readonly tags?: Record<string, string>;
  /** The kube-proxy settings to create the cluster with. */
  readonly kubeProxyConfig?: KubeProxyConfig;
  /** The caller means `enabled: false`. @default false */
  readonly allowDisable?: boolean;
}

/** Options of {@link KubeProxyClient.deleteCluster}. */
export interface DeleteClusterOptions extends WaitForOperationOptions {
  /** Wait for the deletion to finish. @default true */
  readonly wait?: boolean;
}

/** Preview enablement state of the subscription. */
export interface PreviewStatus {
  /** `KubeProxyConfigurationPreview` state: NotRegistered, Pending, Registering, Registered, Unregistering, Unregistered. */
  readonly featureState: string;
  /** `Microsoft.ContainerService` registrationState. */
  readonly providerState: string;
}

/** The outcome of {@link KubeProxyClient.apply}. */
export interface ApplyResult {
  /** True when a write was made (or a previous write re-attached to). */
  readonly changed: boolean;
  /** The plan made from the first read. */
  readonly plan: KubeProxyPlan;
  /** Effective settings before. */
  readonly before: EffectiveKubeProxySettings;
  /** Effective settings after (read back). */
  readonly after: EffectiveKubeProxySettings;
  /** Wall time. */
  readonly durationInMs: number;
  /** ARM request ids of every call, in order. */
  readonly requestIds: string[];
  /** The operation URL of the write, when there was one. */
  readonly operationUrl?: string;
  /** The cluster as read back at the end. */
  readonly cluster: ClusterState;
  /** How many writes (PUTs) were sent (0 when converged; more after a 409/412 retry). */
  readonly writes: number;
}

const DEFAULT_TIMEOUT_IN_MS = 3_600_000;

function clusterLabel(ref: ResolvedClusterRef): string {
  return `${ref.resourceGroup}/${ref.name}`;
}

function deepClone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The typed client. Reads and writes managedClusters through a preview api-version as raw JSON sent through
 * `ContainerServiceClient`'s pipeline; feature and provider calls go through `FeatureClient` and
 * `ResourceManagementClient`. Every wait takes an AbortSignal and reports progress.
 */
export class KubeProxyClient {
  /** The default subscription. */
  readonly subscriptionId: string;
  /** The managedClusters api-version used. */
  readonly apiVersion: string;
  /** The ARM endpoint. */
  readonly endpoint: string;
  private readonly transport: ArmTransport;
  private readonly previewApis = new Map<string, PreviewApi>();
  private readonly credential: TokenCredential;
  private readonly pipelineOptions: ReturnType<typeof buildPipelineOptions>;
  private readonly scope: string;
  private readonly polling: PollingSettings;
  private readonly log: Log;

  /**
   * @param options - subscription, credential, cloud or endpoint, api-version, retry, polling, logger
   * @throws {@link ValidationError} for a missing subscription, an unsupported api-version or a malformed endpoint
   */
  constructor(options: KubeProxyClientOptions) {
    if (!options || typeof options.subscriptionId !== "string" || options.subscriptionId.trim() === "") {
      throw new ValidationError("subscriptionId is required (e.g. from AZURE_SUBSCRIPTION_ID or az account show --query id).", [{ path: "subscriptionId", message: "missing" }]);
    }
    this.subscriptionId = options.subscriptionId.trim();
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    assertSupportedApiVersion(this.apiVersion);
    const cloud = resolveCloud({
      ...(options.cloud !== undefined ? { cloud: options.cloud } : {}),
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
    });
    this.endpoint = cloud.armEndpoint;
    this.scope = `${cloud.audience}/.default`;
    this.log = createLog(options.logger);
    this.polling = {
      intervalInMs: options.polling?.intervalInMs ?? DEFAULT_POLLING.intervalInMs,
      maxIntervalInMs: options.polling?.maxIntervalInMs ?? DEFAULT_POLLING.maxIntervalInMs,
      maxRetryAfterInMs: options.polling?.maxRetryAfterInMs ?? DEFAULT_POLLING.maxRetryAfterInMs,
      consecutiveRegisteredReads: options.polling?.consecutiveRegisteredReads ?? DEFAULT_POLLING.consecutiveRegisteredReads,
    };
    this.credential = options.credential ?? createCredential(options.cloud !== undefined ? { cloud: options.cloud } : {});
    this.pipelineOptions = buildPipelineOptions({
      endpoint: this.endpoint,
      audience: cloud.audience,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      sendPreviewFeatureHeader: options.sendPreviewFeatureHeader ?? false,
      additionalPolicies: options.additionalPolicies ?? [],
      log: this.log,
    });
    // No `apiVersion` option: the generated client would then add a policy that rewrites the api-version of EVERY
    // URL, the opaque operation-status URLs included. We set the property and put api-version on our own URLs.
    const containerService = new ContainerServiceClient(this.credential, this.subscriptionId, { ...this.pipelineOptions, credentialScopes: [this.scope] });
    containerService.apiVersion = this.apiVersion;
    this.transport = new ArmTransport(containerService, this.endpoint);
  }

  private previewApi(subscriptionId: string): PreviewApi {
    let api = this.previewApis.get(subscriptionId);
    if (!api) {
      const features = new FeatureClient(this.credential, subscriptionId, { ...this.pipelineOptions, credentialScopes: [this.scope] });
      const resources = new ResourceManagementClient(this.credential, subscriptionId, { ...this.pipelineOptions, credentials: { scopes: [this.scope] } });
      api = createPreviewApi({ features, resources, subscriptionId });
      this.previewApis.set(subscriptionId, api);
    }
    return api;
  }

  private clusterUrl(ref: ResolvedClusterRef): string {
    return `${clusterPath(ref)}?api-version=${encodeURIComponent(this.apiVersion)}`;
  }

  private fail(response: ArmResponse, context: ArmErrorContext): KubeProxyError {
    return armErrorFromResponse({ status: response.status, body: response.body, ...(response.requestId ? { requestId: response.requestId } : {}), context });
  }

  /**
   * Reads the feature flag's and the provider's state.
   * @param options - abortSignal
   */
  async getPreviewStatus(options: ReadOptions & { subscriptionId?: string } = {}): Promise<PreviewStatus> {
    const api = this.previewApi(options.subscriptionId ?? this.subscriptionId);
    const [feature, provider] = await Promise.all([api.getFeature(options.abortSignal), api.getProvider(options.abortSignal)]);
    return { featureState: feature.state, providerState: provider.state };
  }

  /**
   * Enables the preview on the subscription. One read of the flag (and the provider): when both are Registered it
   * returns at once, writing nothing. Otherwise registers `KubeProxyConfigurationPreview` (unless Registering),
   * waits for `polling.consecutiveRegisteredReads` consecutive Registered reads (only after a transition this call
   * caused or saw), then re-registers Microsoft.ContainerService and waits for Registered. Fails fast on Pending
   * (approval needed). `refreshProvider: "always"` re-registers the provider in any case (after Azure refused a
   * write with KubeProxyConfigFeatureNotRegistered; see {@link retryOnceAfterPreviewRefresh}).
   * @param options - timeoutInMs, abortSignal, onProgress, refreshProvider
   * @throws {@link FeatureApprovalRequiredError}, {@link FeatureRegistrationTimeoutError}, {@link AbortedError}, {@link UnauthorizedError}
   */
  async enablePreview(options: EnablePreviewOptions & { subscriptionId?: string } = {}): Promise<EnablePreviewResult> {
    const subscriptionId = options.subscriptionId ?? this.subscriptionId;
    return runEnablePreview({ api: this.previewApi(subscriptionId), subscriptionId, polling: this.polling, log: this.log, options });
  }

  private async readCluster(ref: ResolvedClusterRef, abortSignal: AbortSignal | undefined, requestIds?: string[]): Promise<ClusterState> {
    const context = { operation: `read cluster ${clusterLabel(ref)}`, cluster: clusterLabel(ref), subscriptionId: ref.subscriptionId };
    const response = await this.transport.send({ method: "GET", url: this.clusterUrl(ref), context, ...(abortSignal ? { abortSignal } : {}) });
    if (response.requestId) requestIds?.push(response.requestId);
    if (response.status !== 200 || typeof response.body !== "object" || response.body === null) throw this.fail(response, context);
    return toClusterState(response.body as Record<string, unknown>, ref, response.headers.get("etag") ?? undefined);
  }

  /**
   * Reads a cluster through the preview api-version: identity, facts, kubeProxyConfig as returned, effective settings.
   * @param ref - `{ resourceGroup, name }` or `{ id }`
   * @throws {@link ClusterNotFoundError}, {@link UnauthorizedError}, {@link ArmError}
   */
  async getCluster(ref: ClusterRef, options: ReadOptions = {}): Promise<ClusterState> {
    return this.readCluster(resolveClusterRef(ref, this.subscriptionId), options.abortSignal);
  }

  /**
   * Lists clusters of the subscription or of one resource group, following nextLink.
   * @param options - resourceGroup, abortSignal
   */
  async listClusters(options: ListClustersOptions = {}): Promise<ClusterState[]> {
    const subscriptionId = options.subscriptionId ?? this.subscriptionId;
    const scope = options.resourceGroup ? `/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(options.resourceGroup)}` : `/subscriptions/${encodeURIComponent(subscriptionId)}`;
    let url: string | undefined = `${scope}/providers/Microsoft.ContainerService/managedClusters?api-version=${encodeURIComponent(this.apiVersion)}`;
    const context = { operation: `list clusters in ${options.resourceGroup ?? `subscription ${subscriptionId}`}`, subscriptionId };
    const out: ClusterState[] = [];
    for (let page = 0; url && page < 10_000; page++) {
      const response: ArmResponse = await this.transport.send({ method: "GET", url, context, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
      if (response.status !== 200) throw this.fail(response, context);
      const body = (response.body ?? {}) as { value?: unknown[]; nextLink?: string };
      for (const item of body.value ?? []) {
        if (typeof item === "object" && item !== null) out.push(toClusterState(item as Record<string, unknown>, undefined));
      }
      url = typeof body.nextLink === "string" && body.nextLink !== "" ? body.nextLink : undefined;
    }
    return out;
  }

  /**
   * Plans a change without writing: reads the cluster, validates the desired settings, and compares.
   * @param ref - the cluster
   * @param desired - the settings (the whole kubeProxyConfig to have)
   * @throws {@link ValidationError} for invalid settings; read errors as {@link getCluster}
   */
  async plan(ref: ClusterRef, desired: KubeProxyConfig, options: PlanOptions = {}): Promise<KubeProxyPlan> {
    const { settings, warnings } = parseKubeProxySettings(desired, { source: "desired kubeProxyConfig" });
    const cluster = await this.getCluster(ref, options);
    const plan = planKubeProxyChange({ cluster, desired: settings, apiVersion: this.apiVersion, ...(options.allowDisable !== undefined ? { allowDisable: options.allowDisable } : {}) });
    return warnings.length ? { ...plan, warnings: [...warnings, ...plan.warnings] } : plan;
  }

  /**
   * Waits for a long-running operation given by its `Azure-AsyncOperation` (or `Location`) URL.
   * @param operationUrl - the URL, exactly as Azure returned it (must be on the ARM endpoint)
   * @throws {@link OperationFailedError}, {@link OperationTimeoutError}, {@link AbortedError}
   */
  async waitForOperation(operationUrl: string, options: WaitForOperationOptions = {}): Promise<void> {
    await this.waitFor({ url: operationUrl, kind: "azure-async-operation" }, new Deadline(options.timeoutInMs ?? DEFAULT_TIMEOUT_IN_MS), options, [], { operation: "wait for operation" }, undefined);
  }

  private async waitFor(operation: OperationHandle, deadline: Deadline, options: WaitForOperationOptions, requestIds: string[], context: ArmErrorContext, initialRetryAfterInMs: number | undefined): Promise<void> {
    this.transport.resolveUrl(operation.url);
    await waitForArmOperation({
      transport: this.transport,
      operation,
      deadline,
      polling: this.polling,
      requestIds,
      context,
      log: this.log,
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(initialRetryAfterInMs !== undefined ? { initialRetryAfterInMs } : {}),
    });
  }

  /**
   * Converges a cluster's kube-proxy settings: read, validate and plan; if anything differs, PUT the cluster's raw JSON
   * with only `networkProfile.kubeProxyConfig` replaced (If-Match on the etag when there is one), wait for the
   * operation, read back and verify. A converged cluster gets no write. 409 OperationNotAllowed and non-terminal
   * provisioningStates are waited out within the timeout; a 412 re-reads and retries once; 429, 5xx and dropped
   * connections are retried by the pipeline.
   * @param ref - the cluster
   * @param desired - the whole kubeProxyConfig to have
   * @param options - allowDisable, timeoutInMs, abortSignal, onProgress, resumeOperationUrl
   * @throws {@link ValidationError}, {@link PlanBlockedError} (before any write), {@link PreviewNotEnabledError},
   * {@link SettingsRejectedError}, {@link ClusterBusyError}, {@link PreconditionFailedError}, {@link OperationFailedError},
   * {@link OperationTimeoutError}, {@link VerificationFailedError}, {@link AbortedError}
   */
  async apply(ref: ClusterRef, desired: KubeProxyConfig, options: ApplyOptions = {}): Promise<ApplyResult> {
    const { settings, warnings: parseWarnings } = parseKubeProxySettings(desired, { source: "desired kubeProxyConfig" });
    const resolved = resolveClusterRef(ref, this.subscriptionId);
    const label = clusterLabel(resolved);
    const deadline = new Deadline(options.timeoutInMs ?? DEFAULT_TIMEOUT_IN_MS);
    const { abortSignal, onProgress } = options;
    const requestIds: string[] = [];
    const context = { operation: `update kubeProxyConfig of ${label}`, cluster: label, subscriptionId: resolved.subscriptionId };
    let operationUrl: string | undefined;
    let changed = false;
    let writes = 0;
    let firstPlan: KubeProxyPlan | undefined;
    let preconditionRetried = false;

    if (options.resumeOperationUrl) {
      operationUrl = options.resumeOperationUrl;
      report(onProgress, { phase: "accepted", operationUrl });
      await this.waitFor({ url: operationUrl, kind: "azure-async-operation" }, deadline, options, requestIds, context, undefined);
      changed = true;
    }

    for (let attempt = 0; ; attempt++) {
      throwIfAborted(abortSignal, `updating ${label}`);
      report(onProgress, { phase: "reading" });
      const cluster = await this.readCluster(resolved, abortSignal, requestIds);
      const plan = planKubeProxyChange({ cluster, desired: settings, apiVersion: this.apiVersion, ...(options.allowDisable !== undefined ? { allowDisable: options.allowDisable } : {}) });
      if (!firstPlan) firstPlan = parseWarnings.length ? { ...plan, warnings: [...parseWarnings, ...plan.warnings] } : plan;
      if (plan.blockers.length > 0) throw new PlanBlockedError(plan.blockers, label);
      if (!plan.hasChanges) {
        if (changed) report(onProgress, { phase: "verifying" });
        return { changed, plan: firstPlan, before: firstPlan.current, after: plan.current, durationInMs: deadline.elapsedInMs(), requestIds, cluster, writes, ...(operationUrl ? { operationUrl } : {}) };
      }
      if (changed && writes > 0) {
        // We wrote, the operation succeeded, yet the cluster reports something else.
        throw new VerificationFailedError(
          `${label}: the update succeeded but the cluster reports ${JSON.stringify(plan.current)} instead of ${JSON.stringify(plan.desiredEffective)} (${plan.changes.map((c) => c.path).join(", ")} differ). Another writer may have changed it; run plan to see, then apply again.`,
        );
      }
      const state = cluster.provisioningState;
      if (!isTerminalProvisioningState(state)) {
        await this.waitOutBusy(label, `provisioningState is ${state}`, deadline, attempt, undefined, abortSignal, onProgress, { phase: "waiting-for-cluster", provisioningState: state ?? "Unknown" });
        continue;
      }

      const raw = rawClusterOf(cluster);
      if (!raw) throw new VerificationFailedError(`${label}: internal error, the raw cluster JSON is missing.`);
      const body = deepClone(raw);
      const properties = (body["properties"] ??= {}) as Record<string, unknown>;
      const networkProfile = (properties["networkProfile"] ??= {}) as Record<string, unknown>;
      networkProfile["kubeProxyConfig"] = deepClone(settings);

      report(onProgress, { phase: "writing" });
      this.log.info(`${label}: writing kubeProxyConfig ${JSON.stringify(settings)} (${plan.changes.map((c) => c.path).join(", ")})`);
      writes++;
      const response = await this.transport.send({
        method: "PUT",
        url: this.clusterUrl(resolved),
        body,
        headers: cluster.etag ? { "if-match": cluster.etag } : {},
        context,
        ...(abortSignal ? { abortSignal } : {}),
      });
      if (response.requestId) requestIds.push(response.requestId);

      if (response.status === 200 || response.status === 201 || response.status === 202) {
        const operation = operationFromHeaders(response.headers);
        operationUrl = operation?.url;
        report(onProgress, { phase: "accepted", ...(operationUrl ? { operationUrl } : {}), ...(response.requestId ? { requestId: response.requestId } : {}) });
        changed = true;
        if (operation) {
          await this.waitFor(operation, deadline, options, requestIds, context, parseRetryAfterInMs(response.headers));
        }
        report(onProgress, { phase: "verifying" });
        // Next iteration re-reads; a non-terminal state is waited out there, a mismatch fails verification.
        continue;
      }

      const error = this.fail(response, context);
      if (error.code === "ClusterBusy") {
        writes--;
        await this.waitOutBusy(label, `another operation is in progress (${error.armCode ?? "409"})`, deadline, attempt, parseRetryAfterInMs(response.headers), abortSignal, onProgress, undefined, error);
        continue;
      }
      if (error.code === "PreconditionFailed" && !preconditionRetried) {
        // Decided: one re-read and re-plan, then a second 412 is surfaced. The cluster changed between our read and
        // our write; writing on top of the fresh state is what the caller asked for, but looping could fight another writer.
        writes--;
        preconditionRetried = true;
        this.log.warning(`${label}: etag changed between read and write (412); re-reading once`);
        report(onProgress, { phase: "retrying", reason: "the cluster changed since it was read (412)", delayInMs: 0 });
        continue;
      }
      if (error.code === "PreconditionFailed") {
        throw new PreconditionFailedError(`${label} changed again between our read and write (412 twice). Another writer is active; run again when it is done.`, {
          statusCode: 412,
          ...(error.requestId ? { requestId: error.requestId } : {}),
          ...(error.armCode ? { armCode: error.armCode } : {}),
        });
      }
      throw error;
    }
  }

  private async waitOutBusy(
    label: string,
    why: string,
    deadline: Deadline,
    attempt: number,
    retryAfterInMs: number | undefined,
    abortSignal: AbortSignal | undefined,
    onProgress: ((e: ApplyProgress) => void) | undefined,
    event: ApplyProgress | undefined,
    cause?: KubeProxyError,
  ): Promise<void> {
    const remaining = deadline.remainingInMs();
    if (remaining <= 0) {
      throw new ClusterBusyError(`${label} is still busy after ${formatDuration(deadline.elapsedInMs())}: ${why}. Wait for the running operation (az aks show --query provisioningState) and run again, or raise the timeout.`, {
        ...(cause?.armCode ? { armCode: cause.armCode } : {}),
        ...(cause?.requestId ? { requestId: cause.requestId } : {}),
        ...(cause?.statusCode ? { statusCode: cause.statusCode } : {}),
      });
    }
    const delayInMs = Math.min(nextPollDelayInMs({ attempt, retryAfterInMs, polling: this.polling }), remaining);
    this.log.info(`${label}: ${why}; waiting ${formatDuration(delayInMs)}`);
    report(onProgress, event ?? { phase: "retrying", reason: why, delayInMs });
    await sleep(delayInMs, abortSignal, `waiting for ${label} (${why})`);
  }

  /**
   * Creates a cluster with a minimal valid body plus the kube-proxy settings, and waits for the operation.
   * Refuses to touch an existing cluster.
   * @param options - resource group, name, location, version, node count, settings, timeout, abortSignal, onProgress
   * @throws {@link ClusterExistsError}, {@link PlanBlockedError}, {@link PreviewNotEnabledError}, {@link OperationFailedError}...
   */
  async createCluster(options: CreateClusterOptions): Promise<ClusterState> {
    const resolved = resolveClusterRef({ resourceGroup: options.resourceGroup, name: options.name, ...(options.subscriptionId ? { subscriptionId: options.subscriptionId } : {}) }, this.subscriptionId);
    const label = clusterLabel(resolved);
    const deadline = new Deadline(options.timeoutInMs ?? DEFAULT_TIMEOUT_IN_MS);
    const context = { operation: `create cluster ${label}`, cluster: label, subscriptionId: resolved.subscriptionId };
    let settings: KubeProxyConfig | undefined;
    if (options.kubeProxyConfig !== undefined) {
      settings = parseKubeProxySettings(options.kubeProxyConfig, { source: "kubeProxyConfig" }).settings;
      const networkPlugin = options.networkPlugin ?? "azure";
      const blockers = checkKubeProxyRules({
        facts: { networkPlugin, ...(options.networkPolicy ? { networkPolicy: options.networkPolicy } : {}), ...(options.kubernetesVersion ? { kubernetesVersion: options.kubernetesVersion } : {}) },
        current: effectiveKubeProxySettings(undefined),
        desired: settings,
        apiVersion: this.apiVersion,
        ...(options.allowDisable !== undefined ? { allowDisable: options.allowDisable } : {}),
      }).filter((f) => f.severity === "blocker");
      if (blockers.length) throw new PlanBlockedError(blockers, label);
    }
    const nodeCount = options.nodeCount ?? 1;
    if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 1000) {
      throw new ValidationError(`nodeCount must be an integer from 1 to 1000, found ${nodeCount}.`, [{ path: "nodeCount", message: "out of range", found: nodeCount, allowed: "1..1000" }]);
    }
    report(options.onProgress, { phase: "reading" });
    const existing = await this.transport.send({ method: "GET", url: this.clusterUrl(resolved), context, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
    if (existing.status === 200) {
      throw new ClusterExistsError(`Cluster ${label} already exists; createCluster never modifies an existing cluster. Use apply to change its kube-proxy settings, or delete it first.`);
    }
    if (existing.status !== 404) throw this.fail(existing, context);

    const dnsPrefix = `${options.name}`.replace(/[^a-zA-Z0-9-]/g, "-").replace(/^-+|-+$/g, "").slice(0, 45) || "aks";
    const networkProfile: Record<string, unknown> = { networkPlugin: options.networkPlugin ?? "azure" };
    if (options.networkPolicy) networkProfile["networkPolicy"] = options.networkPolicy;
    if (settings) networkProfile["kubeProxyConfig"] = settings;
    const body = {
      location: options.location ?? "westus2",
      ...(options.tags ? { tags: options.tags } : {}),
      identity: { type: "SystemAssigned" },
      properties: {
        ...(options.kubernetesVersion ? { kubernetesVersion: options.kubernetesVersion } : {}),
        dnsPrefix,
        agentPoolProfiles: [{ name: "nodepool1", count: nodeCount, vmSize: options.vmSize ?? "Standard_DS2_v2", osType: "Linux", mode: "System", type: "VirtualMachineScaleSets" }],
        networkProfile,
      },
    };
    report(options.onProgress, { phase: "writing" });
    const response = await this.transport.send({ method: "PUT", url: this.clusterUrl(resolved), body, headers: { "if-none-match": "*" }, context, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
    if (response.status !== 200 && response.status !== 201 && response.status !== 202) throw this.fail(response, context);
    const operation = operationFromHeaders(response.headers);
    report(options.onProgress, { phase: "accepted", ...(operation ? { operationUrl: operation.url } : {}), ...(response.requestId ? { requestId: response.requestId } : {}) });
    if (operation) await this.waitFor(operation, deadline, options, [], context, parseRetryAfterInMs(response.headers));
    report(options.onProgress, { phase: "verifying" });
    return this.readCluster(resolved, options.abortSignal);
  }

  /**
   * Deletes a cluster (202) and, unless `wait: false`, waits for the deletion. A cluster already gone succeeds.
   * @param ref - the cluster
   * @param options - wait, timeoutInMs, abortSignal, onProgress
   */
  async deleteCluster(ref: ClusterRef, options: DeleteClusterOptions = {}): Promise<void> {
    const resolved = resolveClusterRef(ref, this.subscriptionId);
    const label = clusterLabel(resolved);
    const deadline = new Deadline(options.timeoutInMs ?? DEFAULT_TIMEOUT_IN_MS);
    const context = { operation: `delete cluster ${label}`, cluster: label, subscriptionId: resolved.subscriptionId };
    report(options.onProgress, { phase: "writing" });
    const response = await this.transport.send({ method: "DELETE", url: this.clusterUrl(resolved), context, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
    if (response.status === 404 || response.status === 204) return;
    if (response.status !== 200 && response.status !== 202) throw this.fail(response, context);
    const operation = operationFromHeaders(response.headers);
    report(options.onProgress, { phase: "accepted", ...(operation ? { operationUrl: operation.url } : {}), ...(response.requestId ? { requestId: response.requestId } : {}) });
    if (options.wait === false || !operation) return;
    try {
      await this.waitFor(operation, deadline, options, [], context, parseRetryAfterInMs(response.headers));
    } catch (error) {
      // The status URL of a deleted resource may itself be gone.
      if (isKubeProxyError(error) && error.statusCode === 404 && error.code !== "OperationFailed") return;
      throw error;
    }
  }
}
