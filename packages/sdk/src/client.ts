/**
 * `KubeProxyClient`, the façade: enables the preview, reads and lists clusters, plans, and starts applies (the apply
 * poller lives in apply/, cluster create and delete in cluster/). Every call goes through the Azure SDK client's pipeline.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { FeatureClient } from "@azure/arm-features";
import { ResourceManagementClient } from "@azure/arm-resources";
import type { TokenCredential } from "@azure/core-auth";
import { assertSupportedApiVersion } from "./apiVersion";
import { StepPoller } from "./poller/stepPoller";
import { initialApplyState, ApplyPollerImpl, type ApplyPoller, type ApplyPollerOptions } from "./apply/poller";
import type { ApplyResult } from "./apply/result";
import { parseApplyState } from "./apply/state";
import type { ArmErrorContext } from "./arm/errors";
import { operationKindOfUrl, waitForArmOperation } from "./arm/lro";
import { buildPipelineOptions, DEFAULT_RETRY } from "./arm/pipeline";
import { ArmTransport, type ArmResponse } from "./arm/transport";
import { ClusterApi, clusterLabel } from "./cluster/clusterApi";
import { createClusterWithSettings } from "./cluster/create";
import { deleteManagedCluster } from "./cluster/delete";
import { resolveCloud } from "./cloud";
import { clusterPath, parseClusterId, resolveClusterRef, type ClusterRef, type ResolvedClusterRef } from "./clusterRef";
import { rawClusterOf, toClusterState, type ClusterState } from "./clusterState";
import { DEFAULT_API_VERSION } from "./constants";
import { runDataPlaneCheck, runDataPlaneWait, type DataPlaneDeps, type DataPlaneResult, type VerifyDataPlaneOptions, type WaitForDataPlaneOptions } from "./dataPlane/verify";
import { createCredential } from "./credential";
import { ClusterBusyError, isKubeProxyError, OperationTimeoutError, PlanBlockedError, ValidationError, type KubeProxyError } from "./errors";
import { createLog, type Log } from "./log";
import { planKubeProxyChange, type KubeProxyPlan } from "./plan";
import { Deadline, deadlineSignal, DEFAULT_POLLING, formatDuration, nextPollDelayInMs, assertTimeoutInMs, withDeadline, type PollingSettings } from "./poll";
import { runEnablePreview, type EnablePreviewOptions, type EnablePreviewResult } from "./preview/enablePreview";
import { createPreviewApi, type PreviewApi } from "./preview/previewApi";
import { report } from "./progress";
import { parseKubeProxySettings } from "./settings/parse";
import type {
  ApplyOptions,
  CreateClusterOptions,
  DeleteClusterOptions,
  KubeProxyClientOptions,
  ListClustersOptions,
  PlanOptions,
  PreviewStatus,
  ReadOptions,
  WaitForOperationOptions,
} from "./clientOptions";

const DEFAULT_TIMEOUT_IN_MS = 3_600_000;

/** True for a {@link KubeProxyPlan} (the `beginApply(plan)` overload), false for a cluster reference. */
function isKubeProxyPlan(x: ClusterRef | KubeProxyPlan): x is KubeProxyPlan {
  return typeof x === "object" && x !== null && "convergence" in x && "cluster" in x && "desired" in x;
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
  private readonly api: ClusterApi;
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
    this.api = new ClusterApi(this.transport, this.apiVersion, this.polling, this.log);
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

  private fail(response: ArmResponse, context: ArmErrorContext): KubeProxyError {
    return this.api.fail(response, context);
  }

  /**
   * Reads the feature flag's and the provider's state.
   * @param options - abortSignal, timeoutInMs, subscriptionId
   * @throws {@link OperationTimeoutError} when `timeoutInMs` passes before Azure answered
   */
  async getPreviewStatus(options: ReadOptions & { subscriptionId?: string } = {}): Promise<PreviewStatus> {
    const subscriptionId = options.subscriptionId ?? this.subscriptionId;
    const api = this.previewApi(subscriptionId);
    return withDeadline({ timeoutInMs: options.timeoutInMs, abortSignal: options.abortSignal, what: `Reading the preview's state in subscription ${subscriptionId}` }, async (abortSignal) => {
      const [feature, provider] = await Promise.all([api.getFeature(abortSignal), api.getProvider(abortSignal)]);
      return { featureState: feature.state, providerState: provider.state };
    });
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

  /**
   * Reads a cluster through the preview api-version: identity, facts, kubeProxyConfig as returned, effective settings.
   * @param ref - `{ resourceGroup, name }` or `{ id }`
   * @param options - abortSignal, timeoutInMs
   * @throws {@link ClusterNotFoundError}, {@link UnauthorizedError}, {@link ArmError}; {@link OperationTimeoutError} when
   *   `timeoutInMs` passes before Azure answered
   */
  async getCluster(ref: ClusterRef, options: ReadOptions = {}): Promise<ClusterState> {
    const resolved = resolveClusterRef(ref, this.subscriptionId);
    return withDeadline({ timeoutInMs: options.timeoutInMs, abortSignal: options.abortSignal, what: `Reading ${clusterLabel(resolved)}` }, (abortSignal) => this.api.read(resolved, abortSignal));
  }

  /**
   * Lists clusters of the subscription or of one resource group, following nextLink.
   * @param options - resourceGroup, subscriptionId, abortSignal, timeoutInMs (bounds every page together)
   * @throws {@link OperationTimeoutError} when `timeoutInMs` passes before every page was answered
   */
  async listClusters(options: ListClustersOptions = {}): Promise<ClusterState[]> {
    const subscriptionId = options.subscriptionId ?? this.subscriptionId;
    const scope = options.resourceGroup ? `/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(options.resourceGroup)}` : `/subscriptions/${encodeURIComponent(subscriptionId)}`;
    let url: string | undefined = `${scope}/providers/Microsoft.ContainerService/managedClusters?api-version=${encodeURIComponent(this.apiVersion)}`;
    const where = options.resourceGroup ? `resource group ${options.resourceGroup}` : `subscription ${subscriptionId}`;
    const context = { operation: `list clusters in ${options.resourceGroup ?? `subscription ${subscriptionId}`}`, subscriptionId };
    return withDeadline({ timeoutInMs: options.timeoutInMs, abortSignal: options.abortSignal, what: `Listing the clusters of ${where}` }, async (abortSignal) => {
      const out: ClusterState[] = [];
      for (let page = 0; url && page < 10_000; page++) {
        const response: ArmResponse = await this.transport.send({ method: "GET", url, context, ...(abortSignal ? { abortSignal } : {}) });
        if (response.status !== 200) throw this.fail(response, context);
        const body = (response.body ?? {}) as { value?: unknown[]; nextLink?: string };
        for (const item of body.value ?? []) {
          if (typeof item === "object" && item !== null) out.push(toClusterState(item as Record<string, unknown>, undefined));
        }
        url = typeof body.nextLink === "string" && body.nextLink !== "" ? body.nextLink : undefined;
      }
      return out;
    });
  }

  /**
   * Plans a change without writing: reads the cluster, validates the desired settings, and classifies it
   * ({@link KubeProxyPlan.convergence}). A cluster with an operation in flight is waited for (up to
   * `waitForOperationInMs`) and then read again: its settings mean nothing until that operation ends. A Failed or
   * Canceled cluster plans a reconcile (`hasChanges` true) even with the desired settings. `timeoutInMs` bounds it all,
   * the reads included (a read Azure does not answer in time is given up); when it passes while an operation is still
   * in flight, the plan of the last read is returned, and it is not converged (`hasChanges` true, `converged` false).
   * @param ref - the cluster
   * @param desired - the settings (the whole kubeProxyConfig to have)
   * @param options - allowDisable, waitForOperationInMs, timeoutInMs, abortSignal, onProgress
   * @throws {@link ValidationError} for invalid settings or options; {@link OperationTimeoutError} when `timeoutInMs`
   *   passes before a read answered; {@link AbortedError}; {@link UnknownClusterStateError}; read errors as {@link getCluster}
   */
  async plan(ref: ClusterRef, desired: KubeProxyConfig, options: PlanOptions = {}): Promise<KubeProxyPlan> {
    const { settings, warnings } = parseKubeProxySettings(desired, { source: "desired kubeProxyConfig" });
    const resolved = resolveClusterRef(ref, this.subscriptionId);
    const withWarnings = (plan: KubeProxyPlan): KubeProxyPlan => (warnings.length ? { ...plan, warnings: [...warnings, ...plan.warnings] } : plan);
    const { timeoutInMs } = options;
    if (timeoutInMs === undefined) return withWarnings(await this.planCluster(resolved, settings, options, options.abortSignal));
    assertTimeoutInMs(timeoutInMs);
    const bound = deadlineSignal(timeoutInMs, options.abortSignal);
    let lastInFlight: KubeProxyPlan | undefined;
    try {
      return withWarnings(await this.planCluster(resolved, settings, options, bound.signal, (plan) => (lastInFlight = plan)));
    } catch (error) {
      if (bound.timedOut() && isKubeProxyError(error) && error.code === "Aborted") {
        if (lastInFlight) return withWarnings(lastInFlight);
        throw new OperationTimeoutError(
          `Planning ${clusterLabel(resolved)} timed out after ${formatDuration(timeoutInMs)}: Azure Resource Manager had not answered the read of the cluster. Nothing was written. Run again, or allow a longer timeout.`,
          { lastState: "reading the cluster" },
        );
      }
      throw error;
    } finally {
      bound.dispose();
    }
  }

  /** Reads and plans, waiting (up to `waitForOperationInMs`) while an operation is in flight; `onInFlight` sees each in-flight plan. */
  private async planCluster(
    resolved: ResolvedClusterRef,
    settings: KubeProxyConfig,
    options: PlanOptions,
    abortSignal: AbortSignal | undefined,
    onInFlight?: (plan: KubeProxyPlan) => void,
  ): Promise<KubeProxyPlan> {
    const deadline = new Deadline(options.waitForOperationInMs ?? DEFAULT_TIMEOUT_IN_MS);
    // A wait on the one poller: each step reads and plans; an in-flight plan waits (the backoff, cut to the time left)
    // until the deadline, where the last in-flight plan is the answer (never "converged").
    const poller = new StepPoller<{ readonly attempt: number }, KubeProxyPlan>(
      {
        kind: "in-flight-wait",
        waitingFor: () => `waiting for ${clusterLabel(resolved)}`,
        // Never reached (no poller deadline): the step returns its last plan at the deadline.
        timeoutError: () => new Error("unreachable: the in-flight wait returns its last plan at its deadline"),
        step: async ({ attempt }, signal) => {
          const cluster = await this.api.read(resolved, signal);
          const plan = planKubeProxyChange({ cluster, desired: settings, apiVersion: this.apiVersion, ...(options.allowDisable !== undefined ? { allowDisable: options.allowDisable } : {}) });
          if (plan.convergence.kind !== "in-flight" || deadline.expired()) return { done: true, state: { attempt }, result: plan };
          onInFlight?.(plan);
          report(options.onProgress, { phase: "waiting-for-cluster", provisioningState: plan.convergence.provisioningState });
          const delayInMs = Math.min(nextPollDelayInMs({ attempt, retryAfterInMs: undefined, polling: this.polling }), deadline.remainingInMs());
          return { done: false, state: { attempt: attempt + 1 }, delayInMs };
        },
      },
      { attempt: 0 },
      { polling: this.polling },
    );
    return poller.pollUntilDone({ abortSignal });
  }

  /**
   * Waits for a long-running operation given by its `Azure-AsyncOperation` or `Location` URL (a `…/operationresults/…`
   * URL is a Location URL; either answer shape is understood).
   * @param operationUrl - the URL, exactly as Azure returned it (must be on the ARM endpoint)
   * @throws {@link OperationFailedError}, {@link OperationTimeoutError}, {@link AbortedError}
   */
  async waitForOperation(operationUrl: string, options: WaitForOperationOptions = {}): Promise<void> {
    this.transport.resolveUrl(operationUrl);
    const timeoutInMs = options.timeoutInMs ?? DEFAULT_TIMEOUT_IN_MS;
    assertTimeoutInMs(timeoutInMs);
    // The deadline also aborts a status GET Azure never answers (the poll's own deadline is checked between polls).
    await withDeadline(
      {
        timeoutInMs,
        abortSignal: options.abortSignal,
        what: `Waiting for the operation ${operationUrl}`,
        unanswered: "Azure had not answered its status",
        next: "Nothing was written; the operation goes on in Azure. Run again, or allow a longer timeout.",
        details: { lastState: "reading the operation's status", operationUrl },
      },
      (abortSignal) =>
        waitForArmOperation({
          transport: this.transport,
          operation: { url: operationUrl, kind: operationKindOfUrl(operationUrl) },
          deadline: new Deadline(timeoutInMs),
          polling: this.polling,
          requestIds: [],
          context: { operation: "wait for operation" },
          log: this.log,
          ...(abortSignal ? { abortSignal } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        }),
    );
  }

  /**
   * Starts converging a cluster's kube-proxy settings and returns a poller (`@azure/core-lro` `PollerLike`): await it
   * or call `pollUntilDone({ abortSignal })`. It reads and classifies the cluster ({@link classifyConvergence}): an
   * operation in flight is waited for, never written over; a converged cluster gets no write; a drifted cluster, or a
   * Failed/Canceled one (a reconcile), gets one PUT of its raw JSON with only `networkProfile.kubeProxyConfig` replaced,
   * with If-Match on the eTag read (refused without an eTag unless `allowWriteWithoutEtag`); the operation is followed
   * and the cluster read back until Azure says Succeeded with the desired settings. 409 (OperationNotAllowed,
   * EtagMismatch) waits, re-reads and re-plans (at most {@link MAX_CONFLICT_REPLANS} times); 412 re-reads (at most
   * {@link MAX_PRECONDITION_REPLANS}). `timeoutInMs` bounds everything, retries and throttling included. `serialize()`
   * gives the state to {@link restoreApplyPoller} in another process; `beforeWrite` lets a caller persist it before each PUT.
   * @param ref - the cluster
   * @param desired - the whole kubeProxyConfig to have
   * @param options - allowDisable, allowWriteWithoutEtag, timeoutInMs, abortSignal, onProgress, beforeWrite, resumeOperationUrl
   * @throws {@link ValidationError} at once for invalid settings; the poller rejects with the errors listed at {@link apply}
   */
  beginApply(ref: ClusterRef, desired: KubeProxyConfig, options?: ApplyOptions): ApplyPoller;
  /**
   * Applies exactly a plan ({@link plan}, or a saved plan's {@link plansOfSavedPlan}): writes the plan's desired
   * settings over the plan's own read, with `If-Match` on the eTag of that read. A plan read in this process is written
   * at once (its first request is the PUT, no second read); a saved plan's cluster is read first. If the cluster moved
   * since the plan (its eTag, settings or provisioningState differ; or the PUT is answered 412 and a read shows it
   * moved), nothing is written and the poller rejects with {@link PlanStaleError} naming what changed: plan again. A
   * converged plan writes nothing (after one read that shows it still stands). `resumeOperationUrl` is ignored.
   * @param plan - the plan to apply
   * @param options - allowDisable (as planned), allowWriteWithoutEtag, timeoutInMs, abortSignal, onProgress, beforeWrite
   * @throws {@link PlanBlockedError} at once for a blocked plan; {@link ClusterBusyError} at once for a plan made while
   *   an operation was in flight (plan again once it ended)
   */
  beginApply(plan: KubeProxyPlan, options?: ApplyOptions): ApplyPoller;
  beginApply(refOrPlan: ClusterRef | KubeProxyPlan, desiredOrOptions?: KubeProxyConfig | ApplyOptions, maybeOptions?: ApplyOptions): ApplyPoller {
    if (isKubeProxyPlan(refOrPlan)) return this.beginApplyPlan(refOrPlan, (desiredOrOptions as ApplyOptions | undefined) ?? {});
    return this.beginConverge(refOrPlan, desiredOrOptions as KubeProxyConfig, maybeOptions ?? {});
  }

  private beginApplyPlan(plan: KubeProxyPlan, options: ApplyOptions): ApplyPoller {
    const c = plan.cluster;
    const label = `${c.resourceGroup}/${c.name}`;
    if (plan.blockers.length > 0) throw new PlanBlockedError(plan.blockers, label);
    if (plan.convergence.kind === "in-flight") {
      throw new ClusterBusyError(`${label}: the plan was made while an operation was in flight (provisioningState ${plan.convergence.provisioningState}); its result decides what is left to do. Nothing was written. Wait for the operation to end, plan again and apply the new plan.`);
    }
    const resolved = c.id ? parseClusterId(c.id) : resolveClusterRef({ subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, name: c.name }, this.subscriptionId);
    const allowWriteWithoutEtag = options.allowWriteWithoutEtag ?? false;
    const writeNow = !plan.converged && rawClusterOf(c) !== undefined && (c.etag !== undefined || allowWriteWithoutEtag);
    const state = initialApplyState({
      cluster: resolved,
      desired: plan.desired,
      allowDisable: options.allowDisable ?? false,
      allowWriteWithoutEtag,
      planned: { plan, writeNow },
    });
    return new ApplyPollerImpl({ api: this.api, plan }, state, options);
  }

  private beginConverge(ref: ClusterRef, desired: KubeProxyConfig, options: ApplyOptions): ApplyPoller {
    const { settings, warnings } = parseKubeProxySettings(desired, { source: "desired kubeProxyConfig" });
    const resolved = resolveClusterRef(ref, this.subscriptionId);
    if (options.resumeOperationUrl) this.transport.resolveUrl(options.resumeOperationUrl);
    const state = initialApplyState({
      cluster: resolved,
      desired: settings,
      allowDisable: options.allowDisable ?? false,
      allowWriteWithoutEtag: options.allowWriteWithoutEtag ?? false,
      ...(options.resumeOperationUrl
        ? { operation: { url: options.resumeOperationUrl, kind: operationKindOfUrl(options.resumeOperationUrl) === "location" ? ("Location" as const) : ("Azure-AsyncOperation" as const) } }
        : {}),
    });
    return new ApplyPollerImpl({ api: this.api, parseWarnings: warnings }, state, options);
  }

  /**
   * Re-creates an apply poller from `serialize()` (e.g. saved in a journal by `beforeWrite`), in this or another
   * process. It re-attaches to what may still run: an operation URL is followed (with its kind); a PUT that may have
   * been sent without an answer is never re-sent blindly: the cluster is read and classified from Azure's answer
   * (in flight: wait; converged: done; the eTag unchanged: the PUT never landed, write; Failed with our settings after
   * the eTag moved: our write failed, reported as such).
   * @param serialized - what `serialize()` returned
   * @param options - timeoutInMs, abortSignal, onProgress, beforeWrite
   * @throws {@link ValidationError} when `serialized` is not a serialized apply poller, or names another endpoint's URL
   */
  restoreApplyPoller(serialized: string, options: ApplyPollerOptions = {}): ApplyPoller {
    const state = parseApplyState(serialized);
    if (state.operation) this.transport.resolveUrl(state.operation.url);
    if (state.status === "failed" || state.status === "canceled") {
      // A failed run is not resumed as failed: Azure's answer decides again.
      state.status = "running";
      state.phase = state.operation && state.phase === "operation" ? "operation" : "read";
    }
    return new ApplyPollerImpl({ api: this.api }, state, options);
  }

  /**
   * Converges a cluster's kube-proxy settings: `beginApply(...).pollUntilDone()`.
   * @param ref - the cluster
   * @param desired - the whole kubeProxyConfig to have
   * @param options - allowDisable, allowWriteWithoutEtag, timeoutInMs, abortSignal, onProgress, beforeWrite, resumeOperationUrl
   * @throws {@link ValidationError}, {@link PlanBlockedError} (before any write), {@link PreviewNotEnabledError},
   * {@link SettingsRejectedError}, {@link ClusterBusyError}, {@link PreconditionFailedError}, {@link OperationFailedError},
   * {@link OperationTimeoutError}, {@link VerificationFailedError}, {@link EtagUnavailableError}, {@link ThrottledError},
   * {@link UnknownClusterStateError}, {@link AbortedError}. After Azure accepted a write, the error carries
   * `writeAccepted`, `operationUrl` and `resumeState`.
   */
  async apply(ref: ClusterRef, desired: KubeProxyConfig, options?: ApplyOptions): Promise<ApplyResult>;
  /**
   * Applies exactly a plan: `beginApply(plan).pollUntilDone()` (see that overload: stale plans reject with {@link PlanStaleError}).
   * @param plan - the plan
   * @param options - as beginApply
   */
  async apply(plan: KubeProxyPlan, options?: ApplyOptions): Promise<ApplyResult>;
  async apply(refOrPlan: ClusterRef | KubeProxyPlan, desiredOrOptions?: KubeProxyConfig | ApplyOptions, maybeOptions?: ApplyOptions): Promise<ApplyResult> {
    const options = (isKubeProxyPlan(refOrPlan) ? (desiredOrOptions as ApplyOptions | undefined) : maybeOptions) ?? {};
    const poller = isKubeProxyPlan(refOrPlan) ? this.beginApply(refOrPlan, options) : this.beginApply(refOrPlan, desiredOrOptions as KubeProxyConfig, options);
    return poller.pollUntilDone(options.abortSignal ? { abortSignal: options.abortSignal } : {});
  }

  /**
   * Creates a cluster with a minimal valid body plus the kube-proxy settings, and waits for the operation.
   * Refuses to touch an existing cluster; adopts the cluster when the answer to our accepted create was lost.
   * @param options - resource group, name, location, version, node count, settings, timeout, abortSignal, onProgress
   * @throws {@link ClusterExistsError}, {@link PlanBlockedError}, {@link PreviewNotEnabledError}, {@link OperationFailedError}...
   */
  async createCluster(options: CreateClusterOptions): Promise<ClusterState> {
    const ref = resolveClusterRef({ resourceGroup: options.resourceGroup, name: options.name, ...(options.subscriptionId ? { subscriptionId: options.subscriptionId } : {}) }, this.subscriptionId);
    const { resourceGroup: _rg, name: _name, subscriptionId: _sub, timeoutInMs, ...rest } = options;
    return createClusterWithSettings({ api: this.api, ref, ...rest, timeoutInMs: timeoutInMs ?? DEFAULT_TIMEOUT_IN_MS });
  }

  /**
   * Deletes a cluster (202) and, unless `wait: false`, waits for the deletion. A cluster already gone succeeds.
   * @param ref - the cluster
   * @param options - wait, timeoutInMs, abortSignal, onProgress
   */
  async deleteCluster(ref: ClusterRef, options: DeleteClusterOptions = {}): Promise<void> {
    await deleteManagedCluster({
      api: this.api,
      ref: resolveClusterRef(ref, this.subscriptionId),
      wait: options.wait !== false,
      timeoutInMs: options.timeoutInMs ?? DEFAULT_TIMEOUT_IN_MS,
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }

  private dataPlaneDeps(ref: ResolvedClusterRef): DataPlaneDeps {
    return {
      polling: this.polling,
      readCluster: (abortSignal) => this.api.read(ref, abortSignal),
      listCredential: async (kind, abortSignal) => {
        const action = kind === "admin" ? "listClusterAdminCredential" : "listClusterUserCredential";
        const context = { operation: `${action} ${clusterLabel(ref)}`, cluster: clusterLabel(ref), subscriptionId: ref.subscriptionId };
        const url = `${clusterPath(ref)}/${action}?api-version=${encodeURIComponent(this.apiVersion)}`;
        const response = await this.transport.send({ method: "POST", url, context, ...(abortSignal ? { abortSignal } : {}) });
        if (response.status !== 200) throw this.fail(response, context);
        return response.body;
      },
      getToken: async (scope, abortSignal) => {
        const token = await this.credential.getToken(scope, abortSignal ? { abortSignal } : {});
        if (!token?.token) throw new Error(`the credential returned no token for ${scope}`);
        return token.token;
      },
    };
  }

  /**
   * Checks kube-proxy on the cluster's nodes once (reads only): gets the cluster's kubeconfig from ARM
   * (`listClusterUserCredential`, or `listClusterAdminCredential` with `admin`; with Microsoft Entra integration a
   * token for the AKS server application from this client's credential), then reads DaemonSet `kube-system/kube-proxy`,
   * its pods, the nodes and each checked node's `/proxyMode` with `@kubernetes/client-node`, and compares them with
   * the desired settings. The verdict is `converged`, `rolling-out`, `mismatch` or `unreachable` (with the reason and
   * what to do); Windows nodes are listed as skipped.
   * @param ref - the cluster
   * @param desired - the settings the nodes must run; omitted: what Azure reports for the cluster
   * @param options - admin, maxProxyModeNodes, requestTimeoutInMs, abortSignal
   * @throws {@link ClusterNotFoundError}, {@link AbortedError}, ARM read errors; never for an unreachable API server (that is a verdict)
   */
  async verifyDataPlane(ref: ClusterRef, desired?: KubeProxyConfig, options: VerifyDataPlaneOptions = {}): Promise<DataPlaneResult> {
    return runDataPlaneCheck(this.dataPlaneDeps(resolveClusterRef(ref, this.subscriptionId)), desired, options);
  }

  /**
   * Waits until the cluster's data plane converges: {@link verifyDataPlane} again and again (the SDK's poll backoff)
   * while the kube-proxy rollout is in progress. Returns the first result that is not `rolling-out` (`converged`,
   * `mismatch` or `unreachable`: waiting does not change those); throws {@link DataPlaneNotConvergedError} (naming the
   * nodes) when `timeoutInMs` passes. Progress events carry a serialized state; `resumeState` continues a wait with
   * its original deadline. Reads only: re-running it never writes.
   * @param ref - the cluster
   * @param desired - the settings the nodes must run; omitted: what Azure reports
   * @param options - timeoutInMs, onProgress, resumeState, abortSignal, and the options of verifyDataPlane
   */
  async waitForDataPlane(ref: ClusterRef, desired?: KubeProxyConfig, options: WaitForDataPlaneOptions = {}): Promise<DataPlaneResult> {
    const resolved = resolveClusterRef(ref, this.subscriptionId);
    return runDataPlaneWait(this.dataPlaneDeps(resolved), clusterPath(resolved), desired, options);
  }
}
