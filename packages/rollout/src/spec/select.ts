/**
 * Fleet selection: which listed clusters a rollout touches, and with which settings. Pure.
 * @packageDocumentation
 */
import { coerce, satisfies } from "semver";
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { normalizeLocation } from "./rolloutRules";
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

/** Compiles one glob pattern (`*` any run of characters, `?` one character) to an anchored regular expression. */
function globRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s");
}

/**
 * One matcher for a list of names and glob patterns: exact names (no `*` or `?`) are looked up in a set, only the
 * patterns are compiled. Cached per list (the parsed spec's arrays), so a selector of 100,000 names costs one set,
 * not 100,000 regular expressions.
 */
const matchers = new WeakMap<readonly string[], { ignoreCase: (text: string) => boolean; exact: (text: string) => boolean }>();

function globMatcher(patterns: readonly string[], ignoreCase: boolean): (text: string) => boolean {
  let entry = matchers.get(patterns);
  if (!entry) {
    const build = (fold: boolean): ((text: string) => boolean) => {
      const literals = new Set<string>();
      const regexes: RegExp[] = [];
      for (const p of patterns) {
        if (/[*?]/.test(p)) regexes.push(globRegExp(p, fold));
        else literals.add(fold ? p.toLowerCase() : p);
      }
      return (text) => literals.has(fold ? text.toLowerCase() : text) || regexes.some((re) => re.test(text));
    };
    let folded: ((text: string) => boolean) | undefined;
    let exact: ((text: string) => boolean) | undefined;
    entry = { ignoreCase: (t) => (folded ??= build(true))(t), exact: (t) => (exact ??= build(false))(t) };
    matchers.set(patterns, entry);
  }
  return ignoreCase ? entry.ignoreCase : entry.exact;
}

const idSets = new WeakMap<readonly string[], Set<string>>();

/** The lower-cased set of a list of ids (subscriptions, cluster ids), cached per list. */
function lowerSet(values: readonly string[]): Set<string> {
  let set = idSets.get(values);
  if (!set) {
    set = new Set(values.map((v) => v.toLowerCase()));
    idSets.set(values, set);
  }
  return set;
}

/**
 * True when the cluster matches the selector (every field given matches; within a field, any entry).
 * @param cluster - the cluster's facts
 * @param selector - the selector
 */
export function matchesSelector(cluster: SelectableCluster, selector: ClusterSelector): boolean {
  if (selector.ids && !lowerSet(selector.ids).has(cluster.id.toLowerCase())) return false;
  if (selector.subscriptions && !lowerSet(selector.subscriptions).has(cluster.subscriptionId.toLowerCase())) return false;
  if (selector.resourceGroups && !globMatcher(selector.resourceGroups, true)(cluster.resourceGroup)) return false;
  if (selector.names && !globMatcher(selector.names, true)(cluster.name)) return false;
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
      if (!globMatcher(patterns, false)(value)) return false;
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
