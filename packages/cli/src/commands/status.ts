/**
 * `aks-kube-proxy status`: the preview's state and each selected cluster's kube-proxy settings and facts.
 * @packageDocumentation
 */
import type { ClusterState } from "@aks-kube-proxy/sdk";
import { addClusterSelectionOptions, resolveClusterSelection, type ClusterSelectionFlags } from "../inputs/clusters";
import { clusterJson, clusterTable } from "../render/cluster";
import type { CliCommandModule } from "../runtime/command-module";
import { ExitCode } from "../runtime/exit-codes";
import { addReadTimeoutOption } from "../runtime/read-timeout";

/** The `status` command. */
export const statusCommand: CliCommandModule = {
  name: "status",
  register(program, host) {
    const command = program
      .command("status")
      .summary("show the preview state and clusters' kube-proxy settings")
      .description(
        "Show the preview's state (feature flag and provider) and, for each selected cluster (none: only the preview), its kube-proxy settings " +
          "with kubernetesVersion, networkPlugin, networkPolicy and provisioningState. Reads only, bounded by --timeout.",
      );
    addClusterSelectionOptions(command, { listing: true });
    addReadTimeoutOption(command);
    host.examples(command, [
      "aks-kube-proxy status                   # the subscription's preview state only",
      "aks-kube-proxy status -g my-rg -n my-aks",
      "aks-kube-proxy status --ids /subscriptions/SUB/resourceGroups/my-rg/providers/Microsoft.ContainerService/managedClusters/my-aks",
      "aks-kube-proxy status -g my-rg          # every cluster of the resource group",
      "aks-kube-proxy status --all -o json     # every cluster of the subscription, for scripts",
      "aks-kube-proxy status --all --timeout 30s   # give up (exit 1, Timeout) if Azure has not answered in 30 seconds (default 2m)",
    ]);
    command.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const selection = resolveClusterSelection(sdk, ctx.opts<ClusterSelectionFlags>(), { listing: true, noneAllowed: true });
        const client = ctx.createClient();
        const what = selection.kind === "none" ? "Reading the preview's state" : "Reading the preview's state and the clusters";
        const [preview, clusters] = await ctx.withReadTimeout(what, (signal) => {
          const read = signal ? { abortSignal: signal } : {};
          return Promise.all([
            client.getPreviewStatus(read),
            (async (): Promise<ClusterState[]> => {
              if (selection.kind === "none") return [];
              if (selection.kind === "all") return client.listClusters(read);
              if (selection.kind === "group") return client.listClusters({ resourceGroup: selection.resourceGroup, ...read });
              const states: ClusterState[] = [];
              for (const ref of selection.refs) states.push(await client.getCluster(ref, read));
              return states;
            })(),
          ]);
        });
        ctx.out.result({
          table: () =>
            [
              `Preview ${sdk.FEATURE_NAME}: ${preview.featureState}; provider ${sdk.PROVIDER_NAMESPACE}: ${preview.providerState} (subscription ${client.subscriptionId})`,
              ...(selection.kind === "none" ? ["(no clusters selected: add -g RG -n NAME, --ids ID..., -g RG or --all to see clusters)"] : [clusterTable(clusters, ctx.out)]),
            ].join("\n"),
          json: () => ({
            subscriptionId: client.subscriptionId,
            apiVersion: client.apiVersion,
            preview: { featureState: preview.featureState, providerState: preview.providerState },
            clusters: clusters.map(clusterJson),
          }),
        });
        return ExitCode.Ok;
      }),
    );
  },
};
