/**
 * Shows the SDK's findings about the settings as they were written (e.g. the AKS docs' `TCPTimeoutSeconds` casing)
 * as Pulumi warnings on the component, in `pulumi preview` and `pulumi up`.
 *
 * Why here and not in the provider: a dynamic provider's `check` can only fail, it has no way to warn (the
 * `pulumi-nodejs` host has no engine log connection), so the program reads the same file with the same SDK parser
 * and logs the findings itself. Errors are left to the provider's `check`, which fails the preview with the SDK's
 * message.
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import { loadSdk } from "./provider/runtime";

/** What the component knows about its settings when it is constructed. */
export interface SettingsSource {
  /** Inline settings. */
  readonly settings?: pulumi.Input<unknown>;
  /** Path of an az-format settings file, relative to the program's directory. */
  readonly settingsFile?: pulumi.Input<string>;
}

/**
 * The findings of the SDK's parser for the given settings, formatted `[id] path: message`; none when they do not
 * parse (the provider reports that).
 * @param source - inline settings or a settings file (plain values)
 */
export async function settingsFindings(source: { settings?: unknown; settingsFile?: string }): Promise<string[]> {
  const sdk = loadSdk();
  try {
    const parsed =
      source.settingsFile !== undefined
        ? await sdk.readKubeProxySettingsFile(source.settingsFile)
        : source.settings !== undefined && source.settings !== null
          ? sdk.parseKubeProxySettings(source.settings, { source: "settings" })
          : undefined;
    return (parsed?.warnings ?? []).map((f) => `[${f.id}] ${f.path !== undefined ? `${f.path}: ` : ""}${f.message}`);
  } catch {
    return [];
  }
}

/**
 * Logs each finding as a warning on `resource` once the settings are known.
 * @param resource - the component the warnings belong to
 * @param source - the component's settings arguments
 */
export function warnAboutSettings(resource: pulumi.Resource, source: SettingsSource): void {
  const known: pulumi.Output<{ settings?: unknown; settingsFile?: string }> =
    source.settingsFile !== undefined
      ? pulumi.output(source.settingsFile).apply((file: string) => ({ settingsFile: file }))
      : (pulumi.output(source.settings) as pulumi.Output<unknown>).apply((settings: unknown) => ({ settings }));
  known.apply(async (value) => {
    for (const message of await settingsFindings(value)) pulumi.log.warn(message, resource);
  });
}
