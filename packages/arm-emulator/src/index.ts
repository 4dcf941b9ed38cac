/**
 * `@aks-kube-proxy/arm-emulator`: a local HTTPS emulator of the slice of Azure Resource Manager
 * that aks-kube-proxy uses (subscriptions, Microsoft.Features, resource providers, managedClusters with their
 * long-running operations) plus the Microsoft Entra token endpoint `@azure/identity` needs, and each cluster's
 * Kubernetes API (kubeconfigs through listClusterUserCredential/listClusterAdminCredential; nodes, the kube-proxy
 * DaemonSet and its pods, `/proxyMode` per node; data-plane faults).
 *
 * This file is the package's whole public face.
 * @packageDocumentation
 */

/** The subscription every emulator serves unless told otherwise. */
export { DEFAULT_SUBSCRIPTION_ID } from "./types";
/** Public types: seeds, timings, options, the running emulator, its control surface, faults and log entries. */
export type {
  ClusterSeed,
  ClusterRefArgs,
  EmulatorControl,
  EmulatorTimings,
  FaultSpec,
  FeatureRef,
  LoggedRequest,
  RunningEmulator,
  StartEmulatorOptions,
  SubscriptionSeed,
  ThrottlingSettings,
  TokenBucketSettings,
  AksThrottlingSettings,
} from "./types";
/** Types of the emulated Kubernetes API: agent pools to seed, data-plane faults, the state a test reads. */
export type { AgentPoolSeed, KubeClusterRef, KubeClusterState, KubeFaultSpec, KubeNodeState } from "./kube/types";
/** The AKS server application id: the audience an Entra-integrated cluster's API server accepts tokens for. */
export { AKS_SERVER_APP_ID } from "./kube/types";
/** Starts an emulator on a loopback port; see {@link StartEmulatorOptions}. */
export { startEmulator } from "./emulator";
/** A seed file that cannot be read or is not a valid seed (code `InvalidSeedFile`), and the test for bad seeds and options. */
export { SeedFileError, isInvalidSeedError } from "./seedFile";
/** The library's default timings: feature 30 ms, provider 20 ms, operation 40 ms, Retry-After 0. */
export { DEFAULT_TIMINGS } from "./emulator";
/** ARM's documented per-subscription request budgets (reads 250 + 25/s, writes 200 + 10/s). */
export { DEFAULT_THROTTLING } from "./throttle";
/** The AKS resource provider's documented budgets (PUT cluster 20 + 1/min, GET cluster 60 + 1/s per cluster; operation status 200 + 2/s per subscription). */
export { DEFAULT_AKS_THROTTLING } from "./aksThrottle";
/** Why a fault path pattern would be refused (not RE2 syntax: backreferences, lookaround; too long or too large a program), or undefined. Accepted patterns are matched in linear time. */
export { unsafePatternReason } from "./safePattern";
/** The AKSHTTPCustomFeatures header value that lets a write skip the feature registration (as Azure's own tests do). */
export { CUSTOM_FEATURE_HEADER_VALUE } from "./routes/managedClusters";
