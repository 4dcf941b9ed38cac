/**
 * Pipeline configuration shared by the three Azure SDK clients: endpoint and token scope, the default pipeline's retry
 * policies configured (exponential for 5xx and dropped connections, throttling for 429/503 with Retry-After), a policy
 * that clamps Retry-After, the optional preview header, a request log line for our logger, and the caller's policies.
 * @packageDocumentation
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { PREVIEW_FEATURE_HEADER_NAME, PREVIEW_FEATURE_HEADER_VALUE, SDK_VERSION } from "../constants";
import type { Log } from "../log";
import { parseRetryAfterInMs } from "../poll";

/** Retry options of the pipeline's retry policies. */
export interface RetryOptions {
  /** Retries after the first attempt, for 429, 5xx and dropped connections. @default 5 */
  readonly maxRetries?: number;
  /** First backoff delay. @default 800 */
  readonly retryDelayInMs?: number;
  /** Largest backoff delay, and the clamp applied to a server's Retry-After. @default 60000 */
  readonly maxRetryDelayInMs?: number;
}

/** A caller-supplied pipeline policy (e.g. a rate limiter) and where it goes. */
export interface AdditionalPolicy {
  /** The policy. */
  readonly policy: PipelinePolicy;
  /** `perCall`: once per operation; `perRetry`: on every attempt. */
  readonly position: "perCall" | "perRetry";
}

/** Inputs of {@link buildPipelineOptions}. @internal */
export interface PipelineSettings {
  readonly endpoint: string;
  readonly audience: string;
  readonly retry: Required<RetryOptions>;
  readonly sendPreviewFeatureHeader: boolean;
  readonly additionalPolicies: readonly AdditionalPolicy[];
  readonly log: Log;
}

/** Defaults of {@link RetryOptions}. @internal */
export const DEFAULT_RETRY: Required<RetryOptions> = { maxRetries: 5, retryDelayInMs: 800, maxRetryDelayInMs: 60_000 };

/**
 * Adds `AKSHTTPCustomFeatures: Microsoft.ContainerService/KubeProxyConfigurationPreview` to every request.
 * @internal
 */
export function previewFeatureHeaderPolicy(): PipelinePolicy {
  return {
    name: "aksKubeProxyPreviewFeatureHeaderPolicy",
    sendRequest(request, next) {
      request.headers.set(PREVIEW_FEATURE_HEADER_NAME, PREVIEW_FEATURE_HEADER_VALUE);
      return next(request);
    },
  };
}

/**
 * Rewrites a server's Retry-After (and its ms variants) to at most `maxInMs`, so the throttling retry policy of the
 * default pipeline never sleeps longer than that. Runs per retry, before the retry policy sees the response.
 * @internal
 */
export function clampRetryAfterPolicy(maxInMs: number): PipelinePolicy {
  return {
    name: "aksKubeProxyClampRetryAfterPolicy",
    async sendRequest(request, next) {
      const response = await next(request);
      const asked = parseRetryAfterInMs(response.headers);
      if (asked !== undefined && asked > maxInMs) {
        // retry-after-ms is read first by the throttling strategy (and by our pollers).
        response.headers.delete("x-ms-retry-after-ms");
        response.headers.set("retry-after-ms", String(maxInMs));
      }
      return response;
    },
  };
}

/**
 * One verbose log line per HTTP attempt: method, path, status, request id, duration. Never headers or bodies.
 * @internal
 */
export function requestLogPolicy(log: Log): PipelinePolicy {
  return {
    name: "aksKubeProxyRequestLogPolicy",
    async sendRequest(request, next) {
      const started = Date.now();
      let path = request.url;
      try {
        const u = new URL(request.url);
        path = `${u.pathname}${u.search}`;
      } catch {
        // keep the raw url
      }
      try {
        const response = await next(request);
        log.verbose(`${request.method} ${path} -> ${response.status} (${response.headers.get("x-ms-request-id") ?? "no request id"}, ${Date.now() - started}ms)`);
        return response;
      } catch (error) {
        const code = (error as { code?: string }).code;
        log.verbose(`${request.method} ${path} -> ${code ?? "error"} (${Date.now() - started}ms)`);
        throw error;
      }
    },
  };
}

/** What the attempts of one request came to, kept by {@link attemptTrackerPolicy}. @internal */
export interface AttemptTracker {
  /**
   * Attempts that left for the wire. An attempt is out without an answer (or it ended without one: a dropped
   * connection, an abort) exactly when this exceeds the number of `statuses`.
   */
  attempts: number;
  /** The HTTP status of each answered attempt, in order. */
  readonly statuses: number[];
}

const TRACKERS = new WeakMap<object, AttemptTracker>();

/**
 * Follows the attempts of `request` (a pipeline request object, the same across the retry policy's attempts).
 * @internal
 */
export function trackAttempts(request: object, tracker: AttemptTracker): void {
  TRACKERS.set(request, tracker);
}

/**
 * Records, for a tracked request ({@link trackAttempts}), each attempt that leaves and the status it got back; the last
 * per-retry policy, nearest the wire. An apply uses it to tell a PUT that never reached Azure (every attempt answered
 * 429, then the deadline passed while the retry policy waited) from one whose answer was never seen.
 * @internal
 */
export function attemptTrackerPolicy(): PipelinePolicy {
  return {
    name: "aksKubeProxyAttemptTrackerPolicy",
    async sendRequest(request, next) {
      const tracker = TRACKERS.get(request);
      if (!tracker) return next(request);
      tracker.attempts++;
      const response = await next(request); // thrown: the attempt stays unanswered, no status (it may have reached Azure)
      tracker.statuses.push(response.status);
      return response;
    },
  };
}

/**
 * The options every Azure SDK client gets (core-client `ServiceClientOptions` and `@azure-rest/core-client`
 * `ClientOptions` share these names).
 * @internal
 */
export function buildPipelineOptions(settings: PipelineSettings): {
  endpoint: string;
  retryOptions: Required<RetryOptions>;
  additionalPolicies: { policy: PipelinePolicy; position: "perCall" | "perRetry" }[];
  userAgentOptions: { userAgentPrefix: string };
} {
  const additionalPolicies: { policy: PipelinePolicy; position: "perCall" | "perRetry" }[] = [];
  if (settings.sendPreviewFeatureHeader) additionalPolicies.push({ policy: previewFeatureHeaderPolicy(), position: "perCall" });
  additionalPolicies.push({ policy: clampRetryAfterPolicy(settings.retry.maxRetryDelayInMs), position: "perRetry" });
  additionalPolicies.push({ policy: requestLogPolicy(settings.log), position: "perRetry" });
  for (const p of settings.additionalPolicies) additionalPolicies.push({ policy: p.policy, position: p.position });
  additionalPolicies.push({ policy: attemptTrackerPolicy(), position: "perRetry" });
  return {
    endpoint: settings.endpoint,
    retryOptions: { ...settings.retry },
    additionalPolicies,
    userAgentOptions: { userAgentPrefix: `aks-kube-proxy/${SDK_VERSION}` },
  };
}
