/**
 * Microsoft.ContainerService/managedClusters: GET, PUT (create 201 / update 200), PATCH (tags),
 * DELETE (202 + Location), list by resource group and by subscription (paged with nextLink).
 * Shapes and status codes from the recordings; gating, validation and versioning rules in
 * specRules.ts and apiVersions.ts.
 */
import { armError, clone, isObject, jsonEqual, type ArmResponse } from "../http";
import { isManagedClustersApiVersion, supportsKubeProxyConfig, OPERATION_STATUS_API_VERSION, type ApiVersion } from "../apiVersions";
import { newEtag } from "../ids";
import { validateKubeProxyConfig } from "../specRules";
import {
  clusterFacts,
  clusterId,
  clusterKey,
  fillServerProperties,
  setProvisioningState,
  storedKubeProxyConfig,
  viewCluster,
  type ClusterRecord,
} from "../state/clusters";
import { operationPath, operationResultPath, type OperationRecord } from "../state/operations";
import type { SubscriptionState } from "../state/store";
import { checkApiVersion, type RequestContext, type RouteHandler } from "./context";
import { retryAfterHeader } from "./operations";

/** The header value Azure's own tests send to skip the subscription feature registration. */
export const CUSTOM_FEATURE_HEADER_VALUE = "Microsoft.ContainerService/KubeProxyConfigurationPreview";

const NAME_PATTERN = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/;
const READ_ONLY_TOP = ["id", "name", "type", "eTag", "etag", "systemData"];
const READ_ONLY_PROPERTIES = ["provisioningState", "powerState", "currentKubernetesVersion", "fqdn", "azurePortalFQDN", "privateFQDN", "maxAgentPools"];

function versionCheck(ctx: RequestContext) {
  return checkApiVersion(ctx, isManagedClustersApiVersion, {
    resourceType: "managedClusters",
    namespace: "Microsoft.ContainerService",
    supported: "2017-08-31 ... 2026-08-02-preview",
  });
}

/** ARM's 404 for a missing managed cluster. */
export function notFound(rg: string, name: string): ArmResponse {
  const res = armError(
    404,
    "ResourceNotFound",
    `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
  res.headers = { "x-ms-failure-cause": "gateway" };
  return res;
}

function operationUrl(ctx: RequestContext, op: OperationRecord): string {
  return `${ctx.baseUrl}${operationPath(op)}?api-version=${OPERATION_STATUS_API_VERSION}`;
}

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(",") : v;
}

function hasCustomFeatureHeader(ctx: RequestContext): boolean {
  const v = header(ctx, "AKSHTTPCustomFeatures");
  return v !== undefined && v.split(",").some((f) => f.trim().toLowerCase() === CUSTOM_FEATURE_HEADER_VALUE.toLowerCase());
}

/** 412 when If-Match / If-None-Match does not hold. */
function checkPreconditions(ctx: RequestContext, existing: ClusterRecord | undefined): ArmResponse | undefined {
  const ifMatch = header(ctx, "If-Match");
  const ifNoneMatch = header(ctx, "If-None-Match");
  const current = existing ? String(existing.raw.eTag ?? "") : undefined;
  const strip = (v: string): string => v.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
  if (ifMatch !== undefined && ifMatch !== "") {
    const wanted = ifMatch.split(",").map(strip);
    const ok = current !== undefined && (wanted.includes("*") || wanted.includes(current));
    if (!ok) {
      return armError(
        412,
        "PreconditionFailed",
        current === undefined
          ? `Operation is not allowed: the managed cluster does not exist, so If-Match '${ifMatch}' cannot match.`
          : `Operation is not allowed: the eTag '${ifMatch}' in the If-Match header does not match the current eTag '${current}' of the managed cluster. Read the cluster again and retry.`,
      );
    }
  }
  if (ifNoneMatch !== undefined && ifNoneMatch !== "" && existing) {
    const wanted = ifNoneMatch.split(",").map(strip);
    if (wanted.includes("*") || (current !== undefined && wanted.includes(current))) {
      return armError(412, "PreconditionFailed", `Operation is not allowed: the managed cluster already exists and If-None-Match is '${ifNoneMatch}'.`);
    }
  }
  return undefined;
}

function busy(ctx: RequestContext, cluster: ClusterRecord): ArmResponse | undefined {
  if (!ctx.store.isBusy(cluster) || !cluster.operationId) return undefined;
  const ifMatch = header(ctx, "If-Match");
  if (ifMatch !== undefined && ifMatch !== "") {
    // A conditional write while an operation runs: AKS answers EtagMismatch (Azure/terraform-azurerm-aks #604).
    return armError(409, "EtagMismatch", "Operation is not allowed: Another operation is in progress");
  }
  const op = ctx.store.operations.get(cluster.operationId);
  const kind = op?.kind === "create" ? "create" : op?.kind === "delete" ? "delete" : "update";
  const started = op ? new Date(op.startMs).toISOString().slice(0, 19) + "Z" : "";
  return armError(
    409,
    "OperationNotAllowed",
    `Operation is not allowed because there's an in progress ${kind} managed cluster operation (operation ID: ${cluster.operationId}) on the managed cluster started on UTC ${started}. Please wait for it to finish before starting a new operation. You can also use 'az aks operation-abort ...' to abort the ongoing operation.`,
  );
}

function lroFailure(ctx: RequestContext, id: string): { code: string; message: string } | undefined {
  const fault = ctx.faults.takeLroFailure(id);
  if (!fault) return undefined;
  return { code: fault.armCode ?? "InternalOperationError", message: fault.message ?? "Reconcile managed cluster failed (fault injected by the emulator)." };
}

/** GET one cluster. */
export const getClusterRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const [rg = "", name = ""] = params;
  const cluster = ctx.store.getCluster(sub, rg, name);
  if (!cluster) return notFound(rg, name);
  return { status: 200, body: viewCluster(cluster.raw, check.version, { disabledReadsAsEmpty: ctx.store.disabledKubeProxyReadsAsEmpty }) };
};

function featureNotRegistered(): ArmResponse {
  return armError(
    400,
    "KubeProxyConfigFeatureNotRegistered",
    "KubeProxyConfig is a preview feature and the subscription is not registered for it. Register the feature 'Microsoft.ContainerService/KubeProxyConfigurationPreview' (az feature register --namespace Microsoft.ContainerService --name KubeProxyConfigurationPreview), wait until its state is Registered, then re-register the provider (az provider register --namespace Microsoft.ContainerService) and retry.",
  );
}

/** Builds the cluster a PUT asks for; returns the error to answer instead when it may not be written. */
function buildFromPut(
  ctx: RequestContext,
  sub: SubscriptionState,
  version: ApiVersion,
  rg: string,
  name: string,
  existing: ClusterRecord | undefined,
): { raw: Record<string, unknown> } | { error: ArmResponse } {
  if (!isObject(ctx.body)) {
    return { error: armError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'the body must be a JSON object.'") };
  }
  const raw = clone(ctx.body);
  for (const key of READ_ONLY_TOP) Reflect.deleteProperty(raw, key);
  if (typeof raw.location !== "string" || raw.location === "") {
    if (!existing) return { error: armError(400, "LocationRequired", "The location property is required for this definition.") };
    raw.location = existing.raw.location;
  }
  if (raw.properties !== undefined && !isObject(raw.properties)) {
    return { error: armError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties must be an object.'") };
  }
  const props = isObject(raw.properties) ? raw.properties : {};
  raw.properties = props;
  for (const key of READ_ONLY_PROPERTIES) Reflect.deleteProperty(props, key);
  const existingProps = existing && isObject(existing.raw.properties) ? existing.raw.properties : undefined;
  if (existing && existingProps) {
    // Server-owned values survive an update that does not send them.
    for (const key of ["fqdn", "azurePortalFQDN", "nodeResourceGroup", "dnsPrefix", "identityProfile"]) {
      if (props[key] === undefined && existingProps[key] !== undefined) props[key] = clone(existingProps[key]);
    }
    const identity = isObject(raw.identity) ? raw.identity : undefined;
    const oldIdentity = isObject(existing.raw.identity) ? existing.raw.identity : undefined;
    if (identity && oldIdentity && identity.type === oldIdentity.type) {
      identity.principalId ??= oldIdentity.principalId;
      identity.tenantId ??= oldIdentity.tenantId;
    }
  }
  if (props.networkProfile !== undefined && !isObject(props.networkProfile)) {
    return { error: armError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'networkProfile must be an object.'") };
  }
  const net = isObject(props.networkProfile) ? props.networkProfile : {};
  props.networkProfile = net;
  const kpcKey = Object.keys(net).find((k) => k.toLowerCase() === "kubeproxyconfig");
  const sent = kpcKey !== undefined ? net[kpcKey] : undefined;
  if (kpcKey !== undefined) Reflect.deleteProperty(net, kpcKey);
  const before = existing ? storedKubeProxyConfig(existing.raw) : undefined;
  // The data plane cannot be dropped by an update that does not send it (a Cilium cluster stays one).
  const oldNet = existingProps && isObject(existingProps.networkProfile) ? existingProps.networkProfile : undefined;
  if (oldNet?.networkDataplane !== undefined && net.networkDataplane === undefined) net.networkDataplane = clone(oldNet.networkDataplane);

  fillServerProperties({ raw, subscriptionId: sub.id, resourceGroup: rg, name, tenantId: ctx.store.tenantId });
  const filledNet = (raw.properties as Record<string, unknown>).networkProfile as Record<string, unknown>;

  if (supportsKubeProxyConfig(version) && sent !== undefined && sent !== null) {
    const facts = clusterFacts(raw);
    const result = validateKubeProxyConfig(sent, version, { resourceGroup: rg, name, ...facts });
    if (!result.ok) return { error: result.response };
    const changes = !jsonEqual(result.value, before);
    if (changes && !hasCustomFeatureHeader(ctx) && !ctx.store.isKubeProxyPreviewEnabled(sub)) {
      return { error: featureNotRegistered() };
    }
    filledNet.kubeProxyConfig = result.value;
  } else if (before !== undefined) {
    // A version that cannot express kubeProxyConfig (GA, older preview) or a body without it keeps the stored value.
    filledNet.kubeProxyConfig = clone(before);
  }
  return { raw };
}

/** PUT create or update. */
export const putClusterRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const [rg = "", name = ""] = params;
  if (!NAME_PATTERN.test(name)) {
    return armError(400, "InvalidResourceName", `Resource name '${name}' is invalid: it must be 1-63 characters of letters, digits, '-' and '_', starting and ending with a letter or digit.`);
  }
  const existing = ctx.store.getCluster(sub, rg, name);
  const precondition = checkPreconditions(ctx, existing);
  if (precondition) return precondition;
  if (existing) {
    const conflict = busy(ctx, existing);
    if (conflict) return conflict;
  }
  const built = buildFromPut(ctx, sub, check.version, rg, name, existing);
  if ("error" in built) return built.error;
  const raw = built.raw;
  raw.eTag = newEtag();
  setProvisioningState(raw, existing ? "Updating" : "Creating");
  const record: ClusterRecord = existing ?? { subscriptionId: sub.id, resourceGroup: rg, name, raw };
  record.raw = raw;
  sub.clusters.set(clusterKey(rg, name), record);
  ctx.store.resourceGroup(sub, rg, String(raw.location));
  const op = ctx.store.startOperation({ sub, cluster: record, kind: existing ? "update" : "create", failure: lroFailure(ctx, clusterId(sub.id, rg, name)) });
  return {
    status: existing ? 200 : 201,
    headers: { "Azure-AsyncOperation": operationUrl(ctx, op) },
    body: viewCluster(raw, check.version, { disabledReadsAsEmpty: ctx.store.disabledKubeProxyReadsAsEmpty }),
  };
};

/** PATCH (ManagedClusters_UpdateTags): tags only. */
export const patchClusterRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const [rg = "", name = ""] = params;
  const existing = ctx.store.getCluster(sub, rg, name);
  if (!existing) return notFound(rg, name);
  const precondition = checkPreconditions(ctx, existing);
  if (precondition) return precondition;
  const conflict = busy(ctx, existing);
  if (conflict) return conflict;
  const body = isObject(ctx.body) ? ctx.body : {};
  if (body.tags !== undefined && !isObject(body.tags)) {
    return armError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'tags must be an object.'");
  }
  if (isObject(body.tags)) existing.raw.tags = clone(body.tags);
  existing.raw.eTag = newEtag();
  setProvisioningState(existing.raw, "Updating");
  const op = ctx.store.startOperation({ sub, cluster: existing, kind: "update", failure: lroFailure(ctx, clusterId(sub.id, rg, name)) });
  return { status: 200, headers: { "Azure-AsyncOperation": operationUrl(ctx, op) }, body: viewCluster(existing.raw, check.version, { disabledReadsAsEmpty: ctx.store.disabledKubeProxyReadsAsEmpty }) };
};

/** DELETE: 202 with Azure-AsyncOperation and Location; 204 when there is nothing to delete. */
export const deleteClusterRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const [rg = "", name = ""] = params;
  const existing = ctx.store.getCluster(sub, rg, name);
  const precondition = checkPreconditions(ctx, existing);
  if (precondition) return precondition;
  if (!existing) return { status: 204 };
  if (existing.operationId) {
    const running = ctx.store.operations.get(existing.operationId);
    if (running?.kind === "delete") return busy(ctx, existing) ?? { status: 204 };
    ctx.store.cancelOperation(existing.operationId, true);
  }
  setProvisioningState(existing.raw, "Deleting");
  const op = ctx.store.startOperation({ sub, cluster: existing, kind: "delete", failure: lroFailure(ctx, clusterId(sub.id, rg, name)) });
  return {
    status: 202,
    headers: {
      "Azure-AsyncOperation": operationUrl(ctx, op),
      Location: `${ctx.baseUrl}${operationResultPath(op)}?api-version=${OPERATION_STATUS_API_VERSION}`,
      ...retryAfterHeader(ctx),
    },
  };
};

/** GET list (by subscription when `params[0]` is undefined, else by resource group), paged. */
export const listClustersRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const rg = params[0];
  ctx.store.tick();
  const all = [...sub.clusters.values()]
    .filter((c) => rg === undefined || c.resourceGroup.toLowerCase() === rg.toLowerCase())
    .sort((a, b) => clusterKey(a.resourceGroup, a.name).localeCompare(clusterKey(b.resourceGroup, b.name)));
  const skipEntry = Object.entries(ctx.query).find(([k]) => k.toLowerCase() === "$skiptoken");
  const start = skipEntry ? Math.max(0, Number.parseInt(skipEntry[1], 10) || 0) : 0;
  const pageSize = Math.max(1, ctx.listPageSize);
  const page = all.slice(start, start + pageSize);
  const body: Record<string, unknown> = { value: page.map((c) => viewCluster(c.raw, check.version, { disabledReadsAsEmpty: ctx.store.disabledKubeProxyReadsAsEmpty })) };
  if (start + pageSize < all.length) {
    body.nextLink = `${ctx.baseUrl}${ctx.path}?api-version=${encodeURIComponent(check.version.raw)}&$skipToken=${start + pageSize}`;
  }
  return { status: 200, body };
};
