/**
 * Public types of the emulated Kubernetes API (issue 18): node pools to seed, faults of the data plane, and the
 * summary a test reads through the control surface.
 */

/** The AKS server application (Microsoft Entra) whose tokens an Entra-integrated cluster's API server accepts. */
export const AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

/** One agent pool of a seeded cluster (rendered into `properties.agentPoolProfiles`; its nodes follow it). */
export interface AgentPoolSeed {
  name: string;
  /** @default 3 */
  count?: number;
  /** Windows pools run kube-proxy as a host service: no kube-proxy pod. @default "Linux" */
  osType?: "Linux" | "Windows";
  /** @default "System" for the first pool, else "User" */
  mode?: "System" | "User";
  /** @default "Standard_DS2_v2" */
  vmSize?: string;
}

/** Which cluster a data-plane fault hits. */
export interface KubeClusterRef {
  /** @default the emulator's first subscription */
  subscriptionId?: string;
  resourceGroup: string;
  name: string;
}

/**
 * A fault of a cluster's data plane. Unlike ARM faults these are not consumed: each holds until `clearKubeFaults()`
 * (or `clearFaults()` / `reset()`). `node` is a node name; omitted = the first Linux node by name.
 */
export type KubeFaultSpec =
  /** The node never gets the new kube-proxy pod: its old pod keeps running (Ready) with the old flags. */
  | { kind: "kube-node-stuck"; cluster: KubeClusterRef; node?: string }
  /**
   * The rollout stops: after `afterNodes` nodes got their new pod, the next node's new pod never becomes Ready
   * (its `/proxyMode` fails with 503) and no further node is updated. Cleared: that pod gets Ready one rollout step
   * after the next read and the rollout goes on. @default afterNodes 0
   */
  | { kind: "kube-rollout-stall"; cluster: KubeClusterRef; afterNodes?: number }
  /** The node's `/proxyMode` answers `mode` whatever its flags say. */
  | { kind: "kube-proxy-mode-mismatch"; cluster: KubeClusterRef; node?: string; mode: string }
  /**
   * The API server cannot be reached (a private cluster seen from outside its network): `hang` accepts the
   * connection and never answers; `refuse` destroys the connection at once.
   */
  | { kind: "kube-unreachable"; cluster: KubeClusterRef; how: "hang" | "refuse" }
  /** 403 Forbidden (a Kubernetes `Status`) on `resource` for every caller. @default resource "nodes/proxy" */
  | { kind: "kube-forbidden"; cluster: KubeClusterRef; resource?: "nodes/proxy" | "nodes" | "pods" | "daemonsets" };

/** One node as the emulator's data plane sees it (for tests and the control API). */
export interface KubeNodeState {
  name: string;
  pool: string;
  os: "linux" | "windows";
  /** The kube-proxy pod on the node (Linux nodes while the DaemonSet exists). */
  pod?: { name: string; templateGeneration: number; command: string[]; ready: boolean };
  /** What `GET /api/v1/nodes/{name}:10249/proxy/proxyMode` answers now (undefined: it fails). */
  proxyMode?: string;
}

/** A cluster's data plane now (for tests and `GET /_emulator/kube/{sub}/{rg}/{name}`). */
export interface KubeClusterState {
  /** The cluster's own listener once a kubeconfig was handed out (its `server:`), else `kubeUrl/clusters/<fqdn>`. */
  server: string;
  /** The DaemonSet kube-system/kube-proxy, absent when kube-proxy is disabled or the cluster is still being created. */
  daemonSet?: {
    generation: number;
    observedGeneration: number;
    command: string[];
    desiredNumberScheduled: number;
    updatedNumberScheduled: number;
    numberAvailable: number;
    numberReady: number;
  };
  nodes: KubeNodeState[];
}
