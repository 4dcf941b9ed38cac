/**
 * `@aks-kube-proxy/pulumi`: declarative kube-proxy configuration of AKS clusters in Pulumi programs. This file is the
 * package's whole public face.
 * @packageDocumentation
 */

/** The component and its arguments. */
export { KubeProxyConfig, KUBE_PROXY_CONFIG_TYPE } from "./component";
/** Arguments of {@link KubeProxyConfig}. */
export type { KubeProxyConfigArgs } from "./component";
/** The settings shape: the Azure SDK's `ContainerServiceNetworkProfileKubeProxyConfig`, as the SDK re-exports it. */
export type { KubeProxyConfig as KubeProxySettings } from "@aks-kube-proxy/sdk";

/** The dynamic resources under the component. */
export { PreviewEnablement, PREVIEW_ENABLEMENT_TYPE } from "./resources/previewEnablement";
/** Arguments of {@link PreviewEnablement}. */
export type { PreviewEnablementArgs } from "./resources/previewEnablement";
/** One cluster's settings resource. */
export { ClusterKubeProxySettings, CLUSTER_SETTINGS_TYPE } from "./resources/clusterKubeProxySettings";
/** Arguments of {@link ClusterKubeProxySettings}. */
export type { ClusterKubeProxySettingsArgs } from "./resources/clusterKubeProxySettings";

/** The dynamic providers, for driving them directly (tests, Automation API tooling). */
export { createClusterSettingsProvider } from "./providers/clusterSettingsProvider";
/** Types of the cluster settings provider. */
export type { ClusterSettingsProvider, ClusterSettingsRawInputs, ClusterSettingsInputs, ClusterSettingsOutputs, DetailedDiffResult } from "./providers/clusterSettingsProvider";
/** The preview enablement provider. */
export { createPreviewEnablementProvider } from "./providers/previewEnablementProvider";
/** Types of the preview enablement provider. */
export type { PreviewEnablementProvider, PreviewEnablementInputs, PreviewEnablementOutputs } from "./providers/previewEnablementProvider";
/** Provider options and the injectable API factory. */
export type { KubeProxyApi, KubeProxyApiFactory, KubeProxyApiRequest, KubeProxyProviderOptions } from "./providers/api";
/** The small provider Pulumi serializes into the state, which loads this package at run time. */
export { createProviderShim } from "./providers/shim";
/** Names of the provider factories a shim loads. */
export type { ProviderFactoryName } from "./providers/shim";
/** Pulumi's unknown-value sentinel as the providers see it during preview. */
export { UNKNOWN } from "./providers/values";

/** Credential resolution (explicit, `azure-native:*` config, `ARM_*`, then `AZURE_*`/DefaultAzureCredential). */
export { resolveAzureAuth, describeAzureAuth, AzureAuthConfigurationError, AZURE_AUTH_CONFIG_KEYS } from "./auth/resolveAzureAuth";
/** Credential resolution types. */
export type { AzureAuthSettings, AzureAuthPlan, AzureAuthMethod, OidcTokenSource, ResolveAzureAuthOptions } from "./auth/resolveAzureAuth";
/** Builds the credential a plan describes. */
export { createAzureCredential, oidcAssertionProvider, OIDC_TOKEN_AUDIENCE } from "./auth/createAzureCredential";
/** Dependencies of createAzureCredential. */
export type { CreateAzureCredentialDeps, CredentialSdk, CredentialIdentity } from "./auth/createAzureCredential";
