/**
 * The package's Pulumi schema, written out by hand: every resource, type and property with its description (they
 * become the docs of each language's generated SDK), enums for the mode and the IPVS scheduler, and the provider's
 * configuration (azure-native's key names, in this package's namespace).
 * @packageDocumentation
 */
import { fieldsIn, KUBE_PROXY_FIELDS, type KubeProxyFieldDefinition } from "@aks-kube-proxy/sdk/settings/fields";
import { PLUGIN_DOWNLOAD_URL, PYTHON_PULUMI_VERSION } from "./packageInfo";

/** The package name: the plugin is `pulumi-resource-aks-kube-proxy`, config keys are `aks-kube-proxy:*`. */
export const PACKAGE_NAME = "aks-kube-proxy";
/** Type token of the cluster settings resource. */
export const CLUSTER_SETTINGS_TOKEN = "aks-kube-proxy:index:ClusterKubeProxySettings";
/** Type token of the preview enablement resource. */
export const PREVIEW_ENABLEMENT_TOKEN = "aks-kube-proxy:index:PreviewEnablement";
/** Type token of the component. */
export const COMPONENT_TOKEN = "aks-kube-proxy:index:KubeProxyConfig";

type Prop = Record<string, unknown>;
const str = (description: string, extra: Prop = {}): Prop => ({ type: "string", description, ...extra });
const bool = (description: string, extra: Prop = {}): Prop => ({ type: "boolean", description, ...extra });
const int = (description: string): Prop => ({ type: "integer", description });
const ref = (token: string, description: string): Prop => ({ $ref: `#/types/${token}`, description });
const strings = (description: string): Prop => ({ type: "array", items: { type: "string" }, description });

const SETTINGS = "aks-kube-proxy:index:KubeProxySettings";

/** The Pulumi type token of an enum or object field of the SDK's table (`aks-kube-proxy:index:IpvsScheduler`). */
const tokenOf = (field: KubeProxyFieldDefinition): string => `${PACKAGE_NAME}:index:${field.typeName ?? field.name}`;

/** The properties of the settings (or of one of their objects), each field of the SDK's table with its description. */
function settingsProperties(parent: string | undefined): Record<string, Prop> {
  return Object.fromEntries(
    fieldsIn(parent).map((field) => {
      const prop = field.typeName !== undefined ? ref(tokenOf(field), field.description) : { type: field.type, description: field.description };
      return [field.name, prop];
    }),
  );
}

/** The enum and object types of the settings, from the SDK's table: Mode, IpvsScheduler, IpvsConfig. */
const KUBE_PROXY_TYPES: Record<string, Prop> = Object.fromEntries(
  (KUBE_PROXY_FIELDS as readonly KubeProxyFieldDefinition[])
    .filter((field) => field.typeName !== undefined)
    .map((field) => [
      tokenOf(field),
      field.type === "object"
        ? { type: "object", description: field.description, properties: settingsProperties(field.name) }
        : { type: field.type, description: field.description, enum: (field.values ?? []).map((v) => ({ value: v.value, description: v.description })) },
    ]),
);

/** The provider's configuration: azure-native's names; each falls back to the `ARM_*` variable azure-native reads. */
const CONFIG_VARIABLES: Record<string, Prop> = {
  subscriptionId: str("Default subscription of the resources that do not name one. Falls back to `ARM_SUBSCRIPTION_ID`."),
  tenantId: str("Microsoft Entra tenant of the service principal. Falls back to `ARM_TENANT_ID`, then `AZURE_TENANT_ID`."),
  clientId: str("Client (application) id of the service principal or user-assigned identity. Falls back to `ARM_CLIENT_ID`."),
  clientSecret: str("Client secret of the service principal. Falls back to `ARM_CLIENT_SECRET`.", { secret: true }),
  useOidc: bool("Authenticate with an OpenID Connect token (workload identity federation, e.g. GitHub Actions). Falls back to `ARM_USE_OIDC`."),
  oidcToken: str("The OIDC token itself. Falls back to `ARM_OIDC_TOKEN`.", { secret: true }),
  oidcTokenFilePath: str("A file holding the OIDC token, read at each token request. Falls back to `ARM_OIDC_TOKEN_FILE_PATH`."),
  oidcRequestUrl: str("URL to request an OIDC token from (GitHub Actions). Falls back to `ARM_OIDC_REQUEST_URL`, then `ACTIONS_ID_TOKEN_REQUEST_URL`."),
  oidcRequestToken: str("Bearer token for `oidcRequestUrl`. Falls back to `ARM_OIDC_REQUEST_TOKEN`, then `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.", { secret: true }),
  useMsi: bool("Authenticate with a managed identity (user-assigned when `clientId` is set). Falls back to `ARM_USE_MSI`."),
  useDefaultAzureCredential: bool("Use `DefaultAzureCredential` (environment, workload identity, managed identity, Azure CLI)."),
  environment: str("Azure cloud: `public` (default), `usgovernment` or `china`. Falls back to `ARM_ENVIRONMENT`."),
  endpoint: str("Another Azure Resource Manager endpoint (Azure Stack, a local emulator); overrides the cloud's. Falls back to `AKS_KUBE_PROXY_ENDPOINT`, then `AZURE_RESOURCE_MANAGER_ENDPOINT` (as the CLI)."),
  audience: str("Token audience for `endpoint`. Default: the endpoint's origin."),
  authorityHost: str("Microsoft Entra authority host for `endpoint` (instance discovery is then disabled). Falls back to `AZURE_AUTHORITY_HOST`."),
  pollingIntervalInMs: int("First interval between polls of long-running operations, in milliseconds. Default 5000."),
  maxPollingIntervalInMs: int("Longest interval between polls, in milliseconds. Default 30000."),
  consecutiveRegisteredReads: int("Consecutive `Registered` reads of the preview feature required before it counts as registered (the feature store is eventually consistent). Default 10."),
};

/** Names of the provider's configuration keys (without the `aks-kube-proxy:` namespace). */
export const PROVIDER_CONFIG_KEYS: readonly string[] = Object.keys(CONFIG_VARIABLES);
/** Configuration keys that hold secrets. */
export const SECRET_CONFIG_KEYS: readonly string[] = Object.entries(CONFIG_VARIABLES)
  .filter(([, p]) => p["secret"] === true)
  .map(([k]) => k);

const CLUSTER_INPUTS: Record<string, Prop> = {
  subscriptionId: str("Subscription of the cluster. Default: the subscription in `clusterId`, else the provider's `subscriptionId`."),
  resourceGroupName: str("Resource group of the cluster; give it with `clusterName`, or give `clusterId` instead."),
  clusterName: str("Name of the AKS cluster; give it with `resourceGroupName`, or give `clusterId` instead."),
  clusterId: str("Resource id of the cluster (`/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}`), instead of `resourceGroupName` and `clusterName`."),
  settings: ref(SETTINGS, "The desired kube-proxy settings. Validated like the CLI validates them: a wrong value fails `pulumi preview` with a message naming its JSON path. Give this or `settingsFile`."),
  settingsFile: str("Path of a settings file in the `az aks update --kube-proxy-config` format (keys in any case), relative to the program's directory; read at every preview. Give this or `settings`."),
  apiVersion: str("Preview api-version used to read and write the cluster (2022-08-02-preview or newer; NFTABLES needs 2025-09-02-preview or newer). Default `2026-08-02-preview`."),
  restoreOnDelete: bool("On delete, put back the settings the cluster had before this resource first changed them (`previousSettings`). Default true."),
  allowDisable: bool("Allow `enabled: false`, which removes the managed kube-proxy (only safe with a bring-your-own CNI). Default false."),
  verifyDataPlane: bool("After Azure's Succeeded, wait until kube-proxy on the nodes runs the settings (DaemonSet rollout, each checked node's /proxyMode); refresh then reports drift found on the nodes. Needs network access to the cluster's API server. Default false."),
};

const CLUSTER_OUTPUTS: Record<string, Prop> = {
  appliedSettings: ref(SETTINGS, "kubeProxyConfig as the cluster returned it after the last apply or refresh (absent when the cluster has none)."),
  previousSettings: ref(SETTINGS, "kubeProxyConfig before this resource first changed it (absent when the cluster had none); what delete restores."),
  provisioningState: str("The cluster's provisioningState after the last apply or refresh."),
  kubernetesVersion: str("The cluster's Kubernetes version."),
  networkPlugin: str("The cluster's network plugin."),
  networkPolicy: str("The cluster's network policy."),
  drift: strings("Settings paths where the cluster differed from the desired settings at the last refresh (empty after up)."),
  warnings: strings("Warnings and notes of validation and planning, as `[id] message`."),
  dataPlane: ref("aks-kube-proxy:index:DataPlane", "The data plane at the last apply or refresh (only with verifyDataPlane)."),
};

/**
 * The schema, as the provider's `GetSchema` returns it.
 * @param version - the package version
 * @param pluginDownloadURL - where the engine downloads the plugin (default: package.json's `pulumi.server`)
 */
export function buildSchema(version: string, pluginDownloadURL: string = PLUGIN_DOWNLOAD_URL): Record<string, unknown> {
  const clusterOutputs = { ...CLUSTER_INPUTS, clusterId: str("Resource id of the cluster, as Azure returns it."), ...CLUSTER_OUTPUTS };
  return {
    name: PACKAGE_NAME,
    displayName: "AKS kube-proxy",
    version,
    description: "Declarative kube-proxy configuration (mode IPTABLES, IPVS or NFTABLES, IPVS scheduler and timeouts) of Azure Kubernetes Service clusters, with the subscription's preview enabled first.",
    keywords: ["pulumi", "azure", "aks", "kubernetes", "kube-proxy", "category/infrastructure", "kind/native"],
    license: "MIT",
    publisher: "aks-kube-proxy",
    repository: "https://github.com/aks-kube-proxy/aks-kube-proxy",
    pluginDownloadURL,
    config: { variables: CONFIG_VARIABLES },
    provider: {
      description: "The aks-kube-proxy provider. Credentials follow azure-native's configuration keys, each falling back to the same environment variables (`ARM_*`, then `AZURE_*` and DefaultAzureCredential).",
      inputProperties: CONFIG_VARIABLES,
    },
    types: {
      ...KUBE_PROXY_TYPES,
      "aks-kube-proxy:index:DataPlane": {
        type: "object",
        description: "kube-proxy on the cluster's nodes, as the last apply or refresh found it.",
        properties: {
          verdict: str("`converged`, `rolling-out`, `mismatch` or `unreachable`."),
          summary: str("One line: progress, the mismatched node and flag, or why the API server was unreachable and what to do."),
          convergedNodes: int("Linux nodes running the settings."),
          totalNodes: int("Linux nodes."),
          checkedNodes: strings("Nodes whose /proxyMode was asked."),
          skippedNodes: strings("Windows nodes (kube-proxy runs there as a host service; out of scope)."),
          pendingNodes: strings("Nodes still being rolled."),
          mismatches: strings("Each difference as `node: field is found, expected expected`."),
        },
        required: ["verdict", "summary", "convergedNodes", "totalNodes", "checkedNodes", "skippedNodes", "pendingNodes", "mismatches"],
      },
      [SETTINGS]: {
        type: "object",
        description: "A cluster's kube-proxy configuration: the `networkProfile.kubeProxyConfig` of the managedClusters preview API (the Azure SDK's `ContainerServiceNetworkProfileKubeProxyConfig`).",
        properties: settingsProperties(undefined),
      },
    },
    resources: {
      [CLUSTER_SETTINGS_TOKEN]: {
        description: "One AKS cluster's kube-proxy settings. Create writes them with a read-modify-write of the cluster (nothing when it already matches); refresh reads drift; delete puts back the settings it had before. Import with the cluster's resource id adopts its current settings without writing.",
        inputProperties: CLUSTER_INPUTS,
        properties: clusterOutputs,
        required: ["subscriptionId", "resourceGroupName", "clusterName", "clusterId", "settings", "apiVersion", "restoreOnDelete", "allowDisable", "drift", "warnings"],
      },
      [PREVIEW_ENABLEMENT_TOKEN]: {
        description: "Registers the `Microsoft.ContainerService/KubeProxyConfigurationPreview` feature in a subscription, waits until it reads Registered, and refreshes the `Microsoft.ContainerService` provider registration. Steps already done are skipped; delete leaves the feature registered.",
        inputProperties: {
          subscriptionId: str("Subscription to enable the preview in."),
          timeoutInMs: int("Overall time to wait for Registered, in milliseconds. Default 30 minutes."),
        },
        requiredInputs: ["subscriptionId"],
        properties: {
          subscriptionId: str("Subscription the preview is enabled in."),
          timeoutInMs: int("Overall time to wait for Registered, in milliseconds."),
          featureName: str("`Microsoft.ContainerService/KubeProxyConfigurationPreview`."),
          featureState: str("The feature's registration state (Registered after create)."),
          providerState: str("`Microsoft.ContainerService`'s registration state (Registered after create)."),
          featureRegistered: bool("Whether the last create or update sent the feature registration."),
          providerRefreshed: bool("Whether the last create or update refreshed the provider registration."),
        },
        required: ["subscriptionId", "featureName", "featureState", "providerState", "featureRegistered", "providerRefreshed"],
      },
      [COMPONENT_TOKEN]: {
        isComponent: true,
        description: "Declarative kube-proxy configuration of one AKS cluster: enables the preview in the subscription (one enablement shared per subscription), then applies the settings. Name the cluster with `resourceGroupName` and `clusterName` or with `clusterId`; give `settings` or `settingsFile`.",
        inputProperties: {
          ...CLUSTER_INPUTS,
          enablePreview: bool("Enable the preview in the subscription first. Default true.", { plain: true }),
          previewEnablement: { $ref: `#/resources/${PREVIEW_ENABLEMENT_TOKEN}`, description: "An enablement to depend on instead of the subscription's shared one." },
        },
        properties: {
          appliedSettings: CLUSTER_OUTPUTS["appliedSettings"],
          previousSettings: CLUSTER_OUTPUTS["previousSettings"],
          apiVersion: str("The preview api-version used."),
          provisioningState: CLUSTER_OUTPUTS["provisioningState"],
          clusterId: str("The cluster's resource id."),
          subscriptionId: str("The subscription of the cluster."),
          drift: CLUSTER_OUTPUTS["drift"],
          warnings: CLUSTER_OUTPUTS["warnings"],
          dataPlane: CLUSTER_OUTPUTS["dataPlane"],
        },
        required: ["apiVersion", "clusterId", "subscriptionId", "drift", "warnings"],
      },
    },
    language: {
      nodejs: { packageName: "@aks-kube-proxy/pulumi-sdk", respectSchemaVersion: true },
      python: { packageName: "pulumi_aks_kube_proxy", respectSchemaVersion: true, pyproject: { enabled: true }, requires: { pulumi: `==${PYTHON_PULUMI_VERSION}` } },
      go: { importBasePath: "github.com/aks-kube-proxy/aks-kube-proxy/sdk/go/akskubeproxy", generateResourceContainerTypes: true, respectSchemaVersion: true },
      csharp: { rootNamespace: "AksKubeProxy", respectSchemaVersion: true },
    },
  };
}
