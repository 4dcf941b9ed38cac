/**
 * Kubernetes version parsing for rule checks.
 * @packageDocumentation
 */

/** A Kubernetes minor version. @internal */
export interface KubernetesMinor {
  readonly major: number;
  readonly minor: number;
}

/**
 * Parses "1.33", "1.33.2" or "v1.33.2" into major and minor; undefined when it is not a version.
 * @internal
 */
export function parseKubernetesVersion(version: string | undefined): KubernetesMinor | undefined {
  if (!version) return undefined;
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?/.exec(version.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/**
 * True when `version` is at least `major.minor`.
 * @internal
 */
export function isAtLeast(version: KubernetesMinor, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}
