/**
 * `aks-kube-proxy wait`: attach to a cluster's running operation (the one `apply --no-wait` started, or one left by
 * an interrupted or timed-out command), wait for it, then read the cluster and report.
 * @packageDocumentation
 */
import type { ApplyProgress, ClusterRef, ClusterState } from "@aks-kube-proxy/sdk";
import { describeApplyProgress } from "../flows/apply";
import { addClusterSelectionOptions, resolveClusterSelection, type ClusterSelectionFlags } from "../inputs/clusters";
import { clusterJson, clusterTable } from "../render/cluster";
import { CliError, CliInterruptedError, CliUsageError } from "../runtime/cli-error";
import type { CliCommandModule } from "../runtime/command-module";
import { formatDuration, parseDurationInMs } from "../runtime/duration";
import { isAbortError } from "../runtime/errors";
import { ExitCode } from "../runtime/exit-codes";

interface WaitFlags extends ClusterSelectionFlags {
  readonly operation?: string;
  readonly timeout?: string;
}

/** The `wait` command. */
export const waitCommand: CliCommandModule = {
  name: "wait",
  register(program, host) {
    const command = program
      .command("wait")
      .summary("wait for a cluster's running operation, then show the cluster")
      .description(
        "Wait for a cluster's running operation to end — the operation URL from `apply --no-wait` (or from an error after " +
          "Azure accepted a write) with --operation, or otherwise until the cluster's provisioningState is terminal — then " +
          "read the cluster and show it. Writes nothing. Exits 1 when the operation or the cluster ends Failed, and at once when " +
          "the operation's status or the cluster's provisioningState is a value it does not know (UnknownOperationStatus, UnknownClusterState).",
      );
    addClusterSelectionOptions(command);
    command
      .option("--operation <url>", "the operation URL Azure returned (Azure-AsyncOperation), as printed by apply --no-wait")
      .option("--timeout <duration>", "give up waiting after this long (the operation goes on in Azure)", "60m");
    host.examples(command, [
      "aks-kube-proxy wait -g my-rg -n my-aks",
      "aks-kube-proxy wait -g my-rg -n my-aks --operation 'https://management.azure.com/subscriptions/.../operations/...'",
      "aks-kube-proxy wait --ids /subscriptions/SUB/resourceGroups/my-rg/providers/Microsoft.ContainerService/managedClusters/my-aks -o json",
    ]);
    command.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const flags = ctx.opts<WaitFlags>();
        const selection = resolveClusterSelection(sdk, flags);
        const refs = selection.kind === "refs" ? selection.refs : [];
        if (refs.length !== 1) throw new CliUsageError("wait follows one cluster: give -g RG -n NAME, or one --ids ID.");
        const ref = refs[0] as ClusterRef;
        const timeoutInMs = parseDurationInMs(flags.timeout ?? "60m", "--timeout");
        const client = ctx.createClient();
        const label = "id" in ref ? ref.id : `${ref.resourceGroup}/${ref.name}`;
        const progress = ctx.progress();
        const startedAt = Date.now();
        let cluster: ClusterState;
        try {
          if (flags.operation !== undefined) {
            progress.update(`${label}: waiting for the operation`);
            await client.waitForOperation(flags.operation, {
              timeoutInMs,
              abortSignal: ctx.abortSignal,
              onProgress: (e: ApplyProgress) => progress.update(`${label}: ${describeApplyProgress(e)}`),
            });
          }
          // Every read is bounded by what is left of --timeout: a GET Azure never answers must not hold the wait.
          const readCluster = (): Promise<ClusterState> =>
            client.getCluster(ref, { abortSignal: ctx.abortSignal, timeoutInMs: Math.max(1, timeoutInMs - (Date.now() - startedAt)) });
          cluster = await readCluster();
          const intervalInMs = ctx.pollIntervalInMs() ?? 5_000;
          // The SDK's one classification: an unknown (or absent) provisioningState throws UnknownClusterState at once.
          while (sdk.classifyProvisioningState(cluster.provisioningState, label) === "in-flight") {
            if (Date.now() - startedAt >= timeoutInMs) {
              throw new CliError(
                "Timeout",
                `${label} is still ${cluster.provisioningState} after ${formatDuration(Date.now() - startedAt)}; its operation goes on in Azure. Run this command again to keep waiting.`,
                ExitCode.Failure,
              );
            }
            progress.update(`${label}: provisioningState ${cluster.provisioningState}`);
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(resolve, Math.min(intervalInMs, timeoutInMs - (Date.now() - startedAt)));
              ctx.abortSignal.addEventListener("abort", () => {
                clearTimeout(timer);
                reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
              }, { once: true });
            });
            cluster = await readCluster();
          }
        } catch (err) {
          if (isAbortError(err) || ctx.interrupted) {
            progress.done();
            throw new CliInterruptedError(`Interrupted. Nothing was changed; the operation on ${label} goes on in Azure. Run this command again to follow it.`);
          }
          throw err;
        } finally {
          progress.done();
        }
        const durationInMs = Date.now() - startedAt;
        const failed = (cluster.provisioningState ?? "").toLowerCase() !== "succeeded";
        ctx.out.result({
          table: () => [`${label}: ${cluster.provisioningState ?? "unknown"} after ${formatDuration(durationInMs)}.`, clusterTable([cluster], ctx.out)].join("\n"),
          json: () => ({ cluster: clusterJson(cluster), operationUrl: flags.operation ?? null, durationInMs }),
        });
        if (failed) ctx.out.error(`${label} ended ${cluster.provisioningState}. Running the same apply again reconciles it (Azure keeps the requested settings).`);
        return failed ? ExitCode.Failure : ExitCode.Ok;
      }),
    );
  },
};
