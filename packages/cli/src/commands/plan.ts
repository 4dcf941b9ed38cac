/**
 * `aks-kube-proxy plan`: what would change on the selected clusters, with warnings and blockers; writes nothing.
 * @packageDocumentation
 */
import { addClusterSelectionOptions, resolveClusterSelection, type ClusterSelectionFlags } from "../inputs/clusters";
import { addSettingsOptions, readDesiredSettings, type SettingsFlags } from "../inputs/settings";
import { writePlanFile } from "../inputs/plan-file";
import { inFlightPlans, planClusters, planLabel, waitCommandFor } from "../flows/plan";
import { reportSettingsWarnings } from "../render/findings";
import { planFlagsJson, planJson, planSummary, planText } from "../render/plan";
import type { CliCommandModule } from "../runtime/command-module";
import { parseDurationInMs } from "../runtime/duration";
import { hintsForFindings } from "../runtime/errors";
import { ExitCode } from "../runtime/exit-codes";
import { dataPlaneJson, dataPlaneText } from "../render/data-plane";
import type { DataPlaneResult } from "@aks-kube-proxy/sdk";

/** The `plan` command. */
export const planCommand: CliCommandModule = {
  name: "plan",
  register(program, host) {
    const command = program
      .command("plan")
      .summary("show what would change (writes nothing)")
      .description(
        "Show what applying the settings would change on the cluster(s): current and desired settings, the field-by-field " +
          "changes, warnings and blockers. Reads only, never writes.",
      );
    addClusterSelectionOptions(command);
    addSettingsOptions(command);
    command
      .option("--timeout <duration>", "give up on each cluster after this long (e.g. 30s, 5m): its reads and any wait for an operation in flight")
      .option("--data-plane", "also read kube-proxy on the nodes (DaemonSet, pods, /proxyMode) and show whether they run the desired settings (reads only)")
      .option("--out <file>", "also save the plan to this file (JSON, no secrets): `aks-kube-proxy apply FILE` applies exactly it, `aks-kube-proxy show FILE` prints it")
      .option("--detailed-exitcode", "exit 0 when nothing would change, 2 when something would or an operation is still in flight (not converged), 1 on any error, a blocked change included (as terraform plan)");
    host.examples(command, [
      "aks-kube-proxy plan -g my-rg -n my-aks --kube-proxy-config kube-proxy.json",
      "aks-kube-proxy plan -g my-rg -n my-aks --mode IPVS --ipvs-scheduler LeastConnection --tcp-timeout 900 --tcp-fin-timeout 120 --udp-timeout 300",
      "aks-kube-proxy plan -g my-rg -n my-aks --mode NFTABLES --detailed-exitcode; echo $?   # 0 unchanged, 2 changes",
      "aks-kube-proxy plan --ids ID1 ID2 --kube-proxy-config kube-proxy.json -o json",
      "aks-kube-proxy plan -g my-rg -n my-aks --mode NFTABLES --timeout 2m   # give up (exit 1) if Azure has not answered in 2 minutes",
      "aks-kube-proxy plan -g my-rg -n my-aks --mode NFTABLES --data-plane   # and what kube-proxy on the nodes runs now",
      "aks-kube-proxy plan -g my-rg -n my-aks --kube-proxy-config kube-proxy.json --out plan.json   # then: aks-kube-proxy apply plan.json",
    ]);
    command.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const flags = ctx.opts<ClusterSelectionFlags & SettingsFlags & { detailedExitcode?: boolean; timeout?: string; dataPlane?: boolean; out?: string }>();
        const selection = resolveClusterSelection(sdk, flags);
        const timeoutInMs = flags.timeout !== undefined ? parseDurationInMs(flags.timeout, "--timeout") : undefined;
        const desired = await readDesiredSettings(sdk, flags);
        reportSettingsWarnings(desired.warnings, ctx.out);
        const client = ctx.createClient();
        const refs = selection.kind === "refs" ? selection.refs : [];
        const plans = await planClusters(ctx, client, refs, desired.settings, { allowDisable: desired.allowDisable, ...(timeoutInMs !== undefined ? { timeoutInMs } : {}) });
        const blocked = plans.filter((p) => p.blockers.length > 0);
        if (flags.out !== undefined) {
          await writePlanFile(flags.out, sdk.serializeSavedPlan(sdk.toSavedPlan(plans, { apiVersion: client.apiVersion, allowDisable: desired.allowDisable })));
          ctx.out.info(`Saved the plan to ${flags.out}. Apply exactly it with: aks-kube-proxy apply ${flags.out}`);
        }
        const dataPlane: DataPlaneResult[] = [];
        if (flags.dataPlane) for (const p of plans) dataPlane.push(await client.verifyDataPlane({ id: p.cluster.id }, desired.settings, { abortSignal: ctx.abortSignal }));
        ctx.out.result({
          table: () => [...plans.map((p) => planText(p, ctx.out)), "", `Plan: ${planSummary(plans)}.`, ...(flags.dataPlane ? ["", ...dataPlane.map(dataPlaneText)] : [])].join("\n"),
          json: () => ({
            subscriptionId: client.subscriptionId,
            apiVersion: client.apiVersion,
            source: desired.source,
            desired: desired.settings,
            settingsWarnings: desired.warnings,
            ...planFlagsJson(plans),
            plans: plans.map(planJson),
            ...(flags.dataPlane ? { dataPlane: dataPlane.map(dataPlaneJson) } : {}),
          }),
        });
        if (blocked.length > 0) {
          // One error line: on the terminal the plan above lists each blocker; in a document format they are in it, and
          // also on stderr here.
          const findings = blocked.flatMap((p) => p.blockers);
          const hints = hintsForFindings(findings);
          const list = ctx.out.json ? `\n${findings.map((b) => `  - [${b.id}] ${b.message}`).join("\n")}` : "";
          ctx.out.error(
            `${blocked.map(planLabel).join(", ")}: blocked by ${findings.length === 1 ? "a rule" : `${findings.length} rules`}${ctx.out.json ? "" : " shown above"}; apply would write nothing.${list}` +
              (hints.length > 0 ? `\n${hints.join("\n")}` : ""),
          );
          return ExitCode.Blocked;
        }
        for (const p of inFlightPlans(plans)) {
          // Not converged, never "no changes": the operation's result is not known yet (exit 2 with --detailed-exitcode).
          ctx.out.warn(`${planLabel(p)}: not converged: an operation is still in flight (provisioningState ${p.convergence.provisioningState}); follow it with \`${waitCommandFor(p.cluster.resourceGroup, p.cluster.name)}\`, then plan again.`);
        }
        if (flags.detailedExitcode && plans.some((p) => p.hasChanges)) return ExitCode.ChangesPending;
        return ExitCode.Ok;
      }),
    );
  },
};
