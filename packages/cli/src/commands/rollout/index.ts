/**
 * `aks-kube-proxy rollout`: fleet rollouts of kube-proxy settings across many clusters and subscriptions, in waves,
 * resumable, shardable for CI, with JSON and JUnit reports. The command group registers here; the work happens in
 * one module per subcommand (`plan.ts`, `apply.ts`, `status.ts`, `merge.ts`, `rollback.ts`, `approve.ts`, `report.ts`,
 * `skip.ts`, `stop.ts`; shared helpers in `actions.ts`, the run in `run.ts`, report files in `reports.ts`), loaded with the SDK and the fleet only when a subcommand runs.
 * @packageDocumentation
 */
import type { Command } from "commander";
import type { CliCommandModule, CommandHost } from "../../runtime/command-module";
import { ExitCode, exitCodesHelp } from "../../runtime/exit-codes";
import { addReadTimeoutOption } from "../../runtime/read-timeout";

/** What the exit codes mean for a run (`rollout apply`, `rollout rollback`); the codes themselves are the one table's. */
const RUN_EXIT_CODES = {
  [ExitCode.Ok]: "every cluster done or skipped as converged (also a re-run of a finished journal)",
  [ExitCode.Failure]: "a cluster failed, or a halt",
  [ExitCode.Blocked]: "a cluster blocked by a rule was skipped (nothing written to it)",
  [ExitCode.NotConfirmed]: "not confirmed (no terminal and no --yes; nothing written)",
  [ExitCode.AwaitingApproval]: "awaiting approval (rollout approve, then --resume)",
  [ExitCode.Interrupted]: "interrupted (continue with --resume)",
} as const;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/* eslint-disable @typescript-eslint/no-require-imports -- each subcommand's module loads the SDK and the fleet; keep `--help` fast */
const load = {
  plan: () => require("./plan") as typeof import("./plan"),
  apply: () => require("./apply") as typeof import("./apply"),
  status: () => require("./status") as typeof import("./status"),
  merge: () => require("./merge") as typeof import("./merge"),
  rollback: () => require("./rollback") as typeof import("./rollback"),
  approve: () => require("./approve") as typeof import("./approve"),
  report: () => require("./report") as typeof import("./report"),
  skip: () => require("./skip") as typeof import("./skip"),
  stop: () => require("./stop") as typeof import("./stop"),
};
/* eslint-enable @typescript-eslint/no-require-imports */

function registerPlan(group: Command, host: CommandHost): void {
  const command = group
    .command("plan")
    .argument("<file>", "rollout file (YAML or JSON; schema: @aks-kube-proxy/rollout/schema/rollout.schema.json)")
    .summary("show what a rollout would change, per cluster and wave; writes nothing")
    .description(
      "List the clusters of the rollout's subscriptions, select the fleet, and show per cluster its current and desired " +
        "kube-proxy settings, the wave that takes it, blockers and warnings, then totals. Writes no cluster. With --out FILE, " +
          "also saves the plan (written whole or not at all) for `rollout apply FILE`.",
    )
    .option("--shard <i/n>", "plan only shard i of n (deterministic split by resource id)")
    .option("--detailed-exitcode", "exit 2 when some cluster would change, 0 when none would")
    .option(
      "--out <file>",
      "also save the plan to this file (JSON, no secrets: clusters, waves, eTags, current and desired settings): `aks-kube-proxy rollout apply FILE` applies exactly it, `aks-kube-proxy show FILE` prints it",
    );
  addReadTimeoutOption(command);
  host.examples(command, [
    "aks-kube-proxy rollout plan rollout.yaml",
    "aks-kube-proxy rollout plan rollout.yaml --shard 1/4 -o json",
    "aks-kube-proxy rollout plan rollout.yaml --out rollout-plan.json   # then: aks-kube-proxy rollout apply rollout-plan.json",
  ]);
  command.action(host.action(async (ctx) => load.plan().rolloutPlan(ctx, String(ctx.args[0]))));
}

function addRunOptions(command: Command): Command {
  return command
    .option("--resume", "continue the journal after a crash or Ctrl-C: done clusters are not written again, in-progress ones are re-attached")
    .option("--retry-failed", "with --resume: start failed clusters again and lift a halt")
    .option("--wave <name>", "run only this wave (repeatable), e.g. a canary job before the shards", collect)
    .option("--cluster-timeout <duration>", "give up waiting for one cluster after this long (default: the SDK's, 60m)")
    .option("--junit <file>", "write a JUnit XML report (one test case per cluster)")
    .option("--report <file>", "write the JSON report to a file too")
    .option("-y, --yes", "do not ask for confirmation (never asked when stdin is not a terminal)");
}

function registerApply(group: Command, host: CommandHost): void {
  const command = addRunOptions(
    group
      .command("apply")
      .argument("<file>", "rollout file (YAML or JSON), or a rollout plan saved by `rollout plan --out`: apply exactly it")
      .summary("roll settings out in waves, journaled and resumable")
      .description(
        "Plan the rollout, write a journal, then run the waves in order: many clusters at once (bounded overall and per " +
          "subscription), the preview enabled once per subscription first, ARM's request budgets respected (429s and " +
          "x-ms-ratelimit-remaining-* headers pace the requests), a soak between waves, and a halt when a wave's failures " +
          "exceed the threshold. Blocked clusters are reported, never written. The journal is written after every step. " +
          "With a saved rollout plan (`rollout plan --out`), applies exactly it: its clusters, waves and settings, each write with " +
          "If-Match on the planned eTag; every planned cluster is checked first (one list per subscription) and a cluster that " +
          "changed since refuses the whole plan (exit 1, nothing written, naming it); one that changes later fails (PlanStale).",
      )
      .option(
        "--journal <file|url>",
        "journal file (default: <rollout name>[.shard-i-of-n].journal.json), or a folder in Azure Blob Storage shared by every shard and runner: " +
          "https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH (Azurite and custom endpoints: http(s)://HOST:PORT/ACCOUNT/CONTAINER/PATH)",
      )
      .option("--shard <i/n>", "run only shard i of n (each CI job its own shard and journal; merge them with `rollout merge`)")
      .option("--lock-timeout <duration>", "blob journal: wait this long for a lease another runner holds (e.g. a crashed runner's, which runs out after --lease-duration)")
      .option("--lease-duration <duration>", "blob journal: duration of the lease that locks the journal, 15s to 60s (default 30s)"),
  );
  host.examples(command, [
    "aks-kube-proxy rollout apply rollout.yaml --journal rollout.journal.json --junit rollout.xml",
    "aks-kube-proxy rollout apply rollout.yaml --journal rollout.journal.json --resume",
    "aks-kube-proxy rollout apply rollout.yaml --shard 2/4 --journal shard-2.json --yes -o json",
    "aks-kube-proxy rollout apply rollout.yaml --wave canary --journal canary.json --yes",
    "aks-kube-proxy rollout apply rollout-plan.json --journal rollout.journal.json --yes   # exactly the plan of: rollout plan rollout.yaml --out rollout-plan.json",
    "",
    ...exitCodesHelp(RUN_EXIT_CODES, [ExitCode.ChangesPending]),
  ]);
  command.action(host.action(async (ctx) => load.apply().rolloutApply(ctx, String(ctx.args[0]))));
}

function registerStatus(group: Command, host: CommandHost): void {
  const command = group
    .command("status")
    .argument("[journals...]", "journal file(s)")
    .summary("show what a journal records: per wave and cluster")
    .description("Read one journal (or several shard journals) and show each wave's progress, failures and halts. Reads no Azure state.")
    .option("--journal <file|url>", "journal file or blob journal folder (repeatable)", collect)
    .option("--junit <file>", "write a JUnit XML report")
    .option("--report <file>", "write the JSON report to a file too");
  addReadTimeoutOption(command);
  host.examples(command, ["aks-kube-proxy rollout status rollout.journal.json", "aks-kube-proxy rollout status rollout.journal.json -o json"]);
  command.action(host.action(async (ctx) => load.status().rolloutStatus(ctx, (ctx.args[0] as string[] | undefined) ?? [])));
}

function registerMerge(group: Command, host: CommandHost): void {
  const command = group
    .command("merge")
    .argument("[journals...]", "the shards' journal files")
    .summary("merge shard journals into one report (JSON, JUnit)")
    .description(
      "Combine the journals of a sharded rollout (`rollout apply --shard i/n`) into one report. Refuses journals of " +
        "different rollouts, repeated shards or overlapping clusters. Exits 1 unless every shard is present and completed without a failure.",
    )
    .option("--journal <file|url>", "journal file or blob journal folder, whose every shard is read live (repeatable)", collect)
    .option("--junit <file>", "write a JUnit XML report (one test case per cluster)")
    .option("--report <file>", "write the JSON report to a file too");
  addReadTimeoutOption(command);
  host.examples(command, ["aks-kube-proxy rollout merge journals/*.json --junit rollout.xml --report rollout.json"]);
  command.action(host.action(async (ctx) => load.merge().rolloutMerge(ctx, (ctx.args[0] as string[] | undefined) ?? [])));
}

function registerRollback(group: Command, host: CommandHost): void {
  const command = addRunOptions(
    group
      .command("rollback")
      .summary("put back the settings a rollout replaced, with the same waves and safety")
      .description(
        "Read a rollout's journal and restore each cluster it wrote to the kube-proxy settings recorded before the write " +
          "(a cluster that had none gets the AKS default, enabled IPTABLES), wave by wave with the rollout's soak, halt " +
          "rule and concurrency. Has its own journal, so it is resumable too.",
      )
      .option("--journal <file|url>", "the rollout's journal file, or its blob journal folder (required)")
      .option("--rollback-journal <file|url>", "the rollback's own journal (default: <journal>.rollback.json; for a blob folder: <folder>/rollback)")
      .option("--shard <i/n>", "blob journal: roll back this shard of the rollout (its journal in the folder)")
      .option("--lock-timeout <duration>", "blob journal: wait this long for the rollout's lease (a crashed runner's runs out after its lease duration)")
      .option("--lease-duration <duration>", "blob journal: duration of the leases this rollback holds, 15s to 60s (default 30s)"),
  );
  host.examples(command, [
    "aks-kube-proxy rollout rollback --journal rollout.journal.json --yes",
    "aks-kube-proxy rollout rollback --journal rollout.journal.json --resume",
    "aks-kube-proxy rollout rollback --journal https://acct.blob.core.windows.net/rollouts/r1 --shard 2/4 --yes",
    "",
    ...exitCodesHelp(RUN_EXIT_CODES, [ExitCode.ChangesPending, ExitCode.AwaitingApproval]),
  ]);
  command.action(host.action(async (ctx) => load.rollback().rolloutRollback(ctx)));
}

function registerApprove(group: Command, host: CommandHost): void {
  const command = group
    .command("approve")
    .summary("approve a wave that has approval: true, so --resume runs it")
    .description(
      "Record in the journal who approved a wave (from the environment: GITHUB_ACTOR in GitHub Actions, BUILD_REQUESTEDFOR in " +
        "Azure Pipelines, else the operating-system user) and when. A blob journal keeps one approval for every shard (in the fleet record). " +
        "Writes no cluster; the rollout goes on with `rollout apply --resume`.",
    )
    .option("--journal <file|url>", "the rollout's journal file, or its blob journal folder (required)")
    .option("--wave <name>", "the wave to approve (required)");
  host.examples(command, [
    "aks-kube-proxy rollout approve --journal rollout.journal.json --wave prod",
    "aks-kube-proxy rollout apply rollout.yaml --journal rollout.journal.json --resume --yes",
  ]);
  command.action(host.action(async (ctx) => load.approve().rolloutApprove(ctx)));
}

function registerReport(group: Command, host: CommandHost): void {
  const command = group
    .command("report")
    .argument("[journals...]", "journal file(s)")
    .summary("write an HTML report (self-contained) and a Markdown summary of a rollout")
    .description(
      "Read one journal (or a blob folder's shards) and write one self-contained HTML page (inline CSS, SVG and JS; no request " +
        "when viewed): outcome, plan against outcome per wave, a timeline per wave and cluster (write, operation, health gate, soak) " +
        "with failures and halts marked, the data-plane verdicts, and the failures with their reasons; and a Markdown summary for " +
        "$GITHUB_STEP_SUMMARY with the command to run next. Reads no Azure state. Without --html or --markdown, prints the Markdown.",
    )
    .option("--journal <file|url>", "journal file or blob journal folder (repeatable)", collect)
    .option("--html <file>", "write the HTML page to this file")
    .option("--markdown <file>", "write the Markdown summary to this file (- for stdout), e.g. \"$GITHUB_STEP_SUMMARY\"")
    .option("--rollout-file <file>", "the rollout file, named in the resume command the reports show");
  host.examples(command, [
    "aks-kube-proxy rollout report --journal rollout.journal.json --html report.html",
    'aks-kube-proxy rollout report --journal rollout.journal.json --markdown "$GITHUB_STEP_SUMMARY" --rollout-file rollout.yaml',
  ]);
  command.action(host.action(async (ctx) => load.report().rolloutReport(ctx, (ctx.args[0] as string[] | undefined) ?? [])));
}

function registerSkipStop(group: Command, host: CommandHost): void {
  const skip = group
    .command("skip")
    .summary("skip a cluster or a wave of a rollout, honoured by running runners at their next cluster")
    .description(
      "Record beside the journal (file: <journal>.control.json; blob folder: the fleet record, for every shard) that a cluster or " +
        "every pending cluster of a wave is to be skipped. Running runners read it before each cluster they start; a cluster in progress finishes. " +
        "Skipped clusters are reported with reason `requested`.",
    )
    .option("--journal <file|url>", "the rollout's journal file, or its blob journal folder (required)")
    .option("--cluster <id>", "the cluster's resource id")
    .option("--wave <name>", "the wave");
  host.examples(skip, ["aks-kube-proxy rollout skip --journal rollout.journal.json --wave ring2"]);
  skip.action(host.action(async (ctx) => load.skip().rolloutSkip(ctx)));
  const stop = group
    .command("stop")
    .summary("stop a rollout: running runners start no further cluster (those in progress finish)")
    .description(
      "Record a stop beside the journal (file: <journal>.control.json; blob folder: the fleet record, for every shard). Runners " +
        "read it before each cluster they start and end with outcome `stopped` (exit 1). `--lift` removes it; then `rollout apply --resume`.",
    )
    .option("--journal <file|url>", "the rollout's journal file, or its blob journal folder (required)")
    .option("--lift", "remove the stop");
  host.examples(stop, ["aks-kube-proxy rollout stop --journal rollout.journal.json", "aks-kube-proxy rollout stop --journal rollout.journal.json --lift"]);
  stop.action(host.action(async (ctx) => load.stop().rolloutStop(ctx)));
}

/** The `rollout` command group (registered by `commands/index.ts`). */
export const commandModule: CliCommandModule = {
  name: "rollout",
  register(program, host) {
    const group = program
      .command("rollout")
      .summary("roll kube-proxy settings out across a fleet: plan, apply, status, merge, rollback, approve, report, skip, stop")
      .description(
        "Fleet rollouts: a rollout file names subscriptions, selects clusters (ids, resource groups, name patterns, tags, " +
          "locations, Kubernetes versions), gives settings (per group if needed), waves, soak time, halt rule and concurrency.",
      );
    registerPlan(group, host);
    registerApply(group, host);
    registerStatus(group, host);
    registerMerge(group, host);
    registerRollback(group, host);
    registerApprove(group, host);
    registerReport(group, host);
    registerSkipStop(group, host);
    host.examples(group, [
      "aks-kube-proxy rollout plan rollout.yaml",
      "aks-kube-proxy rollout apply rollout.yaml --journal rollout.journal.json --junit rollout.xml",
      "aks-kube-proxy rollout status rollout.journal.json",
      "aks-kube-proxy rollout rollback --journal rollout.journal.json",
    ]);
  },
};
