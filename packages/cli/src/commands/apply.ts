/**
 * `aks-kube-proxy apply`: plan, show, confirm (on a terminal), enable the preview, write, wait, verify.
 * @packageDocumentation
 */
import type { ApplyResult, Finding, KubeProxyClient, KubeProxyConfig, KubeProxyPlan, SavedClusterPlan } from "@aks-kube-proxy/sdk";
import { addClusterSelectionOptions, resolveClusterSelection, type ClusterSelectionFlags } from "../inputs/clusters";
import { addSettingsOptions, readDesiredSettings, type SettingsFlags } from "../inputs/settings";
import { applyWithProgress, startApply, type AcceptedWrite } from "../flows/apply";
import { enablePreviewWithProgress, type EnablePreviewResult } from "../flows/enable-preview";
import { inFlightError, inFlightPlans, planClusters, planLabel, statusCommandFor, waitCommandFor } from "../flows/plan";
import { applyResultJson, applyResultLine, unchangedResultJson } from "../render/apply";
import { reportSettingsWarnings } from "../render/findings";
import { planSummary, planText } from "../render/plan";
import { clusterJson } from "../render/cluster";
import { CliError, CliUsageError } from "../runtime/cli-error";
import type { CommandContext } from "../runtime/context";
import type { SdkModule } from "../runtime/lazy";
import { readPlanFile } from "../inputs/plan-file";
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

/** How many times an interactive apply plans a cluster that moved again, and asks again, before it gives up. */
export const MAX_REPLANS = 3;

/** The settings an apply writes, and where they came from. */
interface ApplySettings {
  /** The settings (a saved plan's first cluster's, for the document; each plan carries its own). */
  readonly settings: KubeProxyConfig;
  readonly warnings: readonly Finding[];
  /** The settings file, `command-line flags`, or the plan file. */
  readonly source: string;
  readonly allowDisable: boolean;
  /** Whether disabling kube-proxy was confirmed for this plan's cluster. */
  readonly allowDisableOf: (plan: KubeProxyPlan) => boolean;
}

interface ApplySource {
  readonly client: KubeProxyClient;
  readonly plans: KubeProxyPlan[];
  readonly desired: ApplySettings;
}

/** Plans the selected clusters with the settings of the flags (each plan is then applied exactly as shown). */
async function fromFlags(ctx: CommandContext, sdk: SdkModule, flags: ApplyFlags, timeoutInMs: number | undefined): Promise<ApplySource> {
  const selection = resolveClusterSelection(sdk, flags);
  const parsed = await readDesiredSettings(sdk, flags);
  reportSettingsWarnings(parsed.warnings, ctx.out);
  const client = ctx.createClient();
  const refs = selection.kind === "refs" ? selection.refs : [];
  const plans = await planClusters(ctx, client, refs, parsed.settings, { allowDisable: parsed.allowDisable, ...(timeoutInMs !== undefined ? { timeoutInMs } : {}) });
  return { client, plans, desired: { ...parsed, allowDisableOf: () => parsed.allowDisable } };
}

/** The flags that say which clusters and which settings: a plan file already says both. */
const PLAN_FILE_EXCLUSIVE_FLAGS: readonly [keyof ApplyFlags, string][] = [
  ["resourceGroup", "-g"],
  ["name", "-n"],
  ["ids", "--ids"],
  ["kubeProxyConfig", "--kube-proxy-config"],
  ["mode", "--mode"],
  ["ipvsScheduler", "--ipvs-scheduler"],
  ["tcpTimeout", "--tcp-timeout"],
  ["tcpFinTimeout", "--tcp-fin-timeout"],
  ["udpTimeout", "--udp-timeout"],
  ["disableKubeProxy", "--disable-kube-proxy"],
];

/** Reads a saved plan: its clusters, settings and api-version; refuses flags that would say otherwise (exit 3). */
async function fromPlanFile(ctx: CommandContext, sdk: SdkModule, flags: ApplyFlags, planFile: string): Promise<ApplySource> {
  const given = PLAN_FILE_EXCLUSIVE_FLAGS.filter(([key]) => flags[key] !== undefined && flags[key] !== false).map(([, flag]) => flag);
  if (given.length > 0) {
    throw new CliUsageError(`${given.join(", ")} cannot be combined with a plan file: ${planFile} already says which clusters and which settings. Apply it as it is, or plan again with the new flags.`);
  }
  const saved = await readPlanFile(sdk, planFile);
  const apiVersion = ctx.globals.apiVersion;
  if (apiVersion !== undefined && apiVersion !== saved.apiVersion) {
    throw new CliUsageError(`--api-version ${apiVersion} differs from the plan's api-version ${saved.apiVersion}: a plan is applied with the api-version it was made with. Drop --api-version, or plan again with it.`);
  }
  const first = saved.clusters[0] as SavedClusterPlan;
  const client = ctx.createClient({ subscriptionId: first.subscriptionId, apiVersion: saved.apiVersion });
  const plans = sdk.plansOfSavedPlan(saved);
  const allowDisableById = new Map(saved.clusters.map((c) => [c.id, c.allowDisable]));
  return {
    client,
    plans,
    desired: {
      settings: first.desired.kubeProxyConfig,
      warnings: [],
      source: planFile,
      allowDisable: first.allowDisable,
      allowDisableOf: (plan) => allowDisableById.get(plan.cluster.id) === true,
    },
  };
}

/** The error of a plan that went stale (exit 1): names the cluster, what changed, and how to plan again. */
function staleError(error: Error & { changed?: readonly string[]; clusterId?: string }, plan: KubeProxyPlan, planFile: string | undefined, replans: number): CliError {
  const label = planLabel(plan);
  const again = planFile !== undefined ? `aks-kube-proxy plan -g ${plan.cluster.resourceGroup} -n ${plan.cluster.name} <settings flags> --out ${planFile}` : `aks-kube-proxy plan -g ${plan.cluster.resourceGroup} -n ${plan.cluster.name} <settings flags>`;
  const tries = replans > 0 ? ` It moved again after ${replans} new plan(s).` : "";
  return new CliError(
    "PlanStale",
    `${label} changed since it was planned (${(error.changed ?? []).join("; ")}): the plan was not applied to it.${tries} Plan again (\`${again}\`), check the new plan, and apply it.`,
    ExitCode.Failure,
    { cluster: plan.cluster.id, changed: [...(error.changed ?? [])] },
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
          "A cluster that already matches gets no write; a blocked plan writes nothing anywhere. The plan shown is the plan " +
          "written: its PUT carries If-Match on the eTag of the read shown; if the cluster changed since, nothing is written " +
          "and the cluster is planned and asked about again (with --yes or off a terminal: exit 1 naming what changed). " +
          "With PLAN-FILE (from `plan --out`), applies exactly that plan, and refuses it (exit 1, nothing written) when a cluster changed since.",
      );
    addClusterSelectionOptions(command);
    addSettingsOptions(command);
    command
      .argument("[plan-file]", "a plan saved by `plan --out`: apply exactly it (refused, nothing written, when a cluster changed since)")
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
      "aks-kube-proxy apply plan.json --yes   # exactly the plan saved by: aks-kube-proxy plan ... --out plan.json",
    ]);
    command.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const flags = ctx.opts<ApplyFlags>();
        const planFile = ctx.args[0] as string | undefined;
        const timeoutInMs = flags.timeout !== undefined ? parseDurationInMs(flags.timeout, "--timeout") : undefined;
        if (flags.verifyDataPlane && !flags.wait) throw new CliError("InvalidInput", "--verify-data-plane waits for the nodes; it cannot be combined with --no-wait.", ExitCode.InvalidInput);
        // The settings are parsed once: from the flags (then planned), or from the saved plan.
        const source = planFile !== undefined ? await fromPlanFile(ctx, sdk, flags, planFile) : await fromFlags(ctx, sdk, flags, timeoutInMs);
        const { client, desired } = source;
        let plans = source.plans;
        ctx.out.print([...plans.map((p) => planText(p, ctx.out)), "", `Plan: ${planSummary(plans)}.`].join("\n"));
        if (plans.some((p) => p.blockers.length > 0)) throw blockedError(ctx, plans, sdk);
        // An operation still in flight when the wait ran out (or when the saved plan was made): not converged, never
        // "nothing to do" (exit 1, ClusterBusy).
        const stillInFlight = inFlightPlans(plans);
        if (stillInFlight.length > 0) throw inFlightError(stillInFlight);
        const document = (preview: EnablePreviewResult | null, results: ApplyResult[]): unknown => ({
          subscriptionId: client.subscriptionId,
          apiVersion: client.apiVersion,
          source: desired.source,
          ...(planFile !== undefined ? { planFile } : {}),
          desired: desired.settings,
          settingsWarnings: desired.warnings,
          preview: preview && { featureState: preview.featureState, providerState: preview.providerState, featureRegistered: preview.featureRegistered, providerRefreshed: preview.providerRefreshed },
          results: plans.map((p: KubeProxyPlan) => {
            const applied = results.find((r) => r.cluster.id === p.cluster.id);
            return applied ? applyResultJson(applied) : unchangedResultJson(p);
          }),
        });
        if (!plans.some((p) => p.hasChanges)) {
          // A saved plan of converged clusters is checked like any other: a cluster that moved since refuses it.
          if (planFile !== undefined) {
            for (const plan of plans) {
              await client.apply(plan, { abortSignal: ctx.abortSignal, ...(timeoutInMs !== undefined ? { timeoutInMs } : {}) }).catch((error: unknown) => {
                throw sdk.isKubeProxyError(error) && error.code === "PlanStale" ? staleError(error, plan, planFile, 0) : error;
              });
            }
          }
          ctx.out.print("Nothing to do: every cluster already runs these settings. Nothing was written.");
          // A re-run after an interrupted data-plane wait lands here: it waits again, it does not write.
          const dataPlane = flags.verifyDataPlane ? await verifyDataPlanes(ctx, client, plans.map((p) => p.cluster), desired.settings, timeoutInMs) : undefined;
          if (ctx.out.json) ctx.out.document({ ...(document(null, []) as object), ...(dataPlane ? { dataPlane: dataPlane.results } : {}) });
          if (dataPlane?.failure) throw dataPlane.failure;
          return ExitCode.Ok;
        }

        const count = plans.filter((p) => p.hasChanges).length;
        await ctx.requireConsent({ yes: flags.yes, question: `Apply these changes to ${count} cluster(s)?`, nothingDone: "Nothing was written." });

        const preview = flags.skipEnablePreview ? null : await enablePreviewWithProgress(ctx, client, timeoutInMs !== undefined ? { timeoutInMs } : {});
        // Interactive, without a plan file: a cluster that moved since its plan was shown is planned again, shown, and
        // asked about again (at most MAX_REPLANS times); otherwise a stale plan is an error naming what changed.
        const replan = planFile === undefined && !flags.yes && ctx.stdinIsInteractive;
        const applyOne = async <T>(index: number, write: (plan: KubeProxyPlan) => Promise<T>): Promise<T | undefined> => {
          for (let attempt = 0; ; attempt++) {
            const plan = plans[index] as KubeProxyPlan;
            try {
              return await write(plan);
            } catch (error) {
              if (!(sdk.isKubeProxyError(error) && error.code === "PlanStale")) throw error;
              if (!replan || attempt >= MAX_REPLANS) throw staleError(error, plan, planFile, attempt);
              ctx.out.warn(`${error.message}`);
              const [fresh] = await planClusters(ctx, client, [{ id: plan.cluster.id }], desired.settings, { allowDisable: desired.allowDisable, ...(timeoutInMs !== undefined ? { timeoutInMs } : {}) });
              plans = plans.map((p, i) => (i === index && fresh ? fresh : p));
              const next = plans[index] as KubeProxyPlan;
              ctx.out.print([`The new plan of ${planLabel(next)}:`, planText(next, ctx.out)].join("\n"));
              if (next.blockers.length > 0) throw blockedError(ctx, [next], sdk);
              if (inFlightPlans([next]).length > 0) throw inFlightError([next]);
              if (!next.hasChanges) return undefined;
              await ctx.requireConsent({ yes: false, question: `Apply the new plan to ${planLabel(next)}?`, nothingDone: `Nothing was written to ${planLabel(next)}.` });
            }
          }
        };
        const targets = plans.map((p, i) => ({ p, i })).filter(({ p }) => p.hasChanges);
        if (!flags.wait) {
          const accepted: AcceptedWrite[] = [];
          for (const { i } of targets) {
            const write = await applyOne(i, (plan) =>
              startApply(ctx, client, plan, { allowDisable: desired.allowDisableOf(plan), ...(flags.allowWriteWithoutEtag ? { allowWriteWithoutEtag: true } : {}), refreshPreviewOnRefusal: !flags.skipEnablePreview }),
            );
            if (!write) continue;
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
        for (const { i } of targets) {
          const result = await applyOne(i, (plan) =>
            applyWithProgress(ctx, client, plan, {
              label: planLabel(plan),
              allowDisable: desired.allowDisableOf(plan),
              ...(flags.allowWriteWithoutEtag ? { allowWriteWithoutEtag: true } : {}),
              ...(timeoutInMs !== undefined ? { timeoutInMs } : {}),
              statusCommand: statusCommandFor(plan.cluster.resourceGroup, plan.cluster.name),
              waitCommand: waitCommandFor(plan.cluster.resourceGroup, plan.cluster.name),
              refreshPreviewOnRefusal: !flags.skipEnablePreview,
            }),
          );
          if (!result) continue;
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
