/**
 * Resource providers (Microsoft.Resources): GET one, list, POST register/unregister
 * (recording azure-cli@ab2ff59: POST register answers 200 with registrationState Registering).
 */
import { RESOURCES_API_VERSIONS } from "../apiVersions";
import { providerJson, registerProvider, unregisterProvider } from "../state/providers";
import { checkApiVersion, type RequestContext, type RouteHandler } from "./context";

/** managedClusters api-versions a provider GET advertises (a sample, newest first). */
const AKS_API_VERSIONS = ["2026-08-02-preview", "2025-09-02-preview", "2025-08-01", "2024-09-01", "2024-07-02-preview", "2024-04-02-preview", "2022-08-02-preview"];

function versionCheck(ctx: RequestContext) {
  return checkApiVersion(ctx, (v) => RESOURCES_API_VERSIONS.includes(v.raw), {
    resourceType: "providers",
    namespace: "Microsoft.Resources",
    supported: RESOURCES_API_VERSIONS.join(", "),
    unsupportedCode: "InvalidApiVersionParameter",
  });
}

function apiVersionsOf(namespace: string): string[] {
  return namespace.toLowerCase() === "microsoft.containerservice" ? AKS_API_VERSIONS : ["2021-04-01"];
}

/** GET /subscriptions/{sub}/providers/{namespace} */
export const getProviderRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const provider = ctx.store.provider(sub, params[0] ?? "");
  return { status: 200, body: providerJson(sub.id, provider, apiVersionsOf(provider.namespace)) };
};

/** GET /subscriptions/{sub}/providers */
export const listProvidersRoute: RouteHandler = (ctx, sub) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const value = [...sub.providers.values()].map((p) => providerJson(sub.id, ctx.store.provider(sub, p.namespace), apiVersionsOf(p.namespace)));
  return { status: 200, body: { value } };
};

/** POST /subscriptions/{sub}/providers/{namespace}/register|unregister */
export const providerActionRoute: RouteHandler = (ctx, sub, params) => {
  const check = versionCheck(ctx);
  if (!check.ok) return check.response;
  const [ns = "", action = ""] = params;
  const provider = ctx.store.provider(sub, ns);
  const options = { nowMs: ctx.store.now(), durationMs: ctx.store.timings.providerRegistrationMs };
  if (action.toLowerCase() === "register") registerProvider(provider, options);
  else unregisterProvider(provider, options);
  return { status: 200, body: providerJson(sub.id, provider, apiVersionsOf(provider.namespace)) };
};
