/**
 * Enable the preview: register the feature flag, wait for N consecutive Registered reads (the feature store is
 * eventually consistent), then re-register Microsoft.ContainerService and wait for Registered. A flag already
 * Registered is not registered again; the provider is always refreshed, because ARM keeps no record of whether an
 * earlier refresh came after the flag became Registered, and a refresh of a registered provider is idempotent.
 * @packageDocumentation
 */
import { FEATURE_NAME, PROVIDER_NAMESPACE } from "../constants";
import { FeatureApprovalRequiredError, FeatureRegistrationTimeoutError } from "../errors";
import type { Log } from "../log";
import { Deadline, formatDuration, nextPollDelayInMs, sleep, type PollingSettings } from "../poll";
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
  /** True when this call re-registered the provider (always, on success). */
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
  /** Called on each state change of the flag or the provider. */
  readonly onProgress?: (e: EnablePreviewProgress) => void;
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

  // 1. The feature flag.
  let read = track(await api.getFeature(abortSignal));
  let lastReported: string | undefined;
  let consecutive = eq(read.state, "Registered") ? 1 : 0;
  const progress = (step: "feature" | "provider", state: string, extra: Partial<EnablePreviewProgress> = {}): void => {
    const key = `${step}:${state}`;
    if (key === lastReported) return;
    lastReported = key;
    log.info(`${step === "feature" ? `feature ${FEATURE_NAME}` : `provider ${PROVIDER_NAMESPACE}`}: ${state}`);
    report(onProgress, { step, state, elapsedInMs: deadline.elapsedInMs(), ...extra });
  };
  progress("feature", read.state, { consecutiveRegisteredReads: consecutive });
  if (eq(read.state, "Pending")) throw approvalError(read, subscriptionId);

  let featureRegistered = false;
  if (!eq(read.state, "Registered") && !eq(read.state, "Registering")) {
    read = track(await api.registerFeature(abortSignal));
    featureRegistered = true;
    log.info(`registered feature ${FEATURE_NAME} on ${subscriptionId}`);
    progress("feature", read.state);
    if (eq(read.state, "Pending")) throw approvalError(read, subscriptionId);
    // The register answer is not a read of the store: counting starts with the next GET.
    consecutive = 0;
  }

  for (let attempt = 0; consecutive < needed; attempt++) {
    // While counting Registered reads, poll at the base interval; otherwise back off.
    const counting = consecutive > 0;
    const delayInMs = counting
      ? Math.min(Math.max(read.retryAfterInMs ?? 0, polling.intervalInMs), polling.maxRetryAfterInMs)
      : nextPollDelayInMs({ attempt, retryAfterInMs: read.retryAfterInMs, polling });
    if (deadline.remainingInMs() <= 0) {
      throw new FeatureRegistrationTimeoutError(
        `Feature ${PROVIDER_NAMESPACE}/${FEATURE_NAME} is still ${read.state}${counting ? ` (${consecutive} of ${needed} consecutive Registered reads)` : ""} after ${formatDuration(deadline.elapsedInMs())}. Azure often takes 10-20 minutes. Run enable-preview again later (it resumes: a Registered or Registering flag is not registered again); check with: az feature show --namespace ${PROVIDER_NAMESPACE} --name ${FEATURE_NAME}`,
        { step: "feature", lastState: read.state },
      );
    }
    await sleep(Math.min(delayInMs, deadline.remainingInMs()), abortSignal, `waiting for feature ${FEATURE_NAME} (state ${read.state})`);
    read = track(await api.getFeature(abortSignal));
    if (eq(read.state, "Registered")) consecutive++;
    else consecutive = 0;
    progress("feature", read.state, { consecutiveRegisteredReads: consecutive });
    if (eq(read.state, "Pending")) throw approvalError(read, subscriptionId);
  }

  // 2. The provider refresh, always after the flag reads Registered.
  let provider = track(await api.registerProvider(abortSignal));
  log.info(`re-registered provider ${PROVIDER_NAMESPACE} on ${subscriptionId}`);
  lastReported = undefined;
  progress("provider", provider.state);
  for (let attempt = 0; !eq(provider.state, "Registered"); attempt++) {
    if (deadline.remainingInMs() <= 0) {
      throw new FeatureRegistrationTimeoutError(
        `Provider ${PROVIDER_NAMESPACE} is still ${provider.state} after ${formatDuration(deadline.elapsedInMs())} (the feature flag is Registered). Run enable-preview again later; check with: az provider show --namespace ${PROVIDER_NAMESPACE} --query registrationState`,
        { step: "provider", lastState: provider.state },
      );
    }
    await sleep(Math.min(nextPollDelayInMs({ attempt, retryAfterInMs: provider.retryAfterInMs, polling }), deadline.remainingInMs()), abortSignal, `waiting for provider ${PROVIDER_NAMESPACE} (state ${provider.state})`);
    provider = track(await api.getProvider(abortSignal));
    progress("provider", provider.state);
  }

  return { featureState: "Registered", providerState: "Registered", featureRegistered, providerRefreshed: true, durationInMs: deadline.elapsedInMs(), requestIds };
}
