/**
 * All mutable emulator state: subscriptions with their feature flags, providers, resource
 * groups and clusters, plus running operations. Time-based transitions are evaluated lazily
 * from timestamps (no timers), so a stopped emulator leaves nothing scheduled.
 */
import { clone, isObject } from "../http";
import { newEtag, newGuid } from "../ids";
import type { ClusterSeed, EmulatorTimings, FeatureRef, SubscriptionSeed } from "../types";
import { DEFAULT_SUBSCRIPTION_ID } from "../types";
import {
  clusterKey,
  fillServerProperties,
  normaliseAfterOperation,
  seedToBody,
  setProvisioningState,
  DEFAULT_LOCATION,
  type ClusterRecord,
} from "./clusters";
import { featureKey, forceFeatureState, settleFeature, KUBE_PROXY_FEATURE, type FeatureRecord } from "./features";
import { operationStatus, type OperationKind, type OperationRecord } from "./operations";
import { settleProvider, DEFAULT_REGISTERED_PROVIDERS, type ProviderRecord } from "./providers";

/** A resource group (implicitly existing ones are created on first use). */
export interface ResourceGroupRecord {
  name: string;
  location: string;
  tags?: Record<string, string>;
}

/** Everything one subscription holds. */
export interface SubscriptionState {
  id: string;
  /** What `GET /subscriptions` calls it (not unique: two subscriptions may share a display name). */
  displayName: string;
  tags?: Record<string, string>;
  features: Map<string, FeatureRecord>;
  providers: Map<string, ProviderRecord>;
  resourceGroups: Map<string, ResourceGroupRecord>;
  clusters: Map<string, ClusterRecord>;
}

/** The display name of a subscription seeded without one (and of one made implicitly by a cluster seed). */
export function defaultDisplayName(id: string): string {
  return `Emulated subscription ${id}`;
}

/** Observers of cluster lifecycle events (the emulated data plane listens; see kube/model.ts). */
export interface StoreHooks {
  /** Before a reset clears the state. */
  resetting?(): void;
  /** A cluster was seeded (already provisioned). */
  clusterSeeded?(record: ClusterRecord): void;
  /** An operation reached its end state at `endMs` (the cluster is already updated). */
  operationEnded?(record: ClusterRecord, op: OperationRecord, endMs: number, succeeded: boolean): void;
  /** A delete finished: the cluster is gone. */
  clusterRemoved?(subscriptionId: string, record: ClusterRecord): void;
}

/** What a reset goes back to. */
export interface SeedData {
  subscriptions: SubscriptionSeed[];
  clusters: ClusterSeed[];
  registeredFeatures: FeatureRef[];
  approvalRequiredFeatures: string[];
}

/** The emulator's state. */
export class EmulatorStore {
  readonly subscriptions = new Map<string, SubscriptionState>();
  readonly operations = new Map<string, OperationRecord>();
  /** Ids of operations not finalized yet (tick only looks at these). */
  private readonly active = new Set<string>();
  private readonly approvalRequired = new Set<string>();
  /** See StartEmulatorOptions.disabledKubeProxyReadsAsEmpty. */
  disabledKubeProxyReadsAsEmpty = false;
  /** Lifecycle observers. */
  hooks: StoreHooks = {};

  constructor(
    readonly tenantId: string,
    public timings: EmulatorTimings,
    private readonly seed: SeedData,
    private readonly clock: () => number = Date.now,
  ) {
    this.reset();
  }

  /** Current time in ms (one clock for every transition, so tests can freeze and advance it). */
  now(): number {
    return this.clock();
  }

  /** Back to the seed. */
  reset(): void {
    this.hooks.resetting?.();
    this.subscriptions.clear();
    this.operations.clear();
    this.active.clear();
    this.approvalRequired.clear();
    for (const name of this.seed.approvalRequiredFeatures) this.approvalRequired.add(name.toLowerCase());
    const seeds = this.seed.subscriptions.length > 0 ? this.seed.subscriptions : [{ subscriptionId: DEFAULT_SUBSCRIPTION_ID }];
    for (const seed of seeds) this.ensureSubscription(seed.subscriptionId, seed);
    const subs = seeds.map((s) => s.subscriptionId);
    const now = this.now();
    for (const f of this.seed.registeredFeatures) {
      const sub = this.ensureSubscription(f.subscriptionId ?? subs[0] ?? DEFAULT_SUBSCRIPTION_ID);
      const feature = this.feature(sub, f.namespace ?? KUBE_PROXY_FEATURE.namespace, f.name);
      forceFeatureState(feature, "Registered", now - 2);
      const provider = this.provider(sub, f.namespace ?? KUBE_PROXY_FEATURE.namespace);
      provider.state = "Registered";
      provider.lastRegisterRequestedAtMs = now - 1;
    }
    for (const c of this.seed.clusters) this.seedCluster(c);
  }

  /** True when a feature name needs approval (register -> Pending). */
  isApprovalRequired(name: string): boolean {
    return this.approvalRequired.has(name.toLowerCase());
  }

  /**
   * Adds a subscription if missing (named by `seed`, else {@link defaultDisplayName}); an existing one is returned as
   * it is.
   */
  ensureSubscription(id: string, seed?: Pick<SubscriptionSeed, "displayName" | "tags">): SubscriptionState {
    const key = id.toLowerCase();
    let sub = this.subscriptions.get(key);
    if (!sub) {
      sub = { id, displayName: seed?.displayName ?? defaultDisplayName(id), features: new Map(), providers: new Map(), resourceGroups: new Map(), clusters: new Map() };
      if (seed?.tags) sub.tags = { ...seed.tags };
      for (const ns of DEFAULT_REGISTERED_PROVIDERS) sub.providers.set(ns.toLowerCase(), { namespace: ns, state: "Registered" });
      this.subscriptions.set(key, sub);
    }
    return sub;
  }

  /** A known subscription, or undefined. */
  getSubscription(id: string): SubscriptionState | undefined {
    return this.subscriptions.get(id.toLowerCase());
  }

  /** Gets (creating as NotRegistered) a feature flag, settled to now. */
  feature(sub: SubscriptionState, namespace: string, name: string): FeatureRecord {
    const key = featureKey(namespace, name);
    let feature = sub.features.get(key);
    if (!feature) {
      feature = { namespace, name, state: "NotRegistered" };
      sub.features.set(key, feature);
    }
    return settleFeature(feature, this.now());
  }

  /** Gets (creating as NotRegistered) a provider, settled to now. */
  provider(sub: SubscriptionState, namespace: string): ProviderRecord {
    const key = namespace.toLowerCase();
    let provider = sub.providers.get(key);
    if (!provider) {
      provider = { namespace, state: "NotRegistered" };
      sub.providers.set(key, provider);
    }
    return settleProvider(provider, this.now());
  }

  /**
   * The preview gate: KubeProxyConfigurationPreview Registered AND Microsoft.ContainerService
   * re-registered (request made at or after the flag became Registered, and finished).
   */
  isKubeProxyPreviewEnabled(sub: SubscriptionState): boolean {
    const feature = this.feature(sub, KUBE_PROXY_FEATURE.namespace, KUBE_PROXY_FEATURE.name);
    if (feature.state !== "Registered" || feature.registeredAtMs === undefined) return false;
    const provider = this.provider(sub, KUBE_PROXY_FEATURE.namespace);
    return provider.state === "Registered" && provider.lastRegisterRequestedAtMs !== undefined && provider.lastRegisterRequestedAtMs >= feature.registeredAtMs;
  }

  /** Resource group, created implicitly (location of its first cluster) when unknown. */
  resourceGroup(sub: SubscriptionState, name: string, location?: string): ResourceGroupRecord {
    const key = name.toLowerCase();
    let rg = sub.resourceGroups.get(key);
    if (!rg) {
      rg = { name, location: location ?? DEFAULT_LOCATION };
      sub.resourceGroups.set(key, rg);
    }
    return rg;
  }

  /** Adds (or replaces) a provisioned cluster from a seed. */
  seedCluster(seed: ClusterSeed): ClusterRecord {
    const sub = this.ensureSubscription(seed.subscriptionId ?? this.defaultSubscriptionId());
    const raw = seedToBody(seed);
    if (raw.tags === undefined) delete raw.tags;
    const kpc = seed.kubeProxyConfig;
    fillServerProperties({ raw, subscriptionId: sub.id, resourceGroup: seed.resourceGroup, name: seed.name, tenantId: this.tenantId });
    // Stored exactly as given, even `{}`.
    if (kpc !== undefined && isObject(raw.properties) && isObject(raw.properties.networkProfile)) {
      raw.properties.networkProfile.kubeProxyConfig = clone(kpc);
    }
    setProvisioningState(raw, "Succeeded");
    normaliseAfterOperation(raw);
    raw.eTag = newEtag();
    this.resourceGroup(sub, seed.resourceGroup, String(raw.location));
    const record: ClusterRecord = { subscriptionId: sub.id, resourceGroup: seed.resourceGroup, name: seed.name, raw };
    sub.clusters.set(clusterKey(seed.resourceGroup, seed.name), record);
    this.hooks.clusterSeeded?.(record);
    return record;
  }

  /** The first configured subscription. */
  defaultSubscriptionId(): string {
    return this.seed.subscriptions[0]?.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
  }

  /** A cluster (operations settled first). */
  getCluster(sub: SubscriptionState, resourceGroup: string, name: string): ClusterRecord | undefined {
    this.tick();
    return sub.clusters.get(clusterKey(resourceGroup, name));
  }

  /** Starts an operation on a cluster. */
  startOperation(args: { sub: SubscriptionState; cluster: ClusterRecord; kind: OperationKind; failure?: { code: string; message: string } }): OperationRecord {
    const op: OperationRecord = {
      id: newGuid(),
      subscriptionId: args.sub.id,
      location: String(args.cluster.raw.location ?? DEFAULT_LOCATION).toLowerCase().replace(/\s+/g, ""),
      clusterKey: clusterKey(args.cluster.resourceGroup, args.cluster.name),
      kind: args.kind,
      startMs: this.now(),
      durationMs: this.timings.operationMs,
      failure: args.failure,
      finalized: false,
    };
    this.operations.set(op.id, op);
    this.active.add(op.id);
    args.cluster.operationId = op.id;
    return op;
  }

  /** Cancels a running operation (a DELETE supersedes it: `preemptedByDelete`). */
  cancelOperation(id: string, preemptedByDelete = false): void {
    const op = this.operations.get(id);
    if (op && !op.finalized) {
      op.canceledAtMs = this.now();
      if (preemptedByDelete) op.preemptedByDelete = true;
      op.finalized = true;
      this.active.delete(id);
    }
  }

  /** Makes every running operation due now and finishes it (see `EmulatorControl.finishOperations`). */
  finishOperations(): number {
    const now = this.now();
    let due = 0;
    for (const id of this.active) {
      const op = this.operations.get(id);
      if (!op) continue;
      op.durationMs = Math.min(op.durationMs, Math.max(0, now - op.startMs));
      due++;
    }
    this.tick();
    return due;
  }

  /** Finishes every operation that is due: the cluster reaches Succeeded/Failed, or disappears after a delete. */
  tick(): void {
    const now = this.now();
    for (const id of this.active) {
      const op = this.operations.get(id);
      if (!op) {
        this.active.delete(id);
        continue;
      }
      if (operationStatus(op, now) === "InProgress") continue;
      op.finalized = true;
      this.active.delete(id);
      const sub = this.getSubscription(op.subscriptionId);
      const cluster = sub?.clusters.get(op.clusterKey);
      if (!sub || !cluster || cluster.operationId !== op.id) continue;
      cluster.operationId = undefined;
      if (op.kind === "delete" && !op.failure) {
        sub.clusters.delete(op.clusterKey);
        this.hooks.clusterRemoved?.(sub.id, cluster);
        continue;
      }
      setProvisioningState(cluster.raw, op.failure ? "Failed" : "Succeeded");
      normaliseAfterOperation(cluster.raw);
      this.hooks.operationEnded?.(cluster, op, op.startMs + op.durationMs, !op.failure);
    }
  }

  /** True when an operation runs on the cluster now. */
  isBusy(cluster: ClusterRecord): boolean {
    this.tick();
    return cluster.operationId !== undefined;
  }
}
