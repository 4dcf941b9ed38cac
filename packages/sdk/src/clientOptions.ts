/**
 * Options and small result types of {@link KubeProxyClient}'s operations.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { TokenCredential } from "@azure/core-auth";
import type { ApplyPollerOptions } from "./apply/poller";
import type { AdditionalPolicy, RetryOptions } from "./arm/pipeline";
import type { LogEntry } from "./log";
import type { ApplyProgress } from "./progress";

/** Polling options of {@link KubeProxyClientOptions}. */
export interface PollingOptions {
  /** Base interval between polls (feature, provider, operations, busy clusters). @default 5000 */
  readonly intervalInMs?: number;
  /** Largest interval the backoff reaches. @default 30000 */
  readonly maxIntervalInMs?: number;
  /** Largest wait a server's Retry-After may impose on a poll. @default 60000 */
  readonly maxRetryAfterInMs?: number;
  /** Consecutive Registered reads of the feature flag needed to trust it (the store is eventually consistent). @default 10 */
  readonly consecutiveRegisteredReads?: number;
}

/** Options of {@link KubeProxyClient}. */
export interface KubeProxyClientOptions {
  /** The subscription to work in (clusters may name another one in their reference). */
  readonly subscriptionId: string;
  /** Any TokenCredential. @default createCredential() (environment, workload identity, managed identity, Azure CLI...) */
  readonly credential?: TokenCredential;
  /** Cloud by name. @default "AzureCloud" */
  readonly cloud?: "AzureCloud" | "AzureChinaCloud" | "AzureUSGovernment";
  /** Any ARM endpoint (Azure Stack, the emulator); overrides the cloud's. */
  readonly endpoint?: string;
  /** Token audience; @default the cloud's, or the endpoint's origin */
  readonly audience?: string;
  /** Preview api-version of managedClusters. @default "2026-08-02-preview"; older than 2022-08-02-preview, or GA, is refused */
  readonly apiVersion?: string;
  /** Send `AKSHTTPCustomFeatures: Microsoft.ContainerService/KubeProxyConfigurationPreview` (what Azure's own tests do). @default false */
  readonly sendPreviewFeatureHeader?: boolean;
  /** Retry of 429, 5xx and dropped connections by the pipeline's retry policies. */
  readonly retry?: RetryOptions;
  /** Polling of long waits. */
  readonly polling?: PollingOptions;
  /** Extra pipeline policies (e.g. a rate limiter), added to every client. */
  readonly additionalPolicies?: readonly AdditionalPolicy[];
  /** Receives log entries (also sent to `@azure/logger` "aks-kube-proxy", see AZURE_LOG_LEVEL). Never gets tokens. */
  readonly logger?: (entry: LogEntry) => void;
}

/** Options of {@link KubeProxyClient.getPreviewStatus}, {@link KubeProxyClient.getCluster}, {@link KubeProxyClient.listClusters}. */
export interface ReadOptions {
  /** Cancels the read. */
  readonly abortSignal?: AbortSignal;
  /**
   * Bounds the read (every page and request of it, the pipeline's retries and throttling sleeps included, through an
   * AbortSignal): when it passes before Azure answered, the read throws {@link OperationTimeoutError} (code `Timeout`).
   * A positive number. @default no bound but the caller's `abortSignal`
   */
  readonly timeoutInMs?: number;
}

/** Options of {@link KubeProxyClient.listClusters}. */
export interface ListClustersOptions extends ReadOptions {
  /** Only this resource group. @default the whole subscription */
  readonly resourceGroup?: string;
  /** Another subscription than the client's. */
  readonly subscriptionId?: string;
}

/** Options of {@link KubeProxyClient.plan}. */
export interface PlanOptions extends ReadOptions {
  /** The caller means to disable kube-proxy (`enabled: false`). @default false */
  readonly allowDisable?: boolean;
  /**
   * How long plan waits for an operation in flight (Updating, Creating...) to end before it classifies the cluster;
   * 0 returns the in-flight classification at once. @default 3600000
   */
  readonly waitForOperationInMs?: number;
  /**
   * Bounds the whole plan: every read of the cluster (the pipeline's retries and throttling sleeps included, through an
   * AbortSignal) and the wait for an operation in flight. When it passes before any read answered, plan throws
   * {@link OperationTimeoutError} (code `Timeout`); when it passes while plan waits for an operation in flight, plan
   * returns the in-flight classification of its last read, as when `waitForOperationInMs` runs out. A positive number.
   * @default no bound other than `waitForOperationInMs` and the caller's `abortSignal`
   */
  readonly timeoutInMs?: number;
  /** Called while plan waits for an operation in flight. */
  readonly onProgress?: (e: ApplyProgress) => void;
}

/** Options of {@link KubeProxyClient.apply} and {@link KubeProxyClient.beginApply}. */
export interface ApplyOptions extends ReadOptions, ApplyPollerOptions {
  /** The caller means to disable kube-proxy (`enabled: false`). @default false */
  readonly allowDisable?: boolean;
  /**
   * Write even when the api-version returns no eTag (before 2024-04-02-preview): the PUT then goes without If-Match and
   * can overwrite a concurrent change (node counts, tags). @default false (such a write is refused with EtagUnavailableError)
   */
  readonly allowWriteWithoutEtag?: boolean;
  /** Re-attach to an operation a previous run started instead of writing again (then verify, and write only if still needed). */
  readonly resumeOperationUrl?: string;
}

/** Options of {@link KubeProxyClient.waitForOperation}. */
export interface WaitForOperationOptions {
  /** @default 3600000 */
  readonly timeoutInMs?: number;
  /** Stops waiting promptly (the operation continues in Azure). */
  readonly abortSignal?: AbortSignal;
  /** Called on each poll. */
  readonly onProgress?: (e: ApplyProgress) => void;
}

/** Options of {@link KubeProxyClient.createCluster}. Defaults are the named constants of `cluster/defaults.ts`. */
export interface CreateClusterOptions extends WaitForOperationOptions {
  /** Resource group (must exist). */
  readonly resourceGroup: string;
  /** Cluster name. */
  readonly name: string;
  /** Another subscription than the client's. */
  readonly subscriptionId?: string;
  /** @default DEFAULT_CLUSTER_LOCATION ("westus2") */
  readonly location?: string;
  /** @default Azure's default version */
  readonly kubernetesVersion?: string;
  /** Nodes in the system pool. @default DEFAULT_SYSTEM_POOL_NODE_COUNT (1) */
  readonly nodeCount?: number;
  /** VM size of the system pool. @default DEFAULT_SYSTEM_POOL_VM_SIZE ("Standard_DS2_v2") */
  readonly vmSize?: string;
  /** @default "azure" */
  readonly networkPlugin?: string;
  /** @default none */
  readonly networkPolicy?: string;
  /** Resource tags. */
  readonly tags?: Record<string, string>;
  /** The kube-proxy settings to create the cluster with. */
  readonly kubeProxyConfig?: KubeProxyConfig;
  /** The caller means `enabled: false`. @default false */
  readonly allowDisable?: boolean;
}

/** Options of {@link KubeProxyClient.deleteCluster}. */
export interface DeleteClusterOptions extends WaitForOperationOptions {
  /** Wait for the deletion to finish. @default true */
  readonly wait?: boolean;
}

/** Preview enablement state of the subscription. */
export interface PreviewStatus {
  /** `KubeProxyConfigurationPreview` state: NotRegistered, Pending, Registering, Registered, Unregistering, Unregistered. */
  readonly featureState: string;
  /** `Microsoft.ContainerService` registrationState. */
  readonly providerState: string;
}
