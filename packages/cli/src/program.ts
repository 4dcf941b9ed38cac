/**
 * The `aks-kube-proxy` program: global options, help layout, and the registration of every command module.
 * @packageDocumentation
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import { commandModules } from "./commands/index";
import type { CommandHost } from "./runtime/command-module";
import { CommandContext, type GlobalOptions } from "./runtime/context";
import { describeError } from "./runtime/errors";
import { trapInterrupts } from "./runtime/interrupt";
import { Output } from "./runtime/output";

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
    ...(typeof o.pollInterval === "string" ? { pollInterval: o.pollInterval } : {}),
    output: o.output === "json" ? "json" : "table",
    verbose: o.verbose === true,
  };
}

function createHost(state: RunState): CommandHost {
  return {
    action(handler) {
      return async (...args: unknown[]) => {
        const command = args[args.length - 1] as Command;
        const globals = globalOptionsOf(command);
        const out = new Output({ format: globals.output, verbose: globals.verbose });
        const trap = trapInterrupts((signal) => out.notice(`${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping (press Ctrl-C again to quit at once)…`));
        try {
          state.exitCode = await handler(new CommandContext(command, globals, out, trap));
        } catch (err) {
          const described = describeError(err, { verbose: globals.verbose });
          out.error(described.message);
          if (out.json && !out.wroteDocument) out.document({ error: { ...described.json, exitCode: described.exitCode } });
          state.exitCode = described.exitCode;
        } finally {
          trap.dispose();
        }
      };
    },
    examples(command, lines) {
      return command.addHelpText("after", `\nExamples:\n${lines.map((l) => (l.startsWith("#") || l === "" ? `  ${l}` : `  $ ${l}`)).join("\n")}\n`);
    },
  };
}

/**
 * Builds the program with every command registered.
 * @param state - receives the exit code of the command that runs
 */
export function createProgram(state: RunState): Command {
  const program = new Command("aks-kube-proxy")
    .description(
      "Enable the AKS kube-proxy configuration preview and plan, apply and check clusters' kube-proxy settings\n" +
        "(IPTABLES, IPVS, NFTABLES; IPVS scheduler and timeouts), for people and CI.",
    )
    .version(cliVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .option("--subscription <id>", "subscription id (default: $AZURE_SUBSCRIPTION_ID)")
    .addOption(new Option("--cloud <name>", "Azure cloud").choices(["AzureCloud", "AzureChinaCloud", "AzureUSGovernment"]))
    .option("--endpoint <url>", "any Azure Resource Manager endpoint (Azure Stack, the local emulator); overrides --cloud")
    .option("--api-version <version>", "managedClusters preview api-version (default: the SDK's, 2026-08-02-preview)")
    .addOption(new Option("-o, --output <format>", "result format: table for people, json for scripts (one document on stdout)").choices(["table", "json"]).default("table"))
    .option("--poll-interval <duration>", "base interval between polls of long waits, backing off up to 6x (default: the SDK's, 5s; Retry-After is honoured)")
    .option("--verbose", "log each step and ARM request id on stderr")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  const host = createHost(state);
  for (const module of commandModules()) module.register(program, host);
  host.examples(program, [
    "aks-kube-proxy demo                                   # the whole workflow on a local emulator, no Azure account",
    "aks-kube-proxy enable-preview",
    "aks-kube-proxy status -g my-rg -n my-aks",
    "aks-kube-proxy plan -g my-rg -n my-aks --kube-proxy-config kube-proxy.json --detailed-exitcode",
    "aks-kube-proxy apply -g my-rg -n my-aks --mode IPVS --ipvs-scheduler LeastConnection --yes",
    "",
    "# Exit codes: 0 ok, 1 failure, 2 changes pending (plan --detailed-exitcode), 3 invalid input, 130 interrupted.",
    "# Credentials: AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, workload identity, managed identity or `az login`.",
  ]);
  return program;
}
