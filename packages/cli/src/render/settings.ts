/**
 * Short human descriptions of kube-proxy settings and values.
 * @packageDocumentation
 */
import type { EffectiveKubeProxySettings, KubeProxyConfig } from "@aks-kube-proxy/sdk";

/**
 * One line for effective settings: `IPTABLES`, `IPVS LeastConnection tcp 900s fin 120s udp 300s`, `disabled`.
 * @param settings - effective settings
 */
export function describeSettings(settings: EffectiveKubeProxySettings): string {
  if (!settings.enabled) return "disabled (no managed kube-proxy)";
  const parts = [settings.mode];
  const ipvs = settings.ipvsConfig;
  if (ipvs) {
    if (ipvs.scheduler !== undefined) parts.push(ipvs.scheduler);
    if (ipvs.tcpTimeoutSeconds !== undefined) parts.push(`tcp ${ipvs.tcpTimeoutSeconds}s`);
    if (ipvs.tcpFinTimeoutSeconds !== undefined) parts.push(`fin ${ipvs.tcpFinTimeoutSeconds}s`);
    if (ipvs.udpTimeoutSeconds !== undefined) parts.push(`udp ${ipvs.udpTimeoutSeconds}s`);
  }
  return parts.join(" ");
}

/**
 * How Azure returned kubeProxyConfig: `absent` (never set), `{}` (after disabling), or `set`.
 * @param raw - kubeProxyConfig as returned
 */
export function describeReturnedShape(raw: KubeProxyConfig | undefined): string {
  if (raw === undefined || raw === null) return "absent";
  return Object.values(raw).every((v) => v === undefined) ? "{}" : "set";
}

/**
 * A value in a change line: `(unset)` for undefined, JSON otherwise.
 * @param value - a field value
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return "(unset)";
  return typeof value === "string" ? value : JSON.stringify(value);
}
