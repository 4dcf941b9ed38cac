/**
 * Long-running operations of managed clusters, as the recordings show them: an operation
 * status resource at /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{region}/operations/{id}
 * whose body is {name, status, startTime[, endTime][, error]}, `name` being the id with its
 * first three groups byte-swapped.
 */
import { armTimestamp, operationStatusName } from "../ids";

/** What the operation does to its cluster. */
export type OperationKind = "create" | "update" | "delete";

/** One operation. */
export interface OperationRecord {
  id: string;
  subscriptionId: string;
  location: string;
  clusterKey: string;
  kind: OperationKind;
  startMs: number;
  durationMs: number;
  /** Set when a fault makes the operation end Failed. */
  failure?: { code: string; message: string };
  /** Set when the operation was superseded (a DELETE during an update). */
  canceledAtMs?: number;
  /** Set when a DELETE preempted the operation: it ends Canceled with AKSOperationPreemptedByDelete. */
  preemptedByDelete?: boolean;
  /** The cluster has been brought to the operation's end state. */
  finalized: boolean;
}

/** Status value of an operation at `nowMs`. */
export function operationStatus(op: OperationRecord, nowMs: number): "InProgress" | "Succeeded" | "Failed" | "Canceled" {
  if (op.canceledAtMs !== undefined) return "Canceled";
  if (nowMs < op.startMs + op.durationMs) return "InProgress";
  return op.failure ? "Failed" : "Succeeded";
}

/** The operation-status body. */
export function operationStatusJson(op: OperationRecord, nowMs: number): Record<string, unknown> {
  const status = operationStatus(op, nowMs);
  const body: Record<string, unknown> = { name: operationStatusName(op.id), status, startTime: armTimestamp(op.startMs) };
  if (status !== "InProgress") body.endTime = armTimestamp(op.canceledAtMs ?? op.startMs + op.durationMs);
  if (status === "Failed" && op.failure) body.error = { code: op.failure.code, message: op.failure.message };
  if (status === "Canceled") {
    body.error = op.preemptedByDelete
      ? { code: "AKSOperationPreemptedByDelete", message: "The operation was preempted by a delete operation on the managed cluster." }
      : { code: "OperationCanceled", message: "The operation was canceled." };
  }
  return body;
}

/** Path of the status resource. */
export function operationPath(op: OperationRecord): string {
  return `/subscriptions/${op.subscriptionId}/providers/Microsoft.ContainerService/locations/${op.location}/operations/${op.id}`;
}

/** Path of the operation result resource (DELETE's Location). */
export function operationResultPath(op: OperationRecord): string {
  return `/subscriptions/${op.subscriptionId}/providers/Microsoft.ContainerService/locations/${op.location}/operationresults/${op.id}`;
}
