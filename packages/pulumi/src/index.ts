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

/** The custom resources under the component (served by the `aks-kube-proxy` provider plugin). */
export { PreviewEnablement, PREVIEW_ENABLEMENT_TYPE, LEGACY_PREVIEW_ENABLEMENT_TYPE } from "./resources/previewEnablement";
/** Arguments of {@link PreviewEnablement}. */
export type { PreviewEnablementArgs } from "./resources/previewEnablement";
/** One cluster's settings resource. */
export { ClusterKubeProxySettings, CLUSTER_SETTINGS_TYPE, LEGACY_CLUSTER_SETTINGS_TYPE } from "./resources/clusterKubeProxySettings";
/** Arguments of {@link ClusterKubeProxySettings}. */
export type { ClusterKubeProxySettingsArgs } from "./resources/clusterKubeProxySettings";

/** The provider plugin: its schema, the provider it serves, and the configuration mapping. */
export { buildSchema, PACKAGE_NAME, CLUSTER_SETTINGS_TOKEN, PREVIEW_ENABLEMENT_TOKEN, COMPONENT_TOKEN, PROVIDER_CONFIG_KEYS, SECRET_CONFIG_KEYS } from "./provider/schema";
/** The provider `pulumi-resource-aks-kube-proxy` serves. */
export { KubeProxyProvider, credentialConfigOf, typeOfUrn } from "./provider/kubeProxyProvider";
/** Options of {@link KubeProxyProvider}. */
export type { KubeProxyProviderServerOptions } from "./provider/kubeProxyProvider";
/** Completes `@pulumi/pulumi/provider`'s server (configuration, CheckConfig/DiffConfig, detailed diff), or refuses to start. */
export { installServerAdapter, serveProvider, configFromRequest, loadedPulumiVersion, ProviderServerAdapterError } from "./provider/serverAdapter";
/** Types of the server adapter. */
export type { AdaptedProvider, FullDiffResult, DetailedDiffKind, ServerAdapterHandle, ProviderMain } from "./provider/serverAdapter";
/** The exact `@pulumi/pulumi` version the provider server is built for. */
export { PULUMI_NODEJS_VERSION } from "./provider/packageInfo";

/**
 * The resources' logic, as providers that can be driven directly (tests, Automation API tooling); the provider plugin
 * routes to them. They are also what stacks made with the dynamic resources of earlier versions still run (the state's
 * serialized shim loads them by name) until their resources move to the plugin.
 */
export { createClusterSettingsProvider } from "./provider/clusterSettingsProvider";
/** Types of the cluster settings provider. */
export type { ClusterSettingsProvider, ClusterSettingsRawInputs, ClusterSettingsInputs, ClusterSettingsOutputs, DetailedDiffResult, PartialStateError } from "./provider/clusterSettingsProvider";
/** The preview enablement provider. */
export { createPreviewEnablementProvider } from "./provider/previewEnablementProvider";
/** Types of the preview enablement provider. */
export type { PreviewEnablementProvider, PreviewEnablementInputs, PreviewEnablementOutputs } from "./provider/previewEnablementProvider";
/** Provider options and the injectable API factory. */
export type { KubeProxyApi, KubeProxyApiFactory, KubeProxyApiRequest, KubeProxyProviderOptions } from "./provider/api";
/** The small provider Pulumi serializes into the state, which loads this package at run time. */
export { createProviderShim } from "./provider/shim";
/** Names of the provider factories a shim loads. */
export type { ProviderFactoryName } from "./provider/shim";
/** Pulumi's unknown-value sentinel as the providers see it during preview. */
export { UNKNOWN } from "./provider/values";

/** Credential resolution (explicit, `azure-native:*` config, `ARM_*`, then `AZURE_*`/DefaultAzureCredential). */
export { resolveAzureAuth, describeAzureAuth, AzureAuthConfigurationError, AZURE_AUTH_CONFIG_KEYS } from "./auth/resolveAzureAuth";
/** Credential resolution types. */
export type { AzureAuthSettings, AzureAuthPlan, AzureAuthMethod, OidcTokenSource, ResolveAzureAuthOptions } from "./auth/resolveAzureAuth";
/** Builds the credential a plan describes. */
export { createAzureCredential, oidcAssertionProvider, OIDC_TOKEN_AUDIENCE } from "./auth/createAzureCredential";
/** Dependencies of createAzureCredential. */
export type { CreateAzureCredentialDeps, CredentialSdk, CredentialIdentity } from "./auth/createAzureCredential";
