/**
 * Operation status (Azure-AsyncOperation) and operation result (DELETE's Location) resources.
 * Bodies as in the recordings; Retry-After while the operation runs.
 */
import { armError } from "../http";
import { viewCluster } from "../state/clusters";
import { operationResultPath, operationStatus, operationStatusJson } from "../state/operations";
import { apiVersionParam, type RequestContext, type RouteHandler } from "./context";

function missingApiVersion() {
  return armError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
}

function operationNotFound(id: string) {
  return armError(404, "NotFound", `Operation '${id}' was not found.`);
}

/**
 * The `Retry-After` of a running operation's answers: none when `timings.retryAfterSeconds` is 0 (the default), as in
 * the recordings (AKS sends none on PUT, DELETE or the operation status); a positive value sends it, for tests of
 * clients that honour it.
 */
export function retryAfterHeader(ctx: RequestContext): Record<string, string> {
  const seconds = ctx.store.timings.retryAfterSeconds;
  return seconds > 0 ? { "Retry-After": String(seconds) } : {};
}

/** GET .../locations/{region}/operations/{id} */
export const getOperationStatusRoute: RouteHandler = (ctx, sub, params) => {
  if (!apiVersionParam(ctx)) return missingApiVersion();
  const [, id = ""] = params;
  ctx.store.tick();
  const op = ctx.store.operations.get(id.toLowerCase()) ?? ctx.store.operations.get(id);
  if (!op || op.subscriptionId.toLowerCase() !== sub.id.toLowerCase()) return operationNotFound(id);
  const now = ctx.store.now();
  const status = operationStatus(op, now);
  return { status: 200, headers: status === "InProgress" ? retryAfterHeader(ctx) : {}, body: operationStatusJson(op, now) };
};

/** GET .../locations/{region}/operationresults/{id}: 202 while running, then the result. */
export const getOperationResultRoute: RouteHandler = (ctx, sub, params) => {
  if (!apiVersionParam(ctx)) return missingApiVersion();
  const [, id = ""] = params;
  ctx.store.tick();
  const op = ctx.store.operations.get(id.toLowerCase()) ?? ctx.store.operations.get(id);
  if (!op || op.subscriptionId.toLowerCase() !== sub.id.toLowerCase()) return operationNotFound(id);
  const status = operationStatus(op, ctx.store.now());
  if (status === "InProgress") {
    return {
      status: 202,
      headers: { Location: `${ctx.baseUrl}${operationResultPath(op)}?api-version=${apiVersionParam(ctx) ?? ""}`, ...retryAfterHeader(ctx) },
    };
  }
  if (status === "Failed") return armError(400, op.failure?.code ?? "OperationFailed", op.failure?.message ?? "The operation failed.");
  if (status === "Canceled") {
    return op.preemptedByDelete
      ? armError(409, "AKSOperationPreemptedByDelete", "The operation was preempted by a delete operation on the managed cluster.")
      : armError(409, "OperationCanceled", "The operation was canceled.");
  }
  if (op.kind === "delete") return { status: 204 };
  const cluster = sub.clusters.get(op.clusterKey);
  return cluster ? { status: 200, body: viewCluster(cluster.raw, undefined) } : { status: 204 };
};
