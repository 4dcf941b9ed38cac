import { createHttpHeaders, createPipelineRequest, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { ArmRateLimiter } from "../src/index";

const SUB = "11111111-1111-1111-1111-111111111111";
const url = (kind: string, i: number) => `https://arm.example/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c${i}?${kind}`;

/** A server-side token bucket, as ARM keeps one per subscription: 429 with Retry-After (whole seconds) when empty. */
function bucketServer(capacity: number, refillPerSecond: number) {
  let tokens = capacity;
  let last = Date.now();
  let inFlight = 0;
  const stats = { ok: 0, throttled: 0, maxInFlight: 0 };
  const next = async (request: PipelineRequest): Promise<PipelineResponse> => {
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 2));
    inFlight--;
    const now = Date.now();
    tokens = Math.min(capacity, tokens + ((now - last) / 1000) * refillPerSecond);
    last = now;
    if (tokens < 1) {
      stats.throttled++;
      const retryAfter = Math.max(1, Math.ceil((1 - tokens) / refillPerSecond));
      return { request, status: 429, headers: createHttpHeaders({ "retry-after": String(retryAfter) }) };
    }
    tokens -= 1;
    stats.ok++;
    return { request, status: 200, headers: createHttpHeaders({ "x-ms-ratelimit-remaining-subscription-writes": String(Math.floor(tokens)) }) };
  };
  return { next, stats };
}

describe("ARM rate limiter policy", () => {
  test("paces writes to the bucket: every request succeeds, and far fewer 429s than requests reach the server", async () => {
    const server = bucketServer(4, 50);
    const limiter = new ArmRateLimiter();
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => limiter.policy.sendRequest(createPipelineRequest({ url: url("w", i), method: "PUT" }), server.next)),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(server.stats.ok).toBe(60);
    // Without pacing, 60 concurrent writes into a bucket of 4 would get 56 429s at once.
    expect(server.stats.throttled).toBeLessThan(10);
    expect(limiter.stats().throttled.writes).toBe(server.stats.throttled);
    expect(limiter.stats().sent.writes).toBe(60 + server.stats.throttled);
  });

  test("a cold bucket gets one request at a time until the server reports the budget", async () => {
    const server = bucketServer(100, 100);
    const limiter = new ArmRateLimiter();
    const first = limiter.policy.sendRequest(createPipelineRequest({ url: url("w", 0), method: "PUT" }), server.next);
    const second = limiter.policy.sendRequest(createPipelineRequest({ url: url("w", 1), method: "PUT" }), server.next);
    await Promise.all([first, second]);
    expect(server.stats.maxInFlight).toBe(1);
  });

  test("responses without a budget header are not paced, and requests outside a subscription pass through", async () => {
    const limiter = new ArmRateLimiter();
    let inFlight = 0;
    let maxInFlight = 0;
    const next = async (request: PipelineRequest): Promise<PipelineResponse> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { request, status: 200, headers: createHttpHeaders({}) };
    };
    await limiter.policy.sendRequest(createPipelineRequest({ url: url("r", 0), method: "GET" }), next);
    await Promise.all(Array.from({ length: 10 }, (_, i) => limiter.policy.sendRequest(createPipelineRequest({ url: url("r", i), method: "GET" }), next)));
    expect(maxInFlight).toBe(10);
    const token = await limiter.policy.sendRequest(createPipelineRequest({ url: "https://login.example/tenant/oauth2/v2.0/token", method: "POST" }), next);
    expect(token.status).toBe(200);
  });

  test("an aborted request stops waiting for budget at once", async () => {
    const server = bucketServer(1, 0.5);
    const limiter = new ArmRateLimiter();
    await limiter.policy.sendRequest(createPipelineRequest({ url: url("w", 0), method: "PUT" }), server.next);
    const controller = new AbortController();
    const waiting = limiter.policy.sendRequest(createPipelineRequest({ url: url("w", 1), method: "PUT", abortSignal: controller.signal }), server.next);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
  });
});
