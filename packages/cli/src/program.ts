/**
 * The `aks-kube-proxy` program: global options, help layout, and the registration of every command module.
 * @packageDocumentation
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { commandModules } from "./commands/index";
import type { CommandHost } from "./runtime/command-module";
import { CommandContext, type GlobalOptions } from "./runtime/context";
import { describeError } from "./runtime/errors";
import { trapInterrupts } from "./runtime/interrupt";
import { detailedExitCode, exitCodesHelp } from "./runtime/exit-codes";
import { checkQuery, OUTPUT_FORMATS, type OutputFormat } from "./runtime/formats";
import { Output } from "./runtime/output";

/** The environment variable that sets `--poll-interval` when the flag is not given. */
export const POLL_INTERVAL_ENV = "AKS_KUBE_PROXY_POLL_INTERVAL";

/** Commands that never talk to Azure: no subscription is resolved for them. */
const OFFLINE_COMMANDS = new Set(["validate", "emulator", "demo"]);

/** Where a run's exit code ends up. */
export interface RunState {
  /** Set by the command action. */
  exitCode: number;
}

/** The package version, read from package.json next to `dist/` (or `src/`). */
export function cliVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

function globalOptionsOf(command: Command): GlobalOptions {
  const o = command.optsWithGlobals<Record<string, unknown>>();
  return {
    ...(typeof o.subscription === "string" ? { subscription: o.subscription } : {}),
    ...(typeof o.cloud === "string" ? { cloud: o.cloud as GlobalOptions["cloud"] } : {}),
    ...(typeof o.endpoint === "string" ? { endpoint: o.endpoint } : {}),
    ...(typeof o.apiVersion === "string" ? { apiVersion: o.apiVersion } : {}),
    ...(typeof o.pollInterval === "string" ? { pollInterval: o.pollInterval } : process.env[POLL_INTERVAL_ENV] ? { pollInterval: process.env[POLL_INTERVAL_ENV] } : {}),
    output: (OUTPUT_FORMATS as readonly string[]).includes(String(o.output)) ? (o.output as OutputFormat) : "table",
    ...(typeof o.query === "string" ? { query: o.query } : {}),
    verbose: o.verbose === true,
  };
}

function createHost(state: RunState): CommandHost {
  return {
    action(handler) {
      return async (...args: unknown[]) => {
        const command = args[args.length - 1] as Command;
        const globals = globalOptionsOf(command);
        const out = new Output({ format: globals.output, verbose: globals.verbose, ...(globals.query !== undefined ? { query: globals.query } : {}) });
        const trap = trapInterrupts((signal) => out.notice(`${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping (press Ctrl-C again to quit at once)…`));
        const detailed = command.opts<{ detailedExitcode?: boolean }>().detailedExitcode === true;
        try {
          if (globals.query !== undefined) checkQuery(globals.query);
          const ctx = new CommandContext(command, globals, out, trap);
          if (!OFFLINE_COMMANDS.has(command.name())) await ctx.resolveSubscriptionName();
          state.exitCode = await handler(ctx);
        } catch (err) {
          const described = describeError(err, { verbose: globals.verbose });
          out.error(described.message);
          if (out.json && !out.wroteDocument) out.errorDocument({ error: { ...described.json, exitCode: detailed ? detailedExitCode(described.exitCode) : described.exitCode } });
          state.exitCode = described.exitCode;
        } finally {
          trap.dispose();
        }
        if (detailed) state.exitCode = detailedExitCode(state.exitCode);
      };
    },
    examples(command, lines) {
      return command.addHelpText("after", `\nExamples:\n${lines.map((l) => (l.startsWith("#") || l === "" ? `  ${l}` : `  $ ${l}`)).join("\n")}\n`);
    },
  };
}

/**
 * Makes every single-value option refuse a second occurrence (`-n a -n b` is an error, not "the last wins").
 * Options that collect repeated values (their parser returns an array) stay repeatable.
 * @param root - the program, after every command was registered
 */
function refuseRepeatedOptions(root: Command): void {
  const visit = (command: Command): void => {
    for (const option of command.options as Option[]) {
      if (!(option.required || option.optional) || option.variadic) continue;
      const original = option.parseArg as ((value: string, previous: unknown) => unknown) | undefined;
      let seen: string | undefined;
      option.argParser((value: string, previous: unknown) => {
        const parsed = original ? original(value, previous) : value;
        if (Array.isArray(parsed)) return parsed;
        if (seen !== undefined) throw new InvalidArgumentError(`${option.long ?? option.short} was given twice ("${seen}" and "${value}"); give it once.`);
        seen = value;
        return parsed;
      });
    }
    for (const sub of command.commands) visit(sub);
  };
  visit(root);
}

/**
 * Builds the program with every command registered (or, with `only`, just the command about to run).
 * @param state - receives the exit code of the command that runs
 * @param options - `only`: register just this command
 */
export function createProgram(state: RunState, options: { only?: string } = {}): Command {
  const program = new Command("aks-kube-proxy")
    .description(
      "Enable the AKS kube-proxy configuration preview and plan, apply and check clusters' kube-proxy settings\n" +
        "(IPTABLES, IPVS, NFTABLES; IPVS scheduler and timeouts), for people and CI.",
    )
    .version(cliVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .option("--subscription <id-or-name>", "subscription id or name (default: $AZURE_SUBSCRIPTION_ID, $ARM_SUBSCRIPTION_ID, then the Azure CLI's default subscription)")
    .addOption(new Option("--cloud <name>", "Azure cloud").choices(["AzureCloud", "AzureChinaCloud", "AzureUSGovernment"]))
    .option("--endpoint <url>", "any Azure Resource Manager endpoint (Azure Stack, the local emulator); overrides --cloud (default: $AZURE_RESOURCE_MANAGER_ENDPOINT)")
    .option("--api-version <version>", "managedClusters preview api-version (default: the SDK's, 2026-08-02-preview)")
    .addOption(new Option("-o, --output <format>", "result format: table for people; json, jsonc, yaml, tsv or none for scripts (one document on stdout)").choices([...OUTPUT_FORMATS]).default("table"))
    .option("--query <jmespath>", "JMESPath query over the result document (as az --query), e.g. \"clusters[].name\"; stopped (exit 3) past 5 M steps, 10 s or a 64 MB result")
    .option("--poll-interval <duration>", "base interval between polls of long waits, backing off up to 6x (default: the SDK's, 5s; at least 1s, 10ms against a loopback endpoint; Retry-After is honoured; default: $AKS_KUBE_PROXY_POLL_INTERVAL)")
    .option("--verbose", "log each step and ARM request id on stderr")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  const host = createHost(state);
  for (const module of commandModules(options.only)) module.register(program, host);
  refuseRepeatedOptions(program);
  host.examples(program, [
    "aks-kube-proxy demo                                   # the whole workflow on a local emulator, no Azure account",
    "aks-kube-proxy enable-preview",
    "aks-kube-proxy status -g my-rg -n my-aks",
    "aks-kube-proxy plan -g my-rg -n my-aks --kube-proxy-config kube-proxy.json --detailed-exitcode",
    "aks-kube-proxy apply -g my-rg -n my-aks --mode IPVS --ipvs-scheduler LeastConnection --yes",
    "",
    ...exitCodesHelp(),
    "#             With --detailed-exitcode: 0, 1 or 2 only.",
    "# Credentials: AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, workload identity, managed identity or `az login`.",
  ]);
  return program;
}
