/**
 * Known values of the kubeProxyConfig model, from the REST specs (2026-08-02-preview).
 * @packageDocumentation
 */

/** Proxy modes the newest preview api-version knows. */
export const KUBE_PROXY_MODES = ["IPTABLES", "IPVS", "NFTABLES"] as const;

/** IPVS schedulers Azure accepts. */
export const IPVS_SCHEDULERS = ["RoundRobin", "LeastConnection"] as const;

/** Names of the ipvsConfig timeout fields, in canonical (API) spelling. */
export const IPVS_TIMEOUT_FIELDS = ["tcpTimeoutSeconds", "tcpFinTimeoutSeconds", "udpTimeoutSeconds"] as const;

/** Largest value of an int32 field. */
export const INT32_MAX = 2147483647;
