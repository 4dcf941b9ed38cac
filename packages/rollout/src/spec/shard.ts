/**
 * Deterministic sharding of a fleet for CI matrices: `--shard i/n` (1-based, as jest and Playwright count).
 * A cluster's shard depends only on its lower-cased resource id, so every job computes the same split and every
 * cluster lands in exactly one shard. Pure.
 * @packageDocumentation
 */
import { createHash } from "node:crypto";
import { ValidationError } from "@aks-kube-proxy/sdk";

/** One shard of `count` (index from 1 to count). */
export interface Shard {
  /** Which shard, from 1 to `count`. */
  readonly index: number;
  /** How many shards the fleet is split into. */
  readonly count: number;
}

/**
 * Parses `"i/n"` (e.g. `"2/4"`).
 * @throws {@link ValidationError} when it is not two integers with 1 \<= i \<= n
 */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count)) {
    throw new ValidationError(`--shard "${text}" is not a shard: write i/n with 1 <= i <= n, e.g. --shard 2/4 (the second of four jobs).`, [
      { path: "shard", message: "not i/n with 1 <= i <= n", found: text, allowed: "i/n, e.g. 1/4" },
    ]);
  }
  return { index, count };
}

/**
 * A stable 32-bit hash of a string (the first 4 bytes of its SHA-256).
 * @internal
 */
export function stableHash(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

/**
 * The shard (1-based) a cluster belongs to when the fleet is split into `count` shards.
 * @param clusterId - the cluster's resource id (case does not matter)
 * @param count - number of shards
 */
export function shardOf(clusterId: string, count: number): number {
  return (stableHash(`shard:${clusterId.toLowerCase()}`) % count) + 1;
}

/**
 * True when the cluster belongs to `shard`; every cluster is in exactly one shard of a split.
 * @param clusterId - the cluster's resource id
 * @param shard - the shard, or undefined for "no sharding" (everything)
 */
export function inShard(clusterId: string, shard: Shard | undefined): boolean {
  return shard === undefined || shard.count === 1 || shardOf(clusterId, shard.count) === shard.index;
}

/** Formats a shard as `i/n`. @internal */
export function formatShard(shard: Shard | undefined): string {
  return shard ? `${shard.index}/${shard.count}` : "1/1";
}
