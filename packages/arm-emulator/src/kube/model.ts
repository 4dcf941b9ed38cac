/**
 * The data plane of every emulated cluster: its nodes (from the agent pools), the DaemonSet kube-system/kube-proxy
 * whose command is rendered from kubeProxyConfig when an ARM operation SUCCEEDS (never before, never on a failed
 * operation, never on out-of-band drift), and the pods it rolls out node by node (RollingUpdate, maxUnavailable 1:
 * one node at a time, `kubeProxyRolloutPerNodeMs` each). Time is evaluated lazily from timestamps on the store's
 * clock, as the rest of the emulator does: no timers.
 */
import { createHash, randomUUID } from "node:crypto";
import { isObject } from "../http";
import { clusterFacts, storedKubeProxyConfig, type ClusterRecord } from "../state/clusters";
import type { OperationRecord } from "../state/operations";
import type { EmulatorStore } from "../state/store";
import { dataPlaneKey, type KubeFaultRegistry } from "./faults";
import { proxyModeOf, renderKubeProxyCommand } from "./render";
import type { KubeClusterState, KubeNodeState } from "./types";

/** A kube-proxy pod. `readyAtMs` undefined: never Ready (a stalled rollout). */
export interface PodRecord {
  name: string;
  uid: string;
  templateGeneration: number;
  command: string[];
  createdAtMs: number;
  readyAtMs: number | undefined;
}

/** A node of an agent pool. */
export interface NodeRecord {
  name: string;
  uid: string;
  pool: string;
  os: "linux" | "windows";
  mode: string;
  vmSize: string;
  kubernetesVersion: string;
  internalIp: string;
  createdAtMs: number;
  pod?: PodRecord;
}

/** The DaemonSet kube-system/kube-proxy and its rollout. */
export interface DaemonSetRecord {
  uid: string;
  generation: number;
  command: string[];
  createdAtMs: number;
  rollout?: {
    /** Nodes still to update, in the order the controller takes them. */
    queue: string[];
    /** When the next node's pod replacement may start (the previous new pod's Ready time). */
    nextStartMs: number;
    /** Nodes updated by this rollout so far (for the stall fault). */
    updated: number;
    /** A pod that never gets Ready holds the rollout. */
    stalled: boolean;
  };
}

/** One cluster's data plane. */
export interface ClusterData {
  key: string;
  nodes: Map<string, NodeRecord>;
  daemonSet?: DaemonSetRecord;
  /** Bumped on every change (resourceVersion of lists and objects). */
  resourceVersion: number;
  /** The last time the rollout was evaluated. */
  advancedToMs: number;
  createdAtMs: number;
}

/** The rollout time per node when `timings.kubeProxyRolloutPerNodeMs` is not given. */
export const DEFAULT_KUBE_PROXY_ROLLOUT_PER_NODE_MS = 30;

const POD_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

function podName(): string {
  const bytes = randomUUID().replace(/-/g, "");
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += POD_NAME_ALPHABET[Number.parseInt(bytes.slice(i * 2, i * 2 + 2), 16) % POD_NAME_ALPHABET.length];
  return `kube-proxy-${suffix}`;
}

/** The cluster facts the data plane is built from. */
export function clusterDataFacts(raw: Record<string, unknown>): {
  kubernetesVersion: string;
  kubeProxyConfig: unknown;
  /** `networkProfile.networkDataplane` (`cilium`: Cilium replaces kube-proxy, no DaemonSet). */
  networkDataplane: string | undefined;
  clusterCidr: string;
  pools: { name: string; count: number; os: "linux" | "windows"; mode: string; vmSize: string; version: string }[];
} {
  const props = isObject(raw.properties) ? raw.properties : {};
  const net = isObject(props.networkProfile) ? props.networkProfile : {};
  const { kubernetesVersion, networkDataplane } = clusterFacts(raw);
  const pools = (Array.isArray(props.agentPoolProfiles) ? props.agentPoolProfiles : []).filter(isObject).map((p, i) => ({
    name: typeof p.name === "string" ? p.name : `nodepool${i + 1}`,
    count: typeof p.count === "number" && Number.isInteger(p.count) ? Math.min(Math.max(p.count, 0), 1000) : 3,
    os: (String(p.osType ?? "Linux").toLowerCase() === "windows" ? "windows" : "linux") as "linux" | "windows",
    mode: typeof p.mode === "string" ? p.mode : "User",
    vmSize: typeof p.vmSize === "string" ? p.vmSize : "Standard_DS2_v2",
    version: typeof p.currentOrchestratorVersion === "string" ? p.currentOrchestratorVersion : kubernetesVersion,
  }));
  const clusterCidr = typeof net.podCidr === "string" ? net.podCidr : "10.224.0.0/12";
  return { kubernetesVersion, kubeProxyConfig: storedKubeProxyConfig(raw), networkDataplane, clusterCidr, pools };
}

/** Node names as AKS gives them: `aks-<pool>-<8 digits>-vmss<6 base-36 digits>` (Linux), `aks<pool><6 digits>` (Windows). */
export function nodeName(clusterId: string, pool: string, os: "linux" | "windows", index: number): string {
  if (os === "windows") return `aks${pool}${String(index).padStart(6, "0")}`.toLowerCase();
  const digits = (Number.parseInt(createHash("sha256").update(`${clusterId.toLowerCase()}/${pool}`).digest("hex").slice(0, 8), 16) % 100_000_000).toString().padStart(8, "0");
  return `aks-${pool}-${digits}-vmss${index.toString(36).padStart(6, "0")}`.toLowerCase();
}

/** Keeps every cluster's data plane and evaluates it at the store's clock. */
export class KubeModel {
  private readonly clusters = new Map<string, ClusterData>();

  constructor(
    private readonly store: EmulatorStore,
    private readonly faults: KubeFaultRegistry,
  ) {}

  /** Hooks the store: seeds and successful operations render, deletions remove, a reset clears. */
  attach(): void {
    this.store.hooks = {
      resetting: () => this.clusters.clear(),
      clusterSeeded: (record) => this.build(record, this.store.now(), true),
      operationEnded: (record, op, endMs, succeeded) => this.operationEnded(record, op, endMs, succeeded),
      clusterRemoved: (subscriptionId, record) => this.clusters.delete(dataPlaneKey(subscriptionId, record.resourceGroup, record.name)),
    };
    for (const sub of this.store.subscriptions.values()) {
      for (const record of sub.clusters.values()) if (!record.operationId) this.build(record, this.store.now(), true);
    }
  }

  /** The data plane of a cluster at `now` (undefined while the cluster is being created). */
  get(record: ClusterRecord): ClusterData | undefined {
    this.store.tick();
    const data = this.clusters.get(dataPlaneKey(record.subscriptionId, record.resourceGroup, record.name));
    if (data) this.advance(data, this.store.now());
    return data;
  }

  /** Summary for the control surface. */
  summary(record: ClusterRecord, server: string): KubeClusterState | undefined {
    const data = this.get(record);
    if (!data) return undefined;
    const now = this.store.now();
    const nodes: KubeNodeState[] = [...data.nodes.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((n) => {
        const answer = this.proxyMode(data, n, now);
        return {
          name: n.name,
          pool: n.pool,
          os: n.os,
          ...(n.pod ? { pod: { name: n.pod.name, templateGeneration: n.pod.templateGeneration, command: [...n.pod.command], ready: podReady(n.pod, now) } } : {}),
          ...(answer.ok ? { proxyMode: answer.mode } : {}),
        };
      });
    const ds = data.daemonSet;
    return { server, ...(ds ? { daemonSet: { ...daemonSetStatus(data, now), generation: ds.generation, command: [...ds.command] } } : {}), nodes };
  }

  /** What the node's `/proxyMode` answers now, or why it cannot. */
  proxyMode(data: ClusterData, node: NodeRecord, now: number): { ok: true; mode: string } | { ok: false; reason: string } {
    const unreachable = `dial tcp ${node.internalIp}:10249: connect: connection refused`;
    if (node.os === "windows" || !node.pod) return { ok: false, reason: unreachable };
    if (!podReady(node.pod, now)) return { ok: false, reason: unreachable };
    const mismatch = this.faults.of(data.key, "kube-proxy-mode-mismatch").find((f) => (f.node ?? firstLinuxNode(data)) === node.name);
    return { ok: true, mode: mismatch ? mismatch.mode : proxyModeOf(node.pod.command) };
  }

  private operationEnded(record: ClusterRecord, op: OperationRecord, endMs: number, succeeded: boolean): void {
    if (!succeeded || op.kind === "delete") return;
    const key = dataPlaneKey(record.subscriptionId, record.resourceGroup, record.name);
    const existing = this.clusters.get(key);
    if (!existing) {
      this.build(record, endMs, false);
      return;
    }
    const at = Math.max(endMs, existing.advancedToMs);
    this.advance(existing, at);
    this.render(existing, record, at);
  }

  /** A fresh data plane: `settled` = pods Ready already (seeds), else Ready one per-node time after `at`. */
  private build(record: ClusterRecord, at: number, settled: boolean): void {
    const key = dataPlaneKey(record.subscriptionId, record.resourceGroup, record.name);
    const data: ClusterData = { key, nodes: new Map(), resourceVersion: 1, advancedToMs: at, createdAtMs: at };
    this.clusters.set(key, data);
    this.render(data, record, at, settled);
  }

  /** Brings nodes and the DaemonSet to the cluster's settings at `at`. */
  private render(data: ClusterData, record: ClusterRecord, at: number, settled = false): void {
    const facts = clusterDataFacts(record.raw);
    const perNode = Math.max(0, this.store.timings.kubeProxyRolloutPerNodeMs ?? DEFAULT_KUBE_PROXY_ROLLOUT_PER_NODE_MS);
    const readyAt = settled ? at : at + perNode;
    const clusterId = typeof record.raw.id === "string" ? record.raw.id : data.key;
    // Nodes follow the agent pools.
    const wanted = new Map<string, Omit<NodeRecord, "uid" | "internalIp" | "createdAtMs">>();
    for (const pool of facts.pools) {
      for (let i = 0; i < pool.count; i++) {
        const name = nodeName(clusterId, pool.name, pool.os, i);
        wanted.set(name, { name, pool: pool.name, os: pool.os, mode: pool.mode, vmSize: pool.vmSize, kubernetesVersion: pool.version });
      }
    }
    for (const name of [...data.nodes.keys()]) if (!wanted.has(name)) data.nodes.delete(name);
    let index = data.nodes.size;
    for (const [name, node] of wanted) {
      const existing = data.nodes.get(name);
      if (existing) {
        existing.kubernetesVersion = node.kubernetesVersion;
        continue;
      }
      index++;
      data.nodes.set(name, { ...node, uid: randomUUID(), internalIp: `10.224.${Math.floor((index + 3) / 250)}.${((index + 3) % 250) + 4}`, createdAtMs: at });
    }
    const command = renderKubeProxyCommand({ kubeProxyConfig: facts.kubeProxyConfig, kubernetesVersion: facts.kubernetesVersion, networkDataplane: facts.networkDataplane, clusterCidr: facts.clusterCidr });
    const linux = [...data.nodes.values()].filter((n) => n.os === "linux").sort((a, b) => a.name.localeCompare(b.name));
    if (!command) {
      // enabled: false — the DaemonSet and its pods are gone.
      data.daemonSet = undefined;
      for (const node of data.nodes.values()) node.pod = undefined;
    } else if (!data.daemonSet) {
      // A new DaemonSet creates every pod at once.
      data.daemonSet = { uid: randomUUID(), generation: 1, command, createdAtMs: at };
      for (const node of linux) node.pod = newPod(1, command, at, readyAt);
    } else {
      const ds = data.daemonSet;
      if (!sameCommand(ds.command, command)) {
        ds.generation += 1;
        ds.command = command;
        ds.rollout = { queue: linux.filter((n) => n.pod?.templateGeneration !== ds.generation).map((n) => n.name), nextStartMs: at, updated: 0, stalled: false };
      }
      // Nodes added by a scale-out get the current pod.
      for (const node of linux) if (!node.pod) node.pod = newPod(ds.generation, ds.command, at, readyAt);
    }
    for (const node of data.nodes.values()) if (node.os === "windows") node.pod = undefined;
    data.resourceVersion += 1;
    this.advance(data, at);
  }

  /** Replaces pods whose turn has come by `now` (one node at a time, each Ready `kubeProxyRolloutPerNodeMs` later). */
  private advance(data: ClusterData, now: number): void {
    data.advancedToMs = Math.max(data.advancedToMs, now);
    const ds = data.daemonSet;
    const rollout = ds?.rollout;
    if (!ds || !rollout) return;
    const perNode = Math.max(0, this.store.timings.kubeProxyRolloutPerNodeMs ?? DEFAULT_KUBE_PROXY_ROLLOUT_PER_NODE_MS);
    const stuck = new Set(this.faults.of(data.key, "kube-node-stuck").map((f) => f.node ?? firstLinuxNode(data)));
    const stall = this.faults.of(data.key, "kube-rollout-stall").map((f) => f.afterNodes ?? 0);
    const stallAt = stall.length > 0 ? Math.min(...stall) : undefined;
    if (rollout.stalled) {
      if (stallAt !== undefined) return;
      // The stall fault was cleared: the held pod gets Ready one step from now and the rollout goes on.
      for (const node of data.nodes.values()) {
        if (node.pod && node.pod.readyAtMs === undefined) {
          node.pod.readyAtMs = now + perNode;
          rollout.nextStartMs = now + perNode;
          rollout.updated += 1;
        }
      }
      rollout.stalled = false;
      data.resourceVersion += 1;
    }
    const skipped: string[] = [];
    while (rollout.queue.length > 0 && rollout.nextStartMs <= now) {
      const name = rollout.queue.shift() as string;
      const node = data.nodes.get(name);
      if (!node || node.os !== "linux" || node.pod?.templateGeneration === ds.generation) continue;
      if (stuck.has(name)) {
        // The node never takes the new pod; the controller moves on and comes back to it later.
        skipped.push(name);
        continue;
      }
      if (stallAt !== undefined && rollout.updated >= stallAt) {
        node.pod = newPod(ds.generation, ds.command, rollout.nextStartMs, undefined);
        rollout.stalled = true;
        data.resourceVersion += 1;
        break;
      }
      node.pod = newPod(ds.generation, ds.command, rollout.nextStartMs, rollout.nextStartMs + perNode);
      rollout.nextStartMs += perNode;
      rollout.updated += 1;
      data.resourceVersion += 1;
    }
    rollout.queue.push(...skipped);
    if (rollout.queue.length === 0 && !rollout.stalled) ds.rollout = undefined;
  }
}

function newPod(generation: number, command: string[], createdAtMs: number, readyAtMs: number | undefined): PodRecord {
  return { name: podName(), uid: randomUUID(), templateGeneration: generation, command: [...command], createdAtMs, readyAtMs };
}

function sameCommand(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Whether a pod is Ready at `now`. */
export function podReady(pod: PodRecord, now: number): boolean {
  return pod.readyAtMs !== undefined && now >= pod.readyAtMs;
}

/** The node a fault without `node` hits: the first Linux node by name. */
export function firstLinuxNode(data: ClusterData): string | undefined {
  return [...data.nodes.values()].filter((n) => n.os === "linux").map((n) => n.name).sort()[0];
}

/** The DaemonSet's status counters at `now` (kubectl's rollout-status inputs). */
export function daemonSetStatus(data: ClusterData, now: number): {
  observedGeneration: number;
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  updatedNumberScheduled: number;
  numberReady: number;
  numberAvailable: number;
  numberUnavailable: number;
  numberMisscheduled: number;
} {
  const ds = data.daemonSet;
  const pods = [...data.nodes.values()].filter((n) => n.os === "linux" && n.pod).map((n) => n.pod as PodRecord);
  const desired = [...data.nodes.values()].filter((n) => n.os === "linux").length;
  const ready = pods.filter((p) => podReady(p, now)).length;
  return {
    observedGeneration: ds?.generation ?? 0,
    desiredNumberScheduled: desired,
    currentNumberScheduled: pods.length,
    updatedNumberScheduled: pods.filter((p) => p.templateGeneration === ds?.generation).length,
    numberReady: ready,
    numberAvailable: ready,
    numberUnavailable: desired - ready,
    numberMisscheduled: 0,
  };
}
