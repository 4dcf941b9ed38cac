/**
 * Everything a command action needs: the global options, the output, the abort signal wired to Ctrl-C, the
 * lazily loaded SDK and a client built from the global options and the environment's credential.
 * @packageDocumentation
 */
import type { Command } from "commander";
import type { KubeProxyClient, KubeProxyClientOptions } from "@aks-kube-proxy/sdk";
import { CliUsageError } from "./cli-error";
import { parseDurationInMs } from "./duration";
import type { InterruptTrap } from "./interrupt";
import { loadSdk, type SdkModule } from "./lazy";
import type { Output, OutputFormat } from "./output";
import { confirm, type ConfirmAnswer } from "./prompt";
import { createProgress, type Progress } from "./progress";

/** The options every command accepts (declared on the root program). */
export interface GlobalOptions {
  /** `--subscription`; falls back to `AZURE_SUBSCRIPTION_ID`. */
  readonly subscription?: string;
  /** `--cloud AzureCloud|AzureChinaCloud|AzureUSGovernment`. */
  readonly cloud?: "AzureCloud" | "AzureChinaCloud" | "AzureUSGovernment";
  /** `--endpoint URL`: any ARM endpoint (Azure Stack, the emulator). */
  readonly endpoint?: string;
  /** `--api-version`: the managedClusters preview api-version. */
  readonly apiVersion?: string;
  /** `--poll-interval 5s`: base interval of the SDK's polling. */
  readonly pollInterval?: string;
  /** `--output table|json`. */
  readonly output: OutputFormat;
  /** `--verbose`. */
  readonly verbose: boolean;
}

/** The state of one command run, handed to its action. */
export class CommandContext {
  private sdkModule: SdkModule | undefined;

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

  /** The subscription: `--subscription`, else `AZURE_SUBSCRIPTION_ID`. */
  subscriptionId(): string {
    const id = this.globals.subscription ?? this.env.AZURE_SUBSCRIPTION_ID;
    if (!id) {
      throw new CliUsageError("No subscription given. Pass --subscription <id> or set AZURE_SUBSCRIPTION_ID (e.g. `export AZURE_SUBSCRIPTION_ID=$(az account show --query id -o tsv)`).");
    }
    return id;
  }

  /**
   * A client for the subscription, authenticated with the SDK's credential factory (environment variables, else
   * DefaultAzureCredential), pointed at `--cloud`/`--endpoint`, with SDK log lines routed to stderr.
   * @param overrides - extra client options (e.g. polling for the demo)
   */
  createClient(overrides: Partial<KubeProxyClientOptions> = {}): KubeProxyClient {
    const sdk = this.sdk();
    const { cloud, endpoint, apiVersion, pollInterval } = this.globals;
    const intervalInMs = pollInterval !== undefined ? parseDurationInMs(pollInterval, "--poll-interval") : undefined;
    const credential = overrides.credential ?? sdk.createCredential({ ...(cloud ? { cloud } : {}), env: this.env });
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
