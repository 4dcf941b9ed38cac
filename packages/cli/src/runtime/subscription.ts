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
import { setTimeout as sleep } from "node:timers/promises";
import { CliError, CliUsageError } from "./cli-error";
import { ExitCode } from "./exit-codes";
import { echoValue } from "./echo";

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
      throw new CliUsageError(`--subscription "${echoValue(value)}" is ambiguous: ${byName.length} subscriptions of the Azure CLI's profile have that name (${byName.map((s) => s.id).join(", ")}). Pass the id of the one you mean.`);
    }
    return { lookUpName: value };
  }
  for (const name of ["AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"] as const) {
    const value = env[name]?.trim();
    if (value) {
      if (!SUBSCRIPTION_ID_PATTERN.test(value)) throw new CliUsageError(`${name}="${echoValue(value)}" is not a subscription id (a GUID). Fix it, or pass --subscription.`);
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
/** Tries of one page: the first and two retries, for no answer, 429 and 5xx (as the Azure SDK's pipeline retries). */
const PAGE_ATTEMPTS = 3;
/** How long one try of a page may go unanswered. */
const PAGE_ATTEMPT_TIMEOUT_IN_MS = 30_000;
/** The longest wait between tries (a longer `Retry-After` is cut to this). */
const MAX_RETRY_DELAY_IN_MS = 10_000;

/** One page of `GET /subscriptions`, as far as the lookup reads it. */
interface SubscriptionPage {
  value?: { subscriptionId?: unknown; displayName?: unknown }[];
  nextLink?: unknown;
}

/** " Code: message" from an ARM error body, or "". */
function armErrorDetail(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof error?.code === "string") return ` ${error.code}${typeof error.message === "string" ? `: ${error.message}` : ""}`;
  } catch {
    // no ARM error body
  }
  return "";
}

/** Milliseconds from a Retry-After header in seconds, or undefined. */
function retryAfterInMs(value: string | null): number | undefined {
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : undefined;
}

/**
 * Reads one page, retrying no answer (each try bounded by {@link PAGE_ATTEMPT_TIMEOUT_IN_MS}), 429 and 5xx up to
 * {@link PAGE_ATTEMPTS} tries; any other refusal, or an answer that is not a JSON object, fails at once.
 * @throws {@link SubscriptionLookupError}; the abort signal's error as it is
 */
async function readSubscriptionPage(url: string, args: { name: string; token: string; abortSignal?: AbortSignal }): Promise<SubscriptionPage> {
  const failed = (why: string) => new SubscriptionLookupError(`Could not list subscriptions to look up --subscription "${echoValue(args.name)}": ${why}. Pass the subscription id instead (\`az account list -o table\` shows it).`);
  for (let attempt = 1; ; attempt++) {
    let why = "";
    let waitInMs: number | undefined;
    let answer: { status: number; text: string } | undefined;
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(PAGE_ATTEMPT_TIMEOUT_IN_MS), ...(args.abortSignal ? [args.abortSignal] : [])]);
      const response: Response = await fetch(url, { headers: { authorization: `Bearer ${args.token}`, accept: "application/json" }, signal });
      answer = { status: response.status, text: await response.text() };
      waitInMs = retryAfterInMs(response.headers.get("retry-after"));
    } catch (error) {
      if (args.abortSignal?.aborted) throw error;
      why = error instanceof Error && error.name === "TimeoutError" ? `Azure Resource Manager did not answer within ${PAGE_ATTEMPT_TIMEOUT_IN_MS / 1000} s` : `${error instanceof Error ? error.message : String(error)} (check the network and --endpoint)`;
    }
    if (answer) {
      if (answer.status >= 200 && answer.status < 300) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(answer.text) as unknown;
        } catch {
          parsed = undefined;
        }
        if (typeof parsed !== "object" || parsed === null) throw failed("Azure Resource Manager's answer is not a JSON object");
        return parsed as SubscriptionPage;
      }
      why = `Azure Resource Manager answered HTTP ${answer.status}${armErrorDetail(answer.text)}`;
      if (answer.status !== 429 && answer.status < 500) throw failed(why);
    }
    if (attempt >= PAGE_ATTEMPTS) throw failed(`${why} (${attempt} tries)`);
    await sleep(Math.min(waitInMs ?? 1000 * 2 ** (attempt - 1), MAX_RETRY_DELAY_IN_MS), undefined, args.abortSignal ? { signal: args.abortSignal } : {});
  }
}

/**
 * Looks a subscription up by display name (without regard to case) through ARM: `GET /subscriptions`, every page,
 * so that two subscriptions of that name are found even on different pages. Two or more are refused: display names
 * are not unique in Azure, and the CLI never guesses between subscriptions. Each page is retried on no answer, 429
 * and 5xx (3 tries, each bounded by 30 s).
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
    if (page >= MAX_SUBSCRIPTION_PAGES) throw new SubscriptionLookupError(`Azure Resource Manager listed more than ${MAX_SUBSCRIPTION_PAGES} pages of subscriptions while looking up --subscription "${echoValue(args.name)}"; pass the subscription id instead.`);
    const origin = originOf(url);
    if (origin !== originOf(base)) throw new SubscriptionLookupError(`Azure Resource Manager's next page of subscriptions is on another host (${origin ?? url}); the CLI sends no token there. Pass the subscription id instead of "${echoValue(args.name)}".`);
    const body = await readSubscriptionPage(url, { name: args.name, token, ...(args.abortSignal ? { abortSignal: args.abortSignal } : {}) });
    for (const s of Array.isArray(body.value) ? body.value : []) {
      listed++;
      if (typeof s === "object" && s !== null && typeof s.subscriptionId === "string" && typeof s.displayName === "string" && s.displayName.toLowerCase() === wanted) matches.push({ id: s.subscriptionId, displayName: s.displayName });
    }
    url = typeof body.nextLink === "string" && body.nextLink !== "" ? body.nextLink : undefined;
  }
  const ids = [...new Set(matches.map((m) => m.id.toLowerCase()))];
  if (ids.length > 1) {
    throw new CliUsageError(
      `--subscription "${echoValue(args.name)}" is ambiguous: ${ids.length} subscriptions have that display name (${matches.map((m) => m.id).join(", ")}). Pass the id of the one you mean, e.g. --subscription ${matches[0]?.id ?? "<id>"}.`,
    );
  }
  const only = matches[0];
  return only ? { kind: "found", id: only.id } : { kind: "none", listed };
}
