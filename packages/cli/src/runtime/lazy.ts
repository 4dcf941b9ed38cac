/**
 * Lazy loaders for every heavy module. `aks-kube-proxy --help` loads none of them: the SDK (and with it the Azure
 * SDK and MSAL), the emulator, the table renderer and the live-line renderer are required only inside the command
 * action that needs them, which keeps cold start short.
 * @packageDocumentation
 */
/* eslint-disable @typescript-eslint/no-require-imports -- deliberate lazy loading, see above */
import { CliError } from "./cli-error";
import { ExitCode } from "./exit-codes";

/** The SDK's public module. */
export type SdkModule = typeof import("@aks-kube-proxy/sdk");
/** The fleet's public module (`@aks-kube-proxy/rollout`). */
export type RolloutModule = typeof import("@aks-kube-proxy/rollout");
/** The SDK's pure settings entry (`@aks-kube-proxy/sdk/settings`): no Azure SDK behind it. */
export type SdkSettingsModule = typeof import("@aks-kube-proxy/sdk/settings");
/** The emulator's public module. */
export type EmulatorModule = typeof import("@aks-kube-proxy/arm-emulator");
/** cli-table3's constructor. */
export type TableConstructor = typeof import("cli-table3");
/** log-update's module (ESM; loaded through Node's `require(esm)`). */
export type LogUpdateModule = typeof import("log-update", { with: { "resolution-mode": "import" } });

/** Loads `@aks-kube-proxy/sdk`. */
export function loadSdk(): SdkModule {
  return require("@aks-kube-proxy/sdk") as SdkModule;
}

/** Loads `@aks-kube-proxy/rollout` (only the `rollout` commands use it: blob storage, YAML and semver come with it). */
export function loadRollout(): RolloutModule {
  return require("@aks-kube-proxy/rollout") as RolloutModule;
}

/** Loads `@aks-kube-proxy/sdk/settings` (fast: `validate` needs nothing else of the SDK). */
export function loadSdkSettings(): SdkSettingsModule {
  return require("@aks-kube-proxy/sdk/settings") as SdkSettingsModule;
}

/**
 * Loads `@aks-kube-proxy/arm-emulator` (only the `emulator` and `demo` commands use it). It is an optional peer
 * dependency: when it is not installed, the error says how to add it.
 */
export function loadEmulator(): EmulatorModule {
  try {
    return require("@aks-kube-proxy/arm-emulator") as EmulatorModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && String((error as Error).message).includes("@aks-kube-proxy/arm-emulator")) {
      throw new CliError(
        "EmulatorNotInstalled",
        "The `emulator` and `demo` commands need the local ARM emulator, an optional package that is not installed. Add it with `npm install @aks-kube-proxy/arm-emulator` (next to @aks-kube-proxy/cli), then run the command again.",
        ExitCode.Failure,
      );
    }
    throw error;
  }
}

/** Loads cli-table3. */
export function loadTable(): TableConstructor {
  return require("cli-table3") as TableConstructor;
}

/** Loads log-update. */
export function loadLogUpdate(): LogUpdateModule {
  return require("log-update") as LogUpdateModule;
}
