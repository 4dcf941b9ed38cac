/**
 * `aks-kube-proxy enable-preview`: register KubeProxyConfigurationPreview, wait for Registered, refresh the
 * Microsoft.ContainerService provider.
 * @packageDocumentation
 */
import type { CliCommandModule } from "../runtime/command-module";
import { parseDurationInMs, formatDuration } from "../runtime/duration";
import { ExitCode } from "../runtime/exit-codes";
import { enablePreviewWithProgress } from "../flows/enable-preview";

/** The `enable-preview` command. */
export const enablePreviewCommand: CliCommandModule = {
  name: "enable-preview",
  register(program, host) {
    const command = program
      .command("enable-preview")
      .summary("register the preview feature flag, wait for Registered, refresh the provider")
      .description(
        "Register the KubeProxyConfigurationPreview feature, wait until it is Registered (several consecutive reads, " +
          "as Azure's feature store is eventually consistent), then refresh the Microsoft.ContainerService provider. " +
          "Steps already done are skipped; Pending (approval needed) fails at once.",
      )
      .option("--timeout <duration>", "give up after this long (e.g. 90s, 30m, 1h)", "30m");
    host.examples(command, [
      "aks-kube-proxy enable-preview",
      "aks-kube-proxy enable-preview --subscription 00000000-0000-0000-0000-000000000000 --timeout 45m",
      "aks-kube-proxy enable-preview -o json",
    ]);
    command.action(
      host.action(async (ctx) => {
        const { timeout } = ctx.opts<{ timeout: string }>();
        const timeoutInMs = parseDurationInMs(timeout, "--timeout");
        const client = ctx.createClient();
        const result = await enablePreviewWithProgress(ctx, client, { timeoutInMs });
        ctx.out.result({
          table: () =>
            `Preview enabled in ${formatDuration(result.durationInMs)}: feature ${ctx.sdk().FEATURE_NAME} ${result.featureState}` +
            `${result.featureRegistered ? "" : " (was already registered)"}, provider ${ctx.sdk().PROVIDER_NAMESPACE} ${result.providerState}` +
            `${result.providerRefreshed ? " (refreshed)" : ""}.`,
          json: () => ({
            subscriptionId: client.subscriptionId,
            featureState: result.featureState,
            providerState: result.providerState,
            featureRegistered: result.featureRegistered,
            providerRefreshed: result.providerRefreshed,
            durationInMs: result.durationInMs,
          }),
        });
        return ExitCode.Ok;
      }),
    );
  },
};
