/**
 * The seam between a rollout and Azure: the part of the SDK's client a rollout uses, the factory that builds one per
 * subscription, and the cache that builds each once with the rollout's rate limiter in its pipeline.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { AdditionalPolicy } from "@aks-kube-proxy/sdk";
import type { ClusterState, KubeProxyPlan } from "@aks-kube-proxy/sdk";
import type { ApplyPoller, ApplyPollerOptions } from "@aks-kube-proxy/sdk";
import type { HealthGateClient } from "./healthGate";
import type { ArmRateLimiter } from "./rateLimiter";

/** The part of {@link KubeProxyClient} a rollout uses (a `KubeProxyClient` is one; `waitForDataPlane` is needed by health gates only). */
export interface RolloutClient extends HealthGateClient {
  /** Reads the preview's feature and provider states. */
  getPreviewStatus(options?: { abortSignal?: AbortSignal }): Promise<{ featureState: string; providerState: string }>;
  /** Enables the preview (feature flag, provider refresh), waiting until done. */
  enablePreview(options?: { abortSignal?: AbortSignal; refreshProvider?: "when-needed" | "always"; onProgress?: (e: { step: string; state: string; elapsedInMs: number }) => void }): Promise<unknown>;
  /** Lists the subscription's clusters (every page). */
  listClusters(options?: { abortSignal?: AbortSignal }): Promise<ClusterState[]>;
  /** Starts converging one cluster (or re-attaches to an operation of an older journal with `resumeOperationUrl`). */
  beginApply(ref: { id: string }, desired: KubeProxyConfig, options?: ApplyPollerOptions & { allowDisable?: boolean; resumeOperationUrl?: string }): ApplyPoller;
  /**
   * Applies exactly a plan (a saved rollout plan's cluster): reads the cluster, refuses it (`PlanStale`) when it moved
   * since the plan, and writes with `If-Match` on the planned eTag (a 412 whose read shows it moved: `PlanStale`).
   */
  beginApply(plan: KubeProxyPlan, options?: ApplyPollerOptions & { allowDisable?: boolean }): ApplyPoller;
  /** Re-creates the apply poller of a cluster from the state a journal saved (re-attaches; never re-sends blindly). */
  restoreApplyPoller(serialized: string, options?: ApplyPollerOptions): ApplyPoller;
}

/** Builds the client for a subscription; pass `additionalPolicies` on to the client (they hold the rate limiter). */
export type RolloutClientFactory = (args: { readonly subscriptionId: string; readonly additionalPolicies: readonly AdditionalPolicy[] }) => RolloutClient;

/**
 * One client per subscription, built on first use with the rate limiter's policy.
 * @internal
 */
export class RolloutClients {
  private readonly clients = new Map<string, RolloutClient>();

  /**
   * @param factory - builds a client
   * @param limiter - paces every client's requests
   */
  constructor(
    private readonly factory: RolloutClientFactory,
    private readonly limiter: ArmRateLimiter,
  ) {}

  /** The client of a subscription. */
  get(subscriptionId: string): RolloutClient {
    let c = this.clients.get(subscriptionId);
    if (!c) {
      c = this.factory({ subscriptionId, additionalPolicies: [{ policy: this.limiter.policy, position: "perRetry" }] });
      this.clients.set(subscriptionId, c);
    }
    return c;
  }
}
