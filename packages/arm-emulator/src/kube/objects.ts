/**
 * Kubernetes-shaped JSON of the served objects (Node, Pod, DaemonSet, Namespace, lists, Status, discovery), as the
 * API server returns them (core/v1, apps/v1).
 */
import type { ClusterData, NodeRecord, PodRecord } from "./model";
import { daemonSetStatus, podReady } from "./model";

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A `Status` error. */
export function status(code: number, reason: string, message: string, details?: { name?: string; group?: string; kind?: string }): { status: number; body: Record<string, unknown> } {
  return {
    status: code,
    body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code },
  };
}

/** Labels of a node (the ones AKS sets that clients select on). */
export function nodeLabels(node: NodeRecord, region: string): Record<string, string> {
  return {
    agentpool: node.pool,
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": node.os,
    "kubernetes.azure.com/agentpool": node.pool,
    "kubernetes.azure.com/mode": node.mode.toLowerCase(),
    "kubernetes.azure.com/role": "agent",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": node.name,
    "kubernetes.io/os": node.os,
    "kubernetes.io/role": "agent",
    "node.kubernetes.io/instance-type": node.vmSize,
    "topology.kubernetes.io/region": region,
  };
}

/** A core/v1 Node. */
export function nodeObject(data: ClusterData, node: NodeRecord, region: string): Record<string, unknown> {
  const version = `v${node.kubernetesVersion}`;
  return {
    kind: "Node",
    apiVersion: "v1",
    metadata: { name: node.name, uid: node.uid, resourceVersion: String(data.resourceVersion), creationTimestamp: iso(node.createdAtMs), labels: nodeLabels(node, region), annotations: { "node.alpha.kubernetes.io/ttl": "0" } },
    spec: { providerID: `azure:///subscriptions/emulated/resourceGroups/mc/providers/Microsoft.Compute/virtualMachineScaleSets/${node.pool}/virtualMachines/${node.name}` },
    status: {
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: iso(node.createdAtMs), lastTransitionTime: iso(node.createdAtMs) }],
      addresses: [
        { type: "InternalIP", address: node.internalIp },
        { type: "Hostname", address: node.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: "amd64",
        bootID: node.uid,
        machineID: node.uid.replace(/-/g, ""),
        systemUUID: node.uid,
        operatingSystem: node.os,
        osImage: node.os === "windows" ? "Windows Server 2022 Datacenter" : "Ubuntu 22.04.5 LTS",
        kernelVersion: node.os === "windows" ? "10.0.20348.3207" : "5.15.0-1089-azure",
        containerRuntimeVersion: "containerd://1.7.27-1",
        kubeletVersion: version,
        kubeProxyVersion: version,
      },
    },
  };
}

/** The DaemonSet's pod template labels (also the pods'). */
export const KUBE_PROXY_LABELS = { component: "kube-proxy", tier: "node" };

function revisionHash(generation: number): string {
  return `${(0x5c7d9f00 + generation * 7919).toString(16).slice(0, 8)}`;
}

/** A core/v1 Pod of kube-proxy. */
export function podObject(data: ClusterData, node: NodeRecord, pod: PodRecord, now: number): Record<string, unknown> {
  const ready = podReady(pod, now);
  const ds = data.daemonSet;
  return {
    kind: "Pod",
    apiVersion: "v1",
    metadata: {
      name: pod.name,
      generateName: "kube-proxy-",
      namespace: "kube-system",
      uid: pod.uid,
      resourceVersion: String(data.resourceVersion),
      creationTimestamp: iso(pod.createdAtMs),
      labels: { ...KUBE_PROXY_LABELS, "controller-revision-hash": revisionHash(pod.templateGeneration), "pod-template-generation": String(pod.templateGeneration) },
      ownerReferences: ds ? [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "kube-proxy", uid: ds.uid, controller: true, blockOwnerDeletion: true }] : [],
    },
    spec: {
      nodeName: node.name,
      hostNetwork: true,
      priorityClassName: "system-node-critical",
      nodeSelector: { "kubernetes.io/os": "linux" },
      containers: [{ name: "kube-proxy", image: `mcr.microsoft.com/oss/v2/kubernetes/kube-proxy:v${node.kubernetesVersion}`, command: [...pod.command], securityContext: { privileged: true } }],
    },
    status: {
      phase: "Running",
      hostIP: node.internalIp,
      podIP: node.internalIp,
      startTime: iso(pod.createdAtMs),
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: iso(pod.createdAtMs) },
        { type: "Initialized", status: "True", lastTransitionTime: iso(pod.createdAtMs) },
        { type: "ContainersReady", status: ready ? "True" : "False", lastTransitionTime: iso(pod.readyAtMs ?? pod.createdAtMs) },
        { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: iso(pod.readyAtMs ?? pod.createdAtMs) },
      ],
      containerStatuses: [
        {
          name: "kube-proxy",
          ready,
          started: ready,
          restartCount: pod.readyAtMs === undefined ? Math.max(1, Math.floor((now - pod.createdAtMs) / 10_000)) : 0,
          image: `mcr.microsoft.com/oss/v2/kubernetes/kube-proxy:v${node.kubernetesVersion}`,
          imageID: `mcr.microsoft.com/oss/v2/kubernetes/kube-proxy@sha256:${"0".repeat(64)}`,
          containerID: `containerd://${pod.uid.replace(/-/g, "")}`,
          state: ready ? { running: { startedAt: iso(pod.createdAtMs) } } : pod.readyAtMs === undefined ? { waiting: { reason: "CrashLoopBackOff" } } : { waiting: { reason: "ContainerCreating" } },
        },
      ],
    },
  };
}

/** The apps/v1 DaemonSet kube-system/kube-proxy. */
export function daemonSetObject(data: ClusterData, now: number): Record<string, unknown> | undefined {
  const ds = data.daemonSet;
  if (!ds) return undefined;
  return {
    kind: "DaemonSet",
    apiVersion: "apps/v1",
    metadata: {
      name: "kube-proxy",
      namespace: "kube-system",
      uid: ds.uid,
      generation: ds.generation,
      resourceVersion: String(data.resourceVersion),
      creationTimestamp: iso(ds.createdAtMs),
      labels: { "addonmanager.kubernetes.io/mode": "Reconcile", component: "kube-proxy", tier: "node" },
      annotations: { "deprecated.daemonset.template.generation": String(ds.generation) },
    },
    spec: {
      selector: { matchLabels: { ...KUBE_PROXY_LABELS } },
      template: {
        metadata: { labels: { ...KUBE_PROXY_LABELS } },
        spec: {
          hostNetwork: true,
          priorityClassName: "system-node-critical",
          nodeSelector: { "kubernetes.io/os": "linux" },
          containers: [{ name: "kube-proxy", image: "mcr.microsoft.com/oss/v2/kubernetes/kube-proxy", command: [...ds.command], securityContext: { privileged: true } }],
        },
      },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
    status: daemonSetStatus(data, now),
  };
}

/** A list object. */
export function list(kind: string, apiVersion: string, resourceVersion: number, items: Record<string, unknown>[]): Record<string, unknown> {
  return { kind, apiVersion, metadata: { resourceVersion: String(resourceVersion) }, items };
}

/** The namespaces an AKS cluster starts with. */
export const NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

/** A core/v1 Namespace. */
export function namespaceObject(name: string, createdAtMs: number): Record<string, unknown> {
  return { kind: "Namespace", apiVersion: "v1", metadata: { name, uid: `ns-${name}`, resourceVersion: "1", creationTimestamp: iso(createdAtMs), labels: { "kubernetes.io/metadata.name": name } }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } };
}

const verbs = ["get", "list"];

/** `/api/v1` resource list. */
export function coreResources(): Record<string, unknown> {
  return {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [
      { name: "namespaces", singularName: "namespace", namespaced: false, kind: "Namespace", verbs, shortNames: ["ns"] },
      { name: "nodes", singularName: "node", namespaced: false, kind: "Node", verbs, shortNames: ["no"] },
      { name: "nodes/proxy", singularName: "", namespaced: false, kind: "NodeProxyOptions", verbs: ["get"] },
      { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", verbs, shortNames: ["po"], categories: ["all"] },
    ],
  };
}

/** `/apis/apps/v1` resource list. */
export function appsResources(): Record<string, unknown> {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: "apps/v1",
    resources: [
      { name: "daemonsets", singularName: "daemonset", namespaced: true, kind: "DaemonSet", verbs, shortNames: ["ds"], categories: ["all"] },
      { name: "daemonsets/status", singularName: "", namespaced: true, kind: "DaemonSet", verbs: ["get"] },
    ],
  };
}

/** The apps group. */
export function appsGroup(): Record<string, unknown> {
  return { kind: "APIGroup", apiVersion: "v1", name: "apps", versions: [{ groupVersion: "apps/v1", version: "v1" }], preferredVersion: { groupVersion: "apps/v1", version: "v1" } };
}
