/**
 * The one restore target: what "put back the settings a cluster had before" means, for the Pulumi component's delete
 * and for a rollout's rollback.
 *
 * A cluster that had no kubeProxyConfig before ("never set", or `{}`) runs Azure's default: kube-proxy enabled, mode
 * IPTABLES (AKS fills in nothing and documents IPTABLES as the default). That default is written explicitly as
 * `{ enabled: true, mode: "IPTABLES" }` because a PUT cannot remove kubeProxyConfig again (a body without it keeps
 * the stored value), and because on a bring-your-own-CNI cluster (networkPlugin none) `{}` is also what Azure
 * returns after kube-proxy was disabled (azure-rest-api-specs #22208): writing "nothing" there would leave kube-proxy
 * disabled while reporting it restored.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import { isEmptyKubeProxyConfig } from "./settings/effective";

/** Azure's default kube-proxy settings, as a restore target writes them for "never set". */
export const AZURE_DEFAULT_KUBE_PROXY_CONFIG: Readonly<KubeProxyConfig> = Object.freeze({ enabled: true, mode: "IPTABLES" });

/** What to write to restore a cluster's previous kube-proxy settings. */
export interface RestoreTarget {
  /** The whole kubeProxyConfig to apply. */
  readonly settings: KubeProxyConfig;
  /** Pass as `allowDisable` to apply: true when the previous settings had kube-proxy disabled. */
  readonly allowDisable: boolean;
  /** Why this target (for logs and reports). */
  readonly reason: string;
}

/**
 * The restore target for the settings a cluster had before a change.
 * @param previous - kubeProxyConfig as read before the change; `null`/undefined when it was never set
 */
export function restoreTargetOf(previous: KubeProxyConfig | null | undefined): RestoreTarget {
  if (previous === null || previous === undefined || isEmptyKubeProxyConfig(previous)) {
    return {
      settings: { ...AZURE_DEFAULT_KUBE_PROXY_CONFIG },
      allowDisable: false,
      reason: "kubeProxyConfig was never set before: Azure's default (enabled, IPTABLES) is written explicitly",
    };
  }
  const settings = JSON.parse(JSON.stringify(previous)) as KubeProxyConfig;
  return { settings, allowDisable: settings.enabled === false, reason: "the settings the cluster had before" };
}
