/**
 * The four ARM calls enable-preview needs, made through `@azure/arm-features` (FeatureClient) and
 * `@azure/arm-resources` (ResourceManagementClient), with the Retry-After of each answer.
 * @packageDocumentation
 */
import type { FeatureClient } from "@azure/arm-features";
import type { ResourceManagementClient } from "@azure/arm-resources";
import type { PipelineResponse } from "@azure/core-rest-pipeline";
import { FEATURE_NAME, PROVIDER_NAMESPACE } from "../constants";
import { armErrorFromThrown } from "../arm/errors";
import { parseRetryAfterInMs } from "../poll";

/** A state read plus what the server asked about the next read. @internal */
export interface StateRead {
  readonly state: string;
  readonly retryAfterInMs: number | undefined;
  readonly requestId: string | undefined;
}

/** The calls enable-preview makes. @internal */
export interface PreviewApi {
  getFeature(abortSignal?: AbortSignal): Promise<StateRead>;
  registerFeature(abortSignal?: AbortSignal): Promise<StateRead>;
  getProvider(abortSignal?: AbortSignal): Promise<StateRead>;
  registerProvider(abortSignal?: AbortSignal): Promise<StateRead>;
}

/**
 * The {@link PreviewApi} over the Azure SDK clients.
 * @internal
 */
export function createPreviewApi(args: { features: FeatureClient; resources: ResourceManagementClient; subscriptionId: string }): PreviewApi {
  const { features, resources, subscriptionId } = args;
  const call = async (operation: string, abortSignal: AbortSignal | undefined, run: (options: { abortSignal?: AbortSignal; onResponse: (r: PipelineResponse) => void }) => Promise<string | undefined>): Promise<StateRead> => {
    let raw: PipelineResponse | undefined;
    try {
      const state = await run({ ...(abortSignal ? { abortSignal } : {}), onResponse: (r) => (raw = r) });
      const received = raw as PipelineResponse | undefined;
      return { state: state ?? "Unknown", retryAfterInMs: parseRetryAfterInMs(received?.headers), requestId: received?.headers.get("x-ms-request-id") ?? undefined };
    } catch (error) {
      throw armErrorFromThrown(error, { operation, subscriptionId }, abortSignal);
    }
  };
  return {
    getFeature: (abortSignal) =>
      call(`read feature ${PROVIDER_NAMESPACE}/${FEATURE_NAME}`, abortSignal, async (o) => (await features.features.get(PROVIDER_NAMESPACE, FEATURE_NAME, o)).properties?.state),
    registerFeature: (abortSignal) =>
      call(`register feature ${PROVIDER_NAMESPACE}/${FEATURE_NAME}`, abortSignal, async (o) => (await features.features.register(PROVIDER_NAMESPACE, FEATURE_NAME, o)).properties?.state),
    getProvider: (abortSignal) => call(`read provider ${PROVIDER_NAMESPACE}`, abortSignal, async (o) => (await resources.providers.get(PROVIDER_NAMESPACE, o)).registrationState),
    registerProvider: (abortSignal) => call(`register provider ${PROVIDER_NAMESPACE}`, abortSignal, async (o) => (await resources.providers.register(PROVIDER_NAMESPACE, o)).registrationState),
  };
}
