/**
 * Resource provider registration (Microsoft.Resources providers). POST register answers 200 with
 * registrationState Registering, later GETs show Registered (azure-cli@ab2ff59 recording).
 */

/** One resource provider of one subscription. */
export interface ProviderRecord {
  namespace: string;
  state: string;
  transition?: { to: string; atMs: number };
  /** When the last register request was made (the "refresh" that propagates feature flags). */
  lastRegisterRequestedAtMs?: number;
}

/** Namespaces registered in a fresh subscription. */
export const DEFAULT_REGISTERED_PROVIDERS = ["Microsoft.ContainerService", "Microsoft.Features", "Microsoft.Resources", "Microsoft.Network", "Microsoft.Compute"];

/** Brings a provider's state up to `nowMs`. */
export function settleProvider(provider: ProviderRecord, nowMs: number): ProviderRecord {
  if (provider.transition && nowMs >= provider.transition.atMs) {
    provider.state = provider.transition.to;
    provider.transition = undefined;
  }
  return provider;
}

/** Applies POST .../register: Registering, then Registered after `durationMs` (also when already Registered). */
export function registerProvider(provider: ProviderRecord, options: { nowMs: number; durationMs: number }): void {
  settleProvider(provider, options.nowMs);
  provider.state = "Registering";
  provider.lastRegisterRequestedAtMs = options.nowMs;
  provider.transition = { to: "Registered", atMs: options.nowMs + options.durationMs };
}

/** Applies POST .../unregister. */
export function unregisterProvider(provider: ProviderRecord, options: { nowMs: number; durationMs: number }): void {
  settleProvider(provider, options.nowMs);
  provider.state = "Unregistering";
  provider.lastRegisterRequestedAtMs = undefined;
  provider.transition = { to: "Unregistered", atMs: options.nowMs + options.durationMs };
}

const CONTAINER_SERVICE_TYPES = [
  "managedClusters",
  "locations",
  "locations/operations",
  "locations/operationresults",
  "managedClusters/agentPools",
  "snapshots",
];

/** The ARM JSON of a provider (shape of the azure-cli@ab2ff59 recording). */
export function providerJson(subscriptionId: string, provider: ProviderRecord, apiVersions: string[]): Record<string, unknown> {
  const isAks = provider.namespace.toLowerCase() === "microsoft.containerservice";
  const types = isAks ? CONTAINER_SERVICE_TYPES : ["resources"];
  return {
    id: `/subscriptions/${subscriptionId}/providers/${provider.namespace}`,
    namespace: provider.namespace,
    authorization: { applicationId: "7319c514-987d-4e9b-ac3d-d38c4f427f4c", roleDefinitionId: "1b4a0c7f-2217-416f-acfa-cf73452fdc1c" },
    resourceTypes: types.map((resourceType) => ({
      resourceType,
      locations: ["West US 2", "East US", "West Europe", "North Europe"],
      apiVersions,
      capabilities: resourceType === "managedClusters" ? "CrossResourceGroupResourceMove, CrossSubscriptionResourceMove, SystemAssignedResourceIdentity" : "None",
    })),
    registrationState: provider.state,
    registrationPolicy: "RegistrationRequired",
  };
}
