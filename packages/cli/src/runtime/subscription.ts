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
import { CliError, CliUsageError } from "./cli-error";
import { ExitCode } from "./exit-codes";

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
    if (byName.length > 1) {
      throw new CliUsageError(`--subscription "${value}" is ambiguous: ${byName.length} subscriptions of the Azure CLI's profile have that name (${byName.map((s) => s.id).join(", ")}). Pass the id of the one you mean.`);
    }
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

/** What {@link lookUpSubscriptionByName} found. */
export type SubscriptionLookup =
  /** Exactly one subscription has the name. */
  | { readonly kind: "found"; readonly id: string }
  /** None of the `listed` subscriptions has it. */
  | { readonly kind: "none"; readonly listed: number };

/** ARM could not list the subscriptions (an error answer, an unreadable body, or no answer): exit 1, not an input error. */
export class SubscriptionLookupError extends CliError {
  /** @param message - what failed and what to do instead */
  constructor(message: string) {
    super("SubscriptionLookupFailed", message, ExitCode.Failure);
    this.name = "SubscriptionLookupError";
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The most pages of `GET /subscriptions` read before giving up (100 subscriptions a page in Azure). */
const MAX_SUBSCRIPTION_PAGES = 100;

/**
 * Looks a subscription up by display name (without regard to case) through ARM: `GET /subscriptions`, every page,
 * so that two subscriptions of that name are found even on different pages. Two or more are refused: display names
 * are not unique in Azure, and the CLI never guesses between subscriptions.
 * @param args - name, ARM endpoint, a token getter, abort signal
 * @throws {@link CliUsageError} when several subscriptions have the name (the message lists their ids);
 *   {@link SubscriptionLookupError} when ARM does not list them; the token getter's and the abort signal's errors as they are
 */
export async function lookUpSubscriptionByName(args: { name: string; endpoint: string; getToken: () => Promise<string>; abortSignal?: AbortSignal }): Promise<SubscriptionLookup> {
  const wanted = args.name.toLowerCase();
  const base = args.endpoint.replace(/\/+$/, "");
  let url: string | undefined = `${base}/subscriptions?api-version=2022-12-01`;
  const token = await args.getToken();
  const matches: { id: string; displayName: string }[] = [];
  let listed = 0;
  for (let page = 0; url; page++) {
    if (page >= MAX_SUBSCRIPTION_PAGES) throw new SubscriptionLookupError(`Azure Resource Manager listed more than ${MAX_SUBSCRIPTION_PAGES} pages of subscriptions while looking up --subscription "${args.name}"; pass the subscription id instead.`);
    const origin = originOf(url);
    if (origin !== originOf(base)) throw new SubscriptionLookupError(`Azure Resource Manager's next page of subscriptions is on another host (${origin ?? url}); the CLI sends no token there. Pass the subscription id instead of "${args.name}".`);
    let body: { value?: { subscriptionId?: unknown; displayName?: unknown }[]; nextLink?: unknown };
    try {
      const response: Response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "application/json" }, ...(args.abortSignal ? { signal: args.abortSignal } : {}) });
      const text = await response.text();
      if (!response.ok) {
        let detail = "";
        try {
          const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
          if (typeof error?.code === "string") detail = ` ${error.code}${typeof error.message === "string" ? `: ${error.message}` : ""}`;
        } catch {
          // no ARM error body
        }
        throw new SubscriptionLookupError(`Could not list subscriptions to look up --subscription "${args.name}": Azure Resource Manager answered HTTP ${response.status}${detail}. Pass the subscription id instead (\`az account list -o table\` shows it).`);
      }
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== "object" || parsed === null) throw new Error("the answer is not a JSON object");
      body = parsed as typeof body;
    } catch (error) {
      if (error instanceof SubscriptionLookupError || args.abortSignal?.aborted) throw error;
      throw new SubscriptionLookupError(
        `Could not list subscriptions to look up --subscription "${args.name}": ${error instanceof Error ? error.message : String(error)}. Check the network and --endpoint, or pass the subscription id instead.`,
      );
    }
    for (const s of Array.isArray(body.value) ? body.value : []) {
      listed++;
      if (typeof s === "object" && s !== null && typeof s.subscriptionId === "string" && typeof s.displayName === "string" && s.displayName.toLowerCase() === wanted) matches.push({ id: s.subscriptionId, displayName: s.displayName });
    }
    url = typeof body.nextLink === "string" && body.nextLink !== "" ? body.nextLink : undefined;
  }
  const ids = [...new Set(matches.map((m) => m.id.toLowerCase()))];
  if (ids.length > 1) {
    throw new CliUsageError(
      `--subscription "${args.name}" is ambiguous: ${ids.length} subscriptions have that display name (${matches.map((m) => m.id).join(", ")}). Pass the id of the one you mean, e.g. --subscription ${matches[0]?.id ?? "<id>"}.`,
    );
  }
  const only = matches[0];
  return only ? { kind: "found", id: only.id } : { kind: "none", listed };
}
