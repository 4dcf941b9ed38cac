/**
 * Validation of `networkProfile.kubeProxyConfig` against the spec of the api-version used,
 * and the restrictions AKS documents. Sources:
 * - property names, types and enums: shared/arm/kubeProxyConfig_*.json (azure-rest-api-specs);
 * - error codes and messages: shared/arm/examples/NONSPEC_kubeProxyConfig_and_LRO_observed_examples.json
 *   (Azure/AKS #4569, #4563) and shared/README.md;
 * - IPVS needs Kubernetes >= 1.22, NFTABLES >= 1.33 (the spec's enum descriptions); NFTABLES on older
 *   clusters is accepted and not applied (shared/README.md).
 * - Cilium dataplane (`networkDataplane: cilium`): Cilium replaces kube-proxy; "any kubeProxyConfig with enabled: true
 *   is rejected" with `CiliumDataplaneRequiresKubeProxyConfigDisabled` and `enabled` must be false (shared/README.md,
 *   AKS nftables troubleshooting article, "Issue 4" and "CNI Compatibility"). The HTTP status (400), the code's place
 *   (error.code; the article calls it a SubCode), the message and reading an absent `enabled` as true are assumptions.
 * Property names are matched without regard to case (the AKS RP deserialises case-insensitively:
 * the docs' TCPTimeoutSeconds is accepted) and stored under the spec's names.
 */
import { armError, isObject, type ArmResponse } from "./http";
import { supportsNftables, type ApiVersion } from "./apiVersions";

/** Facts of the cluster that decide what is allowed. */
export interface ClusterFactsForRules {
  resourceGroup: string;
  name: string;
  kubernetesVersion: string;
  networkPlugin?: string;
  networkPolicy?: string;
  networkDataplane?: string;
}

/** True for a cluster whose data plane is Cilium (Azure CNI Powered by Cilium), which runs no kube-proxy. */
export function isCiliumDataplane(networkDataplane: string | undefined): boolean {
  return (networkDataplane ?? "").toLowerCase() === "cilium";
}

/** Result of validation: the value to store (keys canonicalised) or the error to answer. */
export type KubeProxyValidation = { ok: true; value: Record<string, unknown> } | { ok: false; response: ArmResponse };

const TOP_LEVEL = ["enabled", "mode", "ipvsConfig"] as const;
/**
 * The ipvsConfig fields the emulator knows, with the spec's defaults and the kube-proxy flag AKS renders each as
 * (`kube/render.ts`). The emulator's own copy (it is the judge); `test/spec-conformance.test.ts` checks it against the
 * spec excerpts.
 */
export const IPVS_FIELD_RULES = [
  { name: "scheduler", kind: "scheduler", default: "RoundRobin", flag: "--ipvs-scheduler" },
  { name: "tcpTimeoutSeconds", kind: "int32", default: 900, flag: "--ipvs-tcp-timeout" },
  { name: "tcpFinTimeoutSeconds", kind: "int32", default: 120, flag: "--ipvs-tcpfin-timeout" },
  { name: "udpTimeoutSeconds", kind: "int32", default: 300, flag: "--ipvs-udp-timeout" },
] as const;
const IPVS_LEVEL = IPVS_FIELD_RULES.map((f) => f.name);
const TIMEOUT_FIELDS = IPVS_FIELD_RULES.filter((f) => f.kind === "int32").map((f) => f.name);
/** The IPVS schedulers the spec allows. */
export const SCHEDULERS = ["RoundRobin", "LeastConnection"];
const INT32_MAX = 2147483647;
const BASE_PATH = "properties.networkProfile.kubeProxyConfig";

/** The proxy modes an api-version's enum allows. */
export function allowedModes(apiVersion: ApiVersion): string[] {
  return supportsNftables(apiVersion) ? ["IPTABLES", "IPVS", "NFTABLES"] : ["IPTABLES", "IPVS"];
}

function invalidContent(detail: string, path: string): KubeProxyValidation {
  return {
    ok: false,
    response: armError(400, "InvalidRequestContent", `The request content was invalid and could not be deserialized: '${detail} Path '${path}'.'`),
  };
}

function preflight(code: string, facts: ClusterFactsForRules, message: string): KubeProxyValidation {
  return {
    ok: false,
    response: armError(
      400,
      code,
      `Preflight validation check for resource(s) for container service ${facts.name} in resource group ${facts.resourceGroup} failed. Message: ${message} Details: `,
    ),
  };
}

function canonicalise(
  input: Record<string, unknown>,
  known: readonly string[],
  typeName: string,
  path: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; result: KubeProxyValidation } {
  const value: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(input)) {
    const name = known.find((k) => k.toLowerCase() === key.toLowerCase());
    if (name === undefined) {
      return { ok: false, result: invalidContent(`Could not find member '${key}' on object of type '${typeName}'.`, `${path}.${key}`) };
    }
    if (name in value) {
      return { ok: false, result: invalidContent(`Property '${name}' is given more than once.`, `${path}.${key}`) };
    }
    value[name] = v;
  }
  return { ok: true, value };
}

function checkInt32(value: unknown, path: string): KubeProxyValidation | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number") {
    return invalidContent(`Error converting value ${JSON.stringify(value)} to type 'System.Int32'.`, path);
  }
  if (!Number.isInteger(value)) return invalidContent(`Input string '${value}' is not a valid integer.`, path);
  if (value > INT32_MAX || value < -INT32_MAX - 1) return invalidContent(`Value was either too large or too small for an Int32.`, path);
  return undefined;
}

/** Parses "1.33.2" into [1, 33, 2]. */
export function parseKubernetesVersion(version: string): number[] {
  return version.split(".").map((p) => Number.parseInt(p, 10) || 0);
}

/** True when `version` >= major.minor. */
export function kubernetesAtLeast(version: string, major: number, minor: number): boolean {
  const [ma = 0, mi = 0] = parseKubernetesVersion(version);
  return ma > major || (ma === major && mi >= minor);
}

/**
 * Validates a kubeProxyConfig written through a preview api-version that knows it.
 * Structure and types first (as ARM deserialises), then enums, then AKS's preflight rules.
 */
export function validateKubeProxyConfig(raw: unknown, apiVersion: ApiVersion, facts: ClusterFactsForRules): KubeProxyValidation {
  if (!isObject(raw)) {
    return invalidContent(`Error converting value ${JSON.stringify(raw)} to type 'ContainerServiceNetworkProfileKubeProxyConfig'.`, BASE_PATH);
  }
  const top = canonicalise(raw, TOP_LEVEL, "ContainerServiceNetworkProfileKubeProxyConfig", BASE_PATH);
  if (!top.ok) return top.result;
  const config = top.value;

  if (config.enabled !== undefined && config.enabled !== null && typeof config.enabled !== "boolean") {
    return invalidContent(`Could not convert ${JSON.stringify(config.enabled)} to boolean.`, `${BASE_PATH}.enabled`);
  }
  if (config.mode !== undefined && config.mode !== null && typeof config.mode !== "string") {
    return invalidContent(`Error converting value ${JSON.stringify(config.mode)} to type 'System.String'.`, `${BASE_PATH}.mode`);
  }
  if (config.ipvsConfig !== undefined && config.ipvsConfig !== null) {
    if (!isObject(config.ipvsConfig)) {
      return invalidContent(
        `Error converting value ${JSON.stringify(config.ipvsConfig)} to type 'ContainerServiceNetworkProfileKubeProxyConfigIpvsConfig'.`,
        `${BASE_PATH}.ipvsConfig`,
      );
    }
    const ipvs = canonicalise(config.ipvsConfig, IPVS_LEVEL, "ContainerServiceNetworkProfileKubeProxyConfigIpvsConfig", `${BASE_PATH}.ipvsConfig`);
    if (!ipvs.ok) return ipvs.result;
    config.ipvsConfig = ipvs.value;
    if (ipvs.value.scheduler !== undefined && ipvs.value.scheduler !== null && typeof ipvs.value.scheduler !== "string") {
      return invalidContent(`Error converting value ${JSON.stringify(ipvs.value.scheduler)} to type 'System.String'.`, `${BASE_PATH}.ipvsConfig.scheduler`);
    }
    for (const field of TIMEOUT_FIELDS) {
      const bad = checkInt32(ipvs.value[field], `${BASE_PATH}.ipvsConfig.${field}`);
      if (bad) return bad;
    }
  }

  const modes = allowedModes(apiVersion);
  const mode = typeof config.mode === "string" ? config.mode : undefined;
  if (mode !== undefined && !modes.includes(mode)) {
    return preflight(
      "KubeProxyConfigValueUnsupported",
      facts,
      `Kube-proxy mode '${mode}' is not supported in api-version ${apiVersion.raw}. Supported values: ${modes.join(", ")}.`,
    );
  }
  const ipvsConfig = isObject(config.ipvsConfig) ? config.ipvsConfig : undefined;
  if (ipvsConfig !== undefined && mode !== "IPVS") {
    return preflight(
      "KubeProxyConfigFieldUnsupported",
      facts,
      `Field 'ipvsConfig' is not supported with kube-proxy mode '${mode ?? "IPTABLES"}'; it may only be specified if 'mode' is set to 'IPVS'.`,
    );
  }
  if (ipvsConfig !== undefined) {
    const scheduler = ipvsConfig.scheduler;
    if (typeof scheduler === "string" && !SCHEDULERS.includes(scheduler)) {
      return preflight(
        "KubeProxyConfigValueUnsupported",
        facts,
        `IPVS scheduler '${scheduler}' is not supported. Supported values: ${SCHEDULERS.join(", ")}.`,
      );
    }
    for (const field of TIMEOUT_FIELDS) {
      const v = ipvsConfig[field];
      if (typeof v === "number" && v <= 0) {
        return preflight("KubeProxyConfigValueUnsupported", facts, `ipvsConfig.${field} must be a positive integer value, got ${v}.`);
      }
    }
  }
  if (isCiliumDataplane(facts.networkDataplane)) {
    // Cilium replaces kube-proxy: only a disabled kube-proxy is accepted (absent `enabled` means enabled).
    if (config.enabled !== false) {
      return preflight(
        "CiliumDataplaneRequiresKubeProxyConfigDisabled",
        facts,
        "Cilium dataplane clusters (networkDataplane 'cilium') replace kube-proxy; kubeProxyConfig must set 'enabled' to false.",
      );
    }
    return { ok: true, value: config };
  }
  if (config.enabled === false && (facts.networkPlugin ?? "").toLowerCase() !== "none") {
    return preflight(
      "KubeProxyConfigDisabledBYOCNIOnly",
      facts,
      "Disabling kube-proxy is only allowed for bring your own (BYO) CNI clusters. For more information, please check https://aka.ms/byo-cni.",
    );
  }
  if (mode === "IPVS" && (facts.networkPolicy ?? "").toLowerCase() === "azure") {
    return preflight(
      "KubeProxyConfigValueUnsupported",
      facts,
      "Kube-proxy mode 'IPVS' is not supported with Azure Network Policy (networkPolicy 'azure'). Use IPTABLES, or another network policy.",
    );
  }
  if (mode === "IPVS" && !kubernetesAtLeast(facts.kubernetesVersion, 1, 22)) {
    return preflight(
      "KubeProxyConfigValueUnsupported",
      facts,
      `Kube-proxy mode 'IPVS' requires Kubernetes version 1.22 or later; the cluster runs ${facts.kubernetesVersion}.`,
    );
  }
  return { ok: true, value: config };
}

/**
 * What kube-proxy actually runs for a stored kubeProxyConfig: absent or `{}` = IPTABLES
 * (AKS's default), `enabled: false` = DISABLED, NFTABLES on Kubernetes < 1.33 = IPTABLES; on a Cilium dataplane
 * cluster none (DISABLED): Cilium replaces kube-proxy.
 */
export function effectiveMode(kubeProxyConfig: unknown, kubernetesVersion: string, networkDataplane?: string): string {
  if (isCiliumDataplane(networkDataplane)) return "DISABLED";
  if (!isObject(kubeProxyConfig)) return "IPTABLES";
  if (kubeProxyConfig.enabled === false) return "DISABLED";
  const mode = typeof kubeProxyConfig.mode === "string" ? kubeProxyConfig.mode : "IPTABLES";
  if (mode === "NFTABLES" && !kubernetesAtLeast(kubernetesVersion, 1, 33)) return "IPTABLES";
  return mode;
}
