/**
 * `aks-kube-proxy create`: a test cluster with the given kube-proxy settings, for CI.
 * @packageDocumentation
 */
import { addSettingsOptions, readDesiredSettings, type SettingsFlags } from "../inputs/settings";
import { describeApplyProgress, stateLeftBehind } from "../flows/apply";
import { enablePreviewWithProgress } from "../flows/enable-preview";
import { statusCommandFor, waitCommandFor } from "../flows/plan";
import { clusterJson, clusterTable } from "../render/cluster";
import { reportSettingsWarnings } from "../render/findings";
import { CliInterruptedError, CliUsageError } from "../runtime/cli-error";
import type { CliCommandModule } from "../runtime/command-module";
import { formatDuration, parseDurationInMs } from "../runtime/duration";
import { attachFollowUp, isAbortError } from "../runtime/errors";
import { ExitCode } from "../runtime/exit-codes";
import type { ApplyProgress, ClusterState } from "@aks-kube-proxy/sdk";

interface CreateFlags extends SettingsFlags {
  readonly resourceGroup: string;
  readonly name: string;
  readonly kubernetesVersion?: string;
  readonly nodeCount?: string;
  readonly location?: string;
  readonly skipEnablePreview?: boolean;
  readonly timeout?: string;
  readonly yes?: boolean;
}

/** The `create` command. */
export const createCommand: CliCommandModule = {
  name: "create",
  register(program, host) {
    const command = program
      .command("create")
      .summary("create a test cluster with kube-proxy settings (for CI)")
      .description(
        "Create a small test cluster with the given kube-proxy settings (for CI pipelines), enabling the preview first. " +
          "Refuses to touch a cluster that already exists (use apply for that); checks the settings before any write.",
      )
      .requiredOption("-g, --resource-group <name>", "resource group (must exist)")
      .requiredOption("-n, --name <name>", "cluster name");
    addSettingsOptions(command);
    command
      .option("--kubernetes-version <version>", "Kubernetes version (default: Azure's default)")
      .option("--node-count <count>", "nodes in the system pool (default: the SDK's)")
      .option("-l, --location <region>", "Azure region (default: the SDK's)")
      .option("--skip-enable-preview", "do not register the feature flag / refresh the provider first")
      .option("--timeout <duration>", "give up waiting after this long (e.g. 30m)")
      .option("-y, --yes", "confirm the creation without asking (required when stdin is not a terminal)");
    host.examples(command, [
      "aks-kube-proxy create -g ci-rg -n ci-aks-ipvs --kube-proxy-config kube-proxy.json --node-count 1 --yes",
      "aks-kube-proxy create -g ci-rg -n ci-aks-nft --mode NFTABLES --kubernetes-version 1.33.2 --location westus2 --yes",
    ]);
    command.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const flags = ctx.opts<CreateFlags>();
        const timeoutInMs = flags.timeout !== undefined ? parseDurationInMs(flags.timeout, "--timeout") : undefined;
        let nodeCount: number | undefined;
        if (flags.nodeCount !== undefined) {
          nodeCount = Number(flags.nodeCount);
          if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new CliUsageError(`--node-count "${flags.nodeCount}" must be a whole number of nodes, 1 or more.`);
        }
        const desired = await readDesiredSettings(sdk, flags);
        reportSettingsWarnings(desired.warnings, ctx.out);
        const client = ctx.createClient();
        const label = `${flags.resourceGroup}/${flags.name}`;
        await ctx.requireConsent({ yes: flags.yes, question: `Create cluster ${label}?`, nothingDone: "Nothing was created." });

        if (!flags.skipEnablePreview) await enablePreviewWithProgress(ctx, client, timeoutInMs !== undefined ? { timeoutInMs } : {});
        const progress = ctx.progress();
        const startedAt = Date.now();
        let last: ApplyProgress | undefined;
        let operationUrl: string | undefined;
        let cluster: ClusterState;
        try {
          const create = (): Promise<ClusterState> =>
            client.createCluster({
              resourceGroup: flags.resourceGroup,
              name: flags.name,
              kubeProxyConfig: desired.settings,
              ...(desired.allowDisable ? { allowDisable: true } : {}),
              ...(flags.location !== undefined ? { location: flags.location } : {}),
              ...(flags.kubernetesVersion !== undefined ? { kubernetesVersion: flags.kubernetesVersion } : {}),
              ...(nodeCount !== undefined ? { nodeCount } : {}),
              ...(timeoutInMs !== undefined ? { timeoutInMs } : {}),
              abortSignal: ctx.abortSignal,
              onProgress: (e) => {
                last = e;
                if (e.phase === "accepted") operationUrl = e.operationUrl;
                progress.update(`${label}: ${e.phase === "writing" ? "creating the cluster (PUT)" : describeApplyProgress(e)}`);
              },
            });
          // A flag registered elsewhere without a provider refresh: Azure refuses the PUT; refresh, then create once more.
          cluster = flags.skipEnablePreview
            ? await create()
            : await sdk.retryOnceAfterPreviewRefresh({ write: create, refresh: () => client.enablePreview({ refreshProvider: "always", abortSignal: ctx.abortSignal }) });
        } catch (err) {
          if (isAbortError(err) || ctx.interrupted) {
            progress.done();
            throw new CliInterruptedError(`Interrupted. ${stateLeftBehind(label, last, operationUrl, statusCommandFor(flags.resourceGroup, flags.name))}`);
          }
          if (last?.phase === "accepted" || last?.phase === "polling" || last?.phase === "verifying") {
            attachFollowUp(err, { ...(operationUrl ? { operationUrl } : {}), command: waitCommandFor(flags.resourceGroup, flags.name, operationUrl) });
          }
          throw err;
        } finally {
          progress.done();
        }
        const durationInMs = Date.now() - startedAt;
        ctx.out.result({
          table: () => [`Created ${label} in ${formatDuration(durationInMs)}.`, clusterTable([cluster], ctx.out)].join("\n"),
          json: () => ({ cluster: clusterJson(cluster), durationInMs }),
        });
        return ExitCode.Ok;
      }),
    );
  },
};
