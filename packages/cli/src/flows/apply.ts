/**
 * Applying settings to one cluster with progress on stderr, and an exact account of the cluster's state when
 * Ctrl-C stops the wait.
 * @packageDocumentation
 */
import type { ApplyProgress, ApplyResult, ClusterRef, KubeProxyClient, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import { CliInterruptedError } from "../runtime/cli-error";
import type { CommandContext } from "../runtime/context";
import { formatDuration } from "../runtime/duration";
import { isAbortError } from "../runtime/errors";
import type { Progress } from "../runtime/progress";

/**
 * One line for an apply progress event.
 * @param e - the SDK's progress event
 */
export function describeApplyProgress(e: ApplyProgress): string {
  switch (e.phase) {
    case "reading":
      return "reading the cluster";
    case "waiting-for-cluster":
      return `waiting for the cluster's running operation to finish (provisioningState ${e.provisioningState})`;
    case "writing":
      return "writing networkProfile.kubeProxyConfig (PUT)";
    case "accepted":
      return "accepted by Azure; waiting for the operation";
    case "polling":
      return `operation ${e.status}`;
    case "verifying":
      return "reading the cluster back to verify";
    case "retrying":
      return `retrying in ${formatDuration(e.delayInMs)}: ${e.reason}`;
    default:
      return "working";
  }
}

/**
 * What state a cluster was left in when a wait stopped after `phase`.
 * @param label - `rg/name`
 * @param statusCommand - the command that shows the cluster
 */
export function stateLeftBehind(label: string, last: ApplyProgress | undefined, operationUrl: string | undefined, statusCommand: string): string {
  switch (last?.phase) {
    case undefined:
    case "reading":
    case "waiting-for-cluster":
    case "retrying":
      return `Nothing was written to ${label}: it keeps its previous settings.`;
    case "writing":
      return `The write to ${label} was being sent and may have reached Azure. Check with \`${statusCommand}\`.`;
    case "accepted":
    case "polling":
      return (
        `Azure accepted the update of ${label} and is still applying it${operationUrl ? ` (operation ${operationUrl})` : ""}; it finishes without us. ` +
        `Check with \`${statusCommand}\`; running the same apply again writes nothing once it has finished.`
      );
    case "verifying":
      return `The update of ${label} finished but was not verified yet. Check with \`${statusCommand}\`.`;
    default:
      return `Check ${label} with \`${statusCommand}\`.`;
  }
}

/**
 * Applies desired settings to one cluster, reporting progress.
 * @param ctx - the command context
 * @param client - the client
 * @param ref - the cluster
 * @param desired - the settings
 * @param options - allowDisable, timeout, a label for messages, and an optional shared progress reporter
 */
export async function applyWithProgress(
  ctx: CommandContext,
  client: KubeProxyClient,
  ref: ClusterRef,
  desired: KubeProxyConfig,
  options: { label: string; allowDisable?: boolean; allowWriteWithoutEtag?: boolean; timeoutInMs?: number; progress?: Progress; statusCommand: string },
): Promise<ApplyResult> {
  const progress = options.progress ?? ctx.progress();
  let last: ApplyProgress | undefined;
  let operationUrl: string | undefined;
  try {
    const result = await client.apply(ref, desired, {
      abortSignal: ctx.abortSignal,
      ...(options.allowDisable ? { allowDisable: true } : {}),
      ...(options.allowWriteWithoutEtag ? { allowWriteWithoutEtag: true } : {}),
      ...(options.timeoutInMs !== undefined ? { timeoutInMs: options.timeoutInMs } : {}),
      onProgress: (e) => {
        last = e;
        if (e.phase === "accepted") {
          operationUrl = e.operationUrl;
          ctx.out.debug(`${options.label}: write accepted${e.requestId ? `, request id ${e.requestId}` : ""}${e.operationUrl ? `, operation ${e.operationUrl}` : ""}`);
        }
        progress.update(`${options.label}: ${describeApplyProgress(e)}`);
      },
    });
    return result;
  } catch (err) {
    if (isAbortError(err) || ctx.interrupted) {
      progress.done();
      throw new CliInterruptedError(`Interrupted. ${stateLeftBehind(options.label, last, operationUrl, options.statusCommand)}`);
    }
    throw err;
  } finally {
    if (!options.progress) progress.done();
  }
}
