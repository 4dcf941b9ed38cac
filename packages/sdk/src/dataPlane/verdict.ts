/**
 * The data-plane verdict, computed from what the Kubernetes API showed (pure: no network). kubectl's rollout-status
 * rule for the DaemonSet (kubernetes/kubectl `rollout_status.go`), each Linux node's kube-proxy pod flags, and each
 * checked node's `/proxyMode`.
 * @packageDocumentation
 */
import { compareKubeProxyFlags, parseKubeProxyArgs, type ExpectedKubeProxyFlags, type KubeProxyFlagCheck } from "./flags";

/** `converged`, `rolling-out` (progress), `mismatch` (which node/flag) or `unreachable` (why, and what to do). */
export type DataPlaneVerdict = "converged" | "rolling-out" | "mismatch" | "unreachable";

/** Why the API server could not be read. */
export type DataPlaneUnreachableReason = "no-network-path" | "forbidden" | "unauthorized" | "credentials" | "error";

/** The DaemonSet `kube-system/kube-proxy` as observed. */
export interface DaemonSetObservation {
  /** `metadata.generation`. */
  readonly generation: number;
  /** `status.observedGeneration`. */
  readonly observedGeneration: number;
  /** `status.desiredNumberScheduled`. */
  readonly desiredNumberScheduled: number;
  /** `status.updatedNumberScheduled`. */
  readonly updatedNumberScheduled: number;
  /** `status.numberAvailable`. */
  readonly numberAvailable: number;
  /** `spec.updateStrategy.type` (`RollingUpdate` or `OnDelete`). */
  readonly updateStrategy: string;
  /** The kube-proxy container's command followed by its args, from the pod template. */
  readonly argv: readonly string[];
}

/** A node as observed. */
export interface NodeObservation {
  readonly name: string;
  /** `linux` or `windows` (`status.nodeInfo.operatingSystem`, else the `kubernetes.io/os` label). */
  readonly os: string;
  /** The node pool (`kubernetes.azure.com/agentpool` or `agentpool` label), when labelled. */
  readonly pool?: string;
}

/** A kube-proxy pod as observed. */
export interface PodObservation {
  readonly name: string;
  readonly nodeName: string;
  /** The kube-proxy container's command followed by its args. */
  readonly argv: readonly string[];
  /** The Ready condition is True. */
  readonly ready: boolean;
}

/** One node's `/proxyMode` answer (or why there is none). */
export interface ProxyModeObservation {
  /** The answer, trimmed (`iptables`, `ipvs`, `nftables`). */
  readonly mode?: string;
  /** Why there is no answer. */
  readonly error?: string;
}

/** Everything one pass read from the API server (the input of {@link assessDataPlane}). */
export interface DataPlaneObservation {
  /** undefined: the DaemonSet does not exist. */
  readonly daemonSet: DaemonSetObservation | undefined;
  readonly nodes: readonly NodeObservation[];
  readonly pods: readonly PodObservation[];
  /** `/proxyMode` per checked node. */
  readonly proxyModes: ReadonlyMap<string, ProxyModeObservation>;
}

/** The state of one node. */
export type NodeDataPlaneState = "converged" | "pending" | "mismatch" | "skipped" | "not-checked";

/** One node's result. */
export interface NodeDataPlaneResult {
  readonly name: string;
  readonly os: string;
  readonly pool?: string;
  readonly state: NodeDataPlaneState;
  /** The kube-proxy pod on it, when there is one. */
  readonly pod?: string;
  /** The pod's flags match the desired settings. */
  readonly podFlagsMatch?: boolean;
  /** The pod is Ready. */
  readonly podReady?: boolean;
  /** What `/proxyMode` answered, when it was asked. */
  readonly proxyMode?: string;
  /** Why the node is pending, mismatched, skipped or not checked. */
  readonly reason?: string;
}

/** One difference between the desired settings and the data plane. */
export interface DataPlaneMismatch {
  /** The node concerned; undefined for the DaemonSet itself. */
  readonly node?: string;
  /** `mode`, `ipvsConfig.scheduler`, `enabled`, `proxyMode`... */
  readonly field: string;
  readonly expected: string;
  readonly found: string | undefined;
}

/** The part of the result computed from an observation (what {@link assessDataPlane} returns). */
export interface DataPlaneAssessment {
  readonly verdict: Exclude<DataPlaneVerdict, "unreachable">;
  readonly summary: string;
  readonly rollout: DataPlaneRollout;
  readonly flags: readonly KubeProxyFlagCheck[];
  readonly nodes: readonly NodeDataPlaneResult[];
  readonly mismatches: readonly DataPlaneMismatch[];
}

/** Rollout progress, counted over the Linux nodes. */
export interface DataPlaneRollout {
  /** kubectl's rollout-status message for the DaemonSet (or why there is none). */
  readonly message: string;
  /** The DaemonSet as observed; absent when it does not exist. */
  readonly daemonSet?: Omit<DaemonSetObservation, "argv">;
  /** Linux nodes whose kube-proxy runs the desired flags, is Ready, and (when checked) answers the desired mode. */
  readonly convergedNodes: number;
  /** Linux nodes (those that run a kube-proxy pod). */
  readonly totalNodes: number;
}

/**
 * kubectl's rollout-status rule for a DaemonSet: done, or the message it prints while waiting.
 * @param ds - the DaemonSet
 */
export function daemonSetRolloutStatus(ds: DaemonSetObservation): { done: boolean; message: string } {
  if (ds.updateStrategy !== "RollingUpdate") return { done: true, message: `rollout status is only available for the RollingUpdate strategy type (it is ${ds.updateStrategy || "unset"})` };
  if (ds.generation > ds.observedGeneration) return { done: false, message: "Waiting for daemon set spec update to be observed..." };
  if (ds.updatedNumberScheduled < ds.desiredNumberScheduled) {
    return { done: false, message: `Waiting for daemon set "kube-proxy" rollout to finish: ${ds.updatedNumberScheduled} out of ${ds.desiredNumberScheduled} new pods have been updated...` };
  }
  if (ds.numberAvailable < ds.desiredNumberScheduled) {
    return { done: false, message: `Waiting for daemon set "kube-proxy" rollout to finish: ${ds.numberAvailable} of ${ds.desiredNumberScheduled} updated pods are available...` };
  }
  return { done: true, message: `daemon set "kube-proxy" successfully rolled out` };
}

/**
 * Decides the verdict from one observation: `mismatch` when the DaemonSet renders other flags than the desired settings
 * (e.g. NFTABLES on Kubernetes < 1.33 stays iptables), when a finished rollout left a node with other flags, or when a
 * node with the desired flags answers another `/proxyMode`; `rolling-out` while kubectl's rule says the rollout is not
 * done or a node's pod is not updated or Ready yet; else `converged`. Windows nodes are skipped.
 * @param expected - from `expectedKubeProxyFlags`
 * @param observation - what the API server showed
 */
export function assessDataPlane(expected: ExpectedKubeProxyFlags, observation: DataPlaneObservation): DataPlaneAssessment {
  const { daemonSet } = observation;
  const linux = observation.nodes.filter((n) => n.os.toLowerCase() !== "windows");
  const skipped: NodeDataPlaneResult[] = observation.nodes
    .filter((n) => n.os.toLowerCase() === "windows")
    .map((n) => ({ name: n.name, os: n.os, ...(n.pool !== undefined ? { pool: n.pool } : {}), state: "skipped", reason: "Windows nodes run kube-proxy as a host service; out of scope" }));

  if (!expected.enabled) {
    const nodes: NodeDataPlaneResult[] = [...linux.map((n) => ({ name: n.name, os: n.os, ...(n.pool !== undefined ? { pool: n.pool } : {}), state: (daemonSet ? "mismatch" : "converged") as NodeDataPlaneState })), ...skipped];
    const rollout: DataPlaneRollout = { message: daemonSet ? "the kube-proxy DaemonSet still exists" : "no kube-proxy DaemonSet (kube-proxy disabled)", convergedNodes: daemonSet ? 0 : linux.length, totalNodes: linux.length, ...(daemonSet ? { daemonSet: stripArgv(daemonSet) } : {}) };
    if (daemonSet) {
      return { verdict: "mismatch", summary: "kube-proxy is disabled in Azure but DaemonSet kube-system/kube-proxy still exists", rollout, flags: [], nodes, mismatches: [{ field: "enabled", expected: "false (no DaemonSet)", found: "DaemonSet kube-system/kube-proxy exists" }] };
    }
    return { verdict: "converged", summary: "kube-proxy is disabled and DaemonSet kube-system/kube-proxy is absent", rollout, flags: [], nodes, mismatches: [] };
  }

  if (!daemonSet) {
    const nodes: NodeDataPlaneResult[] = [...linux.map((n) => ({ name: n.name, os: n.os, ...(n.pool !== undefined ? { pool: n.pool } : {}), state: "mismatch" as const, reason: "no kube-proxy DaemonSet" })), ...skipped];
    return {
      verdict: "mismatch",
      summary: "DaemonSet kube-system/kube-proxy does not exist, but kube-proxy is enabled in Azure",
      rollout: { message: "no kube-proxy DaemonSet", convergedNodes: 0, totalNodes: linux.length },
      flags: [],
      nodes,
      mismatches: [{ field: "enabled", expected: "true (DaemonSet kube-system/kube-proxy)", found: "no DaemonSet" }],
    };
  }

  const status = daemonSetRolloutStatus(daemonSet);
  const flags = compareKubeProxyFlags(expected, parseKubeProxyArgs(daemonSet.argv));
  const mismatches: DataPlaneMismatch[] = flags.filter((f) => !f.ok).map((f) => ({ field: f.field, expected: `${f.flag}=${f.expected}`, found: f.rendered === undefined ? undefined : `${f.flag}=${f.rendered}` }));
  const templateMatches = mismatches.length === 0;
  const podsByNode = new Map<string, PodObservation[]>();
  for (const pod of observation.pods) podsByNode.set(pod.nodeName, [...(podsByNode.get(pod.nodeName) ?? []), pod]);

  const nodes: NodeDataPlaneResult[] = [];
  for (const node of linux) {
    const base = { name: node.name, os: node.os, ...(node.pool !== undefined ? { pool: node.pool } : {}) };
    const pods = podsByNode.get(node.name) ?? [];
    // While a pod is replaced two may exist for a moment; the one with the desired flags and Ready counts.
    const checked = pods.map((pod) => ({ pod, flags: compareKubeProxyFlags(expected, parseKubeProxyArgs(pod.argv)) }));
    const best = checked.find((c) => c.flags.every((f) => f.ok) && c.pod.ready) ?? checked.find((c) => c.flags.every((f) => f.ok)) ?? checked[0];
    const answer = observation.proxyModes.get(node.name);
    const proxyMode = answer?.mode !== undefined ? { proxyMode: answer.mode } : {};
    if (!best) {
      nodes.push({ ...base, state: status.done ? "mismatch" : "pending", reason: "no kube-proxy pod on this node", ...proxyMode });
      if (status.done) mismatches.push({ node: node.name, field: "pod", expected: "a kube-proxy pod", found: undefined });
      continue;
    }
    const podFlagsMatch = best.flags.every((f) => f.ok);
    const podInfo = { pod: best.pod.name, podFlagsMatch, podReady: best.pod.ready, ...proxyMode };
    if (!podFlagsMatch) {
      const wrong = best.flags.filter((f) => !f.ok);
      const what = wrong.map((f) => `${f.flag}=${f.rendered ?? "(absent)"}`).join(", ");
      // The template itself is wrong: every node shows that; report it once, on the DaemonSet.
      if (status.done && templateMatches) {
        nodes.push({ ...base, state: "mismatch", ...podInfo, reason: `its kube-proxy pod runs ${what} after the rollout finished` });
        for (const f of wrong) mismatches.push({ node: node.name, field: f.field, expected: `${f.flag}=${f.expected}`, found: f.rendered === undefined ? undefined : `${f.flag}=${f.rendered}` });
      } else {
        nodes.push({ ...base, state: templateMatches ? "pending" : "mismatch", ...podInfo, reason: templateMatches ? `its kube-proxy pod still runs ${what}` : `the DaemonSet renders ${what}` });
      }
      continue;
    }
    if (!best.pod.ready) {
      nodes.push({ ...base, state: "pending", ...podInfo, reason: "its kube-proxy pod has the desired flags but is not Ready" });
      continue;
    }
    if (answer === undefined) {
      nodes.push({ ...base, state: "not-checked", ...podInfo, reason: "beyond the /proxyMode sample bound; its pod flags match" });
      continue;
    }
    if (answer.mode === undefined) {
      nodes.push({ ...base, state: "pending", ...podInfo, reason: `/proxyMode did not answer: ${answer.error ?? "no answer"}` });
      continue;
    }
    if (answer.mode.toLowerCase() !== expected.proxyMode) {
      nodes.push({ ...base, state: "mismatch", ...podInfo, reason: `/proxyMode answers ${answer.mode}, its flags say ${expected.proxyMode}` });
      mismatches.push({ node: node.name, field: "proxyMode", expected: expected.proxyMode, found: answer.mode });
      continue;
    }
    nodes.push({ ...base, state: "converged", ...podInfo });
  }
  nodes.push(...skipped);

  const convergedNodes = nodes.filter((n) => n.state === "converged" || n.state === "not-checked").length;
  const rollout: DataPlaneRollout = { message: status.message, daemonSet: stripArgv(daemonSet), convergedNodes, totalNodes: linux.length };
  const progress = `kube-proxy rollout ${convergedNodes}/${linux.length} nodes`;
  if (mismatches.length > 0) {
    const where = [...new Set(mismatches.map((m) => m.node ?? "DaemonSet kube-system/kube-proxy"))].join(", ");
    const first = mismatches[0] as DataPlaneMismatch;
    return { verdict: "mismatch", summary: `${where}: ${first.field} is ${first.found ?? "absent"}, expected ${first.expected}`, rollout, flags, nodes, mismatches };
  }
  const pending = nodes.filter((n) => n.state === "pending");
  if (!status.done || pending.length > 0) {
    return { verdict: "rolling-out", summary: `${progress}; ${status.done ? `waiting for ${pending.map((n) => n.name).join(", ")}` : status.message}`, rollout, flags, nodes, mismatches };
  }
  return { verdict: "converged", summary: `${progress}: every checked node runs ${expected.proxyMode}`, rollout, flags, nodes, mismatches };
}

function stripArgv(ds: DaemonSetObservation): Omit<DaemonSetObservation, "argv"> {
  const { argv: _argv, ...rest } = ds;
  void _argv;
  return rest;
}
