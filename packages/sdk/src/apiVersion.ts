import { MIN_API_VERSION } from "./constants";
import { ValidationError } from "./errors";

const API_VERSION_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(-preview)?$/;

/**
 * Compares two ARM api-versions (`YYYY-MM-DD[-preview]`) by date; at the same date a preview sorts before GA.
 * @returns a negative number, zero or a positive number, as `Array.prototype.sort` expects.
 * @internal
 */
export function compareApiVersions(a: string, b: string): number {
  const ma = API_VERSION_PATTERN.exec(a);
  const mb = API_VERSION_PATTERN.exec(b);
  if (!ma || !mb) return a.localeCompare(b);
  const da = `${ma[1]}${ma[2]}${ma[3]}`;
  const db = `${mb[1]}${mb[2]}${mb[3]}`;
  if (da !== db) return da < db ? -1 : 1;
  const pa = ma[4] ? 0 : 1;
  const pb = mb[4] ? 0 : 1;
  return pa - pb;
}

/**
 * Throws a {@link ValidationError} unless `apiVersion` is a preview api-version at least {@link MIN_API_VERSION}:
 * GA api-versions of managedClusters do not model kubeProxyConfig (a write through them keeps the old value).
 * @param apiVersion - the managedClusters api-version to check
 */
export function assertSupportedApiVersion(apiVersion: string): void {
  const match = API_VERSION_PATTERN.exec(apiVersion);
  if (!match) {
    throw new ValidationError(`api-version "${apiVersion}" is not of the form YYYY-MM-DD-preview. Use a preview api-version such as 2026-08-02-preview.`, [
      { path: "apiVersion", message: "not an ARM api-version", found: apiVersion, allowed: "YYYY-MM-DD-preview" },
    ]);
  }
  if (!match[4]) {
    throw new ValidationError(
      `api-version "${apiVersion}" is a GA version: kubeProxyConfig exists only in preview api-versions (${MIN_API_VERSION} or newer). Use e.g. 2026-08-02-preview.`,
      [{ path: "apiVersion", message: "GA api-versions do not carry kubeProxyConfig", found: apiVersion, allowed: `>= ${MIN_API_VERSION}` }],
    );
  }
  if (compareApiVersions(apiVersion, MIN_API_VERSION) < 0) {
    throw new ValidationError(
      `api-version "${apiVersion}" is older than ${MIN_API_VERSION}, the first that knows kubeProxyConfig. Use ${MIN_API_VERSION} or newer (default 2026-08-02-preview).`,
      [{ path: "apiVersion", message: "too old for kubeProxyConfig", found: apiVersion, allowed: `>= ${MIN_API_VERSION}` }],
    );
  }
}
