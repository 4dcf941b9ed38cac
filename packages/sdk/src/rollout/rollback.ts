/**
 * Rollback: a new journal that puts back each cluster's previous settings, as recorded by the rollout's journal, with
 * the rollout's waves, soak times, halt rule and concurrency. Pure; run it with {@link runRollout}.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { JournalCluster, RolloutJournal } from "./journal";

/** Restores the settings a journal recorded as previous: absent or `{}` is the AKS default. @internal */
export function restoreTarget(previous: KubeProxyConfig | null | undefined): KubeProxyConfig {
  if (previous === null || previous === undefined || Object.keys(previous).length === 0) return { enabled: true, mode: "IPTABLES" };
  return structuredClone(previous);
}

/** Arguments of {@link createRollbackJournal}. */
export interface CreateRollbackJournalArgs {
  /** The journal of the rollout to undo (an apply journal). */
  readonly source: RolloutJournal;
  /** Where it was read from (recorded for reports). */
  readonly sourcePath?: string;
  /** Creation time (for tests). */
  readonly now?: Date;
}

/**
 * Plans a rollback of a rollout journal: every cluster the rollout wrote (or may have written: in progress or failed
 * after its write was sent) gets its recorded previous settings back (absent or `{}` is restored as the AKS default,
 * enabled IPTABLES), in the same wave as before; the others are skipped as `nothing-to-roll-back`. Clusters already
 * back at their previous settings get no write when it runs (the SDK's apply skips converged clusters).
 * @param args - the source journal
 * @throws Error when `source` is itself a rollback journal
 */
export function createRollbackJournal(args: CreateRollbackJournalArgs): RolloutJournal {
  const { source } = args;
  if (source.operation !== "apply") throw new Error("a rollback journal cannot be rolled back; run the rollout again instead");
  const at = (args.now ?? new Date()).toISOString();
  const clusters: JournalCluster[] = source.clusters.map((c) => {
    const touched = c.written === true || c.changed === true || (c.status === "in-progress" && c.operationUrl !== undefined);
    const base: JournalCluster = {
      id: c.id,
      subscriptionId: c.subscriptionId,
      resourceGroup: c.resourceGroup,
      name: c.name,
      status: "skipped",
      attempts: 0,
      ...(c.location !== undefined ? { location: c.location } : {}),
      ...(c.kubernetesVersion !== undefined ? { kubernetesVersion: c.kubernetesVersion } : {}),
      ...(c.group !== undefined ? { group: c.group } : {}),
    };
    if (!touched || c.wave === undefined) {
      return { ...base, skipReason: "nothing-to-roll-back", skipMessage: "the rollout did not write this cluster" };
    }
    return {
      ...base,
      wave: c.wave,
      status: "pending",
      desired: restoreTarget(c.previous),
      previous: c.after !== undefined ? c.after : (c.desired ?? null),
    };
  });
  return {
    kind: source.kind,
    version: source.version,
    operation: "rollback",
    rolloutName: source.rolloutName,
    specHash: source.specHash,
    spec: source.spec,
    ...(source.shard ? { shard: source.shard } : {}),
    apiVersion: source.apiVersion,
    createdAt: at,
    updatedAt: at,
    status: "planned",
    rollbackOf: { specHash: source.specHash, ...(args.sourcePath !== undefined ? { journalPath: args.sourcePath } : {}) },
    subscriptions: Object.fromEntries(Object.entries(source.subscriptions).map(([id, s]) => [id, { ...(s.clusters !== undefined ? { clusters: s.clusters } : {}), ...(s.previewEnabled ? { previewEnabled: true } : {}) }])),
    waves: source.waves.map((w) => ({ name: w.name, index: w.index, status: "pending", total: clusters.filter((c) => c.wave === w.name).length })),
    clusters,
    runs: [],
  };
}
