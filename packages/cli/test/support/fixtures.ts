/**
 * Emulator seeds shared by the CLI's end-to-end tests.
 * @packageDocumentation
 */
import { startEmulator, type ClusterSeed, type EmulatorTimings, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";

/** Milliseconds for every wait, so the suite stays fast. */
export const FAST_TIMINGS: EmulatorTimings = { featureRegistrationMs: 40, providerRegistrationMs: 30, operationMs: 60, retryAfterSeconds: 0, kubeProxyRolloutPerNodeMs: 20 };

/** The resource group of most test clusters. */
export const RG = "rg-cli";

/** The documentation's example settings, in the API's spelling. */
export const DOCS_SETTINGS = {
  enabled: true,
  mode: "IPVS",
  ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 },
};

/** Clusters: default IPTABLES, Azure Network Policy, already converged, `{}` as returned, and one in another group. */
export const TEST_CLUSTERS: ClusterSeed[] = [
  { resourceGroup: RG, name: "plain", kubernetesVersion: "1.33.2", networkPlugin: "azure" },
  { resourceGroup: RG, name: "azure-policy", kubernetesVersion: "1.33.2", networkPlugin: "azure", networkPolicy: "azure" },
  { resourceGroup: RG, name: "converged", kubernetesVersion: "1.33.2", networkPlugin: "azure", networkPolicy: "calico", kubeProxyConfig: DOCS_SETTINGS },
  { resourceGroup: RG, name: "empty-config", kubernetesVersion: "1.33.2", networkPlugin: "none", kubeProxyConfig: {} },
  { resourceGroup: "rg-other", name: "elsewhere", kubernetesVersion: "1.32.5", networkPlugin: "kubenet" },
];

/**
 * The kubeProxyConfig the emulator stores for a cluster (the judge's view), or undefined when absent.
 * @param raw - `control.getCluster(...)`
 */
export function storedKubeProxyConfig(raw: Record<string, unknown> | undefined): unknown {
  const properties = raw?.["properties"] as Record<string, unknown> | undefined;
  const networkProfile = properties?.["networkProfile"] as Record<string, unknown> | undefined;
  return networkProfile?.["kubeProxyConfig"];
}

/** The emulator of a test file, set once its `beforeAll` has run. */
export interface CliTestEmulator {
  em: RunningEmulator;
}

/**
 * Starts one emulator for the calling test file (TEST_CLUSTERS, FAST_TIMINGS, no throttling), stops it after the
 * file, and before each test puts it back to the seed with fast timings and an empty request log.
 */
export function useCliTestEmulator(): CliTestEmulator {
  const holder = {} as CliTestEmulator;
  beforeAll(async () => {
    holder.em = await startEmulator({ clusters: TEST_CLUSTERS, timings: FAST_TIMINGS, throttling: false });
  });
  afterAll(async () => {
    await holder.em.stop();
  });
  beforeEach(() => {
    holder.em.control.reset();
    holder.em.control.setTimings(FAST_TIMINGS);
    holder.em.control.clearRequestLog();
  });
  return holder;
}
