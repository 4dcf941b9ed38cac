/**
 * The request pipeline: ids and common headers, request log, control API, faults, Entra
 * endpoints, bearer-token check, subscription check, throttling, then the ARM route.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { armError, BodyTooLargeError, jsonDeeperThan, MAX_JSON_DEPTH, MAX_URL_LENGTH, readBody, writeResponse, type ArmResponse } from "./http";
import { newGuid } from "./ids";
import { redactBody, redactHeaders, type RequestLog } from "./log";
import { handleControlRequest } from "./control";
import type { TokenAuthority } from "./auth";
import type { FaultRegistry } from "./faults";
import type { Throttler } from "./throttle";
import type { AksThrottler } from "./aksThrottle";
import type { EmulatorStore } from "./state/store";
import type { EmulatorControl, LoggedRequest } from "./types";
import { matchRoute, matchTenantRoute } from "./routes/index";
import type { RequestContext } from "./routes/context";
import type { KubeRuntime } from "./kube/runtime";

/** Everything the pipeline uses. */
export interface PipelineDeps {
  baseUrl: () => string;
  store: EmulatorStore;
  faults: FaultRegistry;
  log: RequestLog;
  throttler: Throttler;
  aksThrottler: AksThrottler;
  authority: () => TokenAuthority;
  control: EmulatorControl;
  info: () => Record<string, unknown>;
  listPageSize: number;
  onRequest?: (entry: LoggedRequest) => void;
  /** Fires when the emulator stops: a request held by a `slow` fault is then dropped instead of holding a timer. */
  stopSignal?: AbortSignal;
  /** The emulated Kubernetes side. */
  kube?: KubeRuntime;
}

const ENTRA_PATHS: { pattern: RegExp; kind: "oidc2" | "oidc1" | "instance" | "keys" | "token" }[] = [
  { pattern: /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/i, kind: "oidc2" },
  { pattern: /^\/([^/]+)\/\.well-known\/openid-configuration$/i, kind: "oidc1" },
  { pattern: /^\/([^/]+)\/discovery\/instance$/i, kind: "instance" },
  { pattern: /^\/([^/]+)\/discovery\/(?:v2\.0\/)?keys$/i, kind: "keys" },
  { pattern: /^\/([^/]+)\/oauth2\/(?:v2\.0\/)?token$/i, kind: "token" },
];

function parseQuery(search: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [k, v] of search) query[k] = v;
  return query;
}

function commonHeaders(req: IncomingMessage, requestId: string): Record<string, string> {
  const correlation = req.headers["x-ms-correlation-request-id"];
  const clientRequestId = req.headers["x-ms-client-request-id"];
  const headers: Record<string, string> = {
    "Cache-Control": "no-cache",
    Pragma: "no-cache",
    Expires: "-1",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "x-ms-request-id": requestId,
    "x-ms-correlation-request-id": typeof correlation === "string" && correlation !== "" ? correlation : requestId,
    "x-ms-routing-request-id": `WESTUS2:${new Date().toISOString().replace(/[-:]/g, "").slice(0, 15)}Z:${requestId}`,
  };
  if (typeof clientRequestId === "string" && clientRequestId !== "") headers["x-ms-client-request-id"] = clientRequestId;
  return headers;
}

/** Handles one HTTP request. */
export async function handleRequest(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = newGuid();
  const method = (req.method ?? "GET").toUpperCase();
  if ((req.url ?? "").length > MAX_URL_LENGTH) {
    // Not logged (the path is the problem); answered at once, the connection closed.
    req.resume();
    writeResponse(res, armError(414, "RequestUriTooLong", `The request URL is longer than ${MAX_URL_LENGTH} characters.`, { Connection: "close" }), commonHeaders(req, requestId));
    return;
  }
  const url = new URL(req.url ?? "/", "https://emulator.invalid");
  const path = url.pathname;
  const query = parseQuery(url.searchParams);
  const headers = commonHeaders(req, requestId);
  let kind: LoggedRequest["kind"] = path.startsWith("/_emulator") ? "control" : method === "GET" || method === "HEAD" ? "read" : "write";
  let loggedBody: unknown;
  let dropResponse = false;

  const finish = (response: ArmResponse): void => {
    const entry: LoggedRequest = {
      id: requestId,
      time: new Date().toISOString(),
      method,
      path,
      query,
      status: response.status,
      requestHeaders: redactHeaders(req.headers),
      kind,
    };
    if (loggedBody !== undefined) entry.requestBody = loggedBody;
    if (dropResponse) entry.responseDropped = true;
    deps.log.add(entry);
    deps.onRequest?.(entry);
    if (dropResponse) {
      // fault drop-response: the request was applied; the client never sees the answer
      req.socket.destroy();
      return;
    }
    if (method === "HEAD") response = { ...response, body: undefined };
    if (!res.destroyed) writeResponse(res, response, headers);
  };

  try {
    const raw = await readBody(req);
    const text = raw.toString("utf8");
    const contentType = String(req.headers["content-type"] ?? "");
    const isForm = contentType.includes("application/x-www-form-urlencoded");
    let body: unknown;
    let invalidJson = false;
    if (text.trim() !== "") {
      if (isForm) {
        body = parseQuery(new URLSearchParams(text));
      } else {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          invalidJson = true;
        }
      }
    }
    if (body !== undefined && jsonDeeperThan(body, MAX_JSON_DEPTH)) {
      finish(armError(400, "InvalidRequestContent", `The request content was invalid and could not be deserialized: 'The reader's MaxDepth of ${MAX_JSON_DEPTH} has been exceeded.'`));
      return;
    }
    loggedBody = body === undefined ? undefined : redactBody(body);

    if (kind === "control") {
      finish(handleControlRequest(deps.control, deps.info(), method, path, body));
      return;
    }

    const entra = ENTRA_PATHS.map((e) => ({ e, m: e.pattern.exec(path) })).find((x) => x.m !== null);
    if (entra) kind = "token";
    const matched = entra ? undefined : matchRoute(method, path);
    if (matched && "route" in matched && matched.route.poll) kind = "poll";

    const fault = deps.faults.takeRequestFault(method, path);
    if (fault?.kind === "drop") {
      deps.log.add({ id: requestId, time: new Date().toISOString(), method, path, query, status: 0, requestHeaders: redactHeaders(req.headers), kind, ...(loggedBody !== undefined ? { requestBody: loggedBody } : {}) });
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "slow") {
      try {
        await delay(fault.delayMs, undefined, deps.stopSignal ? { signal: deps.stopSignal } : {});
      } catch {
        // The emulator stopped while holding this request: its socket is gone, nobody is left to answer.
        return;
      }
    }
    if (fault?.kind === "drop-response") dropResponse = true;
    if (fault?.kind === "status") {
      const code = fault.armCode ?? ({ 500: "InternalServerError", 503: "ServiceUnavailable", 429: "TooManyRequests", 409: "Conflict" } as Record<number, string>)[fault.status] ?? "InjectedFault";
      const response = armError(fault.status, code, `Fault injected by the emulator (${fault.status} ${code}).`);
      if (fault.retryAfterSeconds !== undefined) response.headers = { "Retry-After": String(fault.retryAfterSeconds) };
      finish(response);
      return;
    }

    if (entra?.m) {
      const tenant = decodeURIComponent(entra.m[1] ?? "");
      const authority = deps.authority();
      switch (entra.e.kind) {
        case "oidc2":
        case "oidc1":
          finish({ status: 200, body: authority.openIdConfiguration(tenant, entra.e.kind === "oidc2") });
          return;
        case "instance":
          finish({ status: 200, body: authority.instanceDiscovery() });
          return;
        case "keys":
          finish({ status: 200, body: authority.jwks() });
          return;
        case "token":
          if (method !== "POST") {
            finish(armError(405, "MethodNotAllowed", "Use POST for the token endpoint."));
            return;
          }
          finish(authority.tokenRequest(tenant, (isForm ? body : {}) as Record<string, string>));
          return;
      }
    }

    const problem = deps.authority().check(typeof req.headers.authorization === "string" ? req.headers.authorization : undefined);
    if (problem) {
      finish(deps.authority().unauthorized(problem));
      return;
    }
    if (invalidJson) {
      finish(armError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Unexpected character encountered while parsing value.'"));
      return;
    }

    const ctx: RequestContext = {
      method,
      path,
      query,
      headers: req.headers,
      body,
      baseUrl: deps.baseUrl(),
      store: deps.store,
      faults: deps.faults,
      listPageSize: deps.listPageSize,
      kube: deps.kube,
    };
    const tenantRoute = matchTenantRoute(method, path);
    if (tenantRoute) {
      finish("route" in tenantRoute ? await tenantRoute.route.handler(ctx) : armError(405, "MethodNotAllowed", `The requested method '${method}' is not allowed for '${path}'.`));
      return;
    }

    const subMatch = /^\/subscriptions\/([^/]+)/i.exec(path);
    if (!subMatch?.[1]) {
      finish(armError(404, "NotFound", `The requested path '${path}' is not served by the emulator.`));
      return;
    }
    const subscriptionId = decodeURIComponent(subMatch[1]);
    const sub = deps.store.getSubscription(subscriptionId);
    if (!sub) {
      finish(armError(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`));
      return;
    }

    const throttleKind = kind === "read" || kind === "poll" ? "read" : method === "DELETE" ? "delete" : "write";
    const decision = deps.throttler.charge(sub.id, throttleKind, deps.store.now());
    if (decision.header) headers[decision.header.name] = decision.header.value;
    if (!decision.allowed) {
      const noun = throttleKind === "read" ? "read" : "write";
      finish(
        armError(
          429,
          "SubscriptionRequestsThrottled",
          `Number of '${noun}' requests for subscription '${sub.id}' actor '${deps.authority().clientId}' exceeded. Please try again after '${decision.retryAfterSeconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
          { "Retry-After": String(decision.retryAfterSeconds) },
        ),
      );
      return;
    }

    if (!matched || !("route" in matched)) {
      finish(
        matched?.pathKnown
          ? armError(405, "MethodNotAllowed", `The requested method '${method}' is not allowed for '${path}'.`)
          : armError(404, "InvalidResourceType", `The resource type could not be found for the path '${path}'.`),
      );
      return;
    }
    if (matched.route.aks) {
      const groups = matched.groups.slice(1);
      const key = matched.route.aks === "get-operation" ? sub.id : `${sub.id}/${groups[0] ?? ""}/${groups[1] ?? ""}`;
      const aks = deps.aksThrottler.charge(matched.route.aks, sub.id, key, deps.store.now());
      if (!aks.allowed) {
        finish(armError(429, "Throttled", aks.message ?? "Throttled.", { "Retry-After": String(aks.retryAfterSeconds) }));
        return;
      }
    }
    finish(withStateFault(deps.faults, method, path, await matched.route.handler(ctx, sub, matched.groups.slice(1))));
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      finish(armError(413, "RequestEntityTooLarge", `${error.message} Send a smaller body.`, { Connection: "close" }));
      return;
    }
    finish(armError(500, "InternalServerError", `The emulator failed to process the request: ${error instanceof Error ? error.message : String(error)}`));
  }
}

/**
 * Fault `unknown-state`: a GET answer that carries a state (an operation's `status`, a cluster's
 * `properties.provisioningState`) shows the fault's value instead; the stored state is untouched.
 */
function withStateFault(faults: FaultRegistry, method: string, path: string, response: ArmResponse): ArmResponse {
  if (method !== "GET" || response.status < 200 || response.status >= 300) return response;
  const body = response.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return response;
  const record = body as Record<string, unknown>;
  const properties = record["properties"];
  const hasStatus = typeof record["status"] === "string";
  const hasState = typeof properties === "object" && properties !== null && typeof (properties as Record<string, unknown>)["provisioningState"] === "string";
  if (!hasStatus && !hasState) return response;
  const value = faults.takeStateFault(path);
  if (value === undefined) return response;
  const copy: Record<string, unknown> = { ...record };
  if (hasStatus) copy["status"] = value;
  else copy["properties"] = { ...(properties as Record<string, unknown>), provisioningState: value };
  return { ...response, body: copy };
}
