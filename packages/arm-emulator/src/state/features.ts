/**
 * Microsoft.Features subscription feature flags. States and transitions as ARM shows them:
 * register: NotRegistered -> Registering -> Registered, or Pending (approval required, forever);
 * unregister: -> Unregistering -> Unregistered (azure-cli@9227cdd recording).
 */

/** A state change that completes at a given time. */
interface Transition {
  to: string;
  atMs: number;
}

/** One feature flag of one subscription. */
export interface FeatureRecord {
  namespace: string;
  name: string;
  state: string;
  transition?: Transition;
  /** When the flag last became Registered. */
  registeredAtMs?: number;
}

/** The feature the kubeProxyConfig preview needs. */
export const KUBE_PROXY_FEATURE = { namespace: "Microsoft.ContainerService", name: "KubeProxyConfigurationPreview" };

/** Key of a feature in a subscription's map (ARM names are case-insensitive). */
export function featureKey(namespace: string, name: string): string {
  return `${namespace}/${name}`.toLowerCase();
}

/** Brings a feature's state up to `nowMs` (completes a due transition). */
export function settleFeature(feature: FeatureRecord, nowMs: number): FeatureRecord {
  if (feature.transition && nowMs >= feature.transition.atMs) {
    feature.state = feature.transition.to;
    if (feature.state === "Registered") feature.registeredAtMs = feature.transition.atMs;
    feature.transition = undefined;
  }
  return feature;
}

/** Applies a register request. */
export function registerFeature(feature: FeatureRecord, options: { nowMs: number; durationMs: number; approvalRequired: boolean }): void {
  settleFeature(feature, options.nowMs);
  if (feature.state === "Registered" || feature.state === "Registering" || feature.state === "Pending") return;
  if (options.approvalRequired) {
    feature.state = "Pending";
    feature.transition = undefined;
    return;
  }
  feature.state = "Registering";
  feature.transition = { to: "Registered", atMs: options.nowMs + options.durationMs };
}

/** Applies an unregister request. */
export function unregisterFeature(feature: FeatureRecord, options: { nowMs: number; durationMs: number }): void {
  settleFeature(feature, options.nowMs);
  if (feature.state === "NotRegistered" || feature.state === "Unregistered") {
    feature.state = "Unregistered";
    return;
  }
  feature.state = "Unregistering";
  feature.registeredAtMs = undefined;
  feature.transition = { to: "Unregistered", atMs: options.nowMs + options.durationMs };
}

/** Sets a state directly (control API). */
export function forceFeatureState(feature: FeatureRecord, state: string, nowMs: number): void {
  feature.state = state;
  feature.transition = undefined;
  feature.registeredAtMs = state === "Registered" ? nowMs : undefined;
}

/** The ARM JSON of a feature (Microsoft.Features 2021-07-01 / 2015-12-01). */
export function featureJson(subscriptionId: string, feature: FeatureRecord, state: string): Record<string, unknown> {
  return {
    properties: { state },
    id: `/subscriptions/${subscriptionId}/providers/Microsoft.Features/providers/${feature.namespace}/features/${feature.name}`,
    type: "Microsoft.Features/providers/features",
    name: `${feature.namespace}/${feature.name}`,
  };
}
