/**
 * The wave planner: assigns the clusters that need a change to the rollout's ordered waves. Pure and deterministic.
 * @packageDocumentation
 */
import { matchesAny, type SelectableCluster } from "../spec/select";
import { stableHash } from "../spec/shard";
import type { RolloutWave } from "../spec/spec";

/** One planned wave. */
export interface PlannedWave<C extends SelectableCluster = SelectableCluster> {
  /** The wave's name. */
  readonly name: string;
  /** Its position (0-based). */
  readonly index: number;
  /** The clusters it takes, in the order they are started. */
  readonly clusters: readonly C[];
}

/** The result of {@link planWaves}. */
export interface WavePlan<C extends SelectableCluster = SelectableCluster> {
  /** Every wave of the rollout, in order (possibly empty ones). */
  readonly waves: readonly PlannedWave<C>[];
  /** Clusters no wave takes (e.g. a tag-based rollout and a cluster without the tag): they are skipped. */
  readonly unassigned: readonly C[];
}

/**
 * The order in which count and percent waves take clusters: a stable pseudo-random order (hash of the lower-cased
 * resource id), so that a canary and a 10% wave spread over subscriptions and regions instead of taking the
 * alphabetically first ones, and every run computes the same order.
 * @internal
 */
export function waveOrder<C extends SelectableCluster>(clusters: readonly C[]): C[] {
  return clusters
    .map((c) => ({ c, key: c.id.toLowerCase(), h: stableHash(`wave:${c.id.toLowerCase()}`) }))
    .sort((a, b) => a.h - b.h || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.c);
}

/**
 * Assigns clusters to waves. Each wave, in order, takes from the clusters no earlier wave took: those matching its
 * `select` (when given), at most `count` of them or `percent` of all clusters given (rounded up, at least one when
 * the percentage is above zero); a wave with none of these takes every remaining cluster.
 * @param args - the clusters that need a change and the rollout's waves
 */
export function planWaves<C extends SelectableCluster>(args: { readonly clusters: readonly C[]; readonly waves: readonly RolloutWave[] }): WavePlan<C> {
  let remaining = waveOrder(args.clusters);
  const total = remaining.length;
  const waves: PlannedWave<C>[] = args.waves.map((wave, index) => {
    const select = wave.select;
    let candidates = select ? remaining.filter((c) => matchesAny(c, select)) : remaining;
    const cap = wave.count !== undefined ? wave.count : wave.percent !== undefined ? Math.ceil((wave.percent * total) / 100 - 1e-9) : undefined;
    if (cap !== undefined) candidates = candidates.slice(0, cap);
    const taken = new Set(candidates);
    remaining = remaining.filter((c) => !taken.has(c));
    return { name: wave.name, index, clusters: candidates };
  });
  return { waves, unassigned: remaining };
}
