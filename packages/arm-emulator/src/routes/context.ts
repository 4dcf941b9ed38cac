/**
 * What every route handler gets, and the api-version check they share.
 */
import type { IncomingHttpHeaders } from "node:http";
import { armError, type ArmResponse } from "../http";
import { parseApiVersion, type ApiVersion } from "../apiVersions";
import type { FaultRegistry } from "../faults";
import type { EmulatorStore, SubscriptionState } from "../state/store";
import type { KubeRuntime } from "../kube/runtime";

/** One request, parsed. */
export interface RequestContext {
  method: string;
  /** Decoded path without query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
  /** The emulator's base URL (https://127.0.0.1:PORT). */
  baseUrl: string;
  store: EmulatorStore;
  faults: FaultRegistry;
  listPageSize: number;
  /** The emulated Kubernetes side (kubeconfigs, API servers). */
  kube?: KubeRuntime;
}

/** A handler for a matched route; `params` are the regex groups. */
export type RouteHandler = (ctx: RequestContext, sub: SubscriptionState, params: string[]) => ArmResponse | Promise<ArmResponse>;

/** The api-version query parameter (ARM matches the name case-insensitively). */
export function apiVersionParam(ctx: RequestContext): string | undefined {
  const entry = Object.entries(ctx.query).find(([k]) => k.toLowerCase() === "api-version");
  return entry?.[1];
}

/**
 * Checks api-version: 400 MissingApiVersionParameter when absent, 400 `unsupportedCode` when
 * `accepts` refuses it.
 */
export function checkApiVersion(
  ctx: RequestContext,
  accepts: (v: ApiVersion) => boolean,
  describe: { resourceType: string; namespace: string; supported: string; unsupportedCode?: string },
): { ok: true; version: ApiVersion } | { ok: false; response: ArmResponse } {
  const raw = apiVersionParam(ctx);
  if (raw === undefined || raw === "") {
    return { ok: false, response: armError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.") };
  }
  const version = parseApiVersion(raw);
  if (!version || !accepts(version)) {
    const code = describe.unsupportedCode ?? "NoRegisteredProviderFound";
    return {
      ok: false,
      response: armError(
        400,
        code,
        code === "InvalidApiVersionParameter"
          ? `The api-version '${raw}' is invalid. The supported versions are '${describe.supported}'.`
          : `No registered resource provider found for location 'westus2' and API version '${raw}' for type '${describe.resourceType}'. The supported api-versions are '${describe.supported}'. The supported locations are 'westus2, eastus, westeurope, northeurope'.`,
      ),
    };
  }
  return { ok: true, version };
}
