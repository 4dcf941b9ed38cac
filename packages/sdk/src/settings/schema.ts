/**
 * JSON Schema of the kube-proxy settings file, for editors. Published as `schema/kube-proxy-config.schema.json`.
 * Canonical names carry descriptions for completion; other casings are allowed through case-insensitive patterns
 * (the parser matches keys without regard to case, as `az` does).
 * @packageDocumentation
 */
import { INT32_MAX, IPVS_SCHEDULERS, KUBE_PROXY_MODES } from "./model";

function caseInsensitivePattern(name: string): string {
  return `^${[...name].map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch)).join("")}$`;
}

const timeout = (what: string): Record<string, unknown> => ({
  type: "integer",
  minimum: 1,
  maximum: INT32_MAX,
  description: `${what} Must be a positive integer value.`,
});

const ipvsProperties: Record<string, Record<string, unknown>> = {
  scheduler: {
    type: "string",
    enum: [...IPVS_SCHEDULERS],
    description: "IPVS scheduler, see http://www.linuxvirtualserver.org/docs/scheduling.html. (\"LeastConnections\" is read as \"LeastConnection\" with a warning.)",
  },
  tcpTimeoutSeconds: timeout("The timeout value used for idle IPVS TCP sessions in seconds."),
  tcpFinTimeoutSeconds: timeout("The timeout value used for IPVS TCP sessions after receiving a FIN in seconds."),
  udpTimeoutSeconds: timeout("The timeout value used for IPVS UDP packets in seconds."),
};

const ipvsConfigSchema: Record<string, unknown> = {
  type: "object",
  description: "Holds configuration customizations for IPVS. May only be specified if 'mode' is set to 'IPVS'.",
  properties: ipvsProperties,
  patternProperties: Object.fromEntries(Object.entries(ipvsProperties).map(([k, v]) => [caseInsensitivePattern(k), v])),
  additionalProperties: false,
};

const topProperties: Record<string, Record<string, unknown>> = {
  enabled: {
    type: "boolean",
    description: "Whether to enable kube-proxy on the cluster (if no 'kubeProxyConfig' exists, kube-proxy is enabled in AKS by default). false is only allowed for bring-your-own CNI clusters (networkPlugin none).",
  },
  mode: {
    type: "string",
    enum: [...KUBE_PROXY_MODES],
    description: "Proxy mode: IPTABLES, IPVS (Kubernetes >= 1.22; deprecated upstream from 1.35) or NFTABLES (Kubernetes >= 1.33, api-version >= 2025-09-02-preview).",
  },
  ipvsConfig: ipvsConfigSchema,
};

/**
 * JSON Schema (draft-07) of the settings file accepted by `--kube-proxy-config` and {@link parseKubeProxySettings}.
 * Also written to `packages/sdk/schema/kube-proxy-config.schema.json`.
 */
export const kubeProxySettingsJsonSchema: Record<string, unknown> = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://github.com/aks-kube-proxy/aks-kube-proxy/packages/sdk/schema/kube-proxy-config.schema.json",
  title: "AKS kube-proxy configuration (az aks --kube-proxy-config file)",
  description: "networkProfile.kubeProxyConfig of a managed cluster. Keys are matched without regard to case.",
  type: "object",
  properties: topProperties,
  patternProperties: Object.fromEntries(Object.entries(topProperties).map(([k, v]) => [caseInsensitivePattern(k), v])),
  additionalProperties: false,
  if: { required: ["ipvsConfig"] },
  then: { required: ["mode"], properties: { mode: { const: "IPVS" } } },
};

/** @internal */
export const SCHEMA_FILE_NAME = "kube-proxy-config.schema.json";
