/**
 * Enabling the preview with progress on stderr and a clear report when Ctrl-C stops the wait. Used by
 * `enable-preview`, and by `apply` and `create` before they write.
 * @packageDocumentation
 */
import type { KubeProxyClient } from "@aks-kube-proxy/sdk";
import { CliInterruptedError } from "../runtime/cli-error";
import type { CommandContext } from "../runtime/context";
import { formatDuration } from "../runtime/duration";
import { isAbortError } from "../runtime/errors";

/** What `enablePreview` resolves to. */
export type EnablePreviewResult = Awaited<ReturnType<KubeProxyClient["enablePreview"]>>;

/** Names of the two things being registered, for messages. */
export function previewStepLabel(ctx: CommandContext, step: "feature" | "provider"): string {
  const sdk = ctx.sdk();
  return step === "feature" ? `feature ${sdk.PROVIDER_NAMESPACE}/${sdk.FEATURE_NAME}` : `provider ${sdk.PROVIDER_NAMESPACE}`;
}

/**
 * Enables the preview (register the feature, wait for Registered, refresh the provider), showing each state.
 * @param ctx - the command context
 * @param client - the client
 * @param options - `timeoutInMs` for the whole wait; `refreshProvider` re-registers the provider even when all reads Registered
 */
export async function enablePreviewWithProgress(ctx: CommandContext, client: KubeProxyClient, options: { timeoutInMs?: number; refreshProvider?: boolean } = {}): Promise<EnablePreviewResult> {
  const progress = ctx.progress();
  let last: { step: "feature" | "provider"; state: string } | undefined;
  progress.update(`checking ${previewStepLabel(ctx, "feature")}`);
  try {
    const result = await client.enablePreview({
      abortSignal: ctx.abortSignal,
      ...(options.refreshProvider ? { refreshProvider: "always" as const } : {}),
      ...(options.timeoutInMs !== undefined ? { timeoutInMs: options.timeoutInMs } : {}),
      onProgress: (e) => {
        if (last && last.step !== e.step) progress.log(`${previewStepLabel(ctx, last.step)}: ${last.state}`);
        last = { step: e.step, state: e.state };
        // While the flag is counted (eventual consistency), say which read this is.
        const counting =
          e.step === "feature" && e.consecutiveRegisteredReads !== undefined && e.consecutiveRegisteredReads > 0 && e.consecutiveRegisteredReadsNeeded !== undefined
            ? ` (${e.consecutiveRegisteredReads} of ${e.consecutiveRegisteredReadsNeeded} consecutive reads)`
            : "";
        progress.update(`${previewStepLabel(ctx, e.step)}: ${e.state}${counting}`);
      },
    });
    if (last) progress.log(`${previewStepLabel(ctx, last.step)}: ${last.state}`);
    const what = result.featureRegistered || result.providerRefreshed ? "preview enabled" : "preview already enabled";
    progress.done(`${what}: feature ${result.featureState}, provider ${result.providerState} (${formatDuration(result.durationInMs)})`);
    return result;
  } catch (err) {
    progress.done();
    if (isAbortError(err) || ctx.interrupted) {
      const where = last ? `${previewStepLabel(ctx, last.step)} was ${last.state}` : "the preview state was not read yet";
      throw new CliInterruptedError(
        `Interrupted while enabling the preview: ${where}. Nothing is left half-done on our side; Azure finishes a registration it accepted by itself.\n` +
          "Run `aks-kube-proxy enable-preview` again to wait for it (steps already done are skipped).",
      );
    }
    throw err;
  }
}
