/**
 * The kube-proxy command-line flags the SDK expects AKS to render into DaemonSet `kube-system/kube-proxy` for a
 * kubeProxyConfig, how to read them back from a container's command and args, and the field-by-field comparison.
 * The expectation is the SDK's own, from its settings model and the AKS docs (../shared/README.md "How a kube-proxy
 * setting reaches the nodes": `--proxy-mode=iptables|ipvs|nftables`, `--ipvs-scheduler`, the upstream duration flags
 * `--ipvs-tcp-timeout`, `--ipvs-tcpfin-timeout`, `--ipvs-udp-timeout`, `--metrics-bind-address=0.0.0.0:10249`).
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { parseDuration } from "../duration";
import { effectiveKubeProxySettings, type EffectiveKubeProxySettings } from "../settings/effective";
import { fieldAt, fieldPath, fieldsIn } from "../settings/fields";

/** kube-proxy's metrics port when `--metrics-bind-address` names none (upstream default, and what AKS renders). */
export const DEFAULT_KUBE_PROXY_METRICS_PORT = 10249;

/**
 * The upstream `--ipvs-scheduler` value for each Azure scheduler name (kube-proxy passes it to the kernel's IPVS,
 * which knows `rr` and `lc`; RoundRobin is upstream's default).
 */
export const IPVS_SCHEDULER_FLAG_VALUES: Readonly<Record<string, string>> = Object.fromEntries(
  (fieldAt("ipvsConfig.scheduler").values ?? []).map((v) => [v.value, v.nodeValue ?? v.value.toLowerCase()]),
);

/** One setting compared with the flag rendered for it. */
export interface KubeProxyFlagCheck {
  /** The kubeProxyConfig field: `mode`, `ipvsConfig.scheduler`, `ipvsConfig.tcpTimeoutSeconds`... */
  readonly field: string;
  /** The kube-proxy flag that carries it, e.g. `--proxy-mode`. */
  readonly flag: string;
  /** The flag value expected from the desired settings (only settings that are set are compared). */
  readonly expected: string;
  /** The value found in the DaemonSet or pod (undefined when the flag is absent). */
  readonly rendered: string | undefined;
  /** True when the rendered value means the same as the expected one (durations compared as durations). */
  readonly ok: boolean;
}

/** The flags expected for a kubeProxyConfig (only the ones the settings decide). */
export interface ExpectedKubeProxyFlags {
  /** False when kube-proxy is disabled: then no DaemonSet is expected at all. */
  readonly enabled: boolean;
  /** `iptables`, `ipvs` or `nftables`: both the `--proxy-mode` value and what `/proxyMode` must answer. */
  readonly proxyMode: string;
  /** Expected value per flag name (`--proxy-mode`, `--ipvs-scheduler`, ...), with the field each one comes from. */
  readonly flags: readonly { readonly field: string; readonly flag: string; readonly value: string }[];
}

/**
 * The kube-proxy flags AKS renders for these settings: `--proxy-mode=<mode in lower case>`, and for IPVS the set
 * fields of ipvsConfig as `--ipvs-scheduler=rr|lc`, `--ipvs-tcp-timeout=<N>s`, `--ipvs-tcpfin-timeout=<N>s`,
 * `--ipvs-udp-timeout=<N>s`. Fields that are not set expect nothing (kube-proxy's default applies).
 * @param desired - the desired kubeProxyConfig (absent, `null` and `{}` read as enabled IPTABLES)
 */
export function expectedKubeProxyFlags(desired: KubeProxyConfig | EffectiveKubeProxySettings | undefined): ExpectedKubeProxyFlags {
  const settings = effectiveKubeProxySettings(desired);
  const proxyMode = settings.mode.toLowerCase();
  const flags: { field: string; flag: string; value: string }[] = [{ field: "mode", flag: "--proxy-mode", value: proxyMode }];
  const ipvs = settings.mode === "IPVS" ? (settings.ipvsConfig as Record<string, unknown> | undefined) : undefined;
  for (const field of fieldsIn("ipvsConfig")) {
    const value = ipvs?.[field.name];
    if (value === undefined || field.nodeFlag === undefined) continue;
    const nodeValue = field.values?.find((v) => v.value === value)?.nodeValue ?? String(value);
    flags.push({ field: fieldPath(field), flag: field.nodeFlag, value: `${nodeValue}${field.unit ?? ""}` });
  }
  return { enabled: settings.enabled, proxyMode, flags };
}

/**
 * Reads `--name=value` and `--name value` flags from a container's command and args (the later one wins, as with
 * Go's flag package). A flag without a value reads as `"true"`.
 * @param argv - the container's `command` followed by its `args` (a shell `-c "…"` string is split on spaces)
 */
export function parseKubeProxyArgs(argv: readonly string[]): Map<string, string> {
  const words: string[] = [];
  for (const item of argv) {
    if (typeof item !== "string") continue;
    // `sh -c "kube-proxy --proxy-mode=ipvs ..."`: the flags are inside one word
    if (/\s/.test(item.trim()) && /--[a-z]/.test(item)) words.push(...item.trim().split(/\s+/));
    else words.push(item);
  }
  const flags = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith("--") || word === "--") continue;
    const eq = word.indexOf("=");
    if (eq > 0) {
      flags.set(word.slice(0, eq), word.slice(eq + 1));
      continue;
    }
    const next = words[i + 1];
    if (next !== undefined && !next.startsWith("-")) {
      flags.set(word, next);
      i++;
    } else {
      flags.set(word, "true");
    }
  }
  return flags;
}

/**
 * Compares the rendered flags with the expected ones, field by field. Durations compare as durations (`900s` equals
 * `15m0s`); the scheduler and the mode without regard to case.
 * @param expected - from {@link expectedKubeProxyFlags}
 * @param rendered - from {@link parseKubeProxyArgs}
 */
export function compareKubeProxyFlags(expected: ExpectedKubeProxyFlags, rendered: ReadonlyMap<string, string>): KubeProxyFlagCheck[] {
  return expected.flags.map(({ field, flag, value }) => {
    const found = rendered.get(flag);
    let ok: boolean;
    if (found === undefined) ok = false;
    else if (flag.endsWith("-timeout")) {
      const a = parseDuration(value);
      const b = parseDuration(found);
      ok = a !== undefined && a === b;
    } else ok = found.toLowerCase() === value.toLowerCase();
    return { field, flag, expected: value, rendered: found, ok };
  });
}

/**
 * The port kube-proxy serves `/proxyMode` on, from `--metrics-bind-address` (`0.0.0.0:10249`); 10249 when absent.
 * @param rendered - from {@link parseKubeProxyArgs}
 */
export function metricsPortOf(rendered: ReadonlyMap<string, string>): number {
  const address = rendered.get("--metrics-bind-address");
  const match = address ? /:(\d{1,5})$/.exec(address) : null;
  const port = match ? Number(match[1]) : NaN;
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : DEFAULT_KUBE_PROXY_METRICS_PORT;
}
