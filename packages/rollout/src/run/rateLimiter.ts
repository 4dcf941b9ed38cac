/**
 * An adaptive, per-subscription pacer for ARM requests, as an `@azure/core-rest-pipeline` policy.
 *
 * ARM budgets requests per subscription (and principal) as token buckets, one for reads (GET/HEAD, polls included)
 * and one for writes, reports what is left in `x-ms-ratelimit-remaining-subscription-reads` / `-writes` and answers
 * 429 with `Retry-After` when a bucket is empty. A fleet rollout that simply retried 429s would have dozens of
 * requests bouncing off an empty bucket, each waiting a whole `Retry-After`. This policy instead keeps a model of each
 * bucket (the last reported remaining budget, the requests sent since, and the refill rate estimated from how the
 * reported budget moves) and holds requests in a queue until the model says the bucket has a token, so that requests
 * leave at the rate the bucket refills. A 429 that still happens (another client shares the budget) closes that
 * bucket for `Retry-After`, slows the estimate a little, and the request is sent again once it reopens: the caller
 * never sees it, unless it happens `maxThrottleRetries` times in a row.
 * @packageDocumentation
 */
import { AbortError, type AbortSignalLike } from "@azure/abort-controller";
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from "@azure/core-rest-pipeline";
import { parseRetryAfterInMs } from "@aks-kube-proxy/sdk";

/** Options of {@link ArmRateLimiter}. */
export interface ArmRateLimiterOptions {
  /** Leave this many requests of each budget unused, for other clients of the subscription. @default 0 */
  readonly reserve?: number;
  /** 429s absorbed for one request before it is handed back to the client's own retry policy. @default 10 */
  readonly maxThrottleRetries?: number;
  /** Upper bound of a honoured `Retry-After`. @default 60000 */
  readonly maxRetryAfterInMs?: number;
  /** Called when a 429 arrives (for logs and progress). */
  readonly onThrottled?: (event: { subscriptionId: string; kind: "read" | "write"; retryAfterInMs: number }) => void;
}

/** What the limiter has seen and done, per request kind. */
export interface ArmRateLimiterStats {
  /** Requests sent (after pacing), by kind. */
  readonly sent: { readonly reads: number; readonly writes: number };
  /** 429 answers received, by kind. */
  readonly throttled: { readonly reads: number; readonly writes: number };
  /** Total time requests spent waiting in the limiter's queues. */
  readonly queuedInMs: number;
}

const SUBSCRIPTION_IN_PATH = /\/subscriptions\/([^/?#]+)/i;
/** Shortest window between two budget reports that yields a refill-rate sample. */
const SAMPLE_WINDOW_IN_MS = 1000;

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
  aborted: boolean;
}

/**
 * The model of one ARM bucket (one subscription, reads or writes).
 *
 * - Until a response reports the budget, one request at a time is sent (a cold start must not become a 429 storm);
 *   a bucket whose responses carry no budget header is not metered at all.
 * - Available budget = last reported remaining + estimated refill since − requests sent since (those in flight count
 *   as not yet charged, to err on the safe side). A request leaves when at least one unit (plus the reserve) is
 *   available, or, when the bucket is empty, after the time the estimated refill needs.
 * - The refill rate is estimated from pairs of reports taken while requests were queued the whole time (so the
 *   bucket was drained, not capped): (remaining now − remaining then + requests charged in between) ÷ time between.
 *   A 429 counts as a report of an empty bucket and slows the estimate; before any estimate, an empty bucket is probed
 *   with a single request after a short, growing delay.
 * @internal
 */
class Bucket {
  /** Remaining budget in the last report (undefined: never reported). */
  private reported: number | undefined;
  private reportedAtMs = 0;
  /** Requests granted since the report (they may not be counted in it). */
  private grantedSinceReport = 0;
  /** Requests granted and not answered yet. */
  private inFlight = 0;
  /** Largest budget ever reported + 1: the bucket's capacity, as far as we know. */
  private capacity = 0;
  /** Responses carry no budget header: nothing to pace. */
  private unmetered = false;
  /** Estimated refill, in requests per second. */
  private ratePerSecond: number | undefined;
  private anchor: { atMs: number; remaining: number; charged: number; demandEpoch: number } | undefined;
  /** Requests charged by the server (successful answers). */
  private charged = 0;
  /** Incremented whenever the queue runs empty: rate samples must not span such a gap (the bucket may have filled up). */
  private demandEpoch = 0;
  private blockedUntilMs = 0;
  private lastGrantMs = 0;
  private probeDelayMs = 250;
  private readonly queue: Waiter[] = [];
  private pumping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly reserve: number) {}

  acquire(signal: AbortSignalLike | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortError("The request was aborted while waiting for ARM request budget."));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, aborted: false };
      const onAbort = (): void => {
        waiter.aborted = true;
        reject(new AbortError("The request was aborted while waiting for ARM request budget."));
        this.wake?.();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiter.resolve = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.queue.push(waiter);
      void this.pump();
    });
  }

  /** Learns from a rate sample between the anchor and a report, when the queue never ran empty in between. */
  private sample(nowMs: number, remaining: number): void {
    // Reported budgets are whole numbers (the bucket's fraction is cut off): a window must be long enough that one
    // unit of error is small against what refilled in it.
    const a = this.anchor;
    const long = a !== undefined && nowMs - a.atMs >= SAMPLE_WINDOW_IN_MS && this.charged - a.charged >= 3;
    if (a && a.demandEpoch === this.demandEpoch && long) {
      const rate = (remaining - a.remaining + (this.charged - a.charged)) / ((nowMs - a.atMs) / 1000);
      if (rate > 0) this.ratePerSecond = this.ratePerSecond === undefined ? rate : 0.7 * this.ratePerSecond + 0.3 * rate;
    }
    if (!a || a.demandEpoch !== this.demandEpoch || long) {
      this.anchor = { atMs: nowMs, remaining, charged: this.charged, demandEpoch: this.demandEpoch };
    }
  }

  /** A response arrived: learn from it. */
  answeredWith(remaining: number | undefined, throttled: boolean, retryAfterMs: number | undefined, nowMs: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (throttled) {
      this.blockedUntilMs = Math.max(this.blockedUntilMs, nowMs + (retryAfterMs ?? 1000));
      if (this.ratePerSecond !== undefined) this.ratePerSecond *= 0.8;
      else this.probeDelayMs = Math.min(2000, this.probeDelayMs * 2);
      this.reported = 0;
      this.reportedAtMs = nowMs;
      this.grantedSinceReport = this.inFlight;
      this.unmetered = false;
      // An empty bucket: less than one unit left (reported as 0, like a whole-number report of a fraction).
      this.sample(nowMs, 0);
    } else if (remaining !== undefined) {
      this.charged++;
      this.unmetered = false;
      this.capacity = Math.max(this.capacity, remaining + 1);
      this.sample(nowMs, remaining);
      this.reported = remaining;
      this.reportedAtMs = nowMs;
      this.grantedSinceReport = this.inFlight;
    } else if (this.reported === undefined) {
      this.unmetered = true;
    }
    this.wake?.();
  }

  /** The request was not answered (network error): give its slot back. */
  released(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.wake?.();
  }

  private available(nowMs: number): number {
    if (this.reported === undefined) return this.unmetered ? Number.POSITIVE_INFINITY : this.inFlight === 0 ? 1 : 0;
    const refill = this.ratePerSecond === undefined ? 0 : (this.ratePerSecond * Math.max(0, nowMs - this.reportedAtMs)) / 1000;
    return Math.min(this.capacity, this.reported + refill) - this.grantedSinceReport;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0];
        if (!head) break;
        if (head.aborted) {
          this.queue.shift();
          continue;
        }
        const now = Date.now();
        let waitMs: number;
        if (now < this.blockedUntilMs) {
          waitMs = this.blockedUntilMs - now;
        } else {
          const available = this.available(now);
          const probe = this.reported !== undefined && this.ratePerSecond === undefined && this.inFlight === 0 && now - this.lastGrantMs >= this.probeDelayMs;
          if (available >= this.reserve + 1 || probe) {
            this.queue.shift();
            this.grantedSinceReport++;
            this.inFlight++;
            this.lastGrantMs = now;
            head.resolve();
            continue;
          }
          if (this.reported === undefined) {
            waitMs = 1000; // cold start: the answer in flight wakes us up
          } else if (this.ratePerSecond !== undefined) {
            waitMs = Math.ceil(((this.reserve + 1 - available) / this.ratePerSecond) * 1000);
          } else {
            waitMs = this.inFlight > 0 ? 1000 : Math.max(1, this.probeDelayMs - (now - this.lastGrantMs));
          }
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.max(1, waitMs));
          function done(): void {
            clearTimeout(timer);
            resolve();
          }
          this.wake = done;
        });
        this.wake = undefined;
      }
      this.demandEpoch++;
    } finally {
      this.pumping = false;
    }
  }
}

/**
 * Paces ARM requests per subscription to the budgets ARM reports. Pass {@link ArmRateLimiter.policy} to every
 * {@link KubeProxyClient} of a rollout through `additionalPolicies` (position `perRetry`); one limiter serves every
 * subscription (requests are keyed by the `/subscriptions/{id}` of their URL; others pass through).
 */
export class ArmRateLimiter {
  /** The pipeline policy. */
  readonly policy: PipelinePolicy;
  private readonly buckets = new Map<string, Bucket>();
  private readonly reserve: number;
  private readonly maxThrottleRetries: number;
  private readonly maxRetryAfterInMs: number;
  private readonly onThrottled: ArmRateLimiterOptions["onThrottled"];
  private readonly counters = { sentReads: 0, sentWrites: 0, throttledReads: 0, throttledWrites: 0, queuedInMs: 0 };

  /** @param options - reserve, 429 handling */
  constructor(options: ArmRateLimiterOptions = {}) {
    this.reserve = options.reserve ?? 0;
    this.maxThrottleRetries = options.maxThrottleRetries ?? 10;
    this.maxRetryAfterInMs = options.maxRetryAfterInMs ?? 60_000;
    this.onThrottled = options.onThrottled;
    this.policy = { name: "aksKubeProxyArmRateLimiter", sendRequest: (request, next) => this.send(request, next) };
  }

  /** What it has seen and done so far. */
  stats(): ArmRateLimiterStats {
    const c = this.counters;
    return { sent: { reads: c.sentReads, writes: c.sentWrites }, throttled: { reads: c.throttledReads, writes: c.throttledWrites }, queuedInMs: c.queuedInMs };
  }

  private bucket(subscriptionId: string, kind: "read" | "write"): Bucket {
    const key = `${subscriptionId.toLowerCase()}/${kind}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = new Bucket(this.reserve);
      this.buckets.set(key, b);
    }
    return b;
  }

  private async send(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
    let path: string;
    try {
      path = new URL(request.url).pathname;
    } catch {
      return next(request);
    }
    const subscription = SUBSCRIPTION_IN_PATH.exec(path)?.[1];
    if (!subscription) return next(request);
    const kind: "read" | "write" = request.method === "GET" || request.method === "HEAD" ? "read" : "write";
    const bucket = this.bucket(decodeURIComponent(subscription), kind);
    for (let attempt = 0; ; attempt++) {
      const queuedAt = Date.now();
      await bucket.acquire(request.abortSignal);
      this.counters.queuedInMs += Date.now() - queuedAt;
      if (kind === "read") this.counters.sentReads++;
      else this.counters.sentWrites++;
      let response: PipelineResponse;
      try {
        response = await next(request);
      } catch (error) {
        bucket.released();
        throw error;
      }
      const now = Date.now();
      const header = response.headers.get(kind === "read" ? "x-ms-ratelimit-remaining-subscription-reads" : request.method === "DELETE" ? "x-ms-ratelimit-remaining-subscription-deletes" : "x-ms-ratelimit-remaining-subscription-writes");
      const remaining = header !== undefined && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
      if (response.status !== 429) {
        bucket.answeredWith(remaining, false, undefined, now);
        return response;
      }
      const wait = Math.min(this.maxRetryAfterInMs, parseRetryAfterInMs(response.headers, now) ?? 1000);
      bucket.answeredWith(undefined, true, wait, now);
      if (kind === "read") this.counters.throttledReads++;
      else this.counters.throttledWrites++;
      this.onThrottled?.({ subscriptionId: subscription, kind, retryAfterInMs: wait });
      if (attempt >= this.maxThrottleRetries) return response;
      // Drain the body so the socket can be reused before the request is sent again.
      response.readableStreamBody?.resume();
    }
  }
}
