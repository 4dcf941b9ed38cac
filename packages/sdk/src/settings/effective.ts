/**
 * Effective kube-proxy settings: what a cluster runs for each shape Azure returns. Azure omits kubeProxyConfig when it
 * was never set and may return `{}` after kube-proxy was disabled (azure-rest-api-specs #22208); both read as the AKS
 * default (enabled, IPTABLES), so diffs never show a change that is not one.
 * @packageDocumentation
 */
import type {
  ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig,
  ContainerServiceNetworkProfileKubeProxyConfigIpvsConfig as IpvsConfig,
} from "@azure/arm-containerservice";
import { IPVS_FIELDS } from "./model";

/** The settings a cluster effectively runs, with AKS defaults filled in. */
export interface EffectiveKubeProxySettings {
  /** Whether the managed kube-proxy runs. @default true */
  readonly enabled: boolean;
  /** Proxy mode, upper case. @default "IPTABLES" */
  readonly mode: string;
  /** IPVS customisations as set (Azure fills no defaults); only present when set. */
  readonly ipvsConfig?: IpvsConfig;
}

/** One field that differs between two settings. */
export interface FieldChange {
  /** Dotted path inside kubeProxyConfig: `enabled`, `mode`, `ipvsConfig.scheduler`... */
  readonly path: string;
  /** Value before (undefined = not set). */
  readonly before: unknown;
  /** Value after (undefined = not set). */
  readonly after: unknown;
}

/**
 * True when a raw kubeProxyConfig is an empty object (`{}`), the shape Azure may return after kube-proxy was disabled.
 * @internal
 */
export function isEmptyKubeProxyConfig(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) && Object.keys(raw).every((k) => (raw as Record<string, unknown>)[k] === undefined);
}

/**
 * The effective settings for a kubeProxyConfig as returned by Azure or as desired: absent, `null` and `{}` mean
 * `{ enabled: true, mode: "IPTABLES" }`; a missing `enabled` means true, a missing `mode` IPTABLES.
 * @param raw - kubeProxyConfig as returned (or desired)
 */
export function effectiveKubeProxySettings(raw: KubeProxyConfig | undefined | null): EffectiveKubeProxySettings {
  const enabled = raw?.enabled ?? true;
  const mode = typeof raw?.mode === "string" && raw.mode !== "" ? raw.mode.toUpperCase() : "IPTABLES";
  const ipvs = raw?.ipvsConfig;
  if (ipvs && typeof ipvs === "object") {
    const ipvsConfig: IpvsConfig = {};
    for (const field of IPVS_FIELDS) if (ipvs[field] !== undefined) (ipvsConfig as Record<string, unknown>)[field] = ipvs[field];
    return { enabled, mode, ipvsConfig };
  }
  return { enabled, mode };
}

/**
 * Field-by-field differences between two effective settings. An empty `ipvsConfig` equals an absent one.
 * @internal
 */
export function diffEffectiveSettings(before: EffectiveKubeProxySettings, after: EffectiveKubeProxySettings): FieldChange[] {
  const changes: FieldChange[] = [];
  if (before.enabled !== after.enabled) changes.push({ path: "enabled", before: before.enabled, after: after.enabled });
  if (before.mode !== after.mode) changes.push({ path: "mode", before: before.mode, after: after.mode });
  const b = before.ipvsConfig ?? {};
  const a = after.ipvsConfig ?? {};
  for (const field of IPVS_FIELDS) {
    if (b[field] !== a[field]) changes.push({ path: `ipvsConfig.${field}`, before: b[field], after: a[field] });
  }
  return changes;
}

/**
 * True when two settings are effectively the same.
 * @param a - settings (raw or effective)
 * @param b - settings (raw or effective)
 */
export function sameKubeProxySettings(a: KubeProxyConfig | EffectiveKubeProxySettings | undefined, b: KubeProxyConfig | EffectiveKubeProxySettings | undefined): boolean {
  return diffEffectiveSettings(effectiveKubeProxySettings(a), effectiveKubeProxySettings(b)).length === 0;
}
