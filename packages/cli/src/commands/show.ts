/**
 * `aks-kube-proxy show PLANFILE`: prints a plan saved by `plan --out`, as `plan` does, or a rollout plan saved by
 * `rollout plan --out`, as `rollout plan` does (reads no cluster, writes nothing).
 * @packageDocumentation
 */
import { readPlanFileText } from "../inputs/plan-file";
import { jsonKindOf } from "../inputs/rollout-file";
import { planFlagsJson, planJson, planSummary, planText } from "../render/plan";
import type { CliCommandModule } from "../runtime/command-module";
import type { CommandContext } from "../runtime/context";
import { ExitCode, type ExitCodeValue } from "../runtime/exit-codes";
import { planJson as rolloutPlanJson, planTable as rolloutPlanTable } from "./rollout/render";

/** The `show` command. */
export const showCommand: CliCommandModule = {
  name: "show",
  register(program, host) {
    const command = program
      .command("show")
      .summary("print a saved plan (plan --out, rollout plan --out); reads no cluster")
      .description(
        "Print a plan saved by `plan --out FILE` as `plan` shows it: each cluster's current and desired settings, the changes, " +
          "warnings and blockers, the eTag the write will carry in If-Match, when and with which api-version it was made. " +
          "A rollout plan (`rollout plan --out FILE`) is printed as `rollout plan` prints it, with each planned cluster's eTag. " +
          "Offline: reads the file only. A malformed file or an unknown format version is invalid input (exit 3).",
      )
      .argument("<plan-file>", "a plan saved by `aks-kube-proxy plan ... --out FILE` or `aks-kube-proxy rollout plan ... --out FILE`");
    host.examples(command, ["aks-kube-proxy show plan.json", "aks-kube-proxy show plan.json -o json", "aks-kube-proxy show rollout-plan.json"]);
    command.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const file = ctx.args[0] as string;
        const text = await readPlanFileText(sdk, file);
        // A rollout plan (`rollout plan --out`) is told apart by its kind, and printed as `rollout plan` prints it.
        if (jsonKindOf(text) === ctx.rollout().ROLLOUT_PLAN_KIND) return showRolloutPlan(ctx, text, file);
        const saved = sdk.parseSavedPlan(text, `The plan file ${file}`);
        const plans = sdk.plansOfSavedPlan(saved);
        ctx.out.result({
          table: () =>
            [
              `Plan ${file}: made ${saved.createdAt} by aks-kube-proxy ${saved.toolVersion}, api-version ${saved.apiVersion}.`,
              ...plans.map((p) => `${planText(p, ctx.out)}\n  eTag: ${p.cluster.etag ?? "(none)"}`),
              "",
              `Plan: ${planSummary(plans)}.`,
              `Apply exactly it with: aks-kube-proxy apply ${file}`,
            ].join("\n"),
          json: () => ({
            planFile: file,
            formatVersion: saved.formatVersion,
            toolVersion: saved.toolVersion,
            createdAt: saved.createdAt,
            apiVersion: saved.apiVersion,
            ...planFlagsJson(plans),
            plans: plans.map((p, i) => ({ ...planJson(p), eTag: p.cluster.etag ?? null, action: saved.clusters[i]?.action ?? null })),
          }),
        });
        return ExitCode.Ok;
      }),
    );
  },
};

/** `show` of a saved rollout plan: the plan as `rollout plan` shows it, then each planned cluster's eTag. */
function showRolloutPlan(ctx: CommandContext, text: string, file: string): ExitCodeValue {
  const rollout = ctx.rollout();
  const saved = rollout.parseRolloutPlan(text, `The rollout plan ${file}`);
  const plan = rollout.rolloutPlanOfSaved(saved);
  ctx.out.result({
    table: () =>
      [
        `Rollout plan ${file} of ${saved.rolloutName}: made ${saved.createdAt} by aks-kube-proxy ${saved.toolVersion}, api-version ${saved.apiVersion}.`,
        rolloutPlanTable(plan, ctx.out),
        "",
        "eTags (each write carries its cluster's in If-Match):",
        ...saved.clusters.filter((c) => c.rolloutAction === "change").map((c) => `  ${c.resourceGroup}/${c.name}: ${c.eTag ?? "(none)"}`),
        "",
        `Apply exactly it with: aks-kube-proxy rollout apply ${file}`,
      ].join("\n"),
    json: () => ({
      planFile: file,
      kind: saved.kind,
      formatVersion: saved.formatVersion,
      toolVersion: saved.toolVersion,
      createdAt: saved.createdAt,
      ...(rolloutPlanJson(plan) as object),
      eTags: Object.fromEntries(saved.clusters.map((c) => [c.id, c.eTag])),
    }),
  });
  return ExitCode.Ok;
}
