/**
 * The slice of the SDK's `KubeProxyClient` the dynamic providers use, and the factory that builds it. Tests inject a
 * factory bound to the emulator; the default one builds a real client from the resolved credential.
 * @packageDocumentation
 */
import type { KubeProxyClient } from "@aks-kube-proxy/sdk";
import type { AzureAuthSettings } from "../auth/resolveAzureAuth";

/** What the providers call on a client: preview status and enablement, cluster reads, and apply. */
export type KubeProxyApi = Pick<KubeProxyClient, "getPreviewStatus" | "enablePreview" | "getCluster" | "apply"> &
  Partial<Pick<KubeProxyClient, "verifyDataPlane" | "waitForDataPlane">>;

/** Which client a provider method needs. */
export interface KubeProxyApiRequest {
  /** Subscription the client works in. */
  readonly subscriptionId: string;
  /** Preview api-version for managedClusters; undefined for the SDK's default. */
  readonly apiVersion?: string;
}

/** Builds (or returns a cached) client for a subscription and api-version. */
export type KubeProxyApiFactory = (request: KubeProxyApiRequest) => KubeProxyApi | Promise<KubeProxyApi>;

/**
 * Options of the provider factories. The component passes none; tests and programs that drive the providers
 * directly pass an {@link KubeProxyApiFactory}. Whatever is given here is captured when Pulumi serializes the provider,
 * so it must stay small and must not hold secrets when the provider backs a resource.
 */
export interface KubeProxyProviderOptions {
  /** Builds the SDK client. @default a `KubeProxyClient` with the credential resolved from configuration and environment */
  readonly apiFactory?: KubeProxyApiFactory;
  /** Values that win over `azure-native:*` configuration and `ARM_*` variables. Never set by the component. */
  readonly auth?: AzureAuthSettings;
  /** Environment to resolve credentials from. @default process.env, read at call time */
  readonly env?: Readonly<Record<string, string | undefined>>;
}
