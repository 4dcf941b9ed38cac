/**
 * Cluster references: `{ resourceGroup, name }` (with an optional subscription) or a full resource id.
 * @packageDocumentation
 */
import { ValidationError } from "./errors";

/** A managed cluster, by resource group and name (subscription defaults to the client's) or by resource id. */
export type ClusterRef = { readonly subscriptionId?: string; readonly resourceGroup: string; readonly name: string } | { readonly id: string };

/** A fully resolved cluster reference. */
export interface ResolvedClusterRef {
  /** Subscription id. */
  readonly subscriptionId: string;
  /** Resource group name. */
  readonly resourceGroup: string;
  /** Cluster name. */
  readonly name: string;
}

const ID_PATTERN = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)\/?$/i;
const NAME_PATTERN = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/;
const RESOURCE_GROUP_PATTERN = /^[-\w._()]{1,90}$/u;

/**
 * Parses a managed cluster resource id
 * (`/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}`).
 * @param id - the resource id
 * @throws {@link ValidationError} when it is not a managed cluster id
 */
export function parseClusterId(id: string): ResolvedClusterRef {
  const match = typeof id === "string" ? ID_PATTERN.exec(id.trim()) : null;
  if (!match) {
    throw new ValidationError(
      `"${String(id)}" is not a managed cluster resource id. Expected /subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.ContainerService/managedClusters/{name} (az aks show --query id -o tsv prints it).`,
      [{ path: "id", message: "not a managed cluster resource id", found: id, allowed: "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}" }],
    );
  }
  const [, subscriptionId = "", resourceGroup = "", name = ""] = match;
  const ref = { subscriptionId: decodeURIComponent(subscriptionId), resourceGroup: decodeURIComponent(resourceGroup), name: decodeURIComponent(name) };
  validateNames(ref);
  return ref;
}

function validateNames(ref: ResolvedClusterRef): void {
  if (!NAME_PATTERN.test(ref.name)) {
    throw new ValidationError(`"${ref.name}" is not a valid managed cluster name (1-63 letters, digits, '-' or '_', starting and ending with a letter or digit).`, [
      { path: "name", message: "invalid cluster name", found: ref.name, allowed: NAME_PATTERN.source },
    ]);
  }
  if (!RESOURCE_GROUP_PATTERN.test(ref.resourceGroup) || ref.resourceGroup.endsWith(".")) {
    throw new ValidationError(`"${ref.resourceGroup}" is not a valid resource group name.`, [
      { path: "resourceGroup", message: "invalid resource group name", found: ref.resourceGroup, allowed: "1-90 letters, digits, '-', '_', '.', '(', ')', not ending with '.'" },
    ]);
  }
  if (!ref.subscriptionId || /[/?#\s]/.test(ref.subscriptionId)) {
    throw new ValidationError(`"${ref.subscriptionId}" is not a valid subscription id.`, [{ path: "subscriptionId", message: "invalid subscription id", found: ref.subscriptionId }]);
  }
}

/**
 * Resolves a {@link ClusterRef} against the client's default subscription.
 * @internal
 */
export function resolveClusterRef(ref: ClusterRef, defaultSubscriptionId: string): ResolvedClusterRef {
  if (typeof ref !== "object" || ref === null) {
    throw new ValidationError("A cluster reference is { resourceGroup, name } or { id }.", [{ path: "ref", message: "missing cluster reference", found: ref }]);
  }
  if ("id" in ref) return parseClusterId(ref.id);
  const resolved = { subscriptionId: ref.subscriptionId ?? defaultSubscriptionId, resourceGroup: ref.resourceGroup, name: ref.name };
  validateNames(resolved);
  return resolved;
}

/**
 * The ARM path of a managed cluster (no host, no query).
 * @internal
 */
export function clusterPath(ref: ResolvedClusterRef): string {
  return `/subscriptions/${encodeURIComponent(ref.subscriptionId)}/resourceGroups/${encodeURIComponent(ref.resourceGroup)}/providers/Microsoft.ContainerService/managedClusters/${encodeURIComponent(ref.name)}`;
}

/**
 * The resource id of a managed cluster, in ARM's spelling.
 * @internal
 */
export function clusterId(ref: ResolvedClusterRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${ref.name}`;
}
