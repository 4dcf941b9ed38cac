/**
 * `aks-kube-proxy show PLANFILE`: prints a plan saved by `plan --out`, as `plan` does (reads no cluster, writes nothing).
 * @packageDocumentation
 */
import { readPlanFile } from "../inputs/plan-file";
import { planJson, planSummary, planText } from "../render/plan";
import type { CliCommandModule } from "../runtime/command-module";
import { ExitCode } from "../runtime/exit-codes";

/** The `show` command. */
export const showCommand: CliCommandModule = {
  name: "show",
  register(program, host) {
    const command = program
      .command("show")
      .summary("print a saved plan (plan --out); reads no cluster")
      .description(
        "Print a plan saved by `plan --out FILE` as `plan` shows it: each cluster's current and desired settings, the changes, " +
          "warnings and blockers, the eTag the write will carry in If-Match, when and with which api-version it was made. " +
          "Offline: reads the file only. A malformed file or an unknown format version is invalid input (exit 3).",
      )
      .argument("<plan-file>", "a plan saved by `aks-kube-proxy plan ... --out FILE`");
    host.examples(command, ["aks-kube-proxy show plan.json", "aks-kube-proxy show plan.json -o json"]);
    command.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const file = ctx.args[0] as string;
        const saved = await readPlanFile(sdk, file);
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
            hasChanges: plans.some((p) => p.hasChanges && p.blockers.length === 0),
            converged: plans.every((p) => p.converged),
            blocked: plans.some((p) => p.blockers.length > 0),
            plans: plans.map((p, i) => ({ ...planJson(p), eTag: p.cluster.etag ?? null, action: saved.clusters[i]?.action ?? null })),
          }),
        });
        return ExitCode.Ok;
      }),
    );
  },
};
