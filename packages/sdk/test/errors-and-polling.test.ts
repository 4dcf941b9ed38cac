import { createHttpHeaders } from "@azure/core-rest-pipeline";
import { RestError } from "@azure/core-rest-pipeline";
import {
  AbortedError,
  ArmError,
  ClusterBusyError,
  isKubeProxyError,
  KubeProxyError,
  kubeProxySettingsJsonSchema,
  PreconditionFailedError,
  PreviewNotEnabledError,
  SettingsRejectedError,
  UnauthorizedError,
  ValidationError,
} from "@aks-kube-proxy/sdk";
import { armErrorFromResponse, armErrorFromThrown } from "../src/arm/errors";
import { deadlineSignal, nextPollDelayInMs, parseRetryAfterInMs, DEFAULT_POLLING, MAX_TIMER_DELAY_IN_MS } from "../src/poll";
import { redact } from "../src/log";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { join } from "node:path";

const ctx = { operation: "update kubeProxyConfig of rg/c", cluster: "rg/c", subscriptionId: "sub" };
const err = (status: number, code?: string) => armErrorFromResponse({ status, body: code ? { error: { code, message: `msg ${code}` } } : undefined, requestId: "req-1", context: ctx });

describe("ARM error mapping", () => {
  test("KubeProxyConfigFeatureNotRegistered says to run enable-preview", () => {
    const e = err(400, "KubeProxyConfigFeatureNotRegistered");
    expect(e).toBeInstanceOf(PreviewNotEnabledError);
    expect(e).toMatchObject({ code: "PreviewNotEnabled", armCode: "KubeProxyConfigFeatureNotRegistered", requestId: "req-1", statusCode: 400 });
    expect(e.message).toContain("enable-preview");
  });
  test.each(["KubeProxyConfigFieldUnsupported", "KubeProxyConfigValueUnsupported", "KubeProxyConfigDisabledBYOCNIOnly"])("%s is a SettingsRejectedError carrying the ARM code", (code) => {
    const e = err(400, code);
    expect(e).toBeInstanceOf(SettingsRejectedError);
    expect(e.armCode).toBe(code);
  });
  test("409 OperationNotAllowed is ClusterBusy, 412 PreconditionFailed, 401/403 Unauthorized, 404 ClusterNotFound, the rest ArmError", () => {
    expect(err(409, "OperationNotAllowed")).toBeInstanceOf(ClusterBusyError);
    expect(err(412)).toBeInstanceOf(PreconditionFailedError);
    expect(err(401, "InvalidAuthenticationToken")).toBeInstanceOf(UnauthorizedError);
    expect(err(403, "AuthorizationFailed")).toBeInstanceOf(UnauthorizedError);
    expect(err(404, "ResourceNotFound").code).toBe("ClusterNotFound");
    expect(err(500, "InternalServerError")).toBeInstanceOf(ArmError);
  });
  test("errors are branded so two copies of the package recognise each other", () => {
    const e = err(409, "OperationNotAllowed");
    expect(isKubeProxyError(e)).toBe(true);
    expect(isKubeProxyError(new Error("x"))).toBe(false);
    const foreign = Object.assign(new Error("x"), { [Symbol.for("aks-kube-proxy.error")]: true });
    expect(isKubeProxyError(foreign)).toBe(true);
    expect(new ValidationError("v")).toBeInstanceOf(KubeProxyError);
    expect(new AbortedError().code).toBe("Aborted");
  });
  test("a RestError is mapped without keeping the request, so the Authorization header never travels in the error", () => {
    const secret = "eyJ0eXAiOiJKV1QiLCJhbGciOi.secret-token-value";
    const request = { url: "https://x/y", method: "PUT", headers: createHttpHeaders({ authorization: `Bearer ${secret}` }) };
    const rest = new RestError(`boom Bearer ${secret}`, {
      statusCode: 409,
      code: "OperationNotAllowed",
      request: request as never,
      response: { status: 409, headers: createHttpHeaders({ "x-ms-request-id": "r2" }), bodyAsText: '{"error":{"code":"OperationNotAllowed","message":"busy"}}', request: request as never },
    });
    const mapped = armErrorFromThrown(rest, ctx);
    expect(mapped).toBeInstanceOf(ClusterBusyError);
    expect(mapped.requestId).toBe("r2");
    const dump = `${mapped.message} ${JSON.stringify(mapped)} ${inspect(mapped, { depth: 10 })}`;
    expect(dump).not.toContain(secret);
  });
  test("redact keeps Azure's words: 'Bearer authentication is not permitted' is a message, not a token", () => {
    expect(redact("Bearer authentication is not permitted for this request.")).toBe("Bearer authentication is not permitted for this request.");
  });

  test("redact removes bearer tokens from any message", () => {
    expect(redact("Authorization: Bearer abc.def-ghi_jkl= done")).toBe("Authorization: Bearer REDACTED done");
    expect(redact("Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")).toBe("Bearer REDACTED");
  });
});

describe("Retry-After and backoff", () => {
  const headers = (h: Record<string, string>) => createHttpHeaders(h);
  test("reads retry-after-ms, x-ms-retry-after-ms, Retry-After seconds and HTTP dates", () => {
    expect(parseRetryAfterInMs(headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(parseRetryAfterInMs(headers({ "x-ms-retry-after-ms": "40" }))).toBe(40);
    expect(parseRetryAfterInMs(headers({ "retry-after": "3" }))).toBe(3000);
    expect(parseRetryAfterInMs(headers({ "retry-after": new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(parseRetryAfterInMs(headers({}))).toBeUndefined();
  });
  test("a Retry-After is honoured but clamped, and never shorter than the interval; without one, backoff grows to its cap", () => {
    const polling = { ...DEFAULT_POLLING, intervalInMs: 100, maxIntervalInMs: 1000, maxRetryAfterInMs: 5000 };
    expect(nextPollDelayInMs({ attempt: 0, retryAfterInMs: 3000, polling })).toBe(3000);
    expect(nextPollDelayInMs({ attempt: 0, retryAfterInMs: 3_600_000, polling })).toBe(5000);
    expect(nextPollDelayInMs({ attempt: 0, retryAfterInMs: 0, polling })).toBe(100);
    expect([0, 1, 2, 3, 4, 10].map((attempt) => nextPollDelayInMs({ attempt, retryAfterInMs: undefined, polling }))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe("deadlines", () => {
  test("a deadline longer than a Node timer can hold (2^32 ms, e.g. --timeout 1200h) does not fire at once", async () => {
    // Node turns a setTimeout delay over 2^31-1 ms into 1 ms; this timer, set after it, fires after it.
    const bound = deadlineSignal(2 ** 32, undefined);
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(bound.signal.aborted).toBe(false);
      expect(bound.timedOut()).toBe(false);
    } finally {
      bound.dispose();
    }
    expect(MAX_TIMER_DELAY_IN_MS).toBe(2 ** 31 - 1);
  });

  test("a deadline tells its own expiry from the caller's abort", async () => {
    const caller = new AbortController();
    const aborted = deadlineSignal(60_000, caller.signal);
    caller.abort();
    expect(aborted.signal.aborted).toBe(true);
    expect(aborted.timedOut()).toBe(false);
    aborted.dispose();
    const expired = deadlineSignal(1, new AbortController().signal);
    await new Promise<void>((resolve) => expired.signal.addEventListener("abort", () => resolve(), { once: true }));
    expect(expired.timedOut()).toBe(true);
    expired.dispose();
  });
});

describe("JSON Schema", () => {
  test("the published schema file is the exported schema", () => {
    const file = JSON.parse(readFileSync(join(__dirname, "..", "schema", "kube-proxy-config.schema.json"), "utf8"));
    expect(file).toEqual(kubeProxySettingsJsonSchema);
  });
  test("describes the API's names and enums, and allows other key casings through patterns", () => {
    const props = kubeProxySettingsJsonSchema["properties"] as Record<string, { enum?: string[] }>;
    expect(Object.keys(props)).toEqual(["enabled", "mode", "ipvsConfig"]);
    expect(props["mode"]!.enum).toEqual(["IPTABLES", "IPVS", "NFTABLES"]);
    const ipvs = props["ipvsConfig"] as unknown as { patternProperties: Record<string, unknown> };
    const matches = Object.keys(ipvs.patternProperties).filter((p) => new RegExp(p).test("TCPFINTimeoutSeconds"));
    expect(matches).toHaveLength(1);
  });
});
