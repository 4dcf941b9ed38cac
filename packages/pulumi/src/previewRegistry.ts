/**
 * One {@link PreviewEnablement} per subscription per program run, shared by every {@link KubeProxyConfig} of that
 * subscription. Keyed by the run's resource monitor, so that two runs in one process (Automation API inline
 * programs, unit tests with mocks) never share resource objects.
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import type { PreviewEnablement } from "./resources/previewEnablement";

const byRun = new WeakMap<object, Map<string, unknown>>();
const withoutMonitor = new Map<string, unknown>();

function registry(): Map<string, unknown> {
  const monitor = pulumi.runtime.getMonitor() as object | undefined;
  if (monitor === undefined) return withoutMonitor;
  let map = byRun.get(monitor);
  if (!map) {
    map = new Map();
    byRun.set(monitor, map);
  }
  return map;
}

/**
 * The run's value for `key`, created by `create` the first time.
 * @param key - registry key (e.g. `preview:<subscription>`)
 * @param create - makes the value
 * @internal
 */
export function sharedPerRun<T>(key: string, create: () => T): T {
  const map = registry();
  if (map.has(key)) return map.get(key) as T;
  const value = create();
  map.set(key, value);
  return value;
}

/**
 * The run's shared enablement for `key`, created by `create` the first time.
 * @param key - subscription id (lower case), or another stable key
 * @param create - makes the resource
 * @internal
 */
export function sharedPreviewEnablement(key: string, create: () => PreviewEnablement): PreviewEnablement {
  return sharedPerRun(`preview:${key}`, create);
}
