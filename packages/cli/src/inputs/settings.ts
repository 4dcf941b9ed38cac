/**
 * The desired kube-proxy settings of `plan`, `apply` and `create`: an az-format file (`--kube-proxy-config`) or
 * inline flags, turned into the same raw document and handed to the SDK's parser, so both get the same validation
 * and messages.
 * @packageDocumentation
 */
import type { Command } from "commander";
import type { Finding, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import { CliUsageError } from "../runtime/cli-error";
import type { SdkModule } from "../runtime/lazy";

/** The settings flags as commander parses them. */
export interface SettingsFlags {
  readonly kubeProxyConfig?: string;
  readonly mode?: string;
  readonly ipvsScheduler?: string;
  readonly tcpTimeout?: string;
  readonly tcpFinTimeout?: string;
  readonly udpTimeout?: string;
  readonly disableKubeProxy?: boolean;
}

/** Desired settings, validated by the SDK. */
export interface DesiredSettings {
  /** The SDK model, normalized. */
  readonly settings: KubeProxyConfig;
  /** Warnings from parsing (legacy key casing, known misspellings). */
  readonly warnings: readonly Finding[];
  /** Where they came from, for messages: the file path or `command-line flags`. */
  readonly source: string;
  /** True when --disable-kube-proxy confirmed that removing the managed kube-proxy is intended. */
  readonly allowDisable: boolean;
}

/** Adds `--kube-proxy-config` and the inline settings flags to a command. */
export function addSettingsOptions(command: Command): Command {
  return command
    .option("--kube-proxy-config <file>", "settings file in the `az aks update --kube-proxy-config` format (keys in any case)")
    .option("--mode <mode>", "inline: IPTABLES | IPVS | NFTABLES")
    .option("--ipvs-scheduler <scheduler>", "inline: RoundRobin | LeastConnection (IPVS only)")
    .option("--tcp-timeout <seconds>", "inline: IPVS TCP timeout in seconds")
    .option("--tcp-fin-timeout <seconds>", "inline: IPVS TCP FIN timeout in seconds")
    .option("--udp-timeout <seconds>", "inline: IPVS UDP timeout in seconds")
    .option("--disable-kube-proxy", "set enabled: false (removes the managed kube-proxy; only for bring-your-own CNI) and confirm you mean it");
}

/** A flag value that looks like a number becomes one; anything else is passed on so the SDK names the wrong type. */
function numberOrText(value: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}

/**
 * Builds the raw settings document from inline flags, or undefined when none was given.
 * @param flags - the parsed flags
 */
export function inlineSettingsDocument(flags: SettingsFlags): Record<string, unknown> | undefined {
  const ipvs: Record<string, unknown> = {};
  if (flags.ipvsScheduler !== undefined) ipvs.scheduler = flags.ipvsScheduler;
  if (flags.tcpTimeout !== undefined) ipvs.tcpTimeoutSeconds = numberOrText(flags.tcpTimeout);
  if (flags.tcpFinTimeout !== undefined) ipvs.tcpFinTimeoutSeconds = numberOrText(flags.tcpFinTimeout);
  if (flags.udpTimeout !== undefined) ipvs.udpTimeoutSeconds = numberOrText(flags.udpTimeout);
  const doc: Record<string, unknown> = {};
  if (flags.disableKubeProxy) doc.enabled = false;
  if (flags.mode !== undefined) doc.mode = flags.mode;
  if (Object.keys(ipvs).length > 0) doc.ipvsConfig = ipvs;
  return Object.keys(doc).length > 0 ? doc : undefined;
}

/**
 * Reads and validates the desired settings from the flags (offline). Throws the SDK's `ValidationError` for a bad
 * file or value, {@link CliUsageError} when the flags do not fit together.
 * @param sdk - the loaded SDK
 * @param flags - the parsed flags
 */
export async function readDesiredSettings(sdk: SdkModule, flags: SettingsFlags): Promise<DesiredSettings> {
  const inline = inlineSettingsDocument({ ...flags, disableKubeProxy: flags.kubeProxyConfig === undefined ? flags.disableKubeProxy : false });
  const allowDisable = flags.disableKubeProxy === true;
  if (flags.kubeProxyConfig !== undefined) {
    if (inline !== undefined) {
      throw new CliUsageError("Give the settings either as a file (--kube-proxy-config) or as inline flags (--mode, --ipvs-scheduler, --tcp-timeout, ...), not both.");
    }
    const { settings, warnings } = await sdk.readKubeProxySettingsFile(flags.kubeProxyConfig);
    return { settings, warnings, source: flags.kubeProxyConfig, allowDisable };
  }
  if (inline === undefined) {
    throw new CliUsageError("No settings given. Pass --kube-proxy-config FILE, or inline flags such as --mode IPVS --ipvs-scheduler LeastConnection.");
  }
  const { settings, warnings } = sdk.parseKubeProxySettings(inline, { source: "command-line flags" });
  return { settings, warnings, source: "command-line flags", allowDisable };
}
