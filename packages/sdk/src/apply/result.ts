/**
 * The outcome of an apply.
 * @packageDocumentation
 */
import type { ClusterState } from "../clusterState";
import type { KubeProxyPlan } from "../plan";
import type { EffectiveKubeProxySettings } from "../settings/effective";

/** The outcome of {@link KubeProxyClient.apply} and of an apply poller. */
export interface ApplyResult {
  /** True when a write was made (or a previous write re-attached to). */
  readonly changed: boolean;
  /** The plan made from the first read of this run (its `convergence` says what was found: drifted, needs-reconcile...). */
  readonly plan: KubeProxyPlan;
  /** Effective settings before. */
  readonly before: EffectiveKubeProxySettings;
  /** Effective settings after (read back). */
  readonly after: EffectiveKubeProxySettings;
  /** Wall time. */
  readonly durationInMs: number;
  /** ARM request ids of every call, in order. */
  readonly requestIds: string[];
  /** The operation URL of the write, when there was one. */
  readonly operationUrl?: string;
  /** The cluster as read back at the end (converged: desired settings, Succeeded). */
  readonly cluster: ClusterState;
  /** How many writes (PUTs) Azure accepted in this run (0 when converged). */
  readonly writes: number;
}
