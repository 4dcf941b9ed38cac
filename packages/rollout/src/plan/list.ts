/**
 * Listing a rollout's fleet: the ARM list API (every page) once per subscription, the subscriptions in parallel,
 * paced by the rollout's rate limiter.
 * @packageDocumentation
 */
import type { ClusterState } from "@aks-kube-proxy/sdk";
import type { RolloutClientFactory } from "../run/rolloutClient";
import type { ArmRateLimiter } from "../run/rateLimiter";
import type { RolloutSpec } from "../spec/spec";

/** Options of {@link listRolloutClusters}. */
export interface ListRolloutClustersOptions {
  /** The rollout. */
  readonly spec: RolloutSpec;
  /** Builds one client per subscription. */
  readonly createClient: RolloutClientFactory;
  /** Paces the list requests (share it with {@link runRollout}). */
  readonly rateLimiter?: ArmRateLimiter;
  /** Stops listing. */
  readonly abortSignal?: AbortSignal;
  /** Called when a subscription has been listed. */
  readonly onProgress?: (event: { readonly subscriptionId: string; readonly clusters: number; readonly done: number; readonly total: number }) => void;
}

/**
 * Lists every cluster of the rollout's subscriptions.
 * @param options - spec, client factory, rate limiter
 * @returns the clusters, subscription by subscription in the spec's order
 * @throws the SDK's error for the first subscription that cannot be listed (the plan needs the whole fleet)
 */
export async function listRolloutClusters(options: ListRolloutClustersOptions): Promise<ClusterState[]> {
  const { spec } = options;
  const policies = options.rateLimiter ? [{ policy: options.rateLimiter.policy, position: "perRetry" as const }] : [];
  let done = 0;
  const lists = await Promise.all(
    spec.subscriptions.map(async (s) => {
      const client = options.createClient({ subscriptionId: s.id, additionalPolicies: policies });
      const clusters = await client.listClusters(options.abortSignal ? { abortSignal: options.abortSignal } : {});
      done++;
      try {
        options.onProgress?.({ subscriptionId: s.id, clusters: clusters.length, done, total: spec.subscriptions.length });
      } catch {
        // progress callbacks never break the listing
      }
      return clusters;
    }),
  );
  return lists.flat();
}
