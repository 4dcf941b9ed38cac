/**
 * The pure plan: current vs desired settings, field-by-field changes, warnings and blockers. Writes nothing.
 * @packageDocumentation
 */
import type { ContainerServiceNetworkProfileKubeProxyConfig as KubeProxyConfig } from "@azure/arm-containerservice";
import type { ClusterState } from "./clusterState";
import { classifyConvergence, isConverged, type Convergence } from "./convergence";
import type { Finding } from "./findings";
import { checkKubeProxyRules } from "./rules";
import { diffEffectiveSettings, effectiveKubeProxySettings, isEmptyKubeProxyConfig, type EffectiveKubeProxySettings, type FieldChange } from "./settings/effective";

/** A planned change of one cluster's kube-proxy settings. */
export interface KubeProxyPlan {
  /** The cluster as read. */
  readonly cluster: ClusterState;
  /** What the cluster effectively runs now. */
  readonly current: EffectiveKubeProxySettings;
  /** The settings that would be written (replacing kubeProxyConfig whole). */
  readonly desired: KubeProxyConfig;
  /** What the cluster would effectively run afterwards. */
  readonly desiredEffective: EffectiveKubeProxySettings;
  /** Field-by-field differences (empty when converged). */
  readonly changes: FieldChange[];
  /** Warnings and notes (severity tells which). */
  readonly warnings: Finding[];
  /** Findings that stop apply. Always empty when there are no changes (those become warnings). */
  readonly blockers: Finding[];
  /**
   * True unless the cluster is converged ({@link KubeProxyPlan.converged}): the settings differ (a write, or blocked),
   * the cluster needs a reconcile (Failed/Canceled), or an operation is in flight whose result is not known yet (a
   * plan whose wait for it ran out is never "no changes"). A write is needed only for `drifted` and `needs-reconcile`
   * (`needsWrite`).
   */
  readonly hasChanges: boolean;
  /** True only when the cluster is converged: the desired settings read back, Succeeded, no operation in flight ({@link isConverged}). */
  readonly converged: boolean;
  /** The one classification of this read ({@link classifyConvergence}): converged, in-flight, needs-reconcile, drifted, blocked. */
  readonly convergence: Convergence;
}

/** Arguments of {@link planKubeProxyChange}. */
export interface PlanKubeProxyChangeArgs {
  /** The cluster as read ({@link KubeProxyClient.getCluster}). */
  readonly cluster: ClusterState;
  /** The desired settings. */
  readonly desired: KubeProxyConfig;
  /** The api-version the write would use. */
  readonly apiVersion: string;
  /** The caller means to disable kube-proxy. @default false */
  readonly allowDisable?: boolean;
}

function isByoCni(cluster: ClusterState): boolean {
  return (cluster.networkPlugin ?? "").toLowerCase() === "none";
}

/**
 * Plans a change, purely. Shapes Azure returns are read so that no change is spurious: an absent kubeProxyConfig and
 * `{}` are the default (enabled, IPTABLES); on a bring-your-own-CNI cluster (networkPlugin none), where `{}` is also
 * what Azure returns after kube-proxy was disabled (azure-rest-api-specs #22208), `{}` counts as already disabled when
 * `enabled: false` is desired, and an explicit `enabled: true` is written to resolve the ambiguity.
 * The plan carries the cluster's {@link Convergence}: a Failed or Canceled cluster with the desired settings needs a
 * reconcile (a write, so `hasChanges` is true), a cluster with an operation in flight is not converged whatever its
 * settings read (`hasChanges` true, `converged` false).
 * @param args - cluster, desired settings, api-version, allowDisable
 * @throws {@link UnknownClusterStateError} when the cluster's provisioningState is unknown
 */
export function planKubeProxyChange(args: PlanKubeProxyChangeArgs): KubeProxyPlan {
  const { cluster, desired, apiVersion } = args;
  const desiredEffective = effectiveKubeProxySettings(desired);
  let current = cluster.effective;
  const notes: Finding[] = [];
  let changes: FieldChange[];

  const emptyOnByoCni = isEmptyKubeProxyConfig(cluster.kubeProxyConfig) && isByoCni(cluster);
  if (emptyOnByoCni && desired.enabled === false) {
    current = { ...desiredEffective, enabled: false };
    changes = [];
    notes.push({
      id: "empty-config-read-as-disabled",
      severity: "note",
      path: "enabled",
      message: "Azure returns kubeProxyConfig {} after kube-proxy was disabled (azure-rest-api-specs #22208); on this bring-your-own-CNI cluster it is read as already disabled.",
    });
  } else {
    changes = diffEffectiveSettings(current, desiredEffective);
    if (emptyOnByoCni && changes.length === 0 && desired.enabled === true) {
      changes = [{ path: "enabled", before: undefined, after: true }];
      notes.push({
        id: "empty-config-ambiguous",
        severity: "note",
        path: "enabled",
        message: "kubeProxyConfig reads {} on this bring-your-own-CNI cluster, which Azure also returns after kube-proxy was disabled; enabled: true is written explicitly to resolve it.",
      });
    }
  }

  const settingsDiffer = changes.length > 0;
  const findings = checkKubeProxyRules({ facts: cluster, current, desired, apiVersion, ...(args.allowDisable !== undefined ? { allowDisable: args.allowDisable } : {}) });
  const blockers: Finding[] = [];
  const warnings: Finding[] = [];
  for (const f of findings) {
    if (f.severity !== "blocker") warnings.push(f);
    else if (settingsDiffer) blockers.push(f);
    else warnings.push({ ...f, severity: "warning", message: `The cluster already has these settings, but: ${f.message}` });
  }
  warnings.push(...notes);
  const label = cluster.resourceGroup && cluster.name ? `${cluster.resourceGroup}/${cluster.name}` : cluster.name || "the cluster";
  const convergence = classifyConvergence({ provisioningState: cluster.provisioningState, changes, blockers, cluster: label });
  const converged = isConverged(convergence);
  return { cluster, current, desired, desiredEffective, changes, warnings, blockers, hasChanges: !converged, converged, convergence };
}

/** The read a plan was made from, as far as staleness goes: a plan's `cluster`, or an apply state's `plannedRead`. */
export type PlannedRead = Pick<ClusterState, "etag" | "effective" | "provisioningState">;

/**
 * What changed on a cluster since it was planned (pure): its eTag moved, its effective settings or its
 * provisioningState differ from the read the plan was made from. Empty when the plan still stands. One line per change.
 * @param planned - the read the plan was made from (`plan.cluster`)
 * @param cluster - the cluster as read now
 */
export function changedSincePlan(planned: PlannedRead, cluster: ClusterState): string[] {
  const changed: string[] = [];
  if ((planned.etag ?? null) !== (cluster.etag ?? null)) changed.push(`eTag ${JSON.stringify(planned.etag ?? null)} → ${JSON.stringify(cluster.etag ?? null)}`);
  for (const c of diffEffectiveSettings(planned.effective, cluster.effective)) changed.push(`${c.path}: ${JSON.stringify(c.before ?? null)} → ${JSON.stringify(c.after ?? null)}`);
  if ((planned.provisioningState ?? "") !== (cluster.provisioningState ?? "")) changed.push(`provisioningState: ${planned.provisioningState ?? "none"} → ${cluster.provisioningState ?? "none"}`);
  return changed;
}
