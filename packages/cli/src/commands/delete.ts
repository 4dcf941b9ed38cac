/**
 * `aks-kube-proxy delete`: tear a (test) cluster down, waiting for Azure's operation unless `--no-wait`.
 * @packageDocumentation
 */
import type { ApplyProgress } from "@aks-kube-proxy/sdk";
import { describeApplyProgress } from "../flows/apply";
import { statusCommandFor } from "../flows/plan";
import { CliInterruptedError } from "../runtime/cli-error";
import type { CliCommandModule } from "../runtime/command-module";
import { formatDuration, parseDurationInMs } from "../runtime/duration";
import { isAbortError } from "../runtime/errors";
import { ExitCode } from "../runtime/exit-codes";

interface DeleteFlags {
  readonly resourceGroup: string;
  readonly name: string;
  readonly wait: boolean;
  readonly yes?: boolean;
  readonly timeout?: string;
}

/** The `delete` command. */
export const deleteCommand: CliCommandModule = {
  name: "delete",
  register(program, host) {
    const command = program
      .command("delete")
      .summary("delete a cluster, waiting for the operation unless --no-wait")
      .description("Delete a cluster (e.g. one made by `create` in CI) and wait for Azure's operation to finish (DELETE answers 202).")
      .requiredOption("-g, --resource-group <name>", "resource group of the cluster")
      .requiredOption("-n, --name <name>", "cluster name")
      .option("--no-wait", "return once Azure accepted the deletion")
      .option("-y, --yes", "confirm the deletion without asking (required when stdin is not a terminal)")
      .option("--timeout <duration>", "give up waiting after this long (e.g. 30m)");
    host.examples(command, ["aks-kube-proxy delete -g ci-rg -n ci-aks-ipvs --yes", "aks-kube-proxy delete -g ci-rg -n ci-aks-ipvs --yes --no-wait"]);
    command.action(
      host.action(async (ctx) => {
        const flags = ctx.opts<DeleteFlags>();
        const timeoutInMs = flags.timeout !== undefined ? parseDurationInMs(flags.timeout, "--timeout") : undefined;
        const label = `${flags.resourceGroup}/${flags.name}`;
        const client = ctx.createClient();
        // A cluster that is not there is not "deleted": say so, write nothing, succeed (deleting what is gone is done).
        try {
          await client.getCluster({ resourceGroup: flags.resourceGroup, name: flags.name }, { abortSignal: ctx.abortSignal });
        } catch (err) {
          if ((err as { code?: unknown }).code !== "ClusterNotFound") throw err;
          ctx.out.result({
            table: () => `Cluster ${label} does not exist: nothing was deleted.`,
            json: () => ({ resourceGroup: flags.resourceGroup, name: flags.name, existed: false, deleted: false, accepted: false, waited: false, durationInMs: 0 }),
          });
          return ExitCode.Ok;
        }
        await ctx.requireConsent({ yes: flags.yes, question: `Delete cluster ${label}? This cannot be undone.`, nothingDone: "Nothing was deleted." });
        const progress = ctx.progress();
        const startedAt = Date.now();
        let last: ApplyProgress | undefined;
        try {
          progress.update(`${label}: deleting`);
          await client.deleteCluster(
            { resourceGroup: flags.resourceGroup, name: flags.name },
            {
              wait: flags.wait,
              abortSignal: ctx.abortSignal,
              ...(timeoutInMs !== undefined ? { timeoutInMs } : {}),
              onProgress: (e) => {
                last = e;
                progress.update(`${label}: ${e.phase === "writing" ? "deleting (DELETE)" : describeApplyProgress(e)}`);
              },
            },
          );
        } catch (err) {
          if (isAbortError(err) || ctx.interrupted) {
            progress.done();
            const accepted = last !== undefined && (last.phase === "accepted" || last.phase === "polling");
            throw new CliInterruptedError(
              accepted
                ? `Interrupted. Azure accepted the deletion of ${label} and carries on without us. Check with \`${statusCommandFor(flags.resourceGroup, flags.name)}\`.`
                : `Interrupted before Azure confirmed the deletion of ${label}; it may or may not have started. Check with \`${statusCommandFor(flags.resourceGroup, flags.name)}\`.`,
            );
          }
          throw err;
        } finally {
          progress.done();
        }
        const durationInMs = Date.now() - startedAt;
        ctx.out.result({
          table: () => (flags.wait ? `Deleted ${label} (${formatDuration(durationInMs)}).` : `Deletion of ${label} accepted by Azure; not waiting (--no-wait).`),
          json: () => ({ resourceGroup: flags.resourceGroup, name: flags.name, existed: true, deleted: flags.wait, accepted: true, waited: flags.wait, durationInMs }),
        });
        return ExitCode.Ok;
      }),
    );
  },
};
