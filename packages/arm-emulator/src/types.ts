/**
 * Public types of the emulator (contract A). Kept in one module so that every
 * internal module and `index.ts` agree on them.
 */
import type { AgentPoolSeed, KubeClusterRef, KubeClusterState, KubeFaultSpec } from "./kube/types";

/** The subscription every emulator serves unless told otherwise. */
export const DEFAULT_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";

/**
 * A subscription to serve, with the display name `GET /subscriptions` returns. A plain id string in
 * `subscriptions` is the same as `{ subscriptionId }`.
 */
export interface SubscriptionSeed {
  subscriptionId: string;
  /**
   * Display names need not be unique in Azure (two subscriptions may share one).
   * @default "Emulated subscription <subscriptionId>"
   */
  displayName?: string;
  /** Returned as the subscription's `tags` (absent when not given). */
  tags?: Record<string, string>;
}

/** A cluster to create at start (or through `control.seedCluster`), already provisioned. */
export interface ClusterSeed {
  /** @default DEFAULT_SUBSCRIPTION_ID */
  subscriptionId?: string;
  resourceGroup: string;
  name: string;
  /** @default "westus2" */
  location?: string;
  /** @default "1.33.2" */
  kubernetesVersion?: string;
  /** "azure" | "kubenet" | "none". @default "azure" */
  networkPlugin?: string;
  /** "azure" | "calico" | "cilium" | undefined. @default undefined */
  networkPolicy?: string;
  /**
   * `networkProfile.networkDataplane`: "azure" | "cilium" (Azure CNI Powered by Cilium: Cilium replaces kube-proxy, and
   * a kubeProxyConfig that enables it is refused with `CiliumDataplaneRequiresKubeProxyConfigDisabled`). Omitted when
   * not given (as for clusters made before the property existed).
   */
  networkDataplane?: string;
  /** Stored exactly as given (may be `{}`); omitted = the cluster never had one. */
  kubeProxyConfig?: unknown;
  tags?: Record<string, string>;
  /** @default 1 */
  agentPoolCount?: number;
  /**
   * The agent pools (name, node count, OS); replaces `agentPoolCount`. Their nodes are the emulated Kubernetes API's
   * nodes. @default `agentPoolCount` Linux pools of 3 nodes
   */
  agentPools?: AgentPoolSeed[];
  /** Merged (shallowly) into `properties`. */
  extraProperties?: Record<string, unknown>;
}

/** How long the emulated asynchronous things take. */
export interface EmulatorTimings {
  /** NotRegistered -> Registering -> Registered (and Registered -> Unregistering -> Unregistered). */
  featureRegistrationMs: number;
  /** Registering -> Registered. */
  providerRegistrationMs: number;
  /** LRO InProgress -> Succeeded. */
  operationMs: number;
  /** Retry-After on a running operation's polls and 202s, in seconds; 0 (the default): no Retry-After, as in the recordings. */
  retryAfterSeconds: number;
  /**
   * How long the kube-proxy DaemonSet takes per node to replace its pod (rollout, one node at a time). Optional so
   * that timings written before it existed stay valid. @default 30
   */
  kubeProxyRolloutPerNodeMs?: number;
}

/** One token bucket: `capacity` requests, refilled at `refillPerSecond`. */
export interface TokenBucketSettings {
  capacity: number;
  refillPerSecond: number;
}

/**
 * The AKS resource provider's own throttles (on by default): per-cluster PUT and GET managedCluster, per-subscription
 * GET operation status. Each bucket defaults to Azure's documented budget; `timeScale` multiplies every refill rate.
 */
export interface AksThrottlingSettings {
  /** Multiplies every refill rate: 1 = Azure's rates; 60 = PUTs refill one per second instead of one per minute. @default 1 */
  timeScale?: number;
  /** PUT managedCluster, per cluster. @default 20 burst, refilled 1 per minute */
  putManagedCluster?: TokenBucketSettings;
  /** GET managedCluster, per cluster. @default 60 burst, refilled 1/s */
  getManagedCluster?: TokenBucketSettings;
  /** GET operation status (and operation results), per subscription. @default 200 burst, refilled 2/s */
  getOperationStatus?: TokenBucketSettings;
}

/** Per-subscription request budgets, or `false` to turn throttling off. */
export type ThrottlingSettings = { reads?: TokenBucketSettings; writes?: TokenBucketSettings } | false;

/** A feature flag reference. */
export interface FeatureRef {
  subscriptionId?: string;
  /** @default "Microsoft.ContainerService" */
  namespace?: string;
  name: string;
}

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions {
  /** 0 / undefined = a free loopback port. */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /**
   * The subscriptions served (ids, or seeds with a display name); the first is `RunningEmulator.subscriptionId`.
   * @default [DEFAULT_SUBSCRIPTION_ID]
   */
  subscriptions?: (string | SubscriptionSeed)[];
  clusters?: ClusterSeed[];
  /** Start Registered (and with the provider refreshed after it). */
  registeredFeatures?: FeatureRef[];
  /** Feature names whose registration needs approval: register -> Pending forever. */
  approvalRequiredFeatures?: string[];
  /** Library defaults are fast (tens of ms) with Retry-After 0. */
  timings?: Partial<EmulatorTimings>;
  /** Defaults: reads 250 refilled 25/s, writes 200 refilled 10/s (ARM's documented budgets). */
  throttling?: ThrottlingSettings;
  /** JSON `{ subscriptions?, clusters?, registeredFeatures?, approvalRequiredFeatures?, timings?, throttling? }`. */
  seedFile?: string;
  /**
   * The AKS resource provider's own throttles, beside ARM's: on by default with Azure's budgets; `false` turns them
   * off; `{ timeScale }` speeds up their refill for tests.
   */
  aksThrottling?: AksThrottlingSettings | false;
  /** Page size of the list operations (managedClusters, subscriptions). @default 100 */
  listPageSize?: number;
  /**
   * Receives loud warnings (listening beyond loopback). @default process.emitWarning with code ARM_EMULATOR_NOT_LOOPBACK
   * (printed on stderr)
   */
  onWarning?: (warning: { code: string; message: string }) => void;
  /** Most entries the request log keeps (oldest dropped first). @default 100000 */
  requestLogLimit?: number;
  /**
   * Reproduce azure-rest-api-specs #22208: a cluster whose kube-proxy was disabled (`{"enabled": false}` stored) is
   * returned as `"kubeProxyConfig": {}`. The control API still shows what was stored. @default false
   */
  disabledKubeProxyReadsAsEmpty?: boolean;
  /** Data-plane faults active from the start (and again after `reset()`). */
  kubeFaults?: KubeFaultSpec[];
}

/** One request the emulator answered, with secrets redacted. */
export interface LoggedRequest {
  /** The `x-ms-request-id` the emulator answered with. */
  id: string;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** `Authorization` (and any other secret-bearing header) redacted. */
  requestHeaders: Record<string, string>;
  /** True when the request was applied but its response dropped (fault `drop-response`); `status` is what it would have been. */
  responseDropped?: boolean;
  /** Parsed JSON body (token requests: secrets redacted). */
  requestBody?: unknown;
  kind: "read" | "write" | "poll" | "token" | "control" | "kube";
}

/** A fault to inject; each is consumed by `count` matching requests (or operations / reads). */
export type FaultSpec =
  | { kind: "status"; status: 500 | 503 | 429 | 409 | number; method?: string; pathPattern: string; count: number; armCode?: string; retryAfterSeconds?: number }
  | { kind: "drop"; method?: string; pathPattern: string; count: number }
  /** The request is applied (a PUT is accepted, its operation starts), then the connection is closed without an answer. */
  | { kind: "drop-response"; method?: string; pathPattern: string; count: number }
  | { kind: "slow"; method?: string; pathPattern: string; count: number; delayMs: number }
  | { kind: "lro-failed"; pathPattern: string; count: number; armCode?: string; message?: string }
  /**
   * The next `count` GET answers on matching paths that carry a state show `value` instead: the `status` of an operation
   * status resource, or `properties.provisioningState` of a cluster. Only the answer changes: the operation runs on,
   * the stored cluster keeps its state. For clients that must fail loudly on a state they do not know.
   */
  | { kind: "unknown-state"; pathPattern: string; count: number; value: string }
  | { kind: "feature-flap"; reads: number; featureName?: string };

/** Identifies a cluster. */
export interface ClusterRefArgs {
  subscriptionId?: string;
  resourceGroup: string;
  name: string;
}

/** In-process control of a running emulator (the same operations exist over HTTP under `/_emulator/`). */
export interface EmulatorControl {
  seedCluster(seed: ClusterSeed): void;
  /** Raw stored ARM JSON (deep copy), as the newest preview api-version would return it. */
  getCluster(ref: ClusterRefArgs): Record<string, unknown> | undefined;
  /** Out-of-band change (drift); bumps the etag. */
  updateCluster(ref: ClusterRefArgs, mutate: (raw: Record<string, unknown>) => void): void;
  /** What kube-proxy the cluster actually runs (IPTABLES when NFTABLES was set on k8s < 1.33; DISABLED when enabled is false or the data plane is Cilium). */
  effectiveKubeProxyMode(ref: ClusterRefArgs): string | undefined;
  setFeatureState(args: FeatureRef & { state: string }): void;
  getFeatureState(args: FeatureRef): string;
  getProviderState(args: { subscriptionId?: string; namespace: string }): string;
  requestLog(): LoggedRequest[];
  clearRequestLog(): void;
  addFault(fault: FaultSpec): void;
  clearFaults(): void;
  setTimings(t: Partial<EmulatorTimings>): void;
  /**
   * Ends every running operation now, as if its time had come (Succeeded, or Failed for an `lro-failed` fault); returns
   * how many ended. Lets a test hold an operation for a long time (`operationMs`) and release it when it chooses.
   */
  finishOperations(): number;
  setThrottling(t: StartEmulatorOptions["throttling"]): void;
  /** Turns the AKS resource provider throttles on (with settings) or off (`false`); refills their buckets. */
  setAksThrottling(t: AksThrottlingSettings | false): void;
  /** Adds a data-plane fault (held until cleared); see {@link KubeFaultSpec}. */
  addKubeFault(fault: KubeFaultSpec): void;
  /** Removes every data-plane fault. */
  clearKubeFaults(): void;
  /** The cluster's data plane now: DaemonSet status, nodes, pods, what each `/proxyMode` answers. */
  kubeState(ref: KubeClusterRef): KubeClusterState | undefined;
  /** Back to the seed (clusters, features, providers, operations, faults, log, buckets). */
  reset(): void;
}

/** A started emulator. */
export interface RunningEmulator {
  /** https://127.0.0.1:PORT — the ARM endpoint AND the Entra authority host. */
  url: string;
  /** PEM of the CA that signed the server certificate. */
  ca: string;
  /** The same PEM written to a temporary file (for NODE_EXTRA_CA_CERTS). */
  caPath: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  /** AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST, AZURE_SUBSCRIPTION_ID, NODE_EXTRA_CA_CERTS. */
  env: Record<string, string>;
  /**
   * https://127.0.0.1:PORT of the shared Kubernetes listener: `kubeUrl + "/clusters/<fqdn>"` reaches a cluster's API
   * server. The kubeconfigs ARM hands out point at each cluster's own listener instead (no path).
   */
  kubeUrl: string;
  /** PEM of the Kubernetes CA (the kubeconfigs' certificate-authority-data); distinct from {@link RunningEmulator.ca}. */
  kubeCa: string;
  control: EmulatorControl;
  stop(): Promise<void>;
}
