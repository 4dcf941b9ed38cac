/**
 * The emulated clusters' Kubernetes API servers, on one HTTPS listener with the Kubernetes CA's certificate: a
 * request for `/clusters/<fqdn>/<kubernetes path>` reaches the API server of the cluster whose ARM `fqdn` that is.
 * Authentication as AKS does it: the cluster's client certificate or static token (local accounts, unless
 * `disableLocalAccounts`), or, on an Entra-integrated cluster, a bearer token for the AKS server application. Reads
 * only: discovery, nodes, pods, namespaces, daemonsets (get, list with label/field selectors, watch) and
 * `nodes/{node}:10249/proxy/proxyMode`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { TokenAuthority } from "../auth";
import { newGuid } from "../ids";
import { redactHeaders, type RequestLog } from "../log";
import { DEFAULT_KUBERNETES_VERSION, type ClusterRecord } from "../state/clusters";
import type { EmulatorStore } from "../state/store";
import type { LoggedRequest } from "../types";
import { dataPlaneKey } from "./faults";
import type { ClusterData } from "./model";
import { appsGroup, appsResources, coreResources, daemonSetObject, list, namespaceObject, NAMESPACES, nodeLabels, nodeObject, podObject, status } from "./objects";
import { fqdnOf, isEntraIntegrated, localAccountsDisabled, type KubeRuntime } from "./runtime";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from "./selectors";
import { AKS_SERVER_APP_ID } from "./types";
import { toTable, wantsTable } from "./tables";

/** What the Kubernetes listener uses. */
export interface KubeServerDeps {
  store: EmulatorStore;
  kube: KubeRuntime;
  authority: () => TokenAuthority;
  log: RequestLog;
  onRequest?: (entry: LoggedRequest) => void;
  stopSignal: AbortSignal;
  /** Open watches now, and the most allowed ({@link DEFAULT_MAX_WATCHES}). */
  watches: { open: number; max: number };
}

interface Reply {
  status: number;
  body?: unknown;
  text?: string;
}

const AKS_AUDIENCES: ReadonlySet<string> = new Set([AKS_SERVER_APP_ID, `api://${AKS_SERVER_APP_ID}`]);
const WATCH_POLL_MS = 50;
const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/version", "/healthz", "/livez", "/readyz"]);
const MAX_WATCH_SECONDS = 600;
/** Open watches at most per emulator (each polls every 50 ms): more are refused with 429, so a runaway client stays bounded. */
export const DEFAULT_MAX_WATCHES = 256;

/**
 * The cluster of a per-cluster listener's key (`{subscriptionId}/{resourceGroup}/{name}`, lower case), looked up in
 * the store's maps: a fleet's thousands of API servers are each asked many times, and a scan per request made the
 * emulator's CPU grow with the fleet.
 */
function clusterByKey(store: EmulatorStore, key: string): ClusterRecord | undefined {
  const [subscriptionId, resourceGroup, name, ...rest] = key.split("/");
  if (subscriptionId === undefined || resourceGroup === undefined || name === undefined || rest.length > 0) return undefined;
  const sub = store.getSubscription(subscriptionId);
  if (!sub) return undefined;
  const record = store.getCluster(sub, resourceGroup, name);
  return record && dataPlaneKey(record.subscriptionId, record.resourceGroup, record.name) === key ? record : undefined;
}

function findCluster(store: EmulatorStore, matches: (record: ClusterRecord) => boolean): ClusterRecord | undefined {
  store.tick();
  for (const sub of store.subscriptions.values()) {
    for (const record of sub.clusters.values()) if (matches(record)) return record;
  }
  return undefined;
}

/** Who the caller is, or undefined (401). */
function authenticate(deps: KubeServerDeps, req: IncomingMessage, record: ClusterRecord, key: string): string | undefined {
  const local = !localAccountsDisabled(record);
  const socket = req.socket as TLSSocket;
  if (local && socket.authorized && typeof socket.getPeerCertificate === "function") {
    const cert = socket.getPeerCertificate();
    if (cert && deps.kube.pki.clusterOf(cert.fingerprint256) === key) return "masterclient";
  }
  const header = typeof req.headers.authorization === "string" ? req.headers.authorization : undefined;
  const bearer = header ? /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1] : undefined;
  if (!bearer) return undefined;
  if (local && deps.kube.clusterOfToken(bearer) === key) return "clusterAdmin";
  if (isEntraIntegrated(record) && deps.authority().checkFor(header, AKS_AUDIENCES) === undefined) {
    try {
      const claims = JSON.parse(Buffer.from(bearer.split(".")[1] ?? "", "base64url").toString("utf8")) as { oid?: string };
      return typeof claims.oid === "string" ? claims.oid : "entra-user";
    } catch {
      return "entra-user";
    }
  }
  return undefined;
}

/**
 * Handles one request to a Kubernetes listener: the cluster's own (`clusterKey` given: the path is the Kubernetes
 * path) or the shared one (`/clusters/<fqdn>/<kubernetes path>`).
 */
export function handleKubeRequest(deps: KubeServerDeps, req: IncomingMessage, res: ServerResponse, clusterKey?: string): void {
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", "https://kube.invalid");
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const requestId = newGuid();
  const logEntry = (statusCode: number): void => {
    const entry: LoggedRequest = { id: requestId, time: new Date().toISOString(), method, path: url.pathname, query, status: statusCode, requestHeaders: redactHeaders(req.headers), kind: "kube" };
    deps.log.add(entry);
    deps.onRequest?.(entry);
  };
  const send = (reply: Reply): void => {
    logEntry(reply.status);
    if (res.destroyed) return;
    if (reply.text !== undefined) {
      res.writeHead(reply.status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(reply.text), "Audit-Id": requestId });
      res.end(method === "HEAD" ? undefined : reply.text);
      return;
    }
    const payload = JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload), "Audit-Id": requestId, "Cache-Control": "no-cache, private" });
    res.end(method === "HEAD" ? undefined : payload);
  };
  // Drain any request body (bounded) — reads only.
  req.resume();
  try {
    let record: ClusterRecord | undefined;
    let rawPath: string;
    if (clusterKey !== undefined) {
      record = clusterByKey(deps.store, clusterKey);
      rawPath = url.pathname;
      if (!record) {
        send(status(404, "NotFound", "This cluster no longer exists."));
        return;
      }
    } else {
      const prefixed = /^\/clusters\/([^/]+)(\/.*)?$/.exec(url.pathname);
      if (!prefixed?.[1]) {
        send(status(404, "NotFound", "No cluster at this address: on this listener a cluster's API server is https://<host>:<port>/clusters/<fqdn>."));
        return;
      }
      let fqdn: string;
      try {
        fqdn = decodeURIComponent(prefixed[1]).toLowerCase();
      } catch {
        fqdn = "";
      }
      record = findCluster(deps.store, (r) => fqdnOf(r).toLowerCase() === fqdn);
      rawPath = prefixed[2] ?? "/";
      if (!record) {
        send(status(404, "NotFound", `No managed cluster has the fqdn ${JSON.stringify(fqdn.slice(0, 300))}.`));
        return;
      }
    }
    const key = dataPlaneKey(record.subscriptionId, record.resourceGroup, record.name);
    const unreachable = deps.kube.faults.of(key, "kube-unreachable")[0];
    if (unreachable) {
      logEntry(0);
      if (unreachable.how === "refuse") {
        req.socket.destroy();
      } else {
        // Private cluster: the connection is accepted, nothing ever answers (dropped when the emulator stops).
        deps.stopSignal.addEventListener("abort", () => req.socket.destroy(), { once: true });
      }
      return;
    }
    const data = deps.kube.model.get(record);
    if (!data) {
      send(status(503, "ServiceUnavailable", "The API server is not running yet: the cluster is still being created."));
      return;
    }
    let path: string;
    try {
      // Clients escape ':' (nodes/{name}:{port}/proxy) and other characters in path segments.
      path = rawPath.split("/").map((segment) => decodeURIComponent(segment)).join("/");
    } catch {
      send(status(400, "BadRequest", "the request path is not valid percent-encoding"));
      return;
    }
    // Like AKS (system:public-info-viewer), health and version answer anonymous callers; the rest needs credentials.
    const user = authenticate(deps, req, record, key) ?? (PUBLIC_PATHS.has(path.replace(/\/+$/, "")) ? "system:anonymous" : undefined);
    if (!user) {
      send(status(401, "Unauthorized", "Unauthorized"));
      return;
    }
    if (method !== "GET" && method !== "HEAD") {
      send(status(405, "MethodNotAllowed", `the emulated API server serves reads only; ${method} is not supported`));
      return;
    }
    const watch = query.watch === "true" || query.watch === "1";
    const reply = route(deps, record, data, user, path, query);
    if (watch && reply.status === 200 && isObjectList(reply.body)) {
      if (deps.watches.open >= deps.watches.max) {
        send(status(429, "TooManyRequests", `too many open watches (at most ${deps.watches.max}); close some and retry`));
        return;
      }
      logEntry(200);
      streamWatch(deps, record, user, path, query, res);
      return;
    }
    const table = reply.status === 200 && !watch && wantsTable(typeof req.headers.accept === "string" ? req.headers.accept : undefined) ? toTable(reply.body, deps.store.now()) : undefined;
    send(table ? { status: 200, body: table } : reply);
  } catch (error) {
    send(error instanceof SelectorError ? status(400, "BadRequest", error.message) : status(500, "InternalError", `the emulator failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}

function isObjectList(body: unknown): body is { items: Record<string, unknown>[] } {
  return typeof body === "object" && body !== null && Array.isArray((body as { items?: unknown }).items);
}

function forbidden(deps: KubeServerDeps, key: string, user: string, resource: string, name: string | undefined, namespace?: string): Reply | undefined {
  const hit = deps.kube.faults.of(key, "kube-forbidden").some((f) => (f.resource ?? "nodes/proxy") === resource);
  if (!hit) return undefined;
  const [res, sub] = resource.split("/");
  const group = resource === "daemonsets" ? "apps" : "";
  const where = namespace ? `in the namespace "${namespace}"` : "at the cluster scope";
  return status(
    403,
    "Forbidden",
    `${res ?? resource}${name ? ` "${name}"` : ""} is forbidden: User "${user}" cannot ${name ? "get" : "list"} resource "${resource}" in API group "${group}" ${where}`,
    { ...(name ? { name } : {}), group, kind: sub ? `${res}` : resource },
  );
}

function region(record: ClusterRecord): string {
  return String(record.raw.location ?? "westus2").toLowerCase().replace(/\s+/g, "");
}

function route(deps: KubeServerDeps, record: ClusterRecord, data: ClusterData, user: string, path: string, query: Record<string, string>): Reply {
  const now = deps.store.now();
  const key = data.key;
  const version = String((record.raw.properties as Record<string, unknown> | undefined)?.currentKubernetesVersion ?? DEFAULT_KUBERNETES_VERSION);
  const [major = "1", minor = "33"] = version.split(".");
  const p = path.replace(/\/+$/, "") || "/";
  switch (p) {
    case "/version":
      return { status: 200, body: { major, minor, gitVersion: `v${version}`, gitCommit: "0000000000000000000000000000000000000000", gitTreeState: "clean", buildDate: "2026-01-01T00:00:00Z", goVersion: "go1.24.4", compiler: "gc", platform: "linux/amd64" } };
    case "/healthz":
    case "/livez":
    case "/readyz":
      return { status: 200, text: "ok" };
    case "/api":
      return { status: 200, body: { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: `${fqdnOf(record)}:443` }] } };
    case "/apis":
      return { status: 200, body: { kind: "APIGroupList", apiVersion: "v1", groups: [appsGroup()] } };
    case "/api/v1":
      return { status: 200, body: coreResources() };
    case "/apis/apps":
      return { status: 200, body: appsGroup() };
    case "/apis/apps/v1":
      return { status: 200, body: appsResources() };
  }
  const nodes = [...data.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  let m: RegExpExecArray | null;
  // nodes/{name}:{port}/proxy/{path}
  if ((m = /^\/api\/v1\/nodes\/([^/:]+)(?::(\d+))?\/proxy(\/.*)?$/.exec(p))) {
    const [, name = "", port = "10250", rest = "/"] = m;
    const denied = forbidden(deps, key, user, "nodes/proxy", name);
    if (denied) return denied;
    const node = data.nodes.get(name);
    if (!node) return status(404, "NotFound", `nodes "${name}" not found`, { name, kind: "nodes" });
    if (port !== "10249") return status(503, "ServiceUnavailable", `error trying to reach service: dial tcp ${node.internalIp}:${port}: connect: connection refused`);
    const answer = deps.kube.model.proxyMode(data, node, now);
    if (!answer.ok) return status(503, "ServiceUnavailable", `error trying to reach service: ${answer.reason}`);
    if (rest === "/proxyMode") return { status: 200, text: answer.mode };
    if (rest === "/healthz" || rest === "/livez") return { status: 200, text: "ok" };
    return { status: 404, text: "404 page not found\n" };
  }
  if ((m = /^\/api\/v1\/nodes(?:\/([^/]+))?$/.exec(p))) {
    const name = m[1];
    const denied = forbidden(deps, key, user, "nodes", name);
    if (denied) return denied;
    if (name) {
      const node = data.nodes.get(name);
      return node ? { status: 200, body: nodeObject(data, node, region(record)) } : status(404, "NotFound", `nodes "${name}" not found`, { name, kind: "nodes" });
    }
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector, ["metadata.name"]);
    const items = nodes.filter((n) => matchesLabels(labels, nodeLabels(n, region(record))) && matchesFields(fields, { "metadata.name": n.name })).map((n) => nodeObject(data, n, region(record)));
    return { status: 200, body: list("NodeList", "v1", data.resourceVersion, items) };
  }
  if ((m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/pods(?:\/([^/]+))?$/.exec(p))) {
    const [, namespace, name] = m;
    const denied = forbidden(deps, key, user, "pods", name, namespace);
    if (denied) return denied;
    const pods = nodes.filter((n) => n.pod).map((n) => podObject(data, n, n.pod as NonNullable<typeof n.pod>, now));
    const inNamespace = namespace === undefined || namespace === "kube-system" ? pods : [];
    if (name) {
      const pod = inNamespace.find((o) => (o.metadata as { name: string }).name === name);
      return pod ? { status: 200, body: pod } : status(404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" });
    }
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector, ["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"]);
    const items = inNamespace.filter((o) => {
      const meta = o.metadata as { name: string; labels: Record<string, string> };
      return matchesLabels(labels, meta.labels) && matchesFields(fields, { "metadata.name": meta.name, "metadata.namespace": "kube-system", "spec.nodeName": (o.spec as { nodeName: string }).nodeName, "status.phase": "Running" });
    });
    return { status: 200, body: list("PodList", "v1", data.resourceVersion, items) };
  }
  if ((m = /^\/apis\/apps\/v1(?:\/namespaces\/([^/]+))?\/daemonsets(?:\/([^/]+))?(\/status)?$/.exec(p))) {
    const [, namespace, name] = m;
    const denied = forbidden(deps, key, user, "daemonsets", name, namespace);
    if (denied) return denied;
    const ds = daemonSetObject(data, now);
    const all = ds && (namespace === undefined || namespace === "kube-system") ? [ds] : [];
    if (name) {
      const found = all.find((o) => (o.metadata as { name: string }).name === name);
      return found ? { status: 200, body: found } : status(404, "NotFound", `daemonsets.apps "${name}" not found`, { name, group: "apps", kind: "daemonsets" });
    }
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector, ["metadata.name", "metadata.namespace"]);
    const items = all.filter((o) => {
      const meta = o.metadata as { name: string; labels: Record<string, string> };
      return matchesLabels(labels, meta.labels) && matchesFields(fields, { "metadata.name": meta.name, "metadata.namespace": "kube-system" });
    });
    return { status: 200, body: list("DaemonSetList", "apps/v1", data.resourceVersion, items) };
  }
  if ((m = /^\/api\/v1\/namespaces(?:\/([^/]+))?$/.exec(p))) {
    const name = m[1];
    if (name) return NAMESPACES.includes(name) ? { status: 200, body: namespaceObject(name, data.createdAtMs) } : status(404, "NotFound", `namespaces "${name}" not found`, { name, kind: "namespaces" });
    return { status: 200, body: list("NamespaceList", "v1", data.resourceVersion, NAMESPACES.map((n) => namespaceObject(n, data.createdAtMs))) };
  }
  return status(404, "NotFound", "the server could not find the requested resource");
}

/**
 * `?watch=true` on a list: ADDED for what matches now, then MODIFIED / DELETED / ADDED as the data plane changes
 * (polled every 50 ms), until `timeoutSeconds` (default 60, at most 600), the client leaves, or the emulator stops.
 */
function streamWatch(deps: KubeServerDeps, record: ClusterRecord, user: string, path: string, query: Record<string, string>, res: ServerResponse): void {
  const timeoutSeconds = Math.min(MAX_WATCH_SECONDS, Math.max(1, Number.parseInt(query.timeoutSeconds ?? "60", 10) || 60));
  res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  const seen = new Map<string, string>();
  const listNow = (): Record<string, unknown>[] | undefined => {
    const data = deps.kube.model.get(record);
    if (!data) return [];
    const reply = route(deps, record, data, user, path, { ...query, watch: "" });
    return reply.status === 200 && isObjectList(reply.body) ? reply.body.items : undefined;
  };
  const emit = (): void => {
    const items = listNow();
    if (!items) return;
    const current = new Map(items.map((o) => [String((o.metadata as { name: string }).name), o]));
    for (const [name, o] of current) {
      const text = JSON.stringify(o);
      const before = seen.get(name);
      if (before === text) continue;
      res.write(JSON.stringify({ type: before === undefined ? "ADDED" : "MODIFIED", object: o }) + "\n");
      seen.set(name, text);
    }
    for (const [name, text] of [...seen]) {
      if (current.has(name)) continue;
      res.write(JSON.stringify({ type: "DELETED", object: JSON.parse(text) as unknown }) + "\n");
      seen.delete(name);
    }
  };
  emit();
  deps.watches.open += 1;
  const timer = setInterval(emit, WATCH_POLL_MS);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    deps.watches.open -= 1;
    clearInterval(timer);
    clearTimeout(deadline);
    deps.stopSignal.removeEventListener("abort", end);
    if (!res.writableEnded) res.end();
  };
  const deadline = setTimeout(end, timeoutSeconds * 1000);
  res.on("close", end);
  deps.stopSignal.addEventListener("abort", end, { once: true });
}

