/**
 * `aks-kube-proxy verify`: does kube-proxy on the cluster's nodes run the settings? Reads only.
 * @packageDocumentation
 */
import type { DataPlaneResult, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import { addClusterSelectionOptions, resolveClusterSelection, type ClusterSelectionFlags } from "../inputs/clusters";
import { addSettingsOptions, readDesiredSettings, inlineSettingsDocument, type SettingsFlags } from "../inputs/settings";
import { waitForDataPlaneWithProgress } from "../flows/data-plane";
import { dataPlaneJson, dataPlaneText } from "../render/data-plane";
import { reportSettingsWarnings } from "../render/findings";
import type { CliCommandModule } from "../runtime/command-module";
import { CliUsageError } from "../runtime/cli-error";
import { parseDurationInMs } from "../runtime/duration";
import { ExitCode } from "../runtime/exit-codes";

interface VerifyFlags extends ClusterSelectionFlags, SettingsFlags {
  readonly admin?: boolean;
  readonly wait?: boolean;
  readonly timeout?: string;
  readonly detailedExitcode?: boolean;
  readonly maxNodes?: string;
  readonly requestTimeout?: string;
}

/**
 * The exit code of a data-plane verdict: 0 converged, 1 mismatch or unreachable, rolling out 2 with
 * `--detailed-exitcode` (else 1: not converged).
 */
export function exitCodeForVerdict(result: DataPlaneResult, detailed: boolean): number {
  if (result.verdict === "converged") return ExitCode.Ok;
  if (result.verdict === "rolling-out") return detailed ? ExitCode.ChangesPending : ExitCode.Failure;
  return ExitCode.Failure;
}

/** Parses `--max-nodes`. */
export function parseMaxNodes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value.trim())) throw new CliUsageError(`--max-nodes must be a whole number of nodes (0 to 999999), not "${value}".`);
  return Number(value);
}

/** The `verify` command. */
export const verifyCommand: CliCommandModule = {
  name: "verify",
  register(program, host) {
    const command = program
      .command("verify")
      .summary("check that kube-proxy on the nodes runs the settings (data plane; reads only)")
      .description(
        "Check the data plane: get the cluster's credentials from Azure (listClusterUserCredential; with --admin " +
          "listClusterAdminCredential; with Microsoft Entra integration a token for the AKS server application from the same " +
          "credential), read DaemonSet kube-system/kube-proxy, its pods, the nodes and each node's /proxyMode, and compare " +
          "them with the settings (default: what Azure reports for the cluster). Verdict: converged (exit 0), mismatch or " +
          "unreachable (exit 1), rolling-out (exit 2 with --detailed-exitcode, else 1). Windows nodes are skipped. Reads only.",
      );
    addClusterSelectionOptions(command, { ids: true });
    addSettingsOptions(command);
    command
      .option("--admin", "use the cluster's admin credential (local accounts; refused when disableLocalAccounts is set)")
      .option("--wait", "wait while the rollout is in progress (until converged, a mismatch, or --timeout)")
      .option("--timeout <duration>", "with --wait: give up after this long (e.g. 10m); default 30m")
      .option("--max-nodes <n>", "ask /proxyMode on at most this many Linux nodes (default 50); the others are judged by their pod's flags")
      .option("--request-timeout <duration>", "count the API server as not answering after this long per request (default 30s)")
      .option("--detailed-exitcode", "exit 0 converged, 1 mismatch or unreachable, 2 still rolling out");
    host.examples(command, [
      "aks-kube-proxy verify -g my-rg -n my-aks",
      "aks-kube-proxy verify -g my-rg -n my-aks --kube-proxy-config kube-proxy.json --detailed-exitcode; echo $?   # 0, 1 or 2",
      "aks-kube-proxy verify -g my-rg -n my-aks --mode NFTABLES --wait --timeout 15m",
      "aks-kube-proxy verify -g my-rg -n my-aks --admin -o json",
    ]);
    command.action(
      host.action(async (ctx) => {
        const sdk = ctx.sdk();
        const flags = ctx.opts<VerifyFlags>();
        const selection = resolveClusterSelection(sdk, flags);
        const timeoutInMs = flags.timeout !== undefined ? parseDurationInMs(flags.timeout, "--timeout") : undefined;
        if (timeoutInMs !== undefined && !flags.wait) throw new CliUsageError("--timeout needs --wait (verify without --wait checks once).");
        const maxProxyModeNodes = parseMaxNodes(flags.maxNodes);
        const requestTimeoutInMs = flags.requestTimeout !== undefined ? parseDurationInMs(flags.requestTimeout, "--request-timeout") : undefined;
        const common = { ...(flags.admin ? { admin: true } : {}), ...(maxProxyModeNodes !== undefined ? { maxProxyModeNodes } : {}), ...(requestTimeoutInMs !== undefined ? { requestTimeoutInMs } : {}) };
        let desired: KubeProxyConfig | undefined;
        if (flags.kubeProxyConfig !== undefined || inlineSettingsDocument(flags) !== undefined) {
          const read = await readDesiredSettings(sdk, flags);
          reportSettingsWarnings(read.warnings, ctx.out);
          desired = read.settings;
        }
        const client = ctx.createClient();
        const refs = selection.kind === "refs" ? selection.refs : [];
        const results: DataPlaneResult[] = [];
        for (const ref of refs) {
          const resolved = "id" in ref ? sdk.parseClusterId(ref.id) : ref;
          const label = `${resolved.resourceGroup}/${resolved.name}`;
          const result = flags.wait
            ? await waitForDataPlaneWithProgress(ctx, client, ref, desired, { label, ...(timeoutInMs !== undefined ? { timeoutInMs } : {}), ...common })
            : await client.verifyDataPlane(ref, desired, { abortSignal: ctx.abortSignal, ...common });
          results.push(result);
        }
        ctx.out.result({
          table: () => results.map(dataPlaneText).join("\n\n"),
          json: () => ({ subscriptionId: client.subscriptionId, results: results.map(dataPlaneJson) }),
        });
        return Math.max(...results.map((r) => exitCodeForVerdict(r, flags.detailedExitcode === true)));
      }),
    );
  },
};
