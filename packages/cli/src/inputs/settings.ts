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
import { readUserFile } from "./files";

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

/** Which flag sets which path of the settings document. */
const FLAG_BY_PATH: Record<string, string> = {
  "$.mode": "--mode",
  "$.enabled": "--disable-kube-proxy",
  "$.ipvsConfig.scheduler": "--ipvs-scheduler",
  "$.ipvsConfig.tcpTimeoutSeconds": "--tcp-timeout",
  "$.ipvsConfig.tcpFinTimeoutSeconds": "--tcp-fin-timeout",
  "$.ipvsConfig.udpTimeoutSeconds": "--udp-timeout",
};

/** The IPVS-only flags, with their values, in the order of `--help`. */
function ipvsFlagsGiven(flags: SettingsFlags): string[] {
  return [
    flags.ipvsScheduler !== undefined ? "--ipvs-scheduler" : undefined,
    flags.tcpTimeout !== undefined ? "--tcp-timeout" : undefined,
    flags.tcpFinTimeout !== undefined ? "--tcp-fin-timeout" : undefined,
    flags.udpTimeout !== undefined ? "--udp-timeout" : undefined,
  ].filter((f): f is string => f !== undefined);
}

/** Words for an `allowed` text: `A | B | C` → `A, B or C`. */
function allowedWords(allowed: string): string {
  const parts = allowed.split(" | ");
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} or ${parts[parts.length - 1]}` : allowed;
}

/**
 * Re-words the SDK's validation of inline flags in the flags' own terms: `--ipvs-scheduler Maglev: expected
 * RoundRobin or LeastConnection`.
 * @param error - the SDK's ValidationError for the inline document
 * @param flags - the flags as given
 */
export function inlineFlagsError(error: { issues?: readonly { path: string; message: string; found?: unknown; allowed?: string; suggestion?: string }[] }, flags: SettingsFlags): CliUsageError {
  const given: Record<string, string | undefined> = {
    "--mode": flags.mode,
    "--ipvs-scheduler": flags.ipvsScheduler,
    "--tcp-timeout": flags.tcpTimeout,
    "--tcp-fin-timeout": flags.tcpFinTimeout,
    "--udp-timeout": flags.udpTimeout,
  };
  const lines = (error.issues ?? []).map((issue) => {
    const flag = FLAG_BY_PATH[issue.path];
    if (!flag) return `${issue.path}: ${issue.message}`;
    const value = given[flag];
    const expected = issue.allowed ? `expected ${allowedWords(issue.allowed)}` : issue.message;
    const hint = issue.suggestion ? ` (did you mean ${issue.suggestion}?)` : "";
    return `${flag}${value !== undefined ? ` ${value}` : ""}: ${expected}${hint}`;
  });
  return new CliUsageError(lines.length > 0 ? lines.join("\n") : "The settings flags are invalid.");
}

/**
 * Reads and validates the desired settings from the flags (offline). A settings file must be a regular file of at
 * most the SDK's `INPUT_LIMITS.maxSettingsFileBytes` (1 MB). Throws the SDK's `ValidationError` for a bad file, {@link CliUsageError}
 * for bad inline flags (named as flags) or flags that do not fit together.
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
    const { settings, warnings } = await readSettingsFile(sdk, flags.kubeProxyConfig);
    return { settings, warnings, source: flags.kubeProxyConfig, allowDisable };
  }
  if (inline === undefined) {
    throw new CliUsageError("No settings given. Pass --kube-proxy-config FILE, or inline flags such as --mode IPVS --ipvs-scheduler LeastConnection.");
  }
  const ipvsOnly = ipvsFlagsGiven(flags);
  if (ipvsOnly.length > 0 && (flags.mode ?? "").toUpperCase() !== "IPVS") {
    // The settings replace kubeProxyConfig as a whole: without --mode the cluster would run the default, IPTABLES.
    const what = flags.mode === undefined ? "without --mode the settings mean IPTABLES, as they replace the cluster's kubeProxyConfig whole" : `--mode ${flags.mode} was given`;
    throw new CliUsageError(`${ipvsOnly.join(", ")} ${ipvsOnly.length > 1 ? "need" : "needs"} --mode IPVS (${what}).`);
  }
  try {
    const { settings, warnings } = sdk.parseKubeProxySettings(inline, { source: "command-line flags" });
    return { settings, warnings, source: "command-line flags", allowDisable };
  } catch (error) {
    if ((error as { code?: unknown }).code === "ValidationError") throw inlineFlagsError(error as Parameters<typeof inlineFlagsError>[0], flags);
    throw error;
  }
}

/**
 * Reads a settings file (a regular file of at most 1 MB) and validates it with the SDK (text and all: encoding,
 * duplicate keys, JSON syntax, values).
 * @param sdk - the loaded SDK
 * @param path - the file
 */
export async function readSettingsFile(sdk: Pick<SdkModule, "parseKubeProxySettingsText" | "INPUT_LIMITS">, path: string): Promise<{ settings: KubeProxyConfig; warnings: readonly Finding[] }> {
  const text = await readUserFile(path, { what: "settings file", maxBytes: sdk.INPUT_LIMITS.maxSettingsFileBytes });
  // The SDK refuses UTF-16 files, duplicate keys, deep nesting and bad JSON with the key path and line (exit 3).
  return sdk.parseKubeProxySettingsText(text, { source: path });
}
