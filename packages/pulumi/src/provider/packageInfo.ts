/**
 * The plugin's version and download URL, read from this package's `package.json` — the one place they are configured:
 * `version`, and `pulumi.server` (Pulumi's `package.json` convention for a resource plugin's download URL), which the
 * schema publishes as `pluginDownloadURL` so every generated SDK tells the engine where `pulumi plugin install` and
 * automatic plugin acquisition fetch `pulumi-resource-aks-kube-proxy-v<version>-<os>-<arch>.tar.gz` from.
 * @packageDocumentation
 */

/** The part of package.json read here. */
interface PackageJson {
  readonly version: string;
  readonly pulumi: { readonly name: string; readonly server: string };
  readonly pulumiVersions: { readonly engine: string; readonly python: string };
  readonly peerDependencies: Readonly<Record<string, string>>;
}

// A literal require (not a read relative to __dirname), so the bundler inlines package.json into the single-executable
// plugin, which has no files beside it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const packageJson = require("../../package.json") as PackageJson;

/** The package and plugin version (`package.json` `version`). */
export const PLUGIN_VERSION: string = packageJson.version;

/** Where the engine downloads the plugin from (`package.json` `pulumi.server`, e.g. `github://api.github.com/ORG/REPO`). */
export const PLUGIN_DOWNLOAD_URL: string = packageJson.pulumi.server;

/**
 * The `pulumi` Python SDK version the generated Python SDK requires exactly (`package.json` `pulumiVersions.python`):
 * the one the Python tests run on (setup installs it into .toolchain/python).
 */
export const PYTHON_PULUMI_VERSION: string = packageJson.pulumiVersions.python;

/**
 * The one `@pulumi/pulumi` version the provider server is built and tested with (`package.json`
 * `peerDependencies["@pulumi/pulumi"]`, an exact version): the server adapter completes that version's provider
 * server, and refuses to start when it cannot.
 */
export const PULUMI_NODEJS_VERSION: string = packageJson.peerDependencies["@pulumi/pulumi"] ?? "";
