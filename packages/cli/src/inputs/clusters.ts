/**
 * Which clusters a command acts on: `-g RG -n NAME`, `--ids ID...`, `-g RG` alone (every cluster of the group,
 * where allowed) or `--all` (every cluster of the subscription, where allowed).
 * @packageDocumentation
 */
import type { Command } from "commander";
import type { ClusterRef } from "@aks-kube-proxy/sdk";
import { CliUsageError } from "../runtime/cli-error";
import type { SdkModule } from "../runtime/lazy";

/** The selection flags as commander parses them. */
export interface ClusterSelectionFlags {
  readonly resourceGroup?: string;
  readonly name?: string;
  readonly ids?: string[];
  readonly all?: boolean;
}

/** What the flags select. */
export type ClusterSelection =
  | { readonly kind: "refs"; readonly refs: readonly ClusterRef[] }
  | { readonly kind: "group"; readonly resourceGroup: string }
  | { readonly kind: "all" }
  | { readonly kind: "none" };

/** Adds `-g`, `-n` and `--ids` (and `--all` when `listing` is set) to a command. */
export function addClusterSelectionOptions(command: Command, options: { listing?: boolean; ids?: boolean } = {}): Command {
  command.option("-g, --resource-group <name>", "resource group of the cluster").option("-n, --name <name>", "cluster name");
  if (options.ids !== false) command.option("--ids <id...>", "one or more full cluster resource ids (instead of -g/-n)");
  if (options.listing) command.option("--all", "every cluster of the subscription (-g alone: every cluster of that group)");
  return command;
}

/**
 * Resolves the flags to a selection, refusing combinations that do not make sense. Resource ids are parsed by the
 * SDK (a malformed id is a `ValidationError`).
 * @param sdk - the loaded SDK
 * @param flags - the parsed flags
 * @param options - `listing`: a group or the whole subscription may be selected
 */
export function resolveClusterSelection(sdk: SdkModule, flags: ClusterSelectionFlags, options: { listing?: boolean; noneAllowed?: boolean } = {}): ClusterSelection {
  const { ids = [], name, resourceGroup } = flags;
  const hasIds = ids.length > 0;
  const hasName = name !== undefined;
  const hasGroup = resourceGroup !== undefined;
  if (flags.all && (hasIds || hasName || hasGroup)) throw new CliUsageError("--all selects every cluster of the subscription; do not combine it with -g, -n or --ids.");
  if (hasIds && (hasName || hasGroup)) throw new CliUsageError("Use either --ids or -g/-n, not both.");
  if (flags.all) return { kind: "all" };
  if (hasIds) {
    // Parse each id now so a malformed one is refused before any request.
    const refs = ids.map((id): ClusterRef => {
      sdk.parseClusterId(id);
      return { id };
    });
    return { kind: "refs", refs };
  }
  if (name !== undefined && resourceGroup === undefined) throw new CliUsageError(`-n ${name} needs the cluster's resource group: add -g <resource-group>.`);
  if (resourceGroup !== undefined && name !== undefined) return { kind: "refs", refs: [{ resourceGroup, name }] };
  if (resourceGroup !== undefined && options.listing) return { kind: "group", resourceGroup };
  if (resourceGroup !== undefined) throw new CliUsageError(`-g ${resourceGroup} needs the cluster's name: add -n <name>.`);
  if (options.noneAllowed) return { kind: "none" };
  throw new CliUsageError(options.listing ? "Say which clusters: -g RG -n NAME, --ids ID..., -g RG, or --all." : "Say which cluster: -g RG -n NAME, or --ids ID....");
}
