/**
 * Applying settings to one cluster with progress on stderr, and an exact account of the cluster's state when
 * Ctrl-C stops the wait.
 * @packageDocumentation
 */
import { setTimeout as delay } from "node:timers/promises";
import type { ApplyOperationState, ApplyOptions, ApplyPoller, ApplyProgress, ApplyResult, KubeProxyClient, KubeProxyPlan } from "@aks-kube-proxy/sdk";
import { CliInterruptedError } from "../runtime/cli-error";
import type { CommandContext } from "../runtime/context";
import { formatDuration } from "../runtime/duration";
import { attachFollowUp, isAbortError } from "../runtime/errors";
import { statusCommandFor, waitCommandFor } from "./plan";
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
        `Follow it with \`${waitCommandFor(label.split("/")[0] ?? "", label.split("/").slice(1).join("/"), operationUrl)}\`; running the same apply again writes nothing once it has finished.`
      );
    case "verifying":
      return `The update of ${label} finished but was not verified yet. Check with \`${statusCommand}\`.`;
    default:
      return `Check ${label} with \`${statusCommand}\`.`;
  }
}

/** Options of {@link applyWithProgress}. */
export interface ApplyWithProgressOptions {
  /** `rg/name`, for messages. */
  readonly label: string;
  readonly allowDisable?: boolean;
  /** Write through an api-version that returns no eTag (no If-Match). */
  readonly allowWriteWithoutEtag?: boolean;
  readonly timeoutInMs?: number;
  /** A shared progress reporter (else one of its own). */
  readonly progress?: Progress;
  /** The `status` command that shows the cluster. */
  readonly statusCommand: string;
  /** The `wait` command that follows the cluster's operation (the operation URL is added when known). */
  readonly waitCommand?: string;
  /** When Azure refuses the write with KubeProxyConfigFeatureNotRegistered: refresh the preview and write once more. */
  readonly refreshPreviewOnRefusal?: boolean;
}

/**
 * Applies exactly a plan to its cluster (the SDK's `apply(plan)`: the plan's desired settings, `If-Match` on the eTag
 * of the plan's read; a cluster that moved since is refused with `PlanStale`), reporting progress. An error or a
 * timeout after Azure accepted the write carries the operation URL and the `aks-kube-proxy wait` command that
 * re-attaches to it.
 * @param ctx - the command context
 * @param client - the client
 * @param plan - the plan the user saw
 * @param options - see {@link ApplyWithProgressOptions}
 */
export async function applyWithProgress(ctx: CommandContext, client: KubeProxyClient, plan: KubeProxyPlan, options: ApplyWithProgressOptions): Promise<ApplyResult> {
  const progress = options.progress ?? ctx.progress();
  let last: ApplyProgress | undefined;
  let operationUrl: string | undefined;
  let accepted = false;
  const write = (): Promise<ApplyResult> =>
    client.apply(plan, {
      abortSignal: ctx.abortSignal,
      ...(options.allowDisable ? { allowDisable: true } : {}),
      ...(options.allowWriteWithoutEtag ? { allowWriteWithoutEtag: true } : {}),
      ...(options.timeoutInMs !== undefined ? { timeoutInMs: options.timeoutInMs } : {}),
      onProgress: (e) => {
        // The read after the operation is part of verifying: "verifying" once, not verifying / reading / verifying.
        const verifying = last?.phase === "verifying" || (last?.phase === "reading" && accepted);
        last = e;
        if (e.phase === "accepted") {
          accepted = true;
          operationUrl = e.operationUrl;
          ctx.out.debug(`${options.label}: write accepted${e.requestId ? `, request id ${e.requestId}` : ""}${e.operationUrl ? `, operation ${e.operationUrl}` : ""}`);
        }
        if (verifying && (e.phase === "reading" || e.phase === "verifying")) return;
        progress.update(`${options.label}: ${describeApplyProgress(e)}`);
      },
    });
  try {
    if (!options.refreshPreviewOnRefusal) return await write();
    return await ctx.sdk().retryOnceAfterPreviewRefresh({
      write,
      refresh: async () => {
        progress.update(`${options.label}: Azure says the preview is not enabled; refreshing the provider, then writing once more`);
        await client.enablePreview({ refreshProvider: "always", abortSignal: ctx.abortSignal, ...(options.timeoutInMs !== undefined ? { timeoutInMs: options.timeoutInMs } : {}) });
      },
    });
  } catch (err) {
    if (isAbortError(err) || ctx.interrupted) {
      progress.done();
      throw new CliInterruptedError(`Interrupted. ${stateLeftBehind(options.label, last, operationUrl, options.statusCommand)}`);
    }
    const url = operationUrl ?? (err as { operationUrl?: unknown }).operationUrl;
    const sdk = ctx.sdk();
    // Only an operation that may still run is followed: one that ended (Failed, or verified otherwise) has its own next step.
    if (accepted && options.waitCommand && sdk.isKubeProxyError(err) && sdk.operationMayStillRun(err)) {
      const opUrl = typeof url === "string" ? url : undefined;
      // An operation whose status is unknown is followed through the cluster's provisioningState, not polled again.
      const follow = opUrl && err.code !== "UnknownOperationStatus" ? ` --operation '${opUrl}'` : "";
      attachFollowUp(err, { ...(opUrl ? { operationUrl: opUrl } : {}), command: `${options.waitCommand}${follow}` });
    }
    throw err;
  } finally {
    if (!options.progress) progress.done();
  }
}

/** A write Azure accepted and that `--no-wait` does not wait for. */
export interface AcceptedWrite {
  readonly clusterId: string;
  readonly label: string;
  readonly operationUrl?: string;
  /** The command that follows the operation. */
  readonly followCommand: string;
}

/** How long `--no-wait` waits between polls while Azure has not accepted the write yet (a busy cluster's 409). */
const NO_WAIT_POLL_DELAY_IN_MS = 1_000;

/**
 * Starts the apply of a plan and polls it only until Azure accepted the write (the poller's own state: `writeAccepted`,
 * or done), never waiting for the operation. Refusals (blocked, busy, stale, preview not enabled) are thrown.
 */
async function submitPlan(client: KubeProxyClient, plan: KubeProxyPlan, options: ApplyOptions, abortSignal: AbortSignal): Promise<ApplyOperationState> {
  // The poller is a thenable (awaiting it waits for the whole apply): only its state leaves this function.
  const poller: ApplyPoller = client.beginApply(plan, options);
  const state = (): ApplyOperationState => poller.operationState as ApplyOperationState;
  await poller.submitted();
  while (!poller.isDone && !state().writeAccepted) {
    // A read after a refused write (409, 412): the poller decides from Azure's answer; pace the reads.
    if (state().phase === "read") await delay(NO_WAIT_POLL_DELAY_IN_MS, undefined, { signal: abortSignal });
    await poller.poll({ abortSignal });
  }
  const last = state();
  if (last.status === "failed" && last.error) throw last.error;
  return last;
}

/**
 * `apply --no-wait` for one cluster: starts the write of the plan and returns once Azure accepted it (the poller's
 * submitted state; the operation goes on in Azure). Refusals before that (blocked, busy, stale, preview not
 * enabled) are thrown as usual.
 * @param ctx - the command context
 * @param client - the client
 * @param plan - the cluster's plan, as shown
 * @param options - allowDisable, allowWriteWithoutEtag, refreshPreviewOnRefusal
 */
export async function startApply(
  ctx: CommandContext,
  client: KubeProxyClient,
  plan: KubeProxyPlan,
  options: { allowDisable?: boolean; allowWriteWithoutEtag?: boolean; refreshPreviewOnRefusal?: boolean },
): Promise<AcceptedWrite> {
  const label = `${plan.cluster.resourceGroup}/${plan.cluster.name}`;
  let operationUrl: string | undefined;
  const progress = ctx.progress();
  const applyOptions: ApplyOptions = {
    ...(options.allowDisable ? { allowDisable: true } : {}),
    ...(options.allowWriteWithoutEtag ? { allowWriteWithoutEtag: true } : {}),
    onProgress: (e) => {
      progress.update(`${label}: ${describeApplyProgress(e)}`);
      if (e.phase === "accepted") operationUrl = e.operationUrl;
    },
  };
  const write = (): Promise<ApplyOperationState> => submitPlan(client, plan, applyOptions, ctx.abortSignal);
  try {
    const state = options.refreshPreviewOnRefusal
      ? await ctx.sdk().retryOnceAfterPreviewRefresh({ write, refresh: () => client.enablePreview({ refreshProvider: "always", abortSignal: ctx.abortSignal }) })
      : await write();
    operationUrl = state.operation?.url ?? operationUrl;
  } catch (err) {
    if (isAbortError(err) || ctx.interrupted) throw new CliInterruptedError(`Interrupted. Nothing was written to ${label}, or Azure may have received the write: check with \`${statusCommandFor(plan.cluster.resourceGroup, plan.cluster.name)}\`.`);
    throw err;
  } finally {
    progress.done();
  }
  return {
    clusterId: plan.cluster.id,
    label,
    ...(operationUrl ? { operationUrl } : {}),
    followCommand: waitCommandFor(plan.cluster.resourceGroup, plan.cluster.name, operationUrl),
  };
}
