/**
 * Data-plane faults ({@link KubeFaultSpec}): checked when added, held until cleared, looked up per cluster.
 */
import { ControlValueError } from "../controlValues";
import { isObject } from "../http";
import type { KubeFaultSpec } from "./types";

const KINDS = ["kube-node-stuck", "kube-rollout-stall", "kube-proxy-mode-mismatch", "kube-unreachable", "kube-forbidden"];
const RESOURCES = ["nodes/proxy", "nodes", "pods", "daemonsets"];
/** How many data-plane faults may be in force at once (beside the ARM faults' own cap). */
const MAX_KUBE_FAULTS = 1000;

/** Lower-cased `{subscriptionId}/{resourceGroup}/{name}` of a cluster (the data plane's key). */
export function dataPlaneKey(subscriptionId: string, resourceGroup: string, name: string): string {
  return `${subscriptionId}/${resourceGroup}/${name}`.toLowerCase();
}

function text(value: unknown, max: number): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= max;
}

/**
 * Checks a fault from a caller (control API or seed); throws a {@link ControlValueError} (code `InvalidControlValue`:
 * bad input) that says what is wrong. Returns a copy.
 */
export function checkKubeFault(fault: unknown): KubeFaultSpec {
  if (!isObject(fault) || typeof fault.kind !== "string" || !KINDS.includes(fault.kind)) {
    throw new ControlValueError("kind", `A data-plane fault needs "kind", one of ${KINDS.join(", ")}.`);
  }
  const cluster = fault.cluster;
  if (!isObject(cluster) || !text(cluster.resourceGroup, 90) || !text(cluster.name, 63) || (cluster.subscriptionId !== undefined && !text(cluster.subscriptionId, 64))) {
    throw new ControlValueError("cluster", `Fault ${fault.kind}: "cluster" must be { "subscriptionId"?: string, "resourceGroup": string, "name": string }.`);
  }
  if (fault.node !== undefined && !text(fault.node, 253)) throw new ControlValueError("node", `Fault ${fault.kind}: "node" must be a node name.`);
  switch (fault.kind) {
    case "kube-rollout-stall":
      if (fault.afterNodes !== undefined && !(typeof fault.afterNodes === "number" && Number.isInteger(fault.afterNodes) && fault.afterNodes >= 0 && fault.afterNodes <= 100_000)) {
        throw new ControlValueError("afterNodes", 'Fault kube-rollout-stall: "afterNodes" must be a whole number >= 0.');
      }
      break;
    case "kube-proxy-mode-mismatch":
      if (!text(fault.mode, 32)) throw new ControlValueError("mode", 'Fault kube-proxy-mode-mismatch: "mode" must be what /proxyMode answers, e.g. "iptables".');
      break;
    case "kube-unreachable":
      if (fault.how !== "hang" && fault.how !== "refuse") throw new ControlValueError("how", 'Fault kube-unreachable: "how" must be "hang" or "refuse".');
      break;
    case "kube-forbidden":
      if (fault.resource !== undefined && !RESOURCES.includes(String(fault.resource))) throw new ControlValueError("resource", `Fault kube-forbidden: "resource" must be one of ${RESOURCES.join(", ")}.`);
      break;
  }
  return JSON.parse(JSON.stringify(fault)) as KubeFaultSpec;
}

/** The data-plane faults in force. */
export class KubeFaultRegistry {
  private faults: { spec: KubeFaultSpec; key: string }[] = [];

  constructor(private readonly defaultSubscriptionId: () => string) {}

  /** Adds a checked fault. */
  add(fault: unknown): void {
    const spec = checkKubeFault(fault);
    if (this.faults.length >= MAX_KUBE_FAULTS) throw new Error(`At most ${MAX_KUBE_FAULTS} data-plane faults; clear them first.`);
    const c = spec.cluster;
    this.faults.push({ spec, key: dataPlaneKey(c.subscriptionId ?? this.defaultSubscriptionId(), c.resourceGroup, c.name) });
  }

  /** Removes every fault. */
  clear(): void {
    this.faults = [];
  }

  /** The faults of one kind on a cluster. */
  of<K extends KubeFaultSpec["kind"]>(key: string, kind: K): Extract<KubeFaultSpec, { kind: K }>[] {
    return this.faults.filter((f) => f.key === key && f.spec.kind === kind).map((f) => f.spec as Extract<KubeFaultSpec, { kind: K }>);
  }
}
