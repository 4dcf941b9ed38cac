/**
 * The ARM route table. Paths are matched case-insensitively (ARM treats them so);
 * the first group of every pattern is the subscription id.
 */
import { featureActionRoute, getFeatureRoute, listFeaturesRoute } from "./features";
import { deleteClusterRoute, getClusterRoute, listClustersRoute, notFound, patchClusterRoute, putClusterRoute } from "./managedClusters";
import { credentialRoute } from "./credentials";
import { getOperationResultRoute, getOperationStatusRoute } from "./operations";
import { getProviderRoute, listProvidersRoute, providerActionRoute } from "./providers";
import { getResourceGroupRoute, listResourceGroupsRoute, putResourceGroupRoute } from "./resourceGroups";
import { getSubscriptionRoute, listSubscriptionsRoute } from "./subscriptions";
import type { AksThrottleClass } from "../aksThrottle";
import type { ArmResponse } from "../http";
import type { RequestContext, RouteHandler } from "./context";

/** One route. `poll` marks operation-status reads (logged as kind "poll"). */
export interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
  poll?: boolean;
  /** The AKS resource provider throttle this route is charged to, if any. */
  aks?: AksThrottleClass;
}

const SUB = "/subscriptions/([^/]+)";
const MC = "/providers/Microsoft\\.ContainerService/managedClusters";

function route(method: string, path: string, handler: RouteHandler, poll = false, aks?: AksThrottleClass): Route {
  return { method, pattern: new RegExp(`^${path}/?$`, "i"), handler, poll, ...(aks ? { aks } : {}) };
}

/** Every ARM route under a subscription the emulator serves. */
export const ROUTES: Route[] = [
  route("GET", SUB, getSubscriptionRoute),
  route("GET", `${SUB}/providers/Microsoft\\.Features/features`, (ctx, sub) => listFeaturesRoute(ctx, sub, [])),
  route("GET", `${SUB}/providers/Microsoft\\.Features/providers/([^/]+)/features`, listFeaturesRoute),
  route("GET", `${SUB}/providers/Microsoft\\.Features/providers/([^/]+)/features/([^/]+)`, getFeatureRoute),
  route("POST", `${SUB}/providers/Microsoft\\.Features/providers/([^/]+)/features/([^/]+)/(register|unregister)`, featureActionRoute),
  route("GET", `${SUB}/providers/Microsoft\\.ContainerService/locations/([^/]+)/operations/([^/]+)`, getOperationStatusRoute, true, "get-operation"),
  route("GET", `${SUB}/providers/Microsoft\\.ContainerService/locations/([^/]+)/operationresults/([^/]+)`, getOperationResultRoute, true, "get-operation"),
  route("GET", `${SUB}${MC}`, (ctx, sub) => listClustersRoute(ctx, sub, [])),
  route("GET", `${SUB}/resourceGroups/([^/]+)${MC}`, listClustersRoute),
  route("GET", `${SUB}/resourceGroups/([^/]+)${MC}/([^/]+)`, getClusterRoute, false, "get-cluster"),
  route("PUT", `${SUB}/resourceGroups/([^/]+)${MC}/([^/]+)`, putClusterRoute, false, "put-cluster"),
  route("PATCH", `${SUB}/resourceGroups/([^/]+)${MC}/([^/]+)`, patchClusterRoute),
  route("DELETE", `${SUB}/resourceGroups/([^/]+)${MC}/([^/]+)`, deleteClusterRoute),
  route("POST", `${SUB}/resourceGroups/([^/]+)${MC}/([^/]+)/listClusterUserCredential`, credentialRoute("user", notFound)),
  route("POST", `${SUB}/resourceGroups/([^/]+)${MC}/([^/]+)/listClusterAdminCredential`, credentialRoute("admin", notFound)),
  route("GET", `${SUB}/providers`, listProvidersRoute),
  route("GET", `${SUB}/providers/([^/]+)`, getProviderRoute),
  route("POST", `${SUB}/providers/([^/]+)/(register|unregister)`, providerActionRoute),
  route("GET", `${SUB}/resourceGroups`, listResourceGroupsRoute),
  route("GET", `${SUB}/resourceGroups/([^/]+)`, getResourceGroupRoute),
  route("PUT", `${SUB}/resourceGroups/([^/]+)`, putResourceGroupRoute),
];

/** Finds the route for a request: the route and its groups, or whether the path exists for another method. */
export function matchRoute(method: string, path: string): { route: Route; groups: string[] } | { pathKnown: boolean } {
  let pathKnown = false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    const effective = method === "HEAD" ? "GET" : method;
    if (r.method !== effective) {
      pathKnown = true;
      continue;
    }
    return { route: r, groups: m.slice(1).map((g) => decodeURIComponent(g)) };
  }
  return { pathKnown };
}

/** A route above any subscription (tenant level): no subscription check, no subscription throttling bucket. */
export interface TenantRoute {
  method: string;
  pattern: RegExp;
  handler: (ctx: RequestContext) => ArmResponse | Promise<ArmResponse>;
}

/** Every tenant-level ARM route the emulator serves. */
export const TENANT_ROUTES: TenantRoute[] = [{ method: "GET", pattern: /^\/subscriptions\/?$/i, handler: listSubscriptionsRoute }];

/** The tenant-level route for a request: the route, or whether the path exists for another method; undefined when no tenant path matches. */
export function matchTenantRoute(method: string, path: string): { route: TenantRoute } | { pathKnown: true } | undefined {
  const effective = method === "HEAD" ? "GET" : method;
  const matching = TENANT_ROUTES.filter((r) => r.pattern.test(path));
  if (matching.length === 0) return undefined;
  const route = matching.find((r) => r.method === effective);
  return route ? { route } : { pathKnown: true };
}
