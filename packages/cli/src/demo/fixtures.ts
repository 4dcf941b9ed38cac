/**
 * What the demo seeds into its emulator: one subscription, three clusters, and timings slow enough to watch.
 * @packageDocumentation
 */
import type { ClusterSeed, EmulatorTimings } from "@aks-kube-proxy/arm-emulator";

/** The demo's resource group. */
export const DEMO_RESOURCE_GROUP = "rg-kube-proxy-demo";

/** The three demo clusters and what each one shows. */
export const DEMO_CLUSTERS: readonly (ClusterSeed & { readonly role: string })[] = [
  {
    resourceGroup: DEMO_RESOURCE_GROUP,
    name: "aks-default",
    location: "westus2",
    kubernetesVersion: "1.33.2",
    networkPlugin: "azure",
    role: "kubeProxyConfig never set: AKS's default, IPTABLES",
  },
  {
    resourceGroup: DEMO_RESOURCE_GROUP,
    name: "aks-azure-policy",
    location: "westus2",
    kubernetesVersion: "1.33.2",
    networkPlugin: "azure",
    networkPolicy: "azure",
    role: "IPTABLES with Azure Network Policy, which IPVS does not support",
  },
  {
    resourceGroup: DEMO_RESOURCE_GROUP,
    name: "aks-converged",
    location: "westus2",
    kubernetesVersion: "1.33.2",
    networkPlugin: "azure",
    networkPolicy: "calico",
    kubeProxyConfig: {
      enabled: true,
      mode: "IPVS",
      ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 },
    },
    role: "already IPVS LeastConnection 900/120/300",
  },
];

/**
 * Emulator timings for the demo: a few seconds per wait at scale 1, so the states can be seen.
 * @param scale - multiplies every duration (tests use a small scale)
 */
export function demoTimings(scale: number): EmulatorTimings {
  return {
    featureRegistrationMs: Math.round(4000 * scale),
    providerRegistrationMs: Math.round(2000 * scale),
    operationMs: Math.round(3000 * scale),
    retryAfterSeconds: scale >= 1 ? 1 : 0,
    kubeProxyRolloutPerNodeMs: Math.round(1500 * scale),
  };
}

/**
 * How often the demo's client polls, and how many consecutive Registered reads count as Registered.
 * @param scale - as for {@link demoTimings}
 */
export function demoPolling(scale: number): { intervalInMs: number; maxIntervalInMs: number; consecutiveRegisteredReads: number } {
  return { intervalInMs: Math.max(5, Math.round(500 * scale)), maxIntervalInMs: Math.max(10, Math.round(1000 * scale)), consecutiveRegisteredReads: 3 };
}
