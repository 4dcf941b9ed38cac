/**
 * Canonical JSON: sorted keys, no undefined members, stable across runs, so diffs never show a change that is not one.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";

/** Options of {@link canonicalKubeProxyJson}. */
export interface CanonicalJsonOptions {
  /** Indentation for humans. @default 0 (compact) */
  readonly indent?: number;
}

/**
 * A deep copy with object keys sorted and undefined members dropped (arrays keep their order).
 * @internal
 */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}

/**
 * Serialises settings with sorted keys (recursively) and without undefined members; `undefined` gives `"null"`.
 * `parseKubeProxySettings(canonicalKubeProxySettings(x)).settings` equals `x` for any parsed `x`.
 * @param settings - the settings, or undefined for "not set"
 * @param options - indentation
 */
export function canonicalKubeProxyJson(settings: KubeProxyConfig | undefined, options: CanonicalJsonOptions = {}): string {
  if (settings === undefined) return "null";
  return JSON.stringify(sortKeysDeep(settings), null, options.indent ?? 0);
}

/**
 * The settings as a plain canonical object: sorted keys, no undefined members, nothing but JSON values — what
 * `JSON.parse(canonicalKubeProxyJson(settings))` gives, named once.
 * @param settings - the settings
 */
export function canonicalKubeProxySettings(settings: KubeProxyConfig): KubeProxyConfig {
  return JSON.parse(canonicalKubeProxyJson(settings)) as KubeProxyConfig;
}
