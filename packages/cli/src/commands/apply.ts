/**
 * `aks-kube-proxy apply`: plan, show, confirm (on a terminal), enable the preview, write, wait, verify.
 * @packageDocumentation
 */
import type { ApplyResult, KubeProxyPlan } from "@aks-kube-proxy/sdk";
import { addClusterSelectionOptions, resolveClusterSelection, type ClusterSelectionFlags } from "../inputs/clusters";
import { addSettingsOptions, readDesiredSettings, type SettingsFlags } from "../inputs/settings";
import { applyWithProgress, startApply, type AcceptedWrite } from "../flows/apply";
import { enablePreviewWithProgress, type EnablePreviewResult } from "../flows/enable-preview";
import { inFlightError, inFlightPlans, planClusters, planLabel, statusCommandFor, waitCommandFor } from "../flows/plan";
import { applyResultJson, applyResultLine, unchangedResultJson } from "../render/apply";
import { reportSettingsWarnings } from "../render/findings";
import { planSummary, planText } from "../render/plan";
import { clusterJson } from "../render/cluster";
import { CliError } from "../runtime/cli-error";
import { hintsForFindings } from "../runtime/errors";
import type { CliCommandModule } from "../runtime/command-module";
import { parseDurationInMs } from "../runtime/duration";
import { ExitCode } from "../runtime/exit-codes";
import { verifyDataPlanes } from "../flows/data-plane";

interface ApplyFlags extends ClusterSelectionFlags, SettingsFlags {
  readonly yes?: boolean;
  readonly skipEnablePreview?: boolean;
  readonly timeout?: string;
  readonly allowWriteWithoutEtag?: boolean;
  readonly verifyDataPlane?: boolean;
  /** `--no-wait` sets this to false. */
  readonly wait: boolean;
}

/**
 * The error of a blocked plan. On the terminal the plan above already lists each blocker, so the error is one line;
 * in a document format (nothing above it on stdout) it carries the blockers itself.
 */
export function blockedError(ctx: { out: { json: boolean } }, plans: readonly KubeProxyPlan[], sdk: { PlanBlockedError: new (f: KubeProxyPlan["blockers"], name?: string) => Error }): Error {
  const blocked = plans.filter((p) => p.blockers.length > 0);
  const labels = blocked.map(planLabel).join(", ");
  const findings = blocked.flatMap((p) => p.blockers);
  if (ctx.out.json) return new sdk.PlanBlockedError(findings, labels);
  const hints = hintsForFindings(findings);
  return new CliError(
    "PlanBlocked",
    `${labels}: blocked by ${findings.length === 1 ? "the rule" : `${findings.length} rules`} shown above; nothing was written to any cluster.${hints.length > 0 ? `\n${hints.join("\n")}` : ""}`,
    ExitCode.Blocked,
    { findings },
  );
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
      .option("-y, --yes", "confirm the write without asking (required when stdin is not a terminal)")
      .option("--no-wait", "return once Azure accepted each write; prints the operation and the `aks-kube-proxy wait` command that follows it")
      .option("--skip-enable-preview", "do not register the feature flag / refresh the provider first")
      .option("--timeout <duration>", "give up waiting for each cluster after this long (e.g. 30m)")
      .option("--verify-data-plane", "after Azure's Succeeded, wait until kube-proxy on every checked node runs the settings (DaemonSet rollout and each node's /proxyMode); exit 1 naming the nodes when it does not within --timeout")
      .option("--allow-write-without-etag", "write even through an api-version that returns no eTag (before 2024-04-02-preview): the PUT then has no If-Match and can overwrite a concurrent change");
    host.examples(command, [
      "aks-kube-proxy apply -g my-rg -n my-aks --kube-proxy-config kube-proxy.json",
      "aks-kube-proxy apply -g my-rg -n my-aks --mode IPVS --ipvs-scheduler LeastConnection --tcp-timeout 900 --yes",
      "aks-kube-proxy apply -g my-rg -n my-aks --mode NFTABLES --skip-enable-preview -o json",
      "aks-kube-proxy apply -g my-rg -n byocni-aks --disable-kube-proxy --yes   # BYO CNI only",
      "aks-kube-proxy apply -g my-rg -n my-aks --mode IPVS --yes --no-wait      # then: aks-kube-proxy wait -g my-rg -n my-aks",
      "aks-kube-proxy apply -g my-rg -n my-aks --mode NFTABLES --yes --verify-data-plane --timeout 20m",
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

        const plans = await planClusters(ctx, client, refs, desired.settings, { allowDisable: desired.allowDisable, ...(timeoutInMs !== undefined ? { timeoutInMs } : {}) });
        ctx.out.print([...plans.map((p) => planText(p, ctx.out)), "", `Plan: ${planSummary(plans)}.`].join("\n"));
        if (plans.some((p) => p.blockers.length > 0)) throw blockedError(ctx, plans, sdk);
        if (flags.verifyDataPlane && !flags.wait) throw new CliError("InvalidInput", "--verify-data-plane waits for the nodes; it cannot be combined with --no-wait.", ExitCode.InvalidInput);
        // An operation still in flight when the wait ran out: not converged, never "nothing to do" (exit 1, ClusterBusy).
        const stillInFlight = inFlightPlans(plans);
        if (stillInFlight.length > 0) throw inFlightError(stillInFlight);
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
          // A re-run after an interrupted data-plane wait lands here: it waits again, it does not write.
          const dataPlane = flags.verifyDataPlane ? await verifyDataPlanes(ctx, client, plans.map((p) => p.cluster), desired.settings, timeoutInMs) : undefined;
          if (ctx.out.json) ctx.out.document({ ...(document(null, []) as object), ...(dataPlane ? { dataPlane: dataPlane.results } : {}) });
          if (dataPlane?.failure) throw dataPlane.failure;
          return ExitCode.Ok;
        }

        await ctx.requireConsent({ yes: flags.yes, question: `Apply these changes to ${toChange.length} cluster(s)?`, nothingDone: "Nothing was written." });

        const preview = flags.skipEnablePreview ? null : await enablePreviewWithProgress(ctx, client, timeoutInMs !== undefined ? { timeoutInMs } : {});
        if (!flags.wait) {
          const accepted: AcceptedWrite[] = [];
          for (const plan of toChange) {
            const write = await startApply(ctx, client, plan, desired.settings, { allowDisable: desired.allowDisable, refreshPreviewOnRefusal: !flags.skipEnablePreview });
            accepted.push(write);
            ctx.out.print(`${write.label}: accepted by Azure, not waiting (--no-wait)${write.operationUrl ? `; operation ${write.operationUrl}` : ""}\n  follow it with: ${write.followCommand}`);
          }
          if (ctx.out.json) {
            const doc = document(preview, []) as { results: unknown[] };
            ctx.out.document({
              ...doc,
              results: plans.map((p) => {
                const a = accepted.find((x) => x.clusterId === p.cluster.id);
                return a ? { cluster: clusterJson(p.cluster), changed: true, accepted: true, waited: false, operationUrl: a.operationUrl ?? null, followCommand: a.followCommand, changes: p.changes } : unchangedResultJson(p);
              }),
            });
          }
          return ExitCode.Ok;
        }
        const results: ApplyResult[] = [];
        for (const plan of toChange) {
          const label = planLabel(plan);
          const result = await applyWithProgress(ctx, client, { id: plan.cluster.id }, desired.settings, {
            label,
            allowDisable: desired.allowDisable,
            ...(flags.allowWriteWithoutEtag ? { allowWriteWithoutEtag: true } : {}),
            ...(timeoutInMs !== undefined ? { timeoutInMs } : {}),
            statusCommand: statusCommandFor(plan.cluster.resourceGroup, plan.cluster.name),
            waitCommand: waitCommandFor(plan.cluster.resourceGroup, plan.cluster.name),
            refreshPreviewOnRefusal: !flags.skipEnablePreview,
          });
          results.push(result);
          ctx.out.print(applyResultLine(result, ctx.out));
        }
        const dataPlane = flags.verifyDataPlane ? await verifyDataPlanes(ctx, client, plans.map((p) => p.cluster), desired.settings, timeoutInMs) : undefined;
        if (ctx.out.json) ctx.out.document({ ...(document(preview, results) as object), ...(dataPlane ? { dataPlane: dataPlane.results } : {}) });
        else {
          const counts = `${results.filter((r) => r.changed).length} changed, ${plans.length - results.filter((r) => r.changed).length} unchanged`;
          // With --verify-data-plane the apply is complete only when the nodes run the settings too.
          ctx.out.print(dataPlane?.failure ? `Azure has the settings (${counts}), but the data plane has not converged:` : `Apply complete: ${counts}.`);
        }
        if (dataPlane?.failure) throw dataPlane.failure;
        return ExitCode.Ok;
      }),
    );
  },
};
