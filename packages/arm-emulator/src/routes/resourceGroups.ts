/**
 * Resource groups, just enough for the recorded `az aks create` flow (GET of the group first).
 * Groups exist implicitly (a GET of an unknown group answers 200 with westus2) so that clients
 * can create clusters without a prior resource-group PUT.
 */
import { isObject } from "../http";
import { RESOURCES_API_VERSIONS } from "../apiVersions";
import type { ResourceGroupRecord, SubscriptionState } from "../state/store";
import { checkApiVersion, type RequestContext, type RouteHandler } from "./context";

function versionCheck(ctx: RequestContext) {
  return checkApiVersion(ctx, (v) => RESOURCES_API_VERSIONS.includes(v.raw), {
    resourceType: "resourceGroups",
    namespace: "Microsoft.Resources",
    supported: RESOURCES_API_VERSIONS.join(", "),
    unsupportedCode: "InvalidApiVersionParameter",
  });
}

function rgJson(sub: SubscriptionState, rg: ResourceGroupRecord): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: `/subscriptions/${sub.id}/resourceGroups/${rg.name}`,
    name: rg.name,
    type: "Microsoft.Resources/resourceGroups",
    location: rg.location,
  };
  if (rg.tags) body.tags = rg.tags;
  body.properties = { provisioningState: "Succeeded" };
  return body;
}

/** GET /subscriptions/{sub}/resourcegroups/{rg} */
export const getResourceGroupRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  return { status: 200, body: rgJson(sub, ctx.store.resourceGroup(sub, params[0] ?? "")) };
};

/** PUT /subscriptions/{sub}/resourcegroups/{rg} */
export const putResourceGroupRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const name = params[0] ?? "";
  const existed = sub.resourceGroups.has(name.toLowerCase());
  const body = isObject(ctx.body) ? ctx.body : {};
  const rg = ctx.store.resourceGroup(sub, name, typeof body.location === "string" ? body.location : undefined);
  if (isObject(body.tags)) rg.tags = body.tags as Record<string, string>;
  return { status: existed ? 200 : 201, body: rgJson(sub, rg) };
};

/** GET /subscriptions/{sub}/resourcegroups */
export const listResourceGroupsRoute: RouteHandler = (ctx, sub) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  return { status: 200, body: { value: [...sub.resourceGroups.values()].map((rg) => rgJson(sub, rg)) } };
};
