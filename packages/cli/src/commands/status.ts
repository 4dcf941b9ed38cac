/**
 * `aks-kube-proxy status`: the preview's state and each selected cluster's kube-proxy settings and facts.
 * @packageDocumentation
 */
import type { ClusterState, DataPlaneResult } from "@aks-kube-proxy/sdk";
import { dataPlaneJson, dataPlaneText } from "../render/data-plane";
import { addClusterSelectionOptions, resolveClusterSelection, type ClusterSelectionFlags } from "../inputs/clusters";
import { clusterJson, clusterTable, provisioningOf } from "../render/cluster";
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
          "with kubernetesVersion, networkPlugin, networkPolicy and provisioningState. Reads only, bounded by --timeout. Exits 1 when a cluster reads a provisioningState the SDK does not know (shown as UNKNOWN STATE).",
      );
    addClusterSelectionOptions(command, { listing: true });
    addReadTimeoutOption(command);
    command.option("--data-plane", "also read kube-proxy on each cluster's nodes (DaemonSet, pods, /proxyMode) against what Azure reports (reads only)");
    host.examples(command, [
      "aks-kube-proxy status                   # the subscription's preview state only",
      "aks-kube-proxy status -g my-rg -n my-aks",
      "aks-kube-proxy status --ids /subscriptions/SUB/resourceGroups/my-rg/providers/Microsoft.ContainerService/managedClusters/my-aks",
      "aks-kube-proxy status -g my-rg          # every cluster of the resource group",
      "aks-kube-proxy status --all -o json     # every cluster of the subscription, for scripts",
      "aks-kube-proxy status -g my-rg -n my-aks --data-plane   # and whether the nodes run it",
      "aks-kube-proxy status --all --timeout 30s   # give up (exit 1, Timeout) if Azure has not answered in 30 seconds (default 2m)",
    ]);
    command.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const flags = ctx.opts<ClusterSelectionFlags & { dataPlane?: boolean }>();
        const selection = resolveClusterSelection(sdk, flags, { listing: true, noneAllowed: true });
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
        const dataPlane: DataPlaneResult[] = [];
        if (flags.dataPlane) {
          await ctx.withReadTimeout("Reading kube-proxy on the clusters' nodes", async (signal) => {
            for (const c of clusters) dataPlane.push(await client.verifyDataPlane({ id: c.id }, undefined, signal ? { abortSignal: signal } : {}));
          });
        }
        ctx.out.result({
          table: () =>
            [
              `Preview ${sdk.FEATURE_NAME}: ${preview.featureState}; provider ${sdk.PROVIDER_NAMESPACE}: ${preview.providerState} (subscription ${client.subscriptionId})`,
              ...(selection.kind === "none" ? ["(no clusters selected: add -g RG -n NAME, --ids ID..., -g RG or --all to see clusters)"] : [clusterTable(clusters, ctx.out)]),
              ...(flags.dataPlane ? ["", ...dataPlane.map(dataPlaneText)] : []),
            ].join("\n"),
          json: () => ({
            subscriptionId: client.subscriptionId,
            apiVersion: client.apiVersion,
            preview: { featureState: preview.featureState, providerState: preview.providerState },
            clusters: clusters.map(clusterJson),
            ...(flags.dataPlane ? { dataPlane: dataPlane.map(dataPlaneJson) } : {}),
          }),
        });
        // The SDK's one classification: a state it does not know is shown (UNKNOWN STATE) and fails loudly (exit 1).
        const unknown = clusters.filter((c) => provisioningOf(c) === "unknown");
        if (unknown.length > 0) {
          ctx.out.error(
            `UnknownClusterState: ${unknown.map((c) => `${c.resourceGroup}/${c.name} reads provisioningState ${c.provisioningState === undefined ? "(absent)" : JSON.stringify(c.provisioningState)}`).join(", ")}, which this SDK does not know. ` +
              "Nothing is guessed (apply, wait and rollouts refuse such a cluster); check it in the Azure portal and report the state if it is new.",
          );
          return ExitCode.Failure;
        }
        return ExitCode.Ok;
      }),
    );
  },
};
