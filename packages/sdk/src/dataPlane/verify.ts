/**
 * `verifyDataPlane` and `waitForDataPlane`: reach the cluster's API server with the credentials ARM hands out, read
 * kube-proxy's DaemonSet, pods, nodes and `/proxyMode`, and decide whether the nodes run the desired settings.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { ClusterState } from "../clusterState";
import { classifyProvisioningState } from "../convergence";
import { KubeProxyError, ValidationError, isKubeProxyError, type KubeProxyErrorDetails } from "../errors";
import { formatDuration, MAX_THROTTLED_POLLS, nextPollDelayInMs, throwIfAborted, type PollingSettings } from "../poll";
import { StepPoller } from "../poller/stepPoller";
import { report } from "../progress";
import { effectiveKubeProxySettings, type EffectiveKubeProxySettings } from "../settings/effective";
import { isAtLeast, parseKubernetesVersion } from "../versions";
import { expectedKubeProxyFlags, type KubeProxyFlagCheck } from "./flags";
import { decodeCredentialResults, kubeconfigYaml, readKubeconfig, withBearerToken, type KubeconfigAuthentication } from "./kubeconfig";
import { observeDataPlane, UnreachableSignal, type DataPlaneUnreachable, type KubeClientCache, type ObserveOptions } from "./kubeApi";
import { assessDataPlane, type DataPlaneObservation, type DataPlaneMismatch, type DataPlaneRollout, type DataPlaneVerdict, type NodeDataPlaneResult } from "./verdict";

/** How many Linux nodes get a `/proxyMode` request by default (the others: pod flags only, listed as not checked). */
export const DEFAULT_PROXY_MODE_SAMPLE = 50;
/** Bound of each Kubernetes API request by default. */
export const DEFAULT_KUBE_REQUEST_TIMEOUT_IN_MS = 30_000;
/** Kind and version of the serialized data-plane wait. */
export const DATA_PLANE_WAIT_STATE_KIND = "aks-kube-proxy/data-plane-wait";

/** Options of `KubeProxyClient.verifyDataPlane`. */
export interface VerifyDataPlaneOptions {
  /** Use `listClusterAdminCredential` (local accounts) instead of `listClusterUserCredential`. @default false */
  readonly admin?: boolean;
  /** How many Linux nodes are asked `/proxyMode` (all, up to this bound). @default 50 */
  readonly maxProxyModeNodes?: number;
  /** Bound of each Kubernetes API request; past it the API server counts as not answering. @default 30000 */
  readonly requestTimeoutInMs?: number;
  /** Cancels the check. */
  readonly abortSignal?: AbortSignal;
}

/** Options of `KubeProxyClient.waitForDataPlane`. */
export interface WaitForDataPlaneOptions extends VerifyDataPlaneOptions {
  /** Give up (with {@link DataPlaneNotConvergedError}) after this long. @default 1800000 */
  readonly timeoutInMs?: number;
  /** Called after every check. */
  readonly onProgress?: (event: DataPlaneProgress) => void;
  /** A serialized wait (`DataPlaneProgress.state`) to continue: same cluster and settings, same deadline. */
  readonly resumeState?: string;
}

/** The result of one data-plane check. */
export interface DataPlaneResult {
  /** The cluster checked. */
  readonly cluster: { readonly id: string; readonly resourceGroup: string; readonly name: string; readonly kubernetesVersion?: string };
  /** `converged`, `rolling-out`, `mismatch` or `unreachable`. */
  readonly verdict: DataPlaneVerdict;
  /** One line: progress, the mismatched node and flag, or why it is unreachable. */
  readonly summary: string;
  /** The settings the nodes were compared with. */
  readonly desired: EffectiveKubeProxySettings;
  /** Which ARM credential was used. */
  readonly credential: "user" | "admin";
  /** How it authenticated to the API server (`entra`: a token for the AKS server application). */
  readonly authentication?: KubeconfigAuthentication;
  /** The DaemonSet and rollout progress (absent when unreachable before it was read). */
  readonly rollout?: DataPlaneRollout;
  /** The DaemonSet's rendered flags against the desired settings, field by field. */
  readonly flags: readonly KubeProxyFlagCheck[];
  /** Every node, with its state. */
  readonly nodes: readonly NodeDataPlaneResult[];
  /** Nodes whose `/proxyMode` was asked. */
  readonly checkedNodes: readonly string[];
  /** Windows nodes (out of scope: kube-proxy runs there as a host service). */
  readonly skippedNodes: readonly string[];
  /** Nodes still waited for (`rolling-out`). */
  readonly pendingNodes: readonly string[];
  /** What differs (`mismatch`). */
  readonly mismatches: readonly DataPlaneMismatch[];
  /** Why the API server could not be read, and what to do (`unreachable`). */
  readonly unreachable?: DataPlaneUnreachable;
}

/** Progress of {@link WaitForDataPlaneOptions.onProgress}. */
export interface DataPlaneProgress {
  readonly verdict: DataPlaneVerdict;
  /** e.g. "kube-proxy rollout 3/5 nodes; waiting for aks-nodepool1-3". */
  readonly summary: string;
  readonly convergedNodes: number;
  readonly totalNodes: number;
  readonly pendingNodes: readonly string[];
  readonly elapsedInMs: number;
  /** The serialized wait, to continue it after a crash (`resumeState`). */
  readonly state: string;
}

/** The data plane did not converge within the timeout; `result` is the last check (it names the nodes). */
export class DataPlaneNotConvergedError extends KubeProxyError {
  /** The last check. */
  readonly result: DataPlaneResult;
  /** The serialized wait, to continue it. */
  readonly waitState: string;
  /**
   * @param message - names the nodes and what to do
   * @param result - the last check
   */
  constructor(message: string, result: DataPlaneResult, waitState: string, details: KubeProxyErrorDetails = {}) {
    super("DataPlaneNotConverged", message, details);
    this.result = result;
    this.waitState = waitState;
  }
}

/** What the data-plane check needs from the client (ARM reads and the credential chain). @internal */
export interface DataPlaneDeps {
  readCluster(abortSignal: AbortSignal | undefined): Promise<ClusterState>;
  /** POST listClusterUserCredential / listClusterAdminCredential; the raw body on 200, else a typed error. */
  listCredential(kind: "user" | "admin", abortSignal: AbortSignal | undefined): Promise<unknown>;
  /** A token from the client's own credential chain. */
  getToken(scope: string, abortSignal: AbortSignal | undefined): Promise<string>;
  readonly polling: PollingSettings;
  /** The Kubernetes reads; default {@link observeDataPlane} (tests replace it). */
  readonly observe?: (options: ObserveOptions) => Promise<DataPlaneObservation>;
}

interface WaitState {
  readonly kind: typeof DATA_PLANE_WAIT_STATE_KIND;
  readonly version: 1;
  readonly clusterId: string;
  readonly desired: EffectiveKubeProxySettings;
  readonly startedAt: number;
  readonly deadlineAt: number;
}

function clusterOf(state: ClusterState): DataPlaneResult["cluster"] {
  return { id: state.id, resourceGroup: state.resourceGroup, name: state.name, ...(state.kubernetesVersion !== undefined ? { kubernetesVersion: state.kubernetesVersion } : {}) };
}

function unreachableResult(base: Pick<DataPlaneResult, "cluster" | "desired" | "credential">, unreachable: DataPlaneUnreachable, authentication?: KubeconfigAuthentication): DataPlaneResult {
  return {
    ...base,
    verdict: "unreachable",
    summary: `unreachable (${unreachable.reason}): ${unreachable.message}; ${unreachable.advice}`,
    ...(authentication ? { authentication } : {}),
    flags: [],
    nodes: [],
    checkedNodes: [],
    skippedNodes: [],
    pendingNodes: [],
    mismatches: [],
    unreachable,
  };
}

/** A kubeconfig for the API server, from one credential POST (and, with Entra, one token). @internal */
export interface DataPlaneConnection {
  readonly kubeconfigYaml: string;
  readonly authentication: KubeconfigAuthentication;
  /** The Kubernetes clients made for this kubeconfig (each pass opens, and closes, one connection with them). */
  readonly kube: KubeClientCache;
}

type CheckBase = Pick<DataPlaneResult, "cluster" | "desired" | "credential">;

/**
 * The credential POST (listClusterUserCredential / listClusterAdminCredential), the Entra token when needed, and the
 * kubeconfig: the connection, or the `unreachable` result (reason `credentials`) when ARM or the token refuses. @internal
 * @param deps - ARM reads and the credential chain
 * @param base - the cluster, desired settings and credential kind the result names
 */
export async function connect(deps: DataPlaneDeps, base: CheckBase, signal: AbortSignal | undefined): Promise<DataPlaneConnection | DataPlaneResult> {
  const credential = base.credential;
  let body: unknown;
  try {
    body = await deps.listCredential(credential, signal);
  } catch (error) {
    // Refused (400 local accounts disabled, 401/403 no permission): a verdict with advice. Anything else (throttling,
    // 5xx after the pipeline's retries, an abort, a missing cluster) is an error as for every other ARM call.
    const refused = isKubeProxyError(error) && error.statusCode !== undefined && [400, 401, 403, 409].includes(error.statusCode);
    if (!refused) throw error;
    const how = credential === "admin" ? "listClusterAdminCredential" : "listClusterUserCredential";
    const advice =
      credential === "admin"
        ? "local accounts may be disabled on this cluster (disableLocalAccounts): verify with the user credential instead (no --admin)"
        : "the identity needs Microsoft.ContainerService/managedClusters/listClusterUserCredential/action (Azure Kubernetes Service Cluster User Role)";
    return unreachableResult(base, { reason: "credentials", message: `${how}: ${error.message.split("\n")[0]}`, advice, ...(error.statusCode !== undefined ? { statusCode: error.statusCode } : {}) });
  }
  let kubeconfig = readKubeconfig(await decodeCredentialResults(body));
  if (kubeconfig.authentication === "entra") {
    const scope = `${kubeconfig.serverId}/.default`;
    let token: string;
    try {
      token = await deps.getToken(scope, signal);
    } catch (error) {
      throwIfAborted(signal, "getting a token for the API server");
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      return unreachableResult(base, { reason: "credentials", message: `token for ${scope}: ${message}`, advice: "sign in with an identity of the cluster's Microsoft Entra tenant (the same credential chain as for Azure)" }, "entra");
    }
    kubeconfig = withBearerToken(kubeconfig, token);
  }
  return { kubeconfigYaml: kubeconfigYaml(kubeconfig), authentication: kubeconfig.authentication, kube: {} };
}

/** The connection a wait keeps between passes (undefined: connect on the next pass). @internal */
export interface DataPlaneSession {
  connection?: DataPlaneConnection;
}

/**
 * One pass: readCluster first (so an unknown provisioningState fails before anything else), then the session's
 * connection ({@link connect} when it has none), then the Kubernetes reads and the assessment. A kept connection the
 * API server answers `unauthorized` (an expired token or certificate) is dropped and made again once, in the same
 * pass, so the verdict is the one a fresh connection gives. @internal
 * @param deps - ARM reads and the credential chain
 * @param desired - the settings to compare with; undefined: what Azure reports for the cluster
 * @param session - the connection kept between passes; a fresh `{}` for a one-off check
 */
export async function checkOnce(deps: DataPlaneDeps, desired: KubeProxyConfig | EffectiveKubeProxySettings | undefined, options: VerifyDataPlaneOptions, session: DataPlaneSession): Promise<DataPlaneResult> {
  const signal = options.abortSignal;
  const cluster = await deps.readCluster(signal);
  // The one classification of provisioningState: an unknown state fails loudly here, before anything else.
  const provisioning = classifyProvisioningState(cluster.provisioningState, `${cluster.resourceGroup}/${cluster.name}`);
  const wanted = desired !== undefined ? effectiveKubeProxySettings(desired) : cluster.effective;
  const credential = options.admin ? "admin" : "user";
  const base = { cluster: clusterOf(cluster), desired: wanted, credential } as const;
  const expected = expectedKubeProxyFlags(wanted);

  let kept = session.connection !== undefined;
  let observation: DataPlaneObservation | undefined;
  let connection: DataPlaneConnection;
  for (;;) {
    if (session.connection === undefined) {
      const connected = await connect(deps, base, signal);
      if ("verdict" in connected) return connected;
      session.connection = connected;
    }
    connection = session.connection;
    try {
      observation = await (deps.observe ?? observeDataPlane)({
        kubeconfigYaml: connection.kubeconfigYaml,
        cache: connection.kube,
        maxProxyModeNodes: options.maxProxyModeNodes ?? DEFAULT_PROXY_MODE_SAMPLE,
        requestTimeoutInMs: options.requestTimeoutInMs ?? DEFAULT_KUBE_REQUEST_TIMEOUT_IN_MS,
        ...(signal ? { abortSignal: signal } : {}),
      });
      break;
    } catch (error) {
      if (!(error instanceof UnreachableSignal)) throw error;
      if (kept && error.unreachable.reason === "unauthorized") {
        // The kept credentials may have expired: connect again, once.
        session.connection = undefined;
        kept = false;
        continue;
      }
      return unreachableResult(base, error.unreachable, connection.authentication);
    }
  }
  const assessment = assessDataPlane(expected, observation);
  // While Azure's operation runs, the DaemonSet may not be rendered yet: not converged, and not a mismatch either.
  const inFlight = provisioning === "in-flight";
  const hint = assessment.verdict === "mismatch" ? nftablesVersionHint(wanted, cluster.kubernetesVersion) : undefined;
  return {
    ...base,
    verdict: inFlight ? "rolling-out" : assessment.verdict,
    summary: inFlight ? `Azure's operation is still running (provisioningState ${cluster.provisioningState}); ${assessment.summary}` : hint ? `${assessment.summary}. ${hint}` : assessment.summary,
    authentication: connection.authentication,
    rollout: assessment.rollout,
    flags: assessment.flags,
    nodes: assessment.nodes,
    checkedNodes: [...observation.proxyModes.keys()],
    skippedNodes: assessment.nodes.filter((n) => n.state === "skipped").map((n) => n.name),
    pendingNodes: assessment.nodes.filter((n) => n.state === "pending").map((n) => n.name),
    mismatches: assessment.mismatches,
  };
}

/**
 * One check: {@link checkOnce} with a fresh connection (one credential POST). @internal
 * @param deps - ARM reads and the credential chain
 * @param desired - the settings to compare with; undefined: what Azure reports for the cluster
 */
export async function runDataPlaneCheck(deps: DataPlaneDeps, desired: KubeProxyConfig | EffectiveKubeProxySettings | undefined, options: VerifyDataPlaneOptions = {}): Promise<DataPlaneResult> {
  return checkOnce(deps, desired, options, {});
}

/**
 * The cause of a mismatch that waiting or a restart cannot fix: NFTABLES on Kubernetes < 1.33, which Azure accepts and
 * AKS renders as `--proxy-mode=iptables` (AKS nftables troubleshooting article; the rule `nftables-needs-k8s-1.33`).
 * @param wanted - the desired settings
 * @param kubernetesVersion - the cluster's version as Azure reports it
 */
function nftablesVersionHint(wanted: EffectiveKubeProxySettings, kubernetesVersion: string | undefined): string | undefined {
  const k8s = parseKubernetesVersion(kubernetesVersion);
  if (wanted.mode !== "NFTABLES" || !k8s || isAtLeast(k8s, 1, 33)) return undefined;
  return `NFTABLES needs Kubernetes 1.33 or newer and the cluster runs ${kubernetesVersion}: Azure accepts the setting and kube-proxy keeps running iptables. Upgrade the cluster first`;
}

function parseWaitState(text: string, clusterId: string): WaitState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const s = parsed as Partial<WaitState> | undefined;
  if (!s || s.kind !== DATA_PLANE_WAIT_STATE_KIND || s.version !== 1 || typeof s.startedAt !== "number" || typeof s.deadlineAt !== "number" || typeof s.clusterId !== "string") {
    throw new ValidationError(`resumeState is not a serialized data-plane wait (${DATA_PLANE_WAIT_STATE_KIND} version 1).`, [{ path: "resumeState", message: "not a data-plane wait" }]);
  }
  if (clusterId !== "" && s.clusterId.toLowerCase() !== clusterId.toLowerCase()) {
    throw new ValidationError(`resumeState is the wait of another cluster (${s.clusterId}).`, [{ path: "resumeState.clusterId", message: "another cluster", found: s.clusterId }]);
  }
  return s as WaitState;
}

/**
 * Checks until the data plane converges (returns the result), a mismatch or an unreachable API server is found
 * (returns that result at once: waiting does not change it), or the deadline passes ({@link DataPlaneNotConvergedError}
 * naming the nodes still waited for). Sleeps with the SDK's poll backoff; abortable. @internal
 */
export async function runDataPlaneWait(deps: DataPlaneDeps, clusterId: string, desired: KubeProxyConfig | EffectiveKubeProxySettings | undefined, options: WaitForDataPlaneOptions = {}): Promise<DataPlaneResult> {
  const resumed = options.resumeState !== undefined ? parseWaitState(options.resumeState, clusterId) : undefined;
  const now = Date.now();
  // The deadline is fixed once: a resumed wait keeps the original one, so resuming again does not push it out.
  const deadlineAt = resumed?.deadlineAt ?? now + (options.timeoutInMs ?? 1_800_000);
  const timeoutInMs = Math.max(0, deadlineAt - now);
  const wanted = resumed ? resumed.desired : desired !== undefined ? effectiveKubeProxySettings(desired) : undefined;
  const startedAt = resumed?.startedAt ?? now;
  // One credential POST for the whole wait (ARM counts it against the write budget); checkOnce connects again only
  // when the kept credentials are refused.
  const session: DataPlaneSession = {};
  /** The last completed check that was still rolling out, and the checks throttled in a row since. */
  let last: { result: DataPlaneResult; state: string } | undefined;
  let throttledChecks = 0;
  const notConverged = (result: DataPlaneResult, state: string): DataPlaneNotConvergedError => {
    const nodes = result.pendingNodes.length > 0 ? result.pendingNodes.join(", ") : "the DaemonSet rollout";
    return new DataPlaneNotConvergedError(
      `${result.cluster.resourceGroup}/${result.cluster.name}: kube-proxy did not reach every node within ${formatDuration(timeoutInMs)}; still waiting for ${nodes} (${result.summary}). ` +
        "Check those nodes (kubectl rollout status daemonset/kube-proxy -n kube-system; cordon and drain a node that stays behind), or wait longer.",
      result,
      state,
    );
  };
  // A wait on the one poller. Each step is a complete check (bounded by its requests' own timeout and the caller's
  // signal, not by the deadline), so every wait, a resumed one past its deadline included, ends on a check that names
  // the nodes. The wait between checks is the backoff cut to the time left.
  const poller = new StepPoller<{ readonly attempt: number }, DataPlaneResult>(
    {
      kind: "data-plane-wait",
      waitingFor: () => "waiting for the kube-proxy rollout",
      // Never reached (no poller deadline): the step itself throws DataPlaneNotConvergedError past the deadline.
      timeoutError: () => new Error("unreachable: the data-plane wait ends itself at its deadline"),
      step: async ({ attempt }) => {
        let result: DataPlaneResult;
        try {
          result = await checkOnce(deps, wanted, options, session);
        } catch (error) {
          // Azure throttled one of the check's ARM reads (the AKS resource provider budgets a cluster's GETs): the wait
          // (a rollout's health gate) must not fail for that. Wait as long as Azure asks, then check again, until the
          // deadline (which ends on the last completed check's verdict) or too many throttled checks in a row.
          if (!(isKubeProxyError(error) && error.code === "Throttled") || ++throttledChecks > MAX_THROTTLED_POLLS) throw error;
          const remaining = deadlineAt - Date.now();
          if (remaining <= 0) throw last ? notConverged(last.result, last.state) : error;
          const retryAfterInMs = (error as { retryAfterInMs?: number }).retryAfterInMs;
          return { done: false, state: { attempt: attempt + 1 }, delayInMs: Math.min(nextPollDelayInMs({ attempt, retryAfterInMs, polling: deps.polling }), remaining) };
        }
        throttledChecks = 0;
        const state = JSON.stringify({ kind: DATA_PLANE_WAIT_STATE_KIND, version: 1, clusterId: result.cluster.id, desired: result.desired, startedAt, deadlineAt } satisfies WaitState);
        report(options.onProgress, {
          verdict: result.verdict,
          summary: result.summary,
          convergedNodes: result.rollout?.convergedNodes ?? 0,
          totalNodes: result.rollout?.totalNodes ?? 0,
          pendingNodes: result.pendingNodes,
          elapsedInMs: Date.now() - startedAt,
          state,
        });
        if (result.verdict !== "rolling-out") return { done: true, state: { attempt }, result };
        last = { result, state };
        const remaining = deadlineAt - Date.now();
        if (remaining <= 0) throw notConverged(result, state);
        return { done: false, state: { attempt: attempt + 1 }, delayInMs: Math.min(nextPollDelayInMs({ attempt, retryAfterInMs: undefined, polling: deps.polling }), remaining) };
      },
    },
    { attempt: 0 },
    { polling: deps.polling },
  );
  return poller.pollUntilDone({ abortSignal: options.abortSignal });
}
