/**
 * `aks-kube-proxy validate FILE`: check a settings file offline and print it normalized.
 * @packageDocumentation
 */
import { readSettingsFile } from "../inputs/settings";
import { reportSettingsWarnings } from "../render/findings";
import type { CliCommandModule } from "../runtime/command-module";
import { ExitCode } from "../runtime/exit-codes";
import { loadSdkSettings } from "../runtime/lazy";

/** The `validate` command. */
export const validateCommand: CliCommandModule = {
  name: "validate",
  register(program, host) {
    const command = program
      .command("validate")
      .summary("check a settings file offline and print it normalized")
      .argument("<file>", "settings file in the `az aks update --kube-proxy-config` format")
      .description(
        "Check a kube-proxy settings file offline (no Azure, no credentials): keys in any case, known misspellings with a " +
          "warning, unknown keys, wrong types and bad values refused with their JSON path. Prints the normalized JSON " +
          "(the API's camelCase, sorted keys) on stdout.",
      );
    host.examples(command, [
      "aks-kube-proxy validate kube-proxy.json",
      "aks-kube-proxy validate kube-proxy.json > normalized.json",
      "aks-kube-proxy validate kube-proxy.json -o json",
    ]);
    command.action(
      host.action(async (ctx) => {
        // Only the SDK's pure settings entry: no Azure SDK is loaded, so this offline check starts fast.
        const sdk = loadSdkSettings();
        const file = ctx.args[0] as string;
        const { settings, warnings } = await readSettingsFile(sdk, file);
        reportSettingsWarnings(warnings, ctx.out);
        const normalized: unknown = sdk.canonicalKubeProxySettings(settings);
        ctx.out.result({
          table: () => JSON.stringify(normalized, null, 2),
          json: () => ({ file, valid: true, settings: normalized, warnings }),
        });
        return ExitCode.Ok;
      }),
    );
  },
};
