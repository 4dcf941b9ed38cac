/**
 * The AKS resource provider's own throttles, beside ARM's (AKS docs, "Throttling limits on AKS resource provider
 * APIs"; shared/README.md): PUT managedCluster 20 burst refilled 1 per minute per cluster; GET managedCluster 60
 * refilled 1/s per cluster; GET operation status 200 refilled 2/s per subscription. An empty bucket answers 429 with
 * code `Throttled`, "The PutManagedClusterHandler.PUT request limit has been exceeded for SubID='…', please retry again
 * in N seconds" and `Retry-After: N`. On by default; `timeScale` multiplies every refill rate so tests can run minutes
 * of refill in seconds (Retry-After is then computed on the scaled rate, at least 1 s).
 */
import { TokenBucket } from "./throttle";
import type { AksThrottlingSettings, TokenBucketSettings } from "./types";

/** Which AKS API a request is, for its bucket. */
export type AksThrottleClass = "put-cluster" | "get-cluster" | "get-operation";

/** Azure's documented budgets (refill per second). */
export const DEFAULT_AKS_THROTTLING: Required<Omit<AksThrottlingSettings, "timeScale">> = {
  putManagedCluster: { capacity: 20, refillPerSecond: 1 / 60 },
  getManagedCluster: { capacity: 60, refillPerSecond: 1 },
  getOperationStatus: { capacity: 200, refillPerSecond: 2 },
};

/**
 * Handler names in the 429 message. Azure's docs quote the PUT one; the two GET names follow its pattern (an emulator
 * choice, documented in the README).
 */
const HANDLER: Record<AksThrottleClass, string> = {
  "put-cluster": "PutManagedClusterHandler.PUT",
  "get-cluster": "GetManagedClusterHandler.GET",
  "get-operation": "GetOperationStatusHandler.GET",
};

/** The outcome of charging a request. */
export interface AksThrottleDecision {
  allowed: boolean;
  retryAfterSeconds: number;
  message?: string;
}

interface Resolved {
  timeScale: number;
  buckets: Record<AksThrottleClass, TokenBucketSettings>;
}

/** Buckets per cluster (PUT, GET) and per subscription (operation status). */
export class AksThrottler {
  private settings: Resolved | false;
  private buckets = new Map<string, TokenBucket>();

  constructor(settings: AksThrottlingSettings | false | undefined) {
    this.settings = AksThrottler.resolve(settings);
  }

  private static resolve(settings: AksThrottlingSettings | false | undefined): Resolved | false {
    if (settings === false) return false;
    const timeScale = settings?.timeScale ?? 1;
    if (!Number.isFinite(timeScale) || timeScale <= 0) throw new Error(`aksThrottling.timeScale must be a positive number, found ${String(timeScale)}`);
    const scale = (b: TokenBucketSettings): TokenBucketSettings => ({ capacity: b.capacity, refillPerSecond: b.refillPerSecond * timeScale });
    return {
      timeScale,
      buckets: {
        "put-cluster": scale(settings?.putManagedCluster ?? DEFAULT_AKS_THROTTLING.putManagedCluster),
        "get-cluster": scale(settings?.getManagedCluster ?? DEFAULT_AKS_THROTTLING.getManagedCluster),
        "get-operation": scale(settings?.getOperationStatus ?? DEFAULT_AKS_THROTTLING.getOperationStatus),
      },
    };
  }

  /** Replaces the settings and refills every bucket. */
  configure(settings: AksThrottlingSettings | false | undefined): void {
    this.settings = AksThrottler.resolve(settings);
    this.buckets.clear();
  }

  /**
   * Charges one request of class `kind`. `key` is the cluster (for PUT/GET managedCluster) or the subscription (for
   * operation status).
   */
  charge(kind: AksThrottleClass, subscriptionId: string, key: string, nowMs: number): AksThrottleDecision {
    if (this.settings === false) return { allowed: true, retryAfterSeconds: 0 };
    const bucketKey = `${kind}/${key.toLowerCase()}`;
    let bucket = this.buckets.get(bucketKey);
    if (!bucket) {
      bucket = new TokenBucket(this.settings.buckets[kind], nowMs);
      this.buckets.set(bucketKey, bucket);
    }
    const result = bucket.take(nowMs);
    if (result.allowed) return { allowed: true, retryAfterSeconds: 0 };
    return {
      allowed: false,
      retryAfterSeconds: result.retryAfterSeconds,
      message: `The ${HANDLER[kind]} request limit has been exceeded for SubID='${subscriptionId}', please retry again in ${result.retryAfterSeconds} seconds.`,
    };
  }
}
