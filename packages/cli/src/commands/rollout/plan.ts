/**
 * `aks-kube-proxy rollout plan`: lists the fleet and shows what a rollout would change; writes no cluster (with
 * `--out FILE`, saves the plan for `rollout apply FILE`).
 * @packageDocumentation
 */
import { writePlanFile } from "../../inputs/plan-file";
import { CliUsageError } from "../../runtime/cli-error";
import type { CommandContext } from "../../runtime/context";
import { ExitCode, type ExitCodeValue } from "../../runtime/exit-codes";
import { planJson, planTable, planTsvRows } from "./render";
import { type RolloutPlanFlags, clientFactory, readRolloutInput, readShard } from "./actions";

/** `rollout plan FILE [--out PLANFILE]`: list, plan, show (and save); writes no cluster. */
export async function rolloutPlan(ctx: CommandContext, file: string): Promise<ExitCodeValue> {
  const sdk = ctx.sdk();
  const rollout = ctx.rollout();
  const flags = ctx.opts<RolloutPlanFlags>();
  const input = await readRolloutInput(ctx, file);
  if (input.kind === "plan") {
    throw new CliUsageError(`${file} is a saved rollout plan, not a rollout file: print it with \`aks-kube-proxy show ${file}\`, apply it with \`aks-kube-proxy rollout apply ${file}\`.`);
  }
  const spec = input.parsed.spec;
  const shard = readShard(ctx, flags.shard);
  const limiter = new rollout.ArmRateLimiter();
  const clusters = await ctx.withReadTimeout(`Listing the clusters of ${spec.subscriptions.length} subscription(s)`, (abortSignal) =>
    rollout.listRolloutClusters({ spec, createClient: clientFactory(ctx), rateLimiter: limiter, ...(abortSignal ? { abortSignal } : {}) }),
  );
  const plan = rollout.planRollout({ spec, clusters, apiVersion: ctx.globals.apiVersion ?? sdk.DEFAULT_API_VERSION, ...(shard ? { shard } : {}) });
  if (flags.out !== undefined) {
    // Written whole or not at all, before the result (a blocked cluster is in it too: apply skips it, as planned).
    await writePlanFile(flags.out, rollout.serializeRolloutPlan(rollout.toSavedRolloutPlan(plan)));
    ctx.out.info(`Saved the rollout plan to ${flags.out}. Apply exactly it with: aks-kube-proxy rollout apply ${flags.out}`);
  }
  ctx.out.result({ table: () => planTable(plan, ctx.out), json: () => planJson(plan), tsv: () => planTsvRows(plan) });
  // The same codes as `plan`: a blocked cluster is exit 4 (1 under --detailed-exitcode, mapped by the host).
  if (plan.totals.blocked > 0) {
    ctx.out.error(`${plan.totals.blocked} cluster(s) blocked by a rule${ctx.out.json ? "" : " (see Findings above)"}; the rollout would skip them and write nothing to them.`);
    return ExitCode.Blocked;
  }
  return flags.detailedExitcode && plan.totals.change > 0 ? ExitCode.ChangesPending : ExitCode.Ok;
}
