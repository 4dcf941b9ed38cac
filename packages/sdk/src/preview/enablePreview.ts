/**
 * Enable the preview, fast when it is already enabled and careful when it is not. The one piece of preview logic
 * shared by `apply`, `enable-preview`, rollouts and Pulumi:
 *
 * - One read of the flag (and one of the provider, in parallel). Registered (and the provider Registered): done,
 *   no write, no waiting.
 * - The consecutive-reads rule (the feature store is eventually consistent) applies only after a transition this
 *   run caused (it sent the registration) or saw (a read other than Registered came first).
 * - The provider is refreshed (re-registered) only when the flag just became Registered in this run, when the
 *   provider itself is not Registered, or when the caller asks (`refreshProvider: "always"`: Azure refused a write
 *   with `KubeProxyConfigFeatureNotRegistered`, see {@link retryOnceAfterPreviewRefresh}).
 * @packageDocumentation
 */
import { FEATURE_NAME, PROVIDER_NAMESPACE } from "../constants";
import { FeatureApprovalRequiredError, FeatureRegistrationTimeoutError, isKubeProxyError } from "../errors";
import type { Log } from "../log";
import { Deadline, formatDuration, nextPollDelayInMs, type PollingSettings } from "../poll";
import { StepPoller, type StepPollerDefinition } from "../poller/stepPoller";
import { report, type EnablePreviewProgress } from "../progress";
import type { PreviewApi, StateRead } from "./previewApi";

/** Result of enabling the preview. */
export interface EnablePreviewResult {
  /** Always Registered on success. */
  readonly featureState: "Registered";
  /** Always Registered on success. */
  readonly providerState: "Registered";
  /** True when this call sent the feature registration (false when the flag was already Registered or Registering). */
  readonly featureRegistered: boolean;
  /** True when this call re-registered the provider (the flag just became Registered, the provider was not Registered, or `refreshProvider: "always"`). */
  readonly providerRefreshed: boolean;
  /** How long it took. */
  readonly durationInMs: number;
  /** ARM request ids of the calls made. */
  readonly requestIds: string[];
}

/** Options of enablePreview. */
export interface EnablePreviewOptions {
  /** Overall timeout. @default 3600000 (1 hour; Azure often takes 10-20 minutes) */
  readonly timeoutInMs?: number;
  /** Stops the wait promptly (rejects with AbortedError). */
  readonly abortSignal?: AbortSignal;
  /** Called on each state change of the flag or the provider, and on each counted Registered read. */
  readonly onProgress?: (e: EnablePreviewProgress) => void;
  /**
   * `"when-needed"`: refresh the provider only when the flag became Registered in this call or the provider is not
   * Registered. `"always"`: refresh it in any case (after Azure refused a write with
   * `KubeProxyConfigFeatureNotRegistered`). @default "when-needed"
   */
  readonly refreshProvider?: "when-needed" | "always";
}

const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function approvalError(read: StateRead, subscriptionId: string): FeatureApprovalRequiredError {
  return new FeatureApprovalRequiredError(
    `Feature ${PROVIDER_NAMESPACE}/${FEATURE_NAME} is Pending on subscription ${subscriptionId}: it needs approval by Microsoft, and waiting will not help. Request access (e.g. through a support request), then run enable-preview again; meanwhile az aks commands can use --aks-custom-headers AKSHTTPCustomFeatures=${PROVIDER_NAMESPACE}/${FEATURE_NAME} where allowed.`,
    read.requestId ? { requestId: read.requestId } : {},
  );
}

/**
 * Runs the enable-preview flow.
 * @internal
 */
export async function runEnablePreview(args: { api: PreviewApi; subscriptionId: string; polling: PollingSettings; log: Log; options: EnablePreviewOptions }): Promise<EnablePreviewResult> {
  const { api, subscriptionId, polling, log } = args;
  const { abortSignal, onProgress } = args.options;
  const deadline = new Deadline(args.options.timeoutInMs ?? 3_600_000);
  const requestIds: string[] = [];
  const track = (read: StateRead): StateRead => {
    if (read.requestId) requestIds.push(read.requestId);
    return read;
  };
  const needed = Math.max(1, Math.floor(polling.consecutiveRegisteredReads));
  let lastReported: string | undefined;
  const progress = (step: "feature" | "provider", state: string, extra: Partial<EnablePreviewProgress> = {}): void => {
    // A state is reported once when it changes; while counting, each Registered read is reported with its count.
    const counted = extra.consecutiveRegisteredReads !== undefined && extra.consecutiveRegisteredReads > 0 ? extra.consecutiveRegisteredReads : "";
    const key = `${step}:${state}:${counted}`;
    if (key === lastReported) return;
    const stateChanged = !lastReported?.startsWith(`${step}:${state}:`);
    lastReported = key;
    if (stateChanged) log.info(`${step === "feature" ? `feature ${FEATURE_NAME}` : `provider ${PROVIDER_NAMESPACE}`}: ${state}`);
    report(onProgress, { step, state, elapsedInMs: deadline.elapsedInMs(), ...extra });
  };

  // 1. One read of the flag, and of the provider beside it.
  const [firstRead, firstProvider] = await Promise.all([api.getFeature(abortSignal), api.getProvider(abortSignal)]);
  let read = track(firstRead);
  track(firstProvider);
  const registeredAtFirstRead = eq(read.state, "Registered");
  progress("feature", read.state, registeredAtFirstRead ? {} : { consecutiveRegisteredReads: 0, consecutiveRegisteredReadsNeeded: needed });
  if (eq(read.state, "Pending")) throw approvalError(read, subscriptionId);

  let featureRegistered = false;
  if (!registeredAtFirstRead) {
    // 2. A transition: this run causes it (register) or sees it (Registering, or a flapping store).
    if (!eq(read.state, "Registering")) {
      read = track(await api.registerFeature(abortSignal));
      featureRegistered = true;
      log.info(`registered feature ${FEATURE_NAME} on ${subscriptionId}`);
      progress("feature", read.state);
      if (eq(read.state, "Pending")) throw approvalError(read, subscriptionId);
    }
    // The register answer is not a read of the store: counting starts with the next GET.
    const feature = new StepPoller(
      featureRegistrationPoller({ api, needed, polling, subscriptionId, track, progress }),
      { read, consecutive: 0 },
      { polling, deadline, initialDelayInMs: nextPollDelayInMs({ attempt: 0, retryAfterInMs: read.retryAfterInMs, polling }) },
    );
    await feature.pollUntilDone({ abortSignal });
  }

  // 3. The provider refresh: after the flag became Registered in this run, or when asked, or when it is not Registered.
  const refresh = !registeredAtFirstRead || args.options.refreshProvider === "always" || !eq(firstProvider.state, "Registered");
  if (!refresh) {
    progress("provider", firstProvider.state);
    return { featureState: "Registered", providerState: "Registered", featureRegistered, providerRefreshed: false, durationInMs: deadline.elapsedInMs(), requestIds };
  }
  const provider = track(await api.registerProvider(abortSignal));
  log.info(`re-registered provider ${PROVIDER_NAMESPACE} on ${subscriptionId}`);
  lastReported = undefined;
  progress("provider", provider.state);
  if (!eq(provider.state, "Registered")) {
    const providerWait = new StepPoller(providerRefreshPoller({ api, track, progress }), { read: provider }, {
      polling,
      deadline,
      initialDelayInMs: nextPollDelayInMs({ attempt: 0, retryAfterInMs: provider.retryAfterInMs, polling }),
    });
    await providerWait.pollUntilDone({ abortSignal });
  }

  return { featureState: "Registered", providerState: "Registered", featureRegistered, providerRefreshed: true, durationInMs: deadline.elapsedInMs(), requestIds };
}

/** The feature registration wait: the last read and how many consecutive Registered reads were counted. @internal */
export interface FeatureWaitState {
  readonly read: StateRead;
  readonly consecutive: number;
}

interface WaitDeps {
  readonly api: PreviewApi;
  readonly track: (read: StateRead) => StateRead;
  readonly progress: (step: "feature" | "provider", state: string, extra?: Partial<EnablePreviewProgress>) => void;
}

/**
 * The feature registration wait as a {@link StepPollerDefinition}: each step reads the flag; it is done after `needed`
 * consecutive Registered reads (the feature store is eventually consistent). While counting, reads come at the base
 * interval (or the server's Retry-After, clamped); otherwise with the backoff. A Pending flag ends the wait at once.
 * @internal
 */
export function featureRegistrationPoller(deps: WaitDeps & { needed: number; polling: PollingSettings; subscriptionId: string }): StepPollerDefinition<FeatureWaitState, FeatureWaitState> {
  const { api, track, progress, needed, polling, subscriptionId } = deps;
  return {
    kind: "feature-registration",
    waitingFor: ({ read }) => `waiting for feature ${FEATURE_NAME} (state ${read.state})`,
    // The first wait (after the register answer or a Registering read) is attempt 0; the waits after reads follow on.
    backoffAttempt: (waitIndex) => waitIndex + 1,
    timeoutError: ({ read, consecutive }, elapsedInMs) =>
      new FeatureRegistrationTimeoutError(
        `Feature ${PROVIDER_NAMESPACE}/${FEATURE_NAME} is still ${read.state}${consecutive > 0 ? ` (${consecutive} of ${needed} consecutive Registered reads)` : ""} after ${formatDuration(elapsedInMs)}. Azure often takes 10-20 minutes. Run enable-preview again later (it resumes: a Registered or Registering flag is not registered again); check with: az feature show --namespace ${PROVIDER_NAMESPACE} --name ${FEATURE_NAME}`,
        { step: "feature", lastState: read.state },
      ),
    async step(state, abortSignal) {
      const read = track(await api.getFeature(abortSignal));
      const consecutive = eq(read.state, "Registered") ? state.consecutive + 1 : 0;
      progress("feature", read.state, { consecutiveRegisteredReads: consecutive, consecutiveRegisteredReadsNeeded: needed });
      if (eq(read.state, "Pending")) throw approvalError(read, subscriptionId);
      const next = { read, consecutive };
      if (consecutive >= needed) return { done: true, state: next, result: next };
      // While counting Registered reads, poll at the base interval; otherwise back off.
      const delayInMs = consecutive > 0 ? Math.min(Math.max(read.retryAfterInMs ?? 0, polling.intervalInMs), polling.maxRetryAfterInMs) : undefined;
      return { done: false, state: next, retryAfterInMs: read.retryAfterInMs, delayInMs };
    },
  };
}

/** The provider refresh wait: the provider's last read. @internal */
export interface ProviderWaitState {
  readonly read: StateRead;
}

/**
 * The provider refresh wait as a {@link StepPollerDefinition}: each step reads the provider until it is Registered.
 * @internal
 */
export function providerRefreshPoller(deps: WaitDeps): StepPollerDefinition<ProviderWaitState, ProviderWaitState> {
  const { api, track, progress } = deps;
  return {
    kind: "provider-refresh",
    waitingFor: ({ read }) => `waiting for provider ${PROVIDER_NAMESPACE} (state ${read.state})`,
    backoffAttempt: (waitIndex) => waitIndex + 1,
    timeoutError: ({ read }, elapsedInMs) =>
      new FeatureRegistrationTimeoutError(
        `Provider ${PROVIDER_NAMESPACE} is still ${read.state} after ${formatDuration(elapsedInMs)} (the feature flag is Registered). Run enable-preview again later; check with: az provider show --namespace ${PROVIDER_NAMESPACE} --query registrationState`,
        { step: "provider", lastState: read.state },
      ),
    async step(_state, abortSignal) {
      const read = track(await api.getProvider(abortSignal));
      progress("provider", read.state);
      return eq(read.state, "Registered") ? { done: true, state: { read }, result: { read } } : { done: false, state: { read }, retryAfterInMs: read.retryAfterInMs };
    },
  };
}

/**
 * True when `error` is Azure refusing a write because the preview is not enabled (`KubeProxyConfigFeatureNotRegistered`,
 * the SDK's `PreviewNotEnabled`).
 * @param error - anything caught
 */
export function isPreviewNotEnabledError(error: unknown): boolean {
  return isKubeProxyError(error) && (error.code === "PreviewNotEnabled" || error.armCode === "KubeProxyConfigFeatureNotRegistered");
}

/**
 * Runs a write; when Azure refuses it with `KubeProxyConfigFeatureNotRegistered`, refreshes the preview (the flag
 * is registered and waited for if needed, the provider is always re-registered) and runs the write once more. A
 * second refusal is thrown as it is.
 * @param args - `write` (the call to make), `refresh` (enables the preview with `refreshProvider: "always"`)
 */
export async function retryOnceAfterPreviewRefresh<T>(args: { write: () => Promise<T>; refresh: () => Promise<unknown> }): Promise<T> {
  try {
    return await args.write();
  } catch (error) {
    if (!isPreviewNotEnabledError(error)) throw error;
    await args.refresh();
    return args.write();
  }
}
