/**
 * The desired kube-proxy settings of `plan`, `apply` and `create`: an az-format file (`--kube-proxy-config`) or
 * inline flags, turned into the same raw document and handed to the SDK's parser, so both get the same validation
 * and messages.
 * @packageDocumentation
 */
import type { Command } from "commander";
import type { Finding, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import { fieldPath, KUBE_PROXY_FIELDS, type KubeProxyField, type KubeProxyFieldDefinition } from "@aks-kube-proxy/sdk/settings/fields";
import { CliUsageError } from "../runtime/cli-error";
import type { SdkModule } from "../runtime/lazy";
import { readUserFile } from "./files";

type Camel<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;
/** commander's attribute name of a flag: `--tcp-fin-timeout` → `tcpFinTimeout`. */
type FlagKey<F extends string> = F extends `--${infer R}` ? Camel<R> : never;
type CliField = Extract<KubeProxyField, { readonly cli: unknown }>;

/** The settings flags as commander parses them: `--kube-proxy-config` and one inline flag per field of the SDK's table. */
export type SettingsFlags = { readonly kubeProxyConfig?: string } & {
  readonly [F in CliField as FlagKey<F["cli"]["flag"]>]?: F["cli"] extends { readonly argument: string } ? string : boolean;
};

/** The fields that have an inline flag, with commander's attribute name: value flags first, then switches (the `--help` order). */
const FLAGS_IN_TABLE_ORDER = (KUBE_PROXY_FIELDS as readonly KubeProxyFieldDefinition[]).flatMap((field) => (field.cli ? [{ field, cli: field.cli, key: flagKey(field.cli.flag) }] : []));
const INLINE_FLAGS = [...FLAGS_IN_TABLE_ORDER].sort((a, b) => Number(a.cli.argument === undefined) - Number(b.cli.argument === undefined));

function flagKey(flag: string): string {
  return flag.replace(/^--/, "").replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

function flagValue(flags: SettingsFlags, key: string): string | boolean | undefined {
  return (flags as Record<string, string | boolean | undefined>)[key];
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

/** Adds `--kube-proxy-config` and the inline settings flags (one per field of the SDK's table) to a command. */
export function addSettingsOptions(command: Command): Command {
  command.option("--kube-proxy-config <file>", "settings file in the `az aks update --kube-proxy-config` format (keys in any case)");
  for (const { field, cli } of INLINE_FLAGS) {
    if (cli.argument === undefined) {
      command.option(cli.flag, cli.help);
      continue;
    }
    const values = field.values ? field.values.map((v) => v.value).join(" | ") : "";
    command.option(`${cli.flag} <${cli.argument}>`, `inline: ${[values, cli.help].filter((t) => t !== "").join(" ")}`);
  }
  return command;
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
  const doc: Record<string, unknown> = {};
  for (const { field, cli, key } of FLAGS_IN_TABLE_ORDER) {
    const given = flagValue(flags, key);
    if (given === undefined || given === false) continue;
    const value = cli.argument === undefined ? cli.sets : field.type === "integer" ? numberOrText(String(given)) : given;
    if (field.parent === undefined) {
      doc[field.name] = value;
    } else {
      const parent = (doc[field.parent] ??= {}) as Record<string, unknown>;
      parent[field.name] = value;
    }
  }
  return Object.keys(doc).length > 0 ? doc : undefined;
}

/** Which flag sets which path of the settings document. */
const FLAG_BY_PATH: Record<string, string> = Object.fromEntries(INLINE_FLAGS.map(({ field, cli }) => [`$.${fieldPath(field)}`, cli.flag]));

/** The object field whose members need a given mode (ipvsConfig needs IPVS). */
const MODE_BOUND = (KUBE_PROXY_FIELDS as readonly KubeProxyFieldDefinition[]).filter((f) => f.onlyWithMode !== undefined);

/** The flags, with their values, that need a mode (IPVS), in the order of `--help`, with the mode they need. */
function modeBoundFlagsGiven(flags: SettingsFlags): { flag: string; mode: string }[] {
  return INLINE_FLAGS.flatMap(({ field, cli, key }) => {
    const parent = MODE_BOUND.find((p) => p.name === field.parent);
    return parent?.onlyWithMode !== undefined && flagValue(flags, key) !== undefined ? [{ flag: cli.flag, mode: parent.onlyWithMode }] : [];
  });
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
  const given: Record<string, string | undefined> = Object.fromEntries(
    INLINE_FLAGS.filter(({ cli }) => cli.argument !== undefined).map(({ cli, key }) => [cli.flag, flagValue(flags, key) as string | undefined]),
  );
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
  const bound = modeBoundFlagsGiven(flags).filter((b) => b.mode !== (flags.mode ?? "").toUpperCase());
  if (bound.length > 0) {
    // The settings replace kubeProxyConfig as a whole: without --mode the cluster would run the default, IPTABLES.
    const what = flags.mode === undefined ? "without --mode the settings mean IPTABLES, as they replace the cluster's kubeProxyConfig whole" : `--mode ${flags.mode} was given`;
    const needs = bound.map((b) => b.flag);
    throw new CliUsageError(`${needs.join(", ")} ${needs.length > 1 ? "need" : "needs"} --mode ${bound[0]?.mode} (${what}).`);
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
