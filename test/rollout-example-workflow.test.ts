/**
 * The GitHub Actions example (examples/github-actions-rollout.yml) stays true to the CLI and to what it promises:
 * OIDC workload identity for ARM and Storage, a matrix of shards whose count matches the --shard flags, one blob
 * journal folder shared by the shards (resumable from any runner), a merge read live from it, the least storage role
 * named, only flags the CLI knows, and a sample rollout file that parses.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { Command } from "commander";
import { createProgram } from "@aks-kube-proxy/cli";
import { parseRolloutText } from "@aks-kube-proxy/rollout";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  needs?: string | string[];
  if?: string;
  steps: Step[];
  strategy?: { matrix: { shard: number[] } };
}

const path = join(__dirname, "..", "examples", "github-actions-rollout.yml");
const text = readFileSync(path, "utf8");
const workflow = parse(text) as { permissions: Record<string, string>; env: Record<string, string>; jobs: Record<string, Job> };

function optionsOf(command: Command): Set<string> {
  const names = new Set<string>();
  for (let c: Command | null = command; c; c = c.parent) for (const o of c.options) if (o.long) names.add(o.long);
  return names;
}

describe("GitHub Actions rollout example", () => {
  test("uses workload identity: id-token write, and azure/login with client, tenant and subscription before any Azure call", () => {
    expect(workflow.permissions["id-token"]).toBe("write");
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const azureStep = job.steps.findIndex((s) => /aks-kube-proxy rollout (plan|apply|rollback|merge|approve|report)/.test(s.run ?? ""));
      if (azureStep < 0) continue;
      const login = job.steps.findIndex((s) => s.uses?.startsWith("azure/login@"));
      expect([name, login >= 0 && login < azureStep]).toEqual([name, true]);
      expect(Object.keys(job.steps[login]!.with!).sort()).toEqual(["client-id", "subscription-id", "tenant-id"]);
      expect(JSON.stringify(job.steps[login]!.with)).not.toMatch(/secret/i);
    }
  });

  test("a matrix of shards whose size matches the --shard flags, sharing one blob journal folder, then a merge read live from it", () => {
    const shards = workflow.jobs["shards"]!;
    const n = Number(workflow.env["SHARDS"]);
    expect(shards.strategy!.matrix.shard).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const apply = shards.steps.find((s) => s.run?.includes("rollout apply"))!.run!;
    expect(apply).toContain('--shard "${{ matrix.shard }}/${SHARDS}"');
    expect(apply).toContain('--journal "$JOURNAL"');
    // Resumed from any runner: the journal is in Storage, the lease of a killed runner waited out.
    expect(apply).toMatch(/resume=\(--resume --lock-timeout \d+s\)/);
    expect(workflow.env["JOURNAL"]).toMatch(/^https:\/\/\$\{\{ vars\.ROLLOUT_STORAGE_ACCOUNT \}\}\.blob\.core\.windows\.net\/rollouts\/\$\{\{ .*github\.run_id \}\}$/);
    // Blob names the step checks match the store's layout (shard-<i>-of-<n>.json in the folder).
    expect(apply).toContain('blob="$ROLLOUT_ID/shard-${{ matrix.shard }}-of-${SHARDS}.json"');
    const report = workflow.jobs["report"]!;
    expect(report.needs).toBe("shards");
    expect(report.if).toBe("always()");
    expect(report.steps.some((s) => /rollout merge "\$JOURNAL" --junit/.test(s.run ?? ""))).toBe(true);
    expect(report.steps.some((s) => s.uses?.startsWith("azure/login@"))).toBe(true);
  });

  test("the report job writes the HTML report (uploaded) and the Markdown summary to $GITHUB_STEP_SUMMARY; an approve job records a wave's approval before the shards", () => {
    const report = workflow.jobs["report"]!;
    const run = report.steps.map((s) => s.run ?? "").join("\n");
    expect(run).toMatch(/aks-kube-proxy rollout report "\$JOURNAL" --html rollout\.html --markdown "\$GITHUB_STEP_SUMMARY"/);
    const upload = report.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(String(upload.with!["path"])).toContain("rollout.html");
    const approve = workflow.jobs["approve"]!;
    expect(approve.steps.some((s) => /aks-kube-proxy rollout approve --journal "\$JOURNAL" --wave /.test(s.run ?? ""))).toBe(true);
    expect(workflow.jobs["shards"]!.needs).toEqual(["plan", "approve"]);
    // Every rollout command line of a run step (also those after `run:`) uses flags the CLI has.
    const program = createProgram({ exitCode: 0 });
    for (const job of Object.values(workflow.jobs)) {
      for (const line of job.steps.flatMap((s) => (s.run ?? "").split("\n")).map((l) => l.trim()).filter((l) => l.startsWith("aks-kube-proxy rollout "))) {
        const words = line.split(/\s+/);
        const command = program.commands.find((c) => c.name() === "rollout")!.commands.find((c) => c.name() === words[2]);
        expect([line, command !== undefined]).toEqual([line, true]);
        for (const flag of words.filter((w) => w.startsWith("--"))) expect([line, flag, optionsOf(command!).has(flag)]).toEqual([line, flag, true]);
      }
    }
  });

  test("names the least role on the storage container, and passes no account key or SAS", () => {
    expect(text).toMatch(/"Storage Blob Data Contributor" on the blob container `rollouts` only/);
    expect(text).toMatch(/--scope ".*\/blobServices\/default\/containers\/rollouts"/);
    expect(text).not.toMatch(/AZURE_STORAGE_KEY|AZURE_STORAGE_SAS_TOKEN|secrets\./);
  });

  test("every aks-kube-proxy command line uses a command and flags the CLI has", () => {
    const program = createProgram({ exitCode: 0 });
    const lines = text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("aks-kube-proxy "));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      const words = line.split(/\s+/);
      let command: Command = program;
      let i = 1;
      for (; i < words.length; i++) {
        const sub = command.commands.find((c) => c.name() === words[i]);
        if (!sub) break;
        command = sub;
      }
      expect([line, command.name()]).not.toEqual([line, "aks-kube-proxy"]);
      const known = optionsOf(command);
      for (const flag of words.slice(i).filter((w) => w.startsWith("--"))) expect([line, flag, known.has(flag)]).toEqual([line, flag, true]);
    }
  });

  test("the sample rollout file in its header parses", () => {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l.includes("yaml-language-server"));
    const sample: string[] = [];
    for (const l of lines.slice(start)) {
      if (!l.startsWith("#   ")) break;
      sample.push(l.slice(4));
    }
    const { spec } = parseRolloutText(sample.join("\n"), { source: "sample" });
    expect(spec.waves.map((w) => w.name)).toEqual(["canary", "ten-percent", "rest"]);
    expect(spec.subscriptions).toHaveLength(2);
  });
});
