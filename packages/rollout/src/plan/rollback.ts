/**
 * Rollback: a new journal that puts back each cluster's previous settings, as recorded by the rollout's journal, with
 * the rollout's waves, soak times, halt rule and concurrency. Pure; run it with {@link runRollout}.
 * @packageDocumentation
 */
import { restoreTargetOf } from "@aks-kube-proxy/sdk";
import type { JournalCluster, RolloutJournal } from "../journal/journal";

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
 * True when the rollout may have written the cluster: its intent was saved before a PUT (`written`, `intent`), a PUT
 * was accepted (`changed`, an operation URL), or a poller state says a write may have been sent. Such a cluster stays
 * in every rollback, whatever happened to it later (failed, crashed, resumed).
 * @internal
 */
export function mayHaveBeenWritten(c: JournalCluster): boolean {
  return c.written === true || c.intent !== undefined || c.changed === true || c.operationUrl !== undefined || c.pollerState !== undefined;
}

/**
 * Plans a rollback of a rollout journal: every cluster the rollout may have written (see {@link mayHaveBeenWritten})
 * gets back the settings it had before the rollout's first write (the intent saved before that PUT; for an older
 * journal, the settings read when planning), through the SDK's one restore target (`restoreTargetOf`: absent or `{}`
 * is restored as Azure's default, enabled IPTABLES, written explicitly), in the
 * same wave as before; the others are skipped as `nothing-to-roll-back`. Clusters already back at their previous
 * settings (and Succeeded) get no write when it runs.
 * @param args - the source journal
 * @throws Error when `source` is itself a rollback journal
 */
export function createRollbackJournal(args: CreateRollbackJournalArgs): RolloutJournal {
  const { source } = args;
  if (source.operation !== "apply") throw new Error("a rollback journal cannot be rolled back; run the rollout again instead");
  const at = (args.now ?? new Date()).toISOString();
  const clusters: JournalCluster[] = source.clusters.map((c) => {
    const touched = mayHaveBeenWritten(c);
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
      // The SDK's one restore target (also the Pulumi component's delete): "never set" is Azure's default, explicitly;
      // a previous `enabled: false` is written back with allowDisable (the cluster runner passes it for such settings).
      desired: restoreTargetOf(c.intent ? c.intent.previous : c.previous).settings,
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
