/**
 * `aks-kube-proxy apply`: plan, show, confirm (on a terminal), enable the preview, write, wait, verify.
 * @packageDocumentation
 */
import type { ApplyResult, KubeProxyPlan } from "@aks-kube-proxy/sdk";
import { addClusterSelectionOptions, resolveClusterSelection, type ClusterSelectionFlags } from "../inputs/clusters";
import { addSettingsOptions, readDesiredSettings, type SettingsFlags } from "../inputs/settings";
import { applyWithProgress } from "../flows/apply";
import { enablePreviewWithProgress, type EnablePreviewResult } from "../flows/enable-preview";
import { planClusters, planLabel, statusCommandFor } from "../flows/plan";
import { applyResultJson, applyResultLine, unchangedResultJson } from "../render/apply";
import { reportSettingsWarnings } from "../render/findings";
import { planSummary, planText } from "../render/plan";
import { CliError, CliInterruptedError } from "../runtime/cli-error";
import type { CliCommandModule } from "../runtime/command-module";
import { parseDurationInMs } from "../runtime/duration";
import { ExitCode } from "../runtime/exit-codes";

interface ApplyFlags extends ClusterSelectionFlags, SettingsFlags {
  readonly yes?: boolean;
  readonly skipEnablePreview?: boolean;
  readonly timeout?: string;
  readonly allowWriteWithoutEtag?: boolean;
}

/** The `apply` command. */
export const applyCommand: CliCommandModule = {
  name: "apply",
  register(program, host) {
    const command = program
      .command("apply")
      .summary("plan, confirm, enable the preview, write, wait and verify")
      .description(
        "Plan, show the plan, ask for confirmation on a terminal, enable the preview (unless --skip-enable-preview), then " +
          "write only networkProfile.kubeProxyConfig, wait for Azure's operation and verify by reading back. " +
          "A cluster that already matches gets no write; a blocked plan writes nothing anywhere.",
      );
    addClusterSelectionOptions(command);
    addSettingsOptions(command);
    command
      .option("-y, --yes", "do not ask for confirmation (it is never asked when stdin is not a terminal)")
      .option("--skip-enable-preview", "do not register the feature flag / refresh the provider first")
      .option("--timeout <duration>", "give up waiting for each cluster after this long (e.g. 30m)")
      .option("--allow-write-without-etag", "write even through an api-version that returns no eTag (before 2024-04-02-preview): the PUT then has no If-Match and can overwrite a concurrent change");
    host.examples(command, [
      "aks-kube-proxy apply -g my-rg -n my-aks --kube-proxy-config kube-proxy.json",
      "aks-kube-proxy apply -g my-rg -n my-aks --mode IPVS --ipvs-scheduler LeastConnection --tcp-timeout 900 --yes",
      "aks-kube-proxy apply -g my-rg -n my-aks --mode NFTABLES --skip-enable-preview -o json",
      "aks-kube-proxy apply -g my-rg -n byocni-aks --disable-kube-proxy --yes   # BYO CNI only",
    ]);
    command.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const flags = ctx.opts<ApplyFlags>();
        const selection = resolveClusterSelection(sdk, flags);
        const timeoutInMs = flags.timeout !== undefined ? parseDurationInMs(flags.timeout, "--timeout") : undefined;
        const desired = await readDesiredSettings(sdk, flags);
        reportSettingsWarnings(desired.warnings, ctx.out);
        const client = ctx.createClient();
        const refs = selection.kind === "refs" ? selection.refs : [];

        const plans = await planClusters(ctx, client, refs, desired.settings, { allowDisable: desired.allowDisable, ...(timeoutInMs !== undefined ? { waitForOperationInMs: timeoutInMs } : {}) });
        ctx.out.print([...plans.map((p) => planText(p, ctx.out)), "", `Plan: ${planSummary(plans)}.`].join("\n"));
        const blockers = plans.flatMap((p) => p.blockers);
        if (blockers.length > 0) {
          const labels = plans.filter((p) => p.blockers.length > 0).map(planLabel);
          throw new sdk.PlanBlockedError(blockers, labels.join(", "));
        }
        const toChange = plans.filter((p) => p.hasChanges);
        const document = (preview: EnablePreviewResult | null, results: ApplyResult[]): unknown => ({
          subscriptionId: client.subscriptionId,
          apiVersion: client.apiVersion,
          source: desired.source,
          desired: desired.settings,
          settingsWarnings: desired.warnings,
          preview: preview && { featureState: preview.featureState, providerState: preview.providerState, featureRegistered: preview.featureRegistered, providerRefreshed: preview.providerRefreshed },
          results: plans.map((p: KubeProxyPlan) => {
            const applied = results.find((r) => r.cluster.id === p.cluster.id);
            return applied ? applyResultJson(applied) : unchangedResultJson(p);
          }),
        });
        if (toChange.length === 0) {
          ctx.out.print("Nothing to do: every cluster already runs these settings. Nothing was written.");
          if (ctx.out.json) ctx.out.document(document(null, []));
          return ExitCode.Ok;
        }

        if (!flags.yes && ctx.stdinIsInteractive) {
          const answer = await ctx.confirm(`Apply these changes to ${toChange.length} cluster(s)?`);
          if (answer === "interrupted") throw new CliInterruptedError("Interrupted at the confirmation. Nothing was written.");
          if (answer === "no") throw new CliError("Cancelled", "Cancelled. Nothing was written.", ExitCode.Failure);
        }

        const preview = flags.skipEnablePreview ? null : await enablePreviewWithProgress(ctx, client, timeoutInMs !== undefined ? { timeoutInMs } : {});
        const results: ApplyResult[] = [];
        for (const plan of toChange) {
          const label = planLabel(plan);
          const result = await applyWithProgress(ctx, client, { id: plan.cluster.id }, desired.settings, {
            label,
            allowDisable: desired.allowDisable,
            ...(flags.allowWriteWithoutEtag ? { allowWriteWithoutEtag: true } : {}),
            ...(timeoutInMs !== undefined ? { timeoutInMs } : {}),
            statusCommand: statusCommandFor(plan.cluster.resourceGroup, plan.cluster.name),
          });
          results.push(result);
          ctx.out.print(applyResultLine(result, ctx.out));
        }
        if (ctx.out.json) ctx.out.document(document(preview, results));
        else ctx.out.print(`Apply complete: ${results.filter((r) => r.changed).length} changed, ${plans.length - results.filter((r) => r.changed).length} unchanged.`);
        return ExitCode.Ok;
      }),
    );
  },
};
