/**
 * `aks-kube-proxy preview show`: the preview's state, as `az feature show` shows a feature, with the provider's
 * registration state beside it. Reads only.
 * @packageDocumentation
 */
import type { CliCommandModule } from "../runtime/command-module";
import { ExitCode } from "../runtime/exit-codes";
import { addReadTimeoutOption } from "../runtime/read-timeout";

/** The `preview` command group. */
export const previewCommand: CliCommandModule = {
  name: "preview",
  register(program, host) {
    const group = program.command("preview").summary("show the preview's state (feature flag and provider)").description("The KubeProxyConfigurationPreview feature flag and the Microsoft.ContainerService provider.");
    const show = group
      .command("show")
      .summary("the feature flag's state and the provider's, as az feature show (reads only)")
      .description(
        "Read the KubeProxyConfigurationPreview feature (as `az feature show --namespace Microsoft.ContainerService --name KubeProxyConfigurationPreview`) " +
          "and the Microsoft.ContainerService provider's registrationState. Writes nothing. `enable-preview` changes them.",
      );
    addReadTimeoutOption(show);
    host.examples(show, ["aks-kube-proxy preview show", "aks-kube-proxy preview show --query properties.state -o tsv"]);
    show.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const client = ctx.createClient();
        const status = await ctx.withReadTimeout("Reading the preview's state", (abortSignal) => client.getPreviewStatus({ ...(abortSignal ? { abortSignal } : {}) }));
        const id = `/subscriptions/${client.subscriptionId}/providers/Microsoft.Features/providers/${sdk.PROVIDER_NAMESPACE}/features/${sdk.FEATURE_NAME}`;
        const enabled = [status.featureState, status.providerState].every((s) => s.toLowerCase() === "registered");
        ctx.out.result({
          table: () =>
            [
              `Feature   ${sdk.PROVIDER_NAMESPACE}/${sdk.FEATURE_NAME}: ${status.featureState}`,
              `Provider  ${sdk.PROVIDER_NAMESPACE}: ${status.providerState}`,
              `Subscription ${client.subscriptionId}: ${enabled ? "the preview is enabled" : "the preview is not enabled; run `aks-kube-proxy enable-preview --yes`"}`,
            ].join("\n"),
          json: () => ({
            id,
            name: `${sdk.PROVIDER_NAMESPACE}/${sdk.FEATURE_NAME}`,
            type: "Microsoft.Features/providers/features",
            properties: { state: status.featureState },
            provider: { namespace: sdk.PROVIDER_NAMESPACE, registrationState: status.providerState },
            enabled,
          }),
        });
        return ExitCode.Ok;
      }),
    );
  },
};
