/**
 * The reads the data-plane check makes, through the official Kubernetes client (`@kubernetes/client-node`, loaded
 * lazily with `import()`: it is ESM-only and most commands never need it). Reads only: the DaemonSet
 * `kube-system/kube-proxy`, its pods (`component=kube-proxy`), nodes, and `nodes/{node}:{port}/proxy/proxyMode`.
 * Every request is bounded by its own timeout and the caller's signal: an API server that never answers (a private
 * cluster seen from outside its network) ends as `unreachable`, never a hang.
 * @packageDocumentation
 */
import { Agent as HttpsAgent, type AgentOptions } from "node:https";
import type * as K8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { AbortedError } from "../errors";
import { metricsPortOf, parseKubeProxyArgs } from "./flags";
import type { DaemonSetObservation, DataPlaneObservation, DataPlaneUnreachableReason, NodeObservation, PodObservation, ProxyModeObservation } from "./verdict";

/** The namespace, name and label of AKS's kube-proxy. */
export const KUBE_PROXY_NAMESPACE = "kube-system";
/** The DaemonSet's name. */
export const KUBE_PROXY_DAEMONSET = "kube-proxy";
/** The label selector of its pods. */
export const KUBE_PROXY_POD_SELECTOR = "component=kube-proxy";

/** The most nodes (and kube-proxy pods) one check lists: AKS's limit of nodes per cluster. */
export const MAX_LISTED_OBJECTS = 5_000;

/** The API server could not be read: why, which request, and what to do. */
export interface DataPlaneUnreachable {
  readonly reason: DataPlaneUnreachableReason;
  /** What failed, e.g. `GET nodes/aks-nodepool1-0:10249/proxy/proxyMode: 403 Forbidden`. */
  readonly message: string;
  /** What to do next. */
  readonly advice: string;
  /** The HTTP status, when the API server answered. */
  readonly statusCode?: number;
}

/** Thrown inside a pass when the API server cannot be read; turned into the `unreachable` verdict. @internal */
export class UnreachableSignal extends Error {
  constructor(readonly unreachable: DataPlaneUnreachable) {
    super(unreachable.message);
  }
}

/** The least RBAC the check needs, as a ClusterRole (documented in the SDK README). */
export const DATA_PLANE_RBAC_ADVICE =
  "grant the identity a ClusterRole with: get/list nodes, get nodes/proxy, get daemonsets (apps) and list pods in kube-system";

const NO_NETWORK_ADVICE =
  "the API server did not answer from here (a private cluster, API server authorized IP ranges, or a firewall): run from inside the " +
  "cluster's network (a VM or runner in its virtual network), or add this machine's address to the authorized IP ranges";

type K8sModule = typeof K8s;
let loaded: Promise<K8sModule> | undefined;

/** Loads `@kubernetes/client-node` once, on first use. @internal */
export function loadKubernetesClient(): Promise<K8sModule> {
  loaded ??= import("@kubernetes/client-node");
  return loaded;
}

function num(x: unknown): number {
  return typeof x === "number" && Number.isFinite(x) ? x : 0;
}

function argvOf(containers: readonly K8s.V1Container[] | undefined): string[] {
  const list = containers ?? [];
  const container = list.find((c) => c.name === "kube-proxy") ?? list[0];
  return [...(container?.command ?? []), ...(container?.args ?? [])];
}

/** Maps a failed request to the unreachable reason, or rethrows the caller's abort. */
function classify(error: unknown, what: string, callerSignal: AbortSignal | undefined): DataPlaneUnreachable {
  if (callerSignal?.aborted) throw new AbortedError(`Aborted while reading ${what}.`, {}, { cause: callerSignal.reason });
  const e = error as { code?: unknown; body?: unknown; type?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } };
  const status = typeof e?.code === "number" ? e.code : undefined;
  if (status !== undefined) {
    const body = typeof e.body === "string" ? e.body : JSON.stringify(e.body ?? "");
    let detail = "";
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === "string") detail = `: ${parsed.message.slice(0, 300)}`;
    } catch {
      detail = "";
    }
    const message = `GET ${what}: HTTP ${status}${detail}`;
    if (status === 403) return { reason: "forbidden", statusCode: status, message, advice: DATA_PLANE_RBAC_ADVICE };
    if (status === 401) {
      return {
        reason: "unauthorized",
        statusCode: status,
        message,
        advice: "the API server refused the credential: with Microsoft Entra integration the identity must be able to get a token for the AKS server application; or ask for the admin credential (local accounts)",
      };
    }
    return { reason: "error", statusCode: status, message, advice: "read the message; run again, or check the cluster's API server health" };
  }
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : undefined;
  const aborted = e?.type === "aborted" || e?.name === "AbortError";
  const why = aborted ? "no answer in time" : (code ?? (typeof e?.message === "string" ? e.message.slice(0, 200) : String(error)));
  return { reason: "no-network-path", message: `GET ${what}: ${why}`, advice: NO_NETWORK_ADVICE };
}

/** What a wait keeps between its passes against one API server with one credential: the Kubernetes clients. @internal */
export interface KubeClientCache {
  clients?: { readonly core: K8s.CoreV1Api; readonly apps: K8s.AppsV1Api };
}

/**
 * A keep-alive agent with the TLS options (CA, client certificate and key, server name) of client-node's agent, and one
 * connection, for one pass: its reads go one after another on that connection, which the pass closes when it ends.
 * `@kubernetes/client-node` builds a new agent for every request, so every read was a new TLS connection (a handshake
 * with the client certificate, a new secure context parsing the CA and key), six or more per pass: on a fleet's health
 * gates, the largest part of their cost on both ends. More connections at once (the nodes and pods lists in parallel)
 * were measured slower: their handshakes cost more than the round trips they saved. Not kept between passes: minutes
 * apart, an idle connection may be closed by the server or a load balancer just as it is reused, and a read that
 * fails that way would read as an unreachable API server.
 */
function keepAliveAgentLike(fresh: unknown): HttpsAgent | undefined {
  // A plain https.Agent keeps its constructor options in `options`; proxy agents are not https.Agents and stay as they are.
  if (!(fresh instanceof HttpsAgent)) return undefined;
  const options = (fresh as HttpsAgent & { options?: AgentOptions }).options;
  if (!options) return undefined;
  return new HttpsAgent({ ...options, keepAlive: true, maxSockets: 1 });
}

/** Options of one observation pass. @internal */
export interface ObserveOptions {
  /** The kubeconfig YAML (a token, not an exec plugin). */
  readonly kubeconfigYaml: string;
  /** The clients kept from the pass before (same kubeconfig); filled on first use. */
  readonly cache?: KubeClientCache;
  /** How many Linux nodes get a `/proxyMode` request (the rest are listed as not checked). */
  readonly maxProxyModeNodes: number;
  /** Bound of every single request. */
  readonly requestTimeoutInMs: number;
  readonly abortSignal?: AbortSignal;
}

/**
 * Reads the DaemonSet, nodes, kube-proxy pods and (for up to `maxProxyModeNodes` Linux nodes, those with an updated
 * pod first) `/proxyMode`. A 403/401 or no answer on any read throws {@link UnreachableSignal}.
 * @internal
 */
export async function observeDataPlane(options: ObserveOptions): Promise<DataPlaneObservation> {
  const k8s = await loadKubernetesClient();
  const cache: KubeClientCache = options.cache ?? {};
  if (!cache.clients) {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(options.kubeconfigYaml);
    cache.clients = { core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api) };
  }
  const { core, apps } = cache.clients;
  /** This pass's connection (a proxy agent of client-node's is used as it is, not kept). */
  const pass: { agent?: HttpsAgent; notKept?: boolean } = {};
  try {
    return await observeWith(core, apps, pass, options, k8s);
  } finally {
    pass.agent?.destroy();
  }
}

/** The reads of one pass, on `pass`'s connection. */
async function observeWith(core: K8s.CoreV1Api, apps: K8s.AppsV1Api, pass: { agent?: HttpsAgent; notKept?: boolean }, options: ObserveOptions, k8s: K8sModule): Promise<DataPlaneObservation> {
  const call = async <T>(what: string, run: (opts: K8s.ConfigurationOptions) => Promise<T>): Promise<T> => {
    const timeout = AbortSignal.timeout(options.requestTimeoutInMs);
    const signal = options.abortSignal ? AbortSignal.any([timeout, options.abortSignal]) : timeout;
    // The object-style APIs take observable-style middleware (client-node's own Observable stub).
    const middleware = {
      pre: (ctx: K8s.RequestContext) => {
        ctx.setSignal(signal);
        if (!pass.notKept) {
          pass.agent ??= keepAliveAgentLike(ctx.getAgent());
          if (pass.agent) ctx.setAgent(pass.agent);
          else pass.notKept = true;
        }
        return new k8s.Observable(Promise.resolve(ctx));
      },
      post: (ctx: K8s.ResponseContext) => new k8s.Observable(Promise.resolve(ctx)),
    };
    try {
      return await run({ middleware: [middleware], middlewareMergeStrategy: "append" } as unknown as K8s.ConfigurationOptions);
    } catch (error) {
      throw new UnreachableSignal(classify(error, what, options.abortSignal));
    }
  };

  let daemonSet: DaemonSetObservation | undefined;
  // Asked for together (on the pass's connection they go one after another, without waiting for this code in between);
  // a failure is the pass's verdict, the first in this order when several fail.
  const [dsRead, nodesRead, podsRead] = await Promise.allSettled([
    call(`daemonsets ${KUBE_PROXY_NAMESPACE}/${KUBE_PROXY_DAEMONSET}`, async (opts) => {
      try {
        return await apps.readNamespacedDaemonSet({ name: KUBE_PROXY_DAEMONSET, namespace: KUBE_PROXY_NAMESPACE }, opts);
      } catch (error) {
        if ((error as { code?: unknown })?.code === 404) return undefined;
        throw error;
      }
    }),
    // One page each, bounded: AKS allows at most 5,000 nodes per cluster (and so as many kube-proxy pods).
    call("nodes", (opts) => core.listNode({ limit: MAX_LISTED_OBJECTS }, opts)),
    call(`pods -n ${KUBE_PROXY_NAMESPACE} -l ${KUBE_PROXY_POD_SELECTOR}`, (opts) => core.listNamespacedPod({ namespace: KUBE_PROXY_NAMESPACE, labelSelector: KUBE_PROXY_POD_SELECTOR, limit: MAX_LISTED_OBJECTS }, opts)),
  ]);
  for (const read of [dsRead, nodesRead, podsRead]) if (read.status === "rejected") throw read.reason;
  const dsObject = (dsRead as PromiseFulfilledResult<Awaited<ReturnType<K8s.AppsV1Api["readNamespacedDaemonSet"]>> | undefined>).value;
  const nodeList = (nodesRead as PromiseFulfilledResult<K8s.V1NodeList>).value;
  const podList = (podsRead as PromiseFulfilledResult<K8s.V1PodList>).value;
  if (dsObject) {
    daemonSet = {
      generation: num(dsObject.metadata?.generation),
      observedGeneration: num(dsObject.status?.observedGeneration),
      desiredNumberScheduled: num(dsObject.status?.desiredNumberScheduled),
      updatedNumberScheduled: num(dsObject.status?.updatedNumberScheduled),
      numberAvailable: num(dsObject.status?.numberAvailable),
      updateStrategy: dsObject.spec?.updateStrategy?.type ?? "RollingUpdate",
      argv: argvOf(dsObject.spec?.template?.spec?.containers),
    };
  }
  const nodes: NodeObservation[] = nodeList.items.map((n) => {
    const labels = n.metadata?.labels ?? {};
    const pool = labels["kubernetes.azure.com/agentpool"] ?? labels["agentpool"];
    return { name: n.metadata?.name ?? "", os: n.status?.nodeInfo?.operatingSystem ?? labels["kubernetes.io/os"] ?? "linux", ...(pool !== undefined ? { pool } : {}) };
  });
  const pods: PodObservation[] = podList.items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .map((p) => ({
      name: p.metadata?.name ?? "",
      nodeName: p.spec?.nodeName ?? "",
      argv: argvOf(p.spec?.containers),
      ready: (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    }));

  const proxyModes = new Map<string, ProxyModeObservation>();
  if (daemonSet) {
    const expectedArgs = parseKubeProxyArgs(daemonSet.argv);
    const port = metricsPortOf(expectedArgs);
    const linux = nodes.filter((n) => n.os.toLowerCase() !== "windows");
    // Only nodes with a Ready kube-proxy pod are asked (a pod being replaced says nothing yet; the verdict counts
    // such a node as pending by its pod), up to the bound.
    const readyNodes = new Set(pods.filter((p) => p.ready).map((p) => p.nodeName));
    const sample = linux.filter((n) => readyNodes.has(n.name)).slice(0, Math.max(0, options.maxProxyModeNodes));
    for (const node of sample) {
      const what = `nodes/${node.name}:${port}/proxy/proxyMode`;
      const answer = await call(what, async (opts) => {
        try {
          return { mode: String(await core.connectGetNodeProxyWithPath({ name: `${node.name}:${port}`, path: "proxyMode" }, opts)).trim() };
        } catch (error) {
          const status = (error as { code?: unknown })?.code;
          // The proxy answered for the API server but kube-proxy did not (5xx from the node): not an RBAC problem.
          if (typeof status === "number" && status >= 500) return { error: `HTTP ${status} from the node` };
          throw error;
        }
      });
      proxyModes.set(node.name, answer);
    }
  }
  return { daemonSet, nodes, pods, proxyModes };
}
