/**
 * Everything a command action needs: the global options, the output, the abort signal wired to Ctrl-C, the
 * lazily loaded SDK and a client built from the global options and the environment's credential.
 * @packageDocumentation
 */
import type { Command } from "commander";
import type { KubeProxyClient, KubeProxyClientOptions } from "@aks-kube-proxy/sdk";

/** Any TokenCredential (named through the SDK's options, so the CLI needs no direct @azure/core-auth dependency). */
type TokenCredential = NonNullable<KubeProxyClientOptions["credential"]>;
import { CliError, CliInterruptedError, CliNotConfirmedError, CliUsageError } from "./cli-error";
import { parseDurationInMs } from "./duration";
import { echoValue } from "./echo";
import { DEFAULT_READ_TIMEOUT } from "./read-timeout";
import type { InterruptTrap } from "./interrupt";
import { loadRollout, loadSdk, type RolloutModule, type SdkModule } from "./lazy";
import type { Output, OutputFormat } from "./output";
import { confirm, type ConfirmAnswer } from "./prompt";
import { createProgress, type Progress } from "./progress";
import { ExitCode } from "./exit-codes";
import { azureProfilePath, lookUpSubscriptionByName, noSubscriptionMessage, resolveSubscriptionLocally, type SubscriptionLookup } from "./subscription";

/** The environment variable for the ARM endpoint (the name Azure Service Operator and the Azure SDK for Go's tooling use). */
export const ENDPOINT_ENV = "AZURE_RESOURCE_MANAGER_ENDPOINT";

/** The environment variable of the Microsoft Entra authority host (Azure Identity's name). */
export const AUTHORITY_HOST_ENV = "AZURE_AUTHORITY_HOST";

/**
 * Refuses (exit 3) a URL that is not https: the CLI sends bearer tokens to ARM and client secrets to the authority host,
 * never in clear text.
 * @param value - the URL as given
 * @param source - the flag or environment variable it came from, for the message
 */
export function requireHttpsUrl(value: string, source: string): void {
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    throw new CliUsageError(`${source} "${echoValue(value)}" is not a URL. Give an https URL, e.g. https://management.azure.com.`);
  }
  if (protocol !== "https:") {
    throw new CliUsageError(
      `${source} "${echoValue(value)}" is not https: https is required (bearer tokens and client secrets are never sent in clear text). Use an https:// URL (the local emulator serves https too: \`aks-kube-proxy emulator\`).`,
    );
  }
}

/** The shortest `--poll-interval` against Azure: faster polls only burn ARM's and the AKS resource provider's request budgets. */
export const MIN_POLL_INTERVAL_IN_MS = 1_000;
/** The shortest `--poll-interval` against a loopback endpoint (the local emulator, tests). */
export const MIN_LOOPBACK_POLL_INTERVAL_IN_MS = 10;

function isLoopback(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** The options every command accepts (declared on the root program). */
export interface GlobalOptions {
  /** `--subscription` (id or name); falls back to `AZURE_SUBSCRIPTION_ID`, `ARM_SUBSCRIPTION_ID`, the Azure CLI's default. */
  readonly subscription?: string;
  /** `--cloud AzureCloud|AzureChinaCloud|AzureUSGovernment`. */
  readonly cloud?: "AzureCloud" | "AzureChinaCloud" | "AzureUSGovernment";
  /** `--endpoint URL`: any ARM endpoint (Azure Stack, the emulator). */
  readonly endpoint?: string;
  /** `--api-version`: the managedClusters preview api-version. */
  readonly apiVersion?: string;
  /** `--poll-interval 5s`: base interval of the SDK's polling. */
  readonly pollInterval?: string;
  /** `--output table|json|jsonc|yaml|tsv|none`. */
  readonly output: OutputFormat;
  /** `--query`: JMESPath over the result document. */
  readonly query?: string;
  /** `--verbose`. */
  readonly verbose: boolean;
}

/** The state of one command run, handed to its action. */
export class CommandContext {
  private sdkModule: SdkModule | undefined;
  private rolloutModule: RolloutModule | undefined;

  /**
   * @param command - the commander command being run (its own options via `opts()`)
   * @param globals - the global options
   * @param out - where to write
   * @param interrupts - Ctrl-C wiring
   * @param env - the environment (credentials, subscription)
   */
  constructor(
    readonly command: Command,
    readonly globals: GlobalOptions,
    readonly out: Output,
    private readonly interrupts: InterruptTrap,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The command's own options. */
  opts<T>(): T {
    return this.command.opts<Record<string, unknown>>() as T;
  }

  /** The command's positional arguments, after commander's processing. */
  get args(): readonly unknown[] {
    return this.command.processedArgs;
  }

  /** Aborted by the first Ctrl-C; pass it to every SDK call that waits. */
  get abortSignal(): AbortSignal {
    return this.interrupts.signal;
  }

  /** True once Ctrl-C was pressed. */
  get interrupted(): boolean {
    return this.interrupts.interrupted;
  }

  /** The SDK, loaded on first use. */
  sdk(): SdkModule {
    this.sdkModule ??= loadSdk();
    return this.sdkModule;
  }

  /** The fleet (`@aks-kube-proxy/rollout`), loaded on first use (only the `rollout` commands need it). */
  rollout(): RolloutModule {
    this.rolloutModule ??= loadRollout();
    return this.rolloutModule;
  }

  private resolvedSubscriptionId: string | undefined;

  /**
   * The subscription: `--subscription` (an id, or a name found by {@link CommandContext.resolveSubscriptionName}),
   * else `AZURE_SUBSCRIPTION_ID`, else `ARM_SUBSCRIPTION_ID`, else the Azure CLI's default subscription.
   */
  subscriptionId(): string {
    if (this.resolvedSubscriptionId) return this.resolvedSubscriptionId;
    const found = resolveSubscriptionLocally(this.globals.subscription, this.env);
    if (found === undefined) throw new CliUsageError(noSubscriptionMessage(this.env));
    if ("lookUpName" in found) throw new CliUsageError(`--subscription "${echoValue(found.lookUpName)}" is not a subscription id, and no subscription of that name was found.`);
    this.resolvedSubscriptionId = found.id;
    return found.id;
  }

  /**
   * When `--subscription` is a name the Azure CLI's profile does not know, looks it up through ARM (`GET /subscriptions`,
   * every page). A name that matches nothing is `SubscriptionNotFound` and a name two subscriptions share is an input
   * error, both exit 3 before any other request; a list ARM does not give is `SubscriptionLookupFailed` (exit 1), a
   * credential that gets no token is reported as such, Ctrl-C is exit 130.
   */
  async resolveSubscriptionName(): Promise<void> {
    const found = resolveSubscriptionLocally(this.globals.subscription, this.env);
    if (found === undefined || !("lookUpName" in found)) return;
    const name = found.lookUpName;
    const sdk = this.sdk();
    const { cloud } = this.globals;
    const endpoint = this.endpoint();
    const cloudInfo = sdk.resolveCloud({ ...(cloud ? { cloud } : {}), ...(endpoint ? { endpoint } : {}) });
    const credential = this.credential();
    let lookup: SubscriptionLookup;
    try {
      lookup = await lookUpSubscriptionByName({
        name,
        endpoint: cloudInfo.armEndpoint,
        abortSignal: this.abortSignal,
        getToken: async () => {
          try {
            const token = await credential.getToken(`${cloudInfo.audience}/.default`, { abortSignal: this.abortSignal });
            if (!token) throw new Error("the credential returned no token");
            return token.token;
          } catch (error) {
            if (this.abortSignal.aborted) throw error;
            throw new sdk.UnauthorizedError(`Could not get a token to look up --subscription "${echoValue(name)}" through Azure Resource Manager.`, { cause: error });
          }
        },
      });
    } catch (error) {
      if (this.abortSignal.aborted) throw new CliInterruptedError(`Interrupted while looking up --subscription "${echoValue(name)}". Nothing was read or written.`);
      throw error;
    }
    if (lookup.kind === "none") {
      throw new CliError(
        "SubscriptionNotFound",
        `--subscription "${echoValue(name)}" is not a subscription id (a GUID), and no subscription has that display name: not in the Azure CLI's profile (${azureProfilePath(this.env)}), nor among the ${lookup.listed} subscription(s) Azure Resource Manager lists for this identity. List yours with \`az account list -o table\` and pass the id or the exact name.`,
        ExitCode.InvalidInput,
      );
    }
    this.out.debug(`--subscription "${echoValue(name)}" is subscription ${lookup.id} (found through Azure Resource Manager).`);
    this.resolvedSubscriptionId = lookup.id;
  }

  /**
   * The ARM endpoint: `--endpoint`, else `$AZURE_RESOURCE_MANAGER_ENDPOINT`, else the cloud's. An endpoint that is
   * not an https URL is invalid input (exit 3), naming the flag or variable it came from.
   */
  endpoint(): string | undefined {
    const flag = this.globals.endpoint;
    const value = flag ?? (this.env[ENDPOINT_ENV]?.trim() || undefined);
    if (value !== undefined) requireHttpsUrl(value, flag !== undefined ? "--endpoint" : ENDPOINT_ENV);
    return value;
  }

  /** `--poll-interval` in milliseconds, refused below the floor (1s; 10ms against a loopback endpoint). */
  pollIntervalInMs(): number | undefined {
    const { pollInterval } = this.globals;
    if (pollInterval === undefined) return undefined;
    const ms = parseDurationInMs(pollInterval, "--poll-interval");
    const floor = isLoopback(this.endpoint()) ? MIN_LOOPBACK_POLL_INTERVAL_IN_MS : MIN_POLL_INTERVAL_IN_MS;
    if (ms < floor) {
      throw new CliUsageError(`--poll-interval ${pollInterval} is too short: at least ${floor >= 1000 ? `${floor / 1000}s` : `${floor}ms`}${floor >= 1000 ? " against Azure (faster polls only use up ARM's request budget)" : ""}.`);
    }
    return ms;
  }

  /**
   * Runs the reads of a command that only reads, bounded by its `--timeout` (default {@link DEFAULT_READ_TIMEOUT}, the
   * duration grammar of every `--timeout`) and Ctrl-C, through the SDK's `withDeadline`: a read Azure (or a blob
   * journal store) does not answer in time ends the command with `Timeout` (exit 1) instead of a hang.
   * @param what - what is read, for the message (e.g. "Reading the preview's state")
   * @param work - the reads; pass them the signal it gets
   */
  async withReadTimeout<T>(what: string, work: (abortSignal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    const text = this.opts<{ timeout?: string }>().timeout ?? DEFAULT_READ_TIMEOUT;
    const timeoutInMs = parseDurationInMs(text, "--timeout");
    return this.sdk().withDeadline({ timeoutInMs, abortSignal: this.abortSignal, what: `${what} (--timeout ${echoValue(text)})` }, work);
  }

  /**
   * Consent for a write: `--yes`, or a yes on the terminal. Off a terminal without `--yes` it refuses (exit 5), as
   * az does ("use --yes") and Terraform does without -auto-approve.
   * @param args - `yes` (the flag), the question, and what was not done (e.g. "Nothing was written.")
   */
  async requireConsent(args: { yes: boolean | undefined; question: string; nothingDone: string }): Promise<void> {
    if (args.yes) return;
    if (!this.stdinIsInteractive) {
      throw new CliNotConfirmedError(
        "ConfirmationRequired",
        `This command writes to Azure and needs confirmation ("${args.question}"), but stdin is not a terminal. ${args.nothingDone} Pass --yes to confirm.`,
      );
    }
    const answer = await this.confirm(args.question);
    if (answer === "interrupted") throw new CliInterruptedError(`Interrupted at the confirmation. ${args.nothingDone}`);
    if (answer === "no") throw new CliNotConfirmedError("Cancelled", `Cancelled. ${args.nothingDone}`);
  }

  private runCredential: TokenCredential | undefined;

  /**
   * The run's one credential (the SDK's factory: environment variables, else DefaultAzureCredential, for `--cloud`)
   * behind one token cache: every client of the run, one per subscription, and the blob journal share it, so a run
   * asks the identity provider for a token once per audience, not once per subscription and client.
   */
  credential(): TokenCredential {
    if (!this.runCredential) {
      const sdk = this.sdk();
      const { cloud } = this.globals;
      const authorityHost = this.env[AUTHORITY_HOST_ENV]?.trim();
      if (authorityHost) requireHttpsUrl(authorityHost, AUTHORITY_HOST_ENV);
      this.runCredential = sdk.sharedTokenCache(sdk.createCredential({ ...(cloud ? { cloud } : {}), env: this.env }));
    }
    return this.runCredential;
  }

  /**
   * A client for the subscription, authenticated with the run's {@link CommandContext.credential}, pointed at `--cloud`/`--endpoint`, with SDK log lines routed to stderr.
   * @param overrides - extra client options (e.g. polling for the demo)
   */
  createClient(overrides: Partial<KubeProxyClientOptions> = {}): KubeProxyClient {
    const sdk = this.sdk();
    const { cloud, apiVersion } = this.globals;
    const endpoint = this.endpoint();
    const intervalInMs = this.pollIntervalInMs();
    const credential = overrides.credential ?? this.credential();
    return new sdk.KubeProxyClient({
      subscriptionId: overrides.subscriptionId ?? this.subscriptionId(),
      credential,
      ...(cloud ? { cloud } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(apiVersion ? { apiVersion } : {}),
      ...(intervalInMs !== undefined ? { polling: { intervalInMs, maxIntervalInMs: intervalInMs * 6 } } : {}),
      logger: (entry) => {
        if (entry.level === "warning" || entry.level === "error") this.out.warn(entry.message);
        else this.out.debug(entry.message);
      },
      ...overrides,
    });
  }

  /** A progress reporter on stderr (live line on a terminal, plain lines elsewhere unless `quietWhenPlain`). */
  progress(options: { quietWhenPlain?: boolean } = {}): Progress {
    return createProgress(this.out, options);
  }

  /** Whether stdin is a terminal (only then does the CLI ask questions). */
  get stdinIsInteractive(): boolean {
    return Boolean(process.stdin.isTTY);
  }

  /** Asks a yes/no question on the terminal. */
  confirm(question: string): Promise<ConfirmAnswer> {
    return confirm(question);
  }
}
