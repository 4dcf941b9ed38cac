/**
 * The SDK's view of a managed cluster, built from the raw ARM JSON. The raw JSON itself stays private to the SDK
 * (it is what apply writes back, with only kubeProxyConfig changed).
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { parseClusterId, type ResolvedClusterRef } from "./clusterRef";
import { isCiliumDataplane, type ClusterFacts } from "./rules";
import { effectiveKubeProxySettings, type EffectiveKubeProxySettings } from "./settings/effective";

/** A managed cluster's identity, the facts that decide what is allowed, and its kube-proxy settings. */
export interface ClusterState extends ClusterFacts {
  /** Resource id. */
  readonly id: string;
  /** Subscription id. */
  readonly subscriptionId: string;
  /** Resource group. */
  readonly resourceGroup: string;
  /** Cluster name. */
  readonly name: string;
  /** Azure region. */
  readonly location: string;
  /** Resource tags. */
  readonly tags: Record<string, string>;
  /** The cluster's etag (api-versions from 2024-04-02-preview on), used for `If-Match`. */
  readonly etag?: string;
  /** `networkProfile.kubeProxyConfig` exactly as returned (undefined when absent; may be `{}`). */
  readonly kubeProxyConfig: KubeProxyConfig | undefined;
  /**
   * What the cluster effectively runs (absent and `{}` read as enabled IPTABLES); on a Cilium dataplane cluster
   * (`networkDataplane: cilium`) `enabled: false` whatever kubeProxyConfig says, since Cilium replaces kube-proxy.
   */
  readonly effective: EffectiveKubeProxySettings;
}

const RAW = new WeakMap<ClusterState, Record<string, unknown>>();

function asRecord(x: unknown): Record<string, unknown> | undefined {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

function asString(x: unknown): string | undefined {
  return typeof x === "string" ? x : undefined;
}

/**
 * Builds a {@link ClusterState} from the raw ARM JSON of a managed cluster, remembering the raw JSON privately.
 * @internal
 */
export function toClusterState(raw: Record<string, unknown>, fallback: ResolvedClusterRef | undefined, etagHeader?: string): ClusterState {
  const properties = asRecord(raw["properties"]) ?? {};
  const networkProfile = asRecord(properties["networkProfile"]) ?? {};
  const id = asString(raw["id"]) ?? "";
  let ref: ResolvedClusterRef | undefined = fallback;
  try {
    if (id) ref = parseClusterId(id);
  } catch {
    // keep the fallback: an id we cannot parse is not fatal for reading
  }
  const kubeProxyConfig = networkProfile["kubeProxyConfig"] as KubeProxyConfig | undefined | null;
  const tagsRaw = asRecord(raw["tags"]) ?? {};
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(tagsRaw)) if (typeof v === "string") tags[k] = v;
  const etag = asString(raw["eTag"]) ?? asString(raw["etag"]) ?? etagHeader;
  const kubernetesVersion = asString(properties["currentKubernetesVersion"]) ?? asString(properties["kubernetesVersion"]);
  const networkDataplane = asString(networkProfile["networkDataplane"]);
  const parsed = effectiveKubeProxySettings(kubeProxyConfig ?? undefined);
  const state: ClusterState = {
    id,
    subscriptionId: ref?.subscriptionId ?? "",
    resourceGroup: ref?.resourceGroup ?? "",
    name: asString(raw["name"]) ?? ref?.name ?? "",
    location: asString(raw["location"]) ?? "",
    tags,
    kubeProxyConfig: kubeProxyConfig ?? undefined,
    effective: isCiliumDataplane({ networkDataplane }) ? { ...parsed, enabled: false } : parsed,
    ...(etag !== undefined ? { etag } : {}),
    ...(kubernetesVersion !== undefined ? { kubernetesVersion } : {}),
    ...(asString(networkProfile["networkPlugin"]) !== undefined ? { networkPlugin: asString(networkProfile["networkPlugin"]) } : {}),
    ...(asString(networkProfile["networkPolicy"]) !== undefined ? { networkPolicy: asString(networkProfile["networkPolicy"]) } : {}),
    ...(networkDataplane !== undefined ? { networkDataplane } : {}),
    ...(asString(properties["provisioningState"]) !== undefined ? { provisioningState: asString(properties["provisioningState"]) } : {}),
  };
  RAW.set(state, raw);
  return state;
}

/**
 * The raw ARM JSON a {@link ClusterState} was read from, if it was read by this SDK.
 * @internal
 */
export function rawClusterOf(state: ClusterState): Record<string, unknown> | undefined {
  return RAW.get(state);
}

/** provisioningStates after which no operation is running on the cluster. @internal */
export const TERMINAL_PROVISIONING_STATES = ["succeeded", "failed", "canceled", "cancelled"];

/**
 * True when no operation is running on the cluster (provisioningState absent or terminal).
 * @internal
 */
export function isTerminalProvisioningState(state: string | undefined): boolean {
  return state === undefined || TERMINAL_PROVISIONING_STATES.includes(state.toLowerCase());
}
