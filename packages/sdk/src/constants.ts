/**
 * Names and versions that the whole SDK agrees on.
 * @packageDocumentation
 */
import { fieldAt, KUBE_PROXY_FIELDS } from "./settings/fields";

/** The preview api-version used by default: the newest preview in the specs (first with everything we need). */
export const DEFAULT_API_VERSION = "2026-08-02-preview";

/** The oldest api-version that knows `networkProfile.kubeProxyConfig` (the settings table's oldest field). Older ones are refused up front. */
export const MIN_API_VERSION: string = KUBE_PROXY_FIELDS.map((f) => f.since).sort()[0] as string;

/** The first preview api-version whose `mode` enum contains `NFTABLES` (from the settings table). */
export const NFTABLES_MIN_API_VERSION: string = fieldAt("mode").values?.find((v) => v.value === "NFTABLES")?.since as string;

/** The subscription feature flag that gates kubeProxyConfig writes. */
export const FEATURE_NAME = "KubeProxyConfigurationPreview";

/** The resource provider namespace that owns the feature and managed clusters. */
export const PROVIDER_NAMESPACE = "Microsoft.ContainerService";

/** The header Azure's own tests send to skip subscription registration of the preview. */
export const PREVIEW_FEATURE_HEADER_NAME = "AKSHTTPCustomFeatures";

/** The value of {@link PREVIEW_FEATURE_HEADER_NAME} for this preview. */
export const PREVIEW_FEATURE_HEADER_VALUE = `${PROVIDER_NAMESPACE}/${FEATURE_NAME}`;

/** Name of the package logger (`AZURE_LOG_LEVEL=verbose` shows it). */
export const LOGGER_NAME = "aks-kube-proxy";

/** The SDK's own version, sent in the User-Agent. */
export const SDK_VERSION = "0.1.0";
