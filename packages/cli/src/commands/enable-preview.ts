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
          "When the flag and the provider already read Registered, nothing is written and nothing is awaited. " +
          "Pending (approval needed) fails at once.",
      )
      .option("--timeout <duration>", "give up after this long (e.g. 90s, 30m, 1h)", "30m")
      .option("-y, --yes", "confirm the registration without asking (required when stdin is not a terminal and something is to be registered)")
      .option("--refresh-provider", "re-register the Microsoft.ContainerService provider even when everything reads Registered (after `az feature register` without `az provider register`)");
    host.examples(command, [
      "aks-kube-proxy enable-preview --yes",
      "aks-kube-proxy enable-preview --subscription 00000000-0000-0000-0000-000000000000 --timeout 45m --yes",
      "aks-kube-proxy enable-preview --yes -o json",
    ]);
    command.action(
      host.action(async (ctx) => {
        const { timeout, yes, refreshProvider } = ctx.opts<{ timeout: string; yes?: boolean; refreshProvider?: boolean }>();
        const timeoutInMs = parseDurationInMs(timeout, "--timeout");
        const client = ctx.createClient();
        const status = await client.getPreviewStatus({ abortSignal: ctx.abortSignal });
        const enabled = [status.featureState, status.providerState].every((s) => s.toLowerCase() === "registered");
        // Registering the flag and the provider are subscription-level writes: they need consent like any other.
        if (!enabled || refreshProvider) {
          await ctx.requireConsent({
            yes,
            question: `Register ${ctx.sdk().PROVIDER_NAMESPACE}/${ctx.sdk().FEATURE_NAME} on subscription ${client.subscriptionId} (feature ${status.featureState}, provider ${status.providerState})?`,
            nothingDone: "Nothing was registered.",
          });
        }
        const result = await enablePreviewWithProgress(ctx, client, { timeoutInMs, ...(refreshProvider ? { refreshProvider: true } : {}) });
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
