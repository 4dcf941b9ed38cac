/**
 * Microsoft.Resources subscriptions: `GET /subscriptions` (list, paged) and `GET /subscriptions/{id}`.
 *
 * No recording in /work/shared/recordings has subscriptions traffic (every cassette starts at a given subscription),
 * so these shapes follow the REST spec, azure-rest-api-specs
 * `specification/resources/resource-manager/Microsoft.Resources/stable/2022-12-01/subscriptions.json` (operations
 * `Subscriptions_List` and `Subscriptions_Get`, definitions `Subscription`, `SubscriptionPolicies`,
 * `SubscriptionListResult`) and its examples `GetSubscriptions.json` / `GetSubscription.json`. The `Subscription`
 * definition is the same in 2020-01-01 and 2022-12-01; the emulator returns that one shape for every api-version it
 * accepts.
 *
 * Choices the spec does not settle:
 * - `SubscriptionListResult` marks `nextLink` required, but a real 2020-01-01 answer quoted in public docs (one page)
 *   has no `nextLink` and carries `"count": {"type": "Total", "value": N}`: the emulator omits `nextLink` on the last
 *   page and sends `count`, so a client must stop on a missing `nextLink` and ignore properties it does not know.
 * - `subscriptionPolicies` values are those of a pay-as-you-go subscription in the public cloud (that same answer);
 *   `authorizationSource` is `RoleBased` (the list example's); `state` is always `Enabled`; `managedByTenants` empty.
 * - Unknown subscription: 404 `SubscriptionNotFound` from the request pipeline, as for every `/subscriptions/{id}/...`.
 * - Tenant-level requests (`GET /subscriptions`) are not charged to any subscription's throttling bucket.
 */
import type { ArmResponse } from "../http";
import { SUBSCRIPTIONS_API_VERSIONS } from "../apiVersions";
import type { EmulatorStore, SubscriptionState } from "../state/store";
import { checkApiVersion, type RequestContext, type RouteHandler } from "./context";

function versionCheck(ctx: RequestContext) {
  return checkApiVersion(ctx, (v) => SUBSCRIPTIONS_API_VERSIONS.includes(v.raw), {
    resourceType: "subscriptions",
    namespace: "Microsoft.Resources",
    supported: SUBSCRIPTIONS_API_VERSIONS.join(", "),
    unsupportedCode: "InvalidApiVersionParameter",
  });
}

/** One subscription as ARM returns it. */
function subscriptionJson(store: EmulatorStore, sub: SubscriptionState): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: `/subscriptions/${sub.id}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: sub.id,
    tenantId: store.tenantId,
    displayName: sub.displayName,
    state: "Enabled",
    subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01", spendingLimit: "Off" },
  };
  if (sub.tags) body.tags = { ...sub.tags };
  return body;
}

/** GET /subscriptions/{subscriptionId} (an unknown id never gets here: the pipeline answers 404 SubscriptionNotFound). */
export const getSubscriptionRoute: RouteHandler = (ctx, sub) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  return { status: 200, body: subscriptionJson(ctx.store, sub) };
};

/** GET /subscriptions: every subscription of the emulator, in the order they were added, `listPageSize` a page. */
export function listSubscriptionsRoute(ctx: RequestContext): ArmResponse {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const all = [...ctx.store.subscriptions.values()];
  const skipEntry = Object.entries(ctx.query).find(([k]) => k.toLowerCase() === "$skiptoken");
  // The token is the emulator's own (an offset), read as leniently as the managedClusters lists read theirs.
  const start = skipEntry ? Math.max(0, Number.parseInt(skipEntry[1], 10) || 0) : 0;
  const pageSize = Math.max(1, ctx.listPageSize);
  const body: Record<string, unknown> = {
    value: all.slice(start, start + pageSize).map((sub) => subscriptionJson(ctx.store, sub)),
    count: { type: "Total", value: all.length },
  };
  if (start + pageSize < all.length) {
    body.nextLink = `${ctx.baseUrl}/subscriptions?api-version=${encodeURIComponent(check.version.raw)}&$skipToken=${start + pageSize}`;
  }
  return { status: 200, body };
}
