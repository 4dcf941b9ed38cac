/**
 * Microsoft.Features: get, list, register, unregister a subscription feature
 * (paths and shapes: shared/README.md, recordings azure-cli@9227cdd and azure-sdk-for-python@00c3967,
 * spec examples registerFeature/unregisterFeature 2021-07-01).
 */
import { FEATURES_API_VERSIONS } from "../apiVersions";
import type { ArmResponse } from "../http";
import { featureJson, registerFeature, unregisterFeature, KUBE_PROXY_FEATURE, type FeatureRecord } from "../state/features";
import type { SubscriptionState } from "../state/store";
import { checkApiVersion, type RequestContext, type RouteHandler } from "./context";

/** Features every subscription lists (names from the recordings and the AKS docs). */
const CATALOG: Record<string, string[]> = {
  "microsoft.containerservice": [KUBE_PROXY_FEATURE.name, "EnableAPIServerVnetIntegrationPreview", "NodeOsUpgradeChannelPreview"],
  "microsoft.terraformoss": ["EnableTerraformPreview", "EnableTerraform", "EnableTerraformWithWhitelistedTenant"],
  "microsoft.network": ["AllowLBPreview"],
};

const NAMESPACE_DISPLAY: Record<string, string> = {
  "microsoft.containerservice": "Microsoft.ContainerService",
  "microsoft.terraformoss": "Microsoft.TerraformOSS",
  "microsoft.network": "Microsoft.Network",
};

function versionCheck(ctx: RequestContext) {
  return checkApiVersion(ctx, (v) => FEATURES_API_VERSIONS.includes(v.raw), {
    resourceType: "features",
    namespace: "Microsoft.Features",
    supported: FEATURES_API_VERSIONS.join(", "),
    unsupportedCode: "InvalidApiVersionParameter",
  });
}

/** The state a read shows: a Registered flag may read Registering while a feature-flap fault lasts. */
function readState(ctx: RequestContext, feature: FeatureRecord): string {
  if (feature.state === "Registered" && ctx.faults.takeFeatureFlap(feature.name)) return "Registering";
  return feature.state;
}

function namespaceName(ns: string): string {
  return NAMESPACE_DISPLAY[ns.toLowerCase()] ?? ns;
}

function listFeatures(ctx: RequestContext, sub: SubscriptionState, namespace: string | undefined): FeatureRecord[] {
  const namespaces = namespace ? [namespace] : [...new Set([...Object.keys(CATALOG).map(namespaceName), ...[...sub.features.values()].map((f) => f.namespace)])];
  const out: FeatureRecord[] = [];
  const seen = new Set<string>();
  for (const ns of namespaces) {
    const names = [...(CATALOG[ns.toLowerCase()] ?? []), ...[...sub.features.values()].filter((f) => f.namespace.toLowerCase() === ns.toLowerCase()).map((f) => f.name)];
    for (const name of names) {
      const key = `${ns}/${name}`.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(ctx.store.feature(sub, namespaceName(ns), name));
    }
  }
  return out;
}

/** GET .../providers/Microsoft.Features/features and .../providers/Microsoft.Features/providers/{ns}/features */
export const listFeaturesRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const ns = params[0];
  const value = listFeatures(ctx, sub, ns).map((f) => featureJson(sub.id, f, readState(ctx, f)));
  return { status: 200, body: { value } };
};

/** GET .../features/{name} */
export const getFeatureRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const [ns = "", name = ""] = params;
  const feature = ctx.store.feature(sub, namespaceName(ns), name);
  return { status: 200, body: featureJson(sub.id, feature, readState(ctx, feature)) };
};

/** POST .../features/{name}/register and /unregister */
export const featureActionRoute: RouteHandler = (ctx, sub, params): ArmResponse => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const [ns = "", name = "", action = ""] = params;
  const feature = ctx.store.feature(sub, namespaceName(ns), name);
  const nowMs = ctx.store.now();
  const durationMs = ctx.store.timings.featureRegistrationMs;
  if (action.toLowerCase() === "register") {
    registerFeature(feature, { nowMs, durationMs, approvalRequired: ctx.store.isApprovalRequired(name) });
  } else {
    unregisterFeature(feature, { nowMs, durationMs });
  }
  return { status: 200, body: featureJson(sub.id, feature, feature.state) };
};
