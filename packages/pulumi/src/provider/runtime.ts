/**
 * What the dynamic providers share at run time: the stack configuration they were configured with, the lazily loaded
 * SDK, and one SDK client per subscription and api-version.
 *
 * The SDK is required inside the functions, never at the top: the provider must stay serializable by Pulumi's closure
 * serializer (a captured top-level import of a workspace package would be serialized by value, and before
 * @pulumi/pulumi 3.251 a captured import broke under pnpm), and programs that never run a provider method (previews
 * with mocks, the component itself) should not pay for loading the Azure SDK. In production the serialized code is
 * the shim (provider/shim), which loads this package, so `require` here resolves from this package's directory.
 * @packageDocumentation
 */
import type * as Sdk from "@aks-kube-proxy/sdk";
import { createAzureCredential, type CredentialIdentity } from "../auth/createAzureCredential";
import { AZURE_AUTH_CONFIG_KEYS, describeAzureAuth, resolveAzureAuth, type AzureAuthPlan } from "../auth/resolveAzureAuth";
import type { KubeProxyApi, KubeProxyProviderOptions } from "./api";

/**
 * Stack configuration keys that tune the SDK client's polling (for the local emulator or impatient demos; Azure's
 * own pace makes the defaults right for real subscriptions): `aks-kube-proxy:pollingIntervalInMs` (default 5000),
 * `aks-kube-proxy:maxPollingIntervalInMs` (default 30000), `aks-kube-proxy:consecutiveRegisteredReads` (default 10).
 */
export const CLIENT_TUNING_CONFIG_KEYS: readonly string[] = [
  "aks-kube-proxy:pollingIntervalInMs",
  "aks-kube-proxy:maxPollingIntervalInMs",
  "aks-kube-proxy:consecutiveRegisteredReads",
];

/** The SDK module type. */
export type SdkModule = typeof Sdk;

/** State of one provider instance in one process. Created empty, filled by `configure` and use. */
export interface ProviderRuntime {
  /** The options the provider was created with. */
  readonly options: KubeProxyProviderOptions;
  /** The credential-related stack configuration (`azure-native:*`, `aks-kube-proxy:*`); secrets stay in memory only. */
  config: Record<string, string>;
  /** Clients by `subscriptionId|apiVersion`. */
  clients: Record<string, Promise<KubeProxyApi>>;
  /** The credential decision per subscription, to explain authentication failures. */
  plans: Record<string, AzureAuthPlan>;
}

/**
 * A fresh runtime. Call it inside the provider factory so each provider has its own (empty when serialized).
 * @param options - provider options
 */
export function newProviderRuntime(options: KubeProxyProviderOptions): ProviderRuntime {
  return { options, config: {}, clients: {}, plans: {} };
}

/**
 * Keeps the configuration keys that decide credentials and endpoints. Called from the provider's `configure`, which
 * the `pulumi-nodejs` host calls with the whole stack configuration (namespaced keys, secrets decrypted).
 * @param runtime - the provider's runtime
 * @param config - the configuration bag
 */
export function configureProviderRuntime(runtime: ProviderRuntime, config: { get(key: string): string | undefined }): void {
  const kept: Record<string, string> = {};
  for (const key of [...AZURE_AUTH_CONFIG_KEYS, ...CLIENT_TUNING_CONFIG_KEYS]) {
    const value = config.get(key);
    if (typeof value === "string" && value !== "") kept[key] = value;
  }
  runtime.config = kept;
  runtime.clients = {};
  runtime.plans = {};
}

/** Loads `@aks-kube-proxy/sdk`, lazily. */
export function loadSdk(): SdkModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: a captured top-level import would be serialized into the state
  return require("@aks-kube-proxy/sdk") as SdkModule;
}

/**
 * Loads `@azure/identity` the way the SDK sees it (resolved from the SDK's own directory), so a program only needs
 * the SDK as a direct dependency.
 */
export function loadIdentity(): CredentialIdentity {
  let fromSdk: string | undefined;
  try {
    fromSdk = require.resolve("@azure/identity", { paths: [require.resolve("@aks-kube-proxy/sdk")] });
  } catch {
    fromSdk = undefined;
  }
  // The literal require serves the single-executable plugin, where require.resolve fails and the bundler resolved it
  // from the SDK (scripts/release/plugin.mjs).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see loadSdk)
  return (fromSdk !== undefined ? require(fromSdk) : require("@azure/identity")) as CredentialIdentity;
}

/**
 * The client for a subscription and api-version: the injected factory's, or a `KubeProxyClient` with the credential
 * resolved from explicit options, `azure-native:*` configuration, `ARM_*` and `AZURE_*` variables (in that order).
 * @param runtime - the provider's runtime
 * @param subscriptionId - subscription
 * @param apiVersion - preview api-version, or undefined for the SDK's default
 */
export function clientFor(runtime: ProviderRuntime, subscriptionId: string, apiVersion: string | undefined): Promise<KubeProxyApi> {
  const key = `${subscriptionId}|${apiVersion ?? ""}`;
  const cached = runtime.clients[key];
  if (cached) return cached;
  const request = { subscriptionId, ...(apiVersion !== undefined ? { apiVersion } : {}) };
  const factory = runtime.options.apiFactory;
  const created: Promise<KubeProxyApi> = factory
    ? Promise.resolve().then(() => factory(request))
    : Promise.resolve().then(() => {
        const sdk = loadSdk();
        const env = runtime.options.env ?? process.env;
        const plan = resolveAzureAuth({ explicit: { ...runtime.options.auth, subscriptionId }, config: (k) => runtime.config[k], env });
        runtime.plans[subscriptionId] = plan;
        const credential = createAzureCredential(plan, { sdk, loadIdentity, env });
        const positive = (key: string): number | undefined => {
          const raw = runtime.config[`aks-kube-proxy:${key}`];
          const value = raw === undefined ? Number.NaN : Number(raw);
          return Number.isFinite(value) && value > 0 ? value : undefined;
        };
        const intervalInMs = positive("pollingIntervalInMs");
        const maxIntervalInMs = positive("maxPollingIntervalInMs");
        const consecutiveRegisteredReads = positive("consecutiveRegisteredReads");
        const polling = {
          ...(intervalInMs !== undefined ? { intervalInMs } : {}),
          ...(maxIntervalInMs !== undefined ? { maxIntervalInMs } : {}),
          ...(consecutiveRegisteredReads !== undefined ? { consecutiveRegisteredReads } : {}),
        };
        return new sdk.KubeProxyClient({
          polling,
          subscriptionId,
          credential,
          cloud: plan.cloud as "AzureCloud",
          ...(plan.endpoint !== undefined ? { endpoint: plan.endpoint } : {}),
          ...(plan.audience !== undefined ? { audience: plan.audience } : {}),
          ...(apiVersion !== undefined ? { apiVersion } : {}),
        });
      });
  runtime.clients[key] = created;
  created.catch(() => {
    Reflect.deleteProperty(runtime.clients, key);
  });
  return created;
}

/**
 * Rewrites an error for Pulumi's output: the SDK's message (which says what to do next), plus which credential was
 * used and where its values came from when authentication failed. Never includes a secret.
 * @param runtime - the provider's runtime
 * @param subscriptionId - subscription of the failed call
 * @param error - what was thrown
 */
export function explainError(runtime: ProviderRuntime, subscriptionId: string, error: unknown): Error {
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: unknown }).code;
  // The SDK reports a 401/403 as code Unauthorized; a credential that cannot get a token surfaces through its
  // message (Microsoft Entra's AADSTS codes, @azure/identity's credential names).
  const isAuth =
    code === "Unauthorized" ||
    /Credential|Authentication/.test(err.name) ||
    /AADSTS\d+|invalid_client|unauthorized_client|CredentialUnavailable|AuthenticationRequired|(ClientSecret|ClientAssertion|ManagedIdentity|DefaultAzure|Environment|AzureCli)Credential/.test(err.message);
  const plan = runtime.plans[subscriptionId];
  if (isAuth && plan) {
    const explained = new Error(`${err.message}\nCredential used: ${describeAzureAuth(plan)}.`, { cause: err });
    if (typeof code === "string") (explained as Error & { code?: string }).code = code;
    return explained;
  }
  return err;
}
