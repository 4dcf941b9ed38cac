/**
 * Which subscription a command works in, found the way Azure users expect: `--subscription` (an id, or a name
 * resolved through the Azure CLI's profile or ARM), else `AZURE_SUBSCRIPTION_ID`, else `ARM_SUBSCRIPTION_ID`
 * (Terraform's azurerm), else the Azure CLI's default subscription from its profile file
 * (`$AZURE_CONFIG_DIR/azureProfile.json`, default `~/.azure`), which is only ever read.
 * @packageDocumentation
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliUsageError } from "./cli-error";

/** A subscription id: a GUID. */
export const SUBSCRIPTION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a subscription id came from. */
export type SubscriptionSource = "--subscription" | "AZURE_SUBSCRIPTION_ID" | "ARM_SUBSCRIPTION_ID" | "Azure CLI default subscription";

/** One subscription of the Azure CLI's profile. */
export interface ProfileSubscription {
  readonly id: string;
  readonly name?: string;
  readonly isDefault?: boolean;
}

/** The Azure CLI's profile file: `$AZURE_CONFIG_DIR/azureProfile.json`, or `~/.azure/azureProfile.json`. */
export function azureProfilePath(env: NodeJS.ProcessEnv): string {
  return join(env.AZURE_CONFIG_DIR || join(env.HOME || homedir(), ".azure"), "azureProfile.json");
}

/**
 * The subscriptions of the Azure CLI's profile, or an empty list when there is no readable profile. Read-only;
 * anything but a regular file under 5 MB is ignored.
 * @param env - the environment
 */
export function readAzureCliSubscriptions(env: NodeJS.ProcessEnv): ProfileSubscription[] {
  let fd: number | undefined;
  try {
    fd = openSync(azureProfilePath(env), "r");
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > 5 * 1024 * 1024) return [];
    const buffer = Buffer.alloc(info.size);
    let read = 0;
    while (read < info.size) {
      const n = readSync(fd, buffer, read, info.size - read, null);
      if (n === 0) break;
      read += n;
    }
    let text = buffer.subarray(0, read).toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const data = JSON.parse(text) as { subscriptions?: unknown };
    if (!Array.isArray(data.subscriptions)) return [];
    return data.subscriptions.filter((s): s is ProfileSubscription => typeof s === "object" && s !== null && typeof (s as ProfileSubscription).id === "string");
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Resolves the subscription without the network. A `--subscription` that is not a GUID is looked up by name in
 * the Azure CLI's profile; when it is not there, `{ lookUpName }` asks the caller to ask ARM.
 * @param flag - `--subscription`, when given
 * @param env - the environment
 */
export function resolveSubscriptionLocally(flag: string | undefined, env: NodeJS.ProcessEnv): { id: string; source: SubscriptionSource } | { lookUpName: string } | undefined {
  if (flag !== undefined) {
    const value = flag.trim();
    if (value === "") throw new CliUsageError("--subscription is empty: give a subscription id or name.");
    if (SUBSCRIPTION_ID_PATTERN.test(value)) return { id: value, source: "--subscription" };
    const byName = readAzureCliSubscriptions(env).filter((s) => s.name?.toLowerCase() === value.toLowerCase());
    const only = byName.length === 1 ? byName[0] : undefined;
    if (only) return { id: only.id, source: "--subscription" };
    if (byName.length > 1) throw new CliUsageError(`--subscription "${value}": ${byName.length} subscriptions of the Azure CLI's profile have that name (${byName.map((s) => s.id).join(", ")}); pass the id.`);
    return { lookUpName: value };
  }
  for (const name of ["AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"] as const) {
    const value = env[name]?.trim();
    if (value) {
      if (!SUBSCRIPTION_ID_PATTERN.test(value)) throw new CliUsageError(`${name}="${value}" is not a subscription id (a GUID). Fix it, or pass --subscription.`);
      return { id: value, source: name };
    }
  }
  const fallback = readAzureCliSubscriptions(env).find((s) => s.isDefault === true);
  if (fallback && SUBSCRIPTION_ID_PATTERN.test(fallback.id)) return { id: fallback.id, source: "Azure CLI default subscription" };
  return undefined;
}

/** The message when no subscription was found anywhere. */
export function noSubscriptionMessage(env: NodeJS.ProcessEnv): string {
  return (
    "No subscription given. Pass --subscription <id or name>, or set AZURE_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID), " +
    `or pick a default with \`az account set --subscription <id>\` (read from ${azureProfilePath(env)}).`
  );
}

/**
 * Looks a subscription up by display name through ARM (`GET /subscriptions`, every page).
 * @param args - name, ARM endpoint, a token getter, abort signal
 * @returns the id, or undefined when no subscription has that name (or ARM cannot list subscriptions)
 */
export async function lookUpSubscriptionByName(args: { name: string; endpoint: string; getToken: () => Promise<string>; abortSignal?: AbortSignal }): Promise<string | undefined> {
  let url: string | undefined = `${args.endpoint.replace(/\/+$/, "")}/subscriptions?api-version=2022-12-01`;
  const token = await args.getToken();
  for (let page = 0; url && page < 100; page++) {
    const response: Response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, ...(args.abortSignal ? { signal: args.abortSignal } : {}) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { value?: { subscriptionId?: string; displayName?: string }[]; nextLink?: string };
    const found = (body.value ?? []).filter((s) => s.displayName?.toLowerCase() === args.name.toLowerCase());
    if (found.length > 1) throw new CliUsageError(`--subscription "${args.name}": ${found.length} subscriptions have that name; pass the id.`);
    if (found[0]?.subscriptionId) return found[0].subscriptionId;
    url = body.nextLink || undefined;
  }
  return undefined;
}
