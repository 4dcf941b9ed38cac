/**
 * The dynamic provider behind a subscription's preview enablement: registers `KubeProxyConfigurationPreview`, waits
 * until Azure reports it Registered (several consecutive reads), then re-registers `Microsoft.ContainerService` — what
 * azure-native's `SubscriptionFeatureRegistration` does not do (it neither waits nor refreshes the provider, and fails
 * on a feature that is already registered, pulumi-azure-native #1722). Already-done steps are skipped.
 *
 * Delete leaves the feature registered: other clusters, stacks and tools in the subscription rely on it, and
 * unregistering would not change any cluster.
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import type { KubeProxyProviderOptions } from "./api";
import { clientFor, configureProviderRuntime, explainError, loadSdk, newProviderRuntime } from "./runtime";
import { optionalString, UNKNOWN } from "./values";

/** Inputs of the preview enablement resource. */
export interface PreviewEnablementInputs {
  /** Subscription to enable the preview in. */
  readonly subscriptionId: string;
  /** Overall time to wait for the feature and the provider. @default the SDK's (30 minutes) */
  readonly timeoutInMs?: number;
}

/** State of the preview enablement resource. */
export interface PreviewEnablementOutputs extends PreviewEnablementInputs {
  /** `Microsoft.ContainerService/KubeProxyConfigurationPreview`. */
  readonly featureName: string;
  /** The feature's state at the last create, update or read. */
  readonly featureState: string;
  /** `Microsoft.ContainerService` registration state at the last create, update or read. */
  readonly providerState: string;
  /** Whether the last create or update sent the feature registration (false when it was already Registered). */
  readonly featureRegistered: boolean;
  /** Whether the last create or update refreshed the provider registration. */
  readonly providerRefreshed: boolean;
}

/** The preview enablement provider, with the methods Pulumi calls, all defined. */
export interface PreviewEnablementProvider extends pulumi.dynamic.ResourceProvider<PreviewEnablementInputs, PreviewEnablementOutputs> {
  /** Reads the credential configuration. */
  configure(req: pulumi.dynamic.ConfigureRequest): Promise<void>;
  /** Requires a subscription id. */
  check(olds: PreviewEnablementInputs, news: PreviewEnablementInputs): Promise<pulumi.dynamic.CheckResult<PreviewEnablementInputs>>;
  /** Another subscription is a replacement; a feature or provider found not Registered (after refresh) is an update. */
  diff(id: string, olds: PreviewEnablementOutputs, news: PreviewEnablementInputs): Promise<pulumi.dynamic.DiffResult>;
  /** Enables the preview and waits for it. */
  create(inputs: PreviewEnablementInputs): Promise<pulumi.dynamic.CreateResult<PreviewEnablementOutputs>>;
  /** Reads the feature and provider states. */
  read(id: string, props?: PreviewEnablementOutputs): Promise<pulumi.dynamic.ReadResult<PreviewEnablementOutputs>>;
  /** Enables the preview again (after it was found not Registered). */
  update(id: string, olds: PreviewEnablementOutputs, news: PreviewEnablementInputs): Promise<pulumi.dynamic.UpdateResult<PreviewEnablementOutputs>>;
  /** Leaves the feature registered. */
  delete(id: string, props: PreviewEnablementOutputs): Promise<void>;
}

/**
 * Creates the preview enablement provider.
 * @param options - injectable API factory (tests), explicit auth, environment
 */
export function createPreviewEnablementProvider(options: KubeProxyProviderOptions = {}): PreviewEnablementProvider {
  const runtime = newProviderRuntime(options);

  const featureId = (subscriptionId: string): string => {
    const sdk = loadSdk();
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Features/providers/${sdk.PROVIDER_NAMESPACE}/features/${sdk.FEATURE_NAME}`;
  };

  const enable = async (inputs: PreviewEnablementInputs): Promise<PreviewEnablementOutputs> => {
    const sdk = loadSdk();
    const client = await clientFor(runtime, inputs.subscriptionId, undefined);
    try {
      // The SDK's one enablement flow. This resource is created once per stack and subscription, and the cluster
      // writes that follow it have no retry of their own, so it always refreshes the provider (the flag may have been
      // registered elsewhere without one); the flag itself is still read once when it is Registered.
      const result = await client.enablePreview({ refreshProvider: "always", ...(typeof inputs.timeoutInMs === "number" ? { timeoutInMs: inputs.timeoutInMs } : {}) });
      return {
        ...inputs,
        featureName: `${sdk.PROVIDER_NAMESPACE}/${sdk.FEATURE_NAME}`,
        featureState: result.featureState,
        providerState: result.providerState,
        featureRegistered: result.featureRegistered,
        providerRefreshed: result.providerRefreshed,
      };
    } catch (error) {
      throw explainError(runtime, inputs.subscriptionId, error);
    }
  };

  return {
    async configure(req) {
      configureProviderRuntime(runtime, req.config);
    },

    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      const subscriptionId = optionalString(news.subscriptionId);
      if (subscriptionId === undefined) {
        failures.push({
          property: "subscriptionId",
          reason: "No subscription: set subscriptionId, or azure-native:subscriptionId (pulumi config set azure-native:subscriptionId <id>).",
        });
      } else if (subscriptionId !== UNKNOWN && /[/?#\s]/.test(subscriptionId)) {
        failures.push({ property: "subscriptionId", reason: `"${subscriptionId}" is not a subscription id.` });
      }
      const timeout = news.timeoutInMs as unknown;
      if (timeout !== undefined && timeout !== null && timeout !== UNKNOWN && (typeof timeout !== "number" || !(timeout > 0))) {
        failures.push({ property: "timeoutInMs", reason: `timeoutInMs must be a positive number of milliseconds; found ${JSON.stringify(timeout)}.` });
      }
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const sameSubscription =
        typeof olds.subscriptionId === "string" && typeof news.subscriptionId === "string" && news.subscriptionId !== UNKNOWN && olds.subscriptionId.toLowerCase() === news.subscriptionId.toLowerCase();
      const registered = String(olds.featureState).toLowerCase() === "registered" && String(olds.providerState).toLowerCase() === "registered";
      const timeoutChanged = (olds.timeoutInMs ?? null) !== (news.timeoutInMs ?? null);
      return {
        changes: !sameSubscription || !registered || timeoutChanged,
        replaces: sameSubscription ? [] : ["subscriptionId"],
        deleteBeforeReplace: false,
      };
    },

    async create(inputs) {
      const outs = await enable(inputs);
      return { id: featureId(inputs.subscriptionId), outs };
    },

    async update(_id, _olds, news) {
      return { outs: await enable(news) };
    },

    async read(id, props) {
      const subscriptionId = optionalString(props?.subscriptionId) ?? /^\/subscriptions\/([^/]+)\//i.exec(id)?.[1];
      if (subscriptionId === undefined) throw new Error(`Cannot tell the subscription of "${id}"; expected ${featureId("{subscriptionId}")}.`);
      const sdk = loadSdk();
      const client = await clientFor(runtime, subscriptionId, undefined);
      let status: { featureState: string; providerState: string };
      try {
        status = await client.getPreviewStatus();
      } catch (error) {
        throw explainError(runtime, subscriptionId, error);
      }
      const outs: PreviewEnablementOutputs = {
        subscriptionId,
        ...(typeof props?.timeoutInMs === "number" ? { timeoutInMs: props.timeoutInMs } : {}),
        featureName: `${sdk.PROVIDER_NAMESPACE}/${sdk.FEATURE_NAME}`,
        featureState: status.featureState,
        providerState: status.providerState,
        featureRegistered: props?.featureRegistered ?? false,
        providerRefreshed: props?.providerRefreshed ?? false,
      };
      return { id: featureId(subscriptionId), props: outs };
    },

    async delete() {
      // Intentionally nothing: see the module comment.
    },
  };
}
