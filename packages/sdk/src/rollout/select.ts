/**
 * Fleet selection: which listed clusters a rollout touches, and with which settings. Pure.
 * @packageDocumentation
 */
import { coerce, satisfies } from "semver";
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { normalizeLocation } from "./parseSpec";
import type { ClusterSelector, RolloutSpec } from "./spec";

/** The facts about a cluster that selectors look at (a listed `ClusterState` has them all). */
export interface SelectableCluster {
  /** Full resource id. */
  readonly id: string;
  /** Subscription id. */
  readonly subscriptionId: string;
  /** Resource group name. */
  readonly resourceGroup: string;
  /** Cluster name. */
  readonly name: string;
  /** Azure region. */
  readonly location?: string;
  /** Resource tags. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Kubernetes version, e.g. `1.33.2`. */
  readonly kubernetesVersion?: string;
}

/** A cluster the rollout selected, with the settings it should get. */
export interface SelectedCluster<C extends SelectableCluster = SelectableCluster> {
  /** The cluster as listed. */
  readonly cluster: C;
  /** Name of the group whose settings apply; absent for the rollout's top-level settings. */
  readonly group?: string;
  /** The desired settings; absent when neither a group nor the top-level settings cover the cluster. */
  readonly desired?: KubeProxyConfig;
}

const globCache = new Map<string, RegExp>();

/**
 * Matches `text` against a glob pattern (`*` any run of characters, `?` one character).
 * @internal
 */
export function globMatch(pattern: string, text: string, ignoreCase: boolean): boolean {
  const key = `${ignoreCase ? "i" : "c"}:${pattern}`;
  let re = globCache.get(key);
  if (!re) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    re = new RegExp(`^${source}$`, ignoreCase ? "is" : "s");
    globCache.set(key, re);
  }
  return re.test(text);
}

/**
 * True when the cluster matches the selector (every field given matches; within a field, any entry).
 * @param cluster - the cluster's facts
 * @param selector - the selector
 */
export function matchesSelector(cluster: SelectableCluster, selector: ClusterSelector): boolean {
  if (selector.ids && !selector.ids.some((id) => id.toLowerCase() === cluster.id.toLowerCase())) return false;
  if (selector.subscriptions && !selector.subscriptions.some((s) => s.toLowerCase() === cluster.subscriptionId.toLowerCase())) return false;
  if (selector.resourceGroups && !selector.resourceGroups.some((p) => globMatch(p, cluster.resourceGroup, true))) return false;
  if (selector.names && !selector.names.some((p) => globMatch(p, cluster.name, true))) return false;
  if (selector.locations) {
    const location = normalizeLocation(cluster.location ?? "");
    if (!selector.locations.includes(location)) return false;
  }
  if (selector.kubernetesVersion !== undefined) {
    const version = coerce(cluster.kubernetesVersion ?? "");
    if (!version || !satisfies(version, selector.kubernetesVersion, { includePrerelease: true })) return false;
  }
  if (selector.tags) {
    const tags = cluster.tags ?? {};
    for (const [name, patterns] of Object.entries(selector.tags)) {
      const key = Object.keys(tags).find((k) => k.toLowerCase() === name.toLowerCase());
      const value = key === undefined ? undefined : tags[key];
      if (value === undefined) return false;
      if (!patterns.some((p) => globMatch(p, value, false))) return false;
    }
  }
  return true;
}

/**
 * True when the cluster matches any of the selectors.
 * @internal
 */
export function matchesAny(cluster: SelectableCluster, selectors: readonly ClusterSelector[]): boolean {
  return selectors.some((s) => matchesSelector(cluster, s));
}

/**
 * Selects the rollout's fleet from listed clusters: those in the rollout's subscriptions that match `select` (any;
 * all when empty) and no `exclude` selector, each with the settings of the first group that matches it, else the
 * top-level settings. Duplicates (same id, any case) are kept once. The result is sorted by lower-cased id.
 * @param args - the rollout and the clusters listed in its subscriptions
 */
export function selectFleet<C extends SelectableCluster>(args: { readonly spec: RolloutSpec; readonly clusters: readonly C[] }): SelectedCluster<C>[] {
  const { spec } = args;
  const subscriptions = new Set(spec.subscriptions.map((s) => s.id.toLowerCase()));
  const byId = new Map<string, SelectedCluster<C>>();
  for (const cluster of args.clusters) {
    const key = cluster.id.toLowerCase();
    if (byId.has(key) || !subscriptions.has(cluster.subscriptionId.toLowerCase())) continue;
    if (spec.select.length > 0 && !matchesAny(cluster, spec.select)) continue;
    if (matchesAny(cluster, spec.exclude)) continue;
    const group = spec.groups.find((g) => matchesAny(cluster, g.select));
    const selected: SelectedCluster<C> = group
      ? { cluster, group: group.name, desired: group.settings }
      : spec.settings !== undefined
        ? { cluster, desired: spec.settings }
        : { cluster };
    byId.set(key, selected);
  }
  return [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}
