/**
 * Planning the selected clusters (read-only), shared by `plan` and `apply`.
 * @packageDocumentation
 */
import type { ClusterRef, KubeProxyClient, KubeProxyConfig, KubeProxyPlan } from "@aks-kube-proxy/sdk";
import { CliError } from "../runtime/cli-error";
import { ExitCode } from "../runtime/exit-codes";
import type { CommandContext } from "../runtime/context";

/**
 * Plans each cluster in turn (reads only), with a progress line.
 * @param ctx - the command context
 * @param client - the client
 * @param refs - the clusters
 * @param desired - the desired settings
 * @param options - allowDisable; timeoutInMs (per cluster: bounds its reads and the wait for an operation in flight,
 *   after which the SDK returns the in-flight classification, or throws its `Timeout` error when no read answered)
 */
export async function planClusters(
  ctx: CommandContext,
  client: KubeProxyClient,
  refs: readonly ClusterRef[],
  desired: KubeProxyConfig,
  options: { allowDisable: boolean; timeoutInMs?: number },
): Promise<KubeProxyPlan[]> {
  const progress = ctx.progress({ quietWhenPlain: true });
  const plans: KubeProxyPlan[] = [];
  try {
    for (const ref of refs) {
      progress.update(`reading ${"id" in ref ? ref.id : `${ref.resourceGroup}/${ref.name}`}`);
      plans.push(
        await client.plan(ref, desired, {
          abortSignal: ctx.abortSignal,
          ...(options.allowDisable ? { allowDisable: true } : {}),
          ...(options.timeoutInMs !== undefined ? { timeoutInMs: options.timeoutInMs } : {}),
          onProgress: (e) => {
            if (e.phase === "waiting-for-cluster") progress.update(`waiting for ${"id" in ref ? ref.id : `${ref.resourceGroup}/${ref.name}`} (provisioningState ${e.provisioningState})`);
          },
        }),
      );
    }
  } finally {
    progress.done();
  }
  return plans;
}

/** `rg/name` of a plan's cluster. */
export function planLabel(plan: KubeProxyPlan): string {
  return `${plan.cluster.resourceGroup}/${plan.cluster.name}`;
}

/** A `status` command line that shows the plan's cluster. */
export function statusCommandFor(resourceGroup: string, name: string): string {
  return `aks-kube-proxy status -g ${resourceGroup} -n ${name}`;
}

/** The `wait` command line that follows a cluster's running operation (with the operation URL when known). */
export function waitCommandFor(resourceGroup: string, name: string, operationUrl?: string): string {
  return `aks-kube-proxy wait -g ${resourceGroup} -n ${name}${operationUrl ? ` --operation '${operationUrl}'` : ""}`;
}

/**
 * The plans whose wait for an operation in flight ran out: not converged, and what is left to do is not known yet.
 * @param plans - plans of the selected clusters
 */
export function inFlightPlans(plans: readonly KubeProxyPlan[]): KubeProxyPlan[] {
  return plans.filter((p) => p.blockers.length === 0 && p.convergence.kind === "in-flight");
}

/**
 * The error of an apply that found operations still in flight after its wait for them ran out (code `ClusterBusy`,
 * exit 1): never "nothing to do", never a write over a running operation. Names the `wait` command of each cluster.
 * @param plans - the in-flight plans ({@link inFlightPlans}), not empty
 */
export function inFlightError(plans: readonly KubeProxyPlan[]): CliError {
  const lines = plans.map(
    (p) => `  ${planLabel(p)} (provisioningState ${p.convergence.provisioningState}): ${waitCommandFor(p.cluster.resourceGroup, p.cluster.name)}`,
  );
  return new CliError(
    "ClusterBusy",
    `${plans.map(planLabel).join(", ")}: not converged: an operation is still in flight and its result is not known yet (the wait for it ran out). ` +
      `Nothing was written to any cluster. Follow it, then apply again:\n${lines.join("\n")}`,
    ExitCode.Failure,
    { clusters: plans.map((p) => ({ id: p.cluster.id, provisioningState: p.convergence.provisioningState, followCommand: waitCommandFor(p.cluster.resourceGroup, p.cluster.name) })) },
  );
}
