/**
 * ARM's per-subscription request budgets as token buckets (shared/README.md: reads 250 refilled
 * 25/s, writes 200 refilled 10/s; 429 with Retry-After; remaining budget in
 * x-ms-ratelimit-remaining-subscription-reads / -writes).
 */
import type { ThrottlingSettings, TokenBucketSettings } from "./types";

/** ARM's documented defaults. */
export const DEFAULT_THROTTLING: { reads: TokenBucketSettings; writes: TokenBucketSettings } = {
  reads: { capacity: 250, refillPerSecond: 25 },
  writes: { capacity: 200, refillPerSecond: 10 },
};

/** One token bucket (also used by the AKS resource provider throttles). */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly settings: TokenBucketSettings,
    nowMs: number,
  ) {
    this.tokens = settings.capacity;
    this.lastMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.lastMs) / 1000;
    this.tokens = Math.min(this.settings.capacity, this.tokens + elapsed * this.settings.refillPerSecond);
    this.lastMs = nowMs;
  }

  take(nowMs: number): { allowed: boolean; remaining: number; retryAfterSeconds: number } {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true, remaining: Math.floor(this.tokens), retryAfterSeconds: 0 };
    }
    const missing = 1 - this.tokens;
    const retryAfterSeconds = this.settings.refillPerSecond > 0 ? Math.max(1, Math.ceil(missing / this.settings.refillPerSecond)) : 60;
    return { allowed: false, remaining: 0, retryAfterSeconds };
  }
}

/** The outcome of charging a request. */
export interface ThrottleDecision {
  allowed: boolean;
  /** Header name and value to send (absent when throttling is off). */
  header?: { name: string; value: string };
  retryAfterSeconds: number;
}

/** Buckets per subscription and request class. */
export class Throttler {
  private settings: { reads: TokenBucketSettings; writes: TokenBucketSettings } | false;
  private buckets = new Map<string, TokenBucket>();

  constructor(settings: ThrottlingSettings | undefined) {
    this.settings = Throttler.resolve(settings);
  }

  private static resolve(settings: ThrottlingSettings | undefined): { reads: TokenBucketSettings; writes: TokenBucketSettings } | false {
    if (settings === false) return false;
    return { reads: settings?.reads ?? DEFAULT_THROTTLING.reads, writes: settings?.writes ?? DEFAULT_THROTTLING.writes };
  }

  /** Replaces the settings and refills every bucket. */
  configure(settings: ThrottlingSettings | undefined): void {
    this.settings = Throttler.resolve(settings);
    this.buckets.clear();
  }

  /** Refills every bucket. */
  reset(): void {
    this.buckets.clear();
  }

  /** Charges one request of `subscriptionId`; `kind` "read" for GET/HEAD (polls too), "write"/"delete" otherwise. */
  charge(subscriptionId: string, kind: "read" | "write" | "delete", nowMs: number): ThrottleDecision {
    if (this.settings === false) return { allowed: true, retryAfterSeconds: 0 };
    const bucketKind = kind === "read" ? "reads" : "writes";
    const key = `${subscriptionId.toLowerCase()}/${bucketKind}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.settings[bucketKind], nowMs);
      this.buckets.set(key, bucket);
    }
    const result = bucket.take(nowMs);
    const headerName = kind === "read" ? "x-ms-ratelimit-remaining-subscription-reads" : kind === "delete" ? "x-ms-ratelimit-remaining-subscription-deletes" : "x-ms-ratelimit-remaining-subscription-writes";
    return { allowed: result.allowed, header: { name: headerName, value: String(result.remaining) }, retryAfterSeconds: result.retryAfterSeconds };
  }
}
