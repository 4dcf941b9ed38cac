/**
 * Short human descriptions of kube-proxy settings and values.
 * @packageDocumentation
 */
import type { EffectiveKubeProxySettings, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import { fieldsIn } from "@aks-kube-proxy/sdk/settings/fields";

/**
 * One line for effective settings: `IPTABLES`, `IPVS LeastConnection tcp 900s fin 120s udp 300s`, `disabled`.
 * @param settings - effective settings
 */
export function describeSettings(settings: EffectiveKubeProxySettings): string {
  if (!settings.enabled) return "disabled (no managed kube-proxy)";
  const parts = [settings.mode];
  const ipvs = settings.ipvsConfig as Record<string, unknown> | undefined;
  if (ipvs) {
    // Each ipvsConfig field of the SDK's table, in its order, with its label and unit.
    for (const field of fieldsIn("ipvsConfig")) {
      const value = ipvs[field.name];
      if (value === undefined) continue;
      const text = `${String(value)}${field.unit ?? ""}`;
      parts.push(field.label === undefined ? text : `${field.label} ${text}`);
    }
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
