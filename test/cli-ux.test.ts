/**
 * End-to-end: what az and Terraform users expect of `aks-kube-proxy` (issue 12). Every test spawns the BUILT CLI with
 * stdin that is not a terminal, against the emulator, in the loopback-only namespace of `bash scripts/run.sh test`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { armRequestsIn, emulatorEnv, emulatorFlags, EXAMPLE_SETTINGS, parseJsonDocument, REPO_ROOT, runCli, writesIn } from "../packages/cli/test/support/run-cli";
import { RG, storedKubeProxyConfig, useCliTestEmulator } from "../packages/cli/test/support/fixtures";

const FEATURE = { name: "KubeProxyConfigurationPreview" };
const PROVIDER = { namespace: "Microsoft.ContainerService" };
const t = useCliTestEmulator();
const dir = mkdtempSync(join(tmpdir(), "cli-ux-"));

function cli(args: string[], extraEnv: Record<string, string> = {}): ReturnType<typeof runCli> {
  return runCli([...args, ...emulatorFlags(t.em)], { env: emulatorEnv(t.em, extraEnv) });
}

const isFeatureRegister = (r: { method: string; path: string }): boolean => r.method === "POST" && r.path.endsWith("/features/KubeProxyConfigurationPreview/register");
const isProviderRegister = (r: { method: string; path: string }): boolean => r.method === "POST" && r.path.endsWith("/providers/Microsoft.ContainerService/register");
const isFeatureRead = (r: { method: string; path: string }): boolean => r.method === "GET" && r.path.endsWith("/features/KubeProxyConfigurationPreview");
const isClusterPut = (name: string) => (r: { method: string; path: string }): boolean => r.method === "PUT" && r.path.toLowerCase().endsWith(`/managedclusters/${name}`);

async function enablePreview(): Promise<void> {
  const run = await cli(["enable-preview", "--yes"]);
  expect(run.code).toBe(0);
  t.em.control.clearRequestLog();
}

describe("1. the preview: fast and the same everywhere", () => {
  it("apply on a subscription whose preview is enabled reads the flag once, writes no registration and waits for no consecutive reads", async () => {
    await enablePreview();
    const run = await cli(["apply", "-g", RG, "-n", "plain", "--mode", "NFTABLES", "--yes"]);
    expect(run.code).toBe(0);
    const log = t.em.control.requestLog();
    expect(log.filter(isFeatureRead)).toHaveLength(1);
    expect(log.filter(isFeatureRegister)).toHaveLength(0);
    expect(log.filter(isProviderRegister)).toHaveLength(0);
    expect(run.stderr).toContain("preview already enabled");
    // progress says "reading the cluster back to verify" once, not twice
    expect(run.stderr.split("reading the cluster back to verify").length - 1).toBe(1);
  });

  it("a write refused with KubeProxyConfigFeatureNotRegistered refreshes the provider and is retried once (the flag was Registered, the provider never refreshed)", async () => {
    t.em.control.setFeatureState({ ...FEATURE, state: "Registered" });
    const run = await cli(["apply", "-g", RG, "-n", "plain", "--mode", "IPVS", "--yes"]);
    expect(run.code).toBe(0);
    const log = t.em.control.requestLog();
    expect(log.filter(isProviderRegister)).toHaveLength(1);
    expect(log.filter(isClusterPut("plain"))).toHaveLength(2);
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "plain" }))).toEqual({ mode: "IPVS" });
  });

  it("create, too, refreshes the provider and retries once when Azure refuses the PUT with KubeProxyConfigFeatureNotRegistered", async () => {
    t.em.control.setFeatureState({ ...FEATURE, state: "Registered" });
    const run = await cli(["create", "-g", RG, "-n", "fresh", "--mode", "IPVS", "--yes"]);
    expect(run.code).toBe(0);
    expect(t.em.control.requestLog().filter(isProviderRegister)).toHaveLength(1);
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "fresh" }))).toEqual({ mode: "IPVS" });
  });

  it("enable-preview --refresh-provider re-registers the provider of a Registered flag (after az feature register alone), with consent", async () => {
    t.em.control.setFeatureState({ ...FEATURE, state: "Registered" });
    expect((await cli(["enable-preview", "--refresh-provider"])).code).toBe(5);
    const run = await cli(["enable-preview", "--refresh-provider", "--yes"]);
    expect(run.code).toBe(0);
    expect(t.em.control.requestLog().filter(isProviderRegister)).toHaveLength(1);
    expect(t.em.control.requestLog().filter(isFeatureRegister)).toHaveLength(0);
  });

  it("enable-preview on an enabled subscription writes nothing and needs no --yes", async () => {
    await enablePreview();
    const run = await cli(["enable-preview"]);
    expect(run.code).toBe(0);
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });
});

describe("3. no write without consent off a terminal", () => {
  it("delete without --yes refuses (exit 5), names --yes, and the cluster stays", async () => {
    const run = await cli(["delete", "-g", RG, "-n", "plain"]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("--yes");
    expect(run.stderr).toContain("stdin is not a terminal");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
    expect(t.em.control.getCluster({ resourceGroup: RG, name: "plain" })).toBeDefined();
  });

  it("apply, create and enable-preview refuse without --yes before any write (exit 5)", async () => {
    for (const args of [
      ["apply", "-g", RG, "-n", "plain", "--mode", "IPVS"],
      ["create", "-g", RG, "-n", "new-one", "--mode", "IPVS"],
      ["enable-preview"],
    ]) {
      const run = await cli(args);
      expect({ args, code: run.code }).toEqual({ args, code: 5 });
      expect(run.stderr).toContain("--yes");
    }
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("rollout apply without --yes refuses (exit 5) and writes to no cluster", async () => {
    const file = join(dir, "rollout.yaml");
    writeFileSync(file, `name: consent\nsubscriptions: [${t.em.subscriptionId}]\nselect:\n  resourceGroups: [${RG}]\n  names: [plain]\nsettings: { mode: NFTABLES }\nwaves:\n  - name: all\n    percent: 100\n`);
    const run = await runCli(["rollout", "apply", file, "--journal", join(dir, "consent.journal.json"), ...emulatorFlags(t.em)], { env: emulatorEnv(t.em), cwd: dir });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("--yes");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("delete of a cluster that does not exist says so and deletes nothing", async () => {
    const run = await cli(["delete", "-g", RG, "-n", "no-such", "--yes"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("does not exist: nothing was deleted");
    expect(run.stdout).not.toMatch(/^Deleted/m);
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });
});

describe("5. one exit-code table; --detailed-exitcode as Terraform's", () => {
  it("plan: 0 in sync, 2 changes, 1 for a blocked cluster and for bad input under --detailed-exitcode; 4 and 3 without it", async () => {
    const plan = (args: string[]): Promise<number | null> => cli(["plan", ...args]).then((r) => r.code);
    expect(await plan(["-g", RG, "-n", "converged", "--kube-proxy-config", EXAMPLE_SETTINGS, "--detailed-exitcode"])).toBe(0);
    expect(await plan(["-g", RG, "-n", "plain", "--kube-proxy-config", EXAMPLE_SETTINGS, "--detailed-exitcode"])).toBe(2);
    expect(await plan(["-g", RG, "-n", "azure-policy", "--kube-proxy-config", EXAMPLE_SETTINGS, "--detailed-exitcode"])).toBe(1);
    expect(await plan(["-g", RG, "-n", "plain", "--mode", "IPVZ", "--detailed-exitcode"])).toBe(1);
    expect(await plan(["-g", RG, "-n", "azure-policy", "--kube-proxy-config", EXAMPLE_SETTINGS])).toBe(4);
    expect(await plan(["-g", RG, "-n", "plain", "--mode", "IPVZ"])).toBe(3);
  });

  it("rollout plan with a blocked cluster exits 4, as plan does", async () => {
    const file = join(dir, "blocked.yaml");
    writeFileSync(file, `name: blocked\nsubscriptions: [${t.em.subscriptionId}]\nselect:\n  resourceGroups: [${RG}]\n  names: [azure-policy]\nsettings: { mode: IPVS }\nwaves:\n  - name: all\n    percent: 100\n`);
    const run = await cli(["rollout", "plan", file]);
    expect(run.code).toBe(4);
  });

  it("a cluster that does not exist and a subscription that does not exist are both invalid input (3)", async () => {
    expect((await cli(["status", "-g", RG, "-n", "no-such"])).code).toBe(3);
    const other = await cli(["status", "-g", RG, "-n", "plain", "--subscription", "11111111-2222-3333-4444-555555555555"]);
    expect(other.code).toBe(3);
    expect(other.stderr).toContain("SubscriptionNotFound");
  });
});

describe("6. errors in the user's terms", () => {
  it("names the inline flag and what it accepts", async () => {
    const run = await cli(["plan", "-g", RG, "-n", "plain", "--mode", "IPVS", "--ipvs-scheduler", "Maglev"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("--ipvs-scheduler Maglev: expected RoundRobin or LeastConnection");
    expect(run.stderr).not.toContain("$.ipvsConfig");
  });

  it("an IPVS-only flag without --mode IPVS says it needs --mode IPVS", async () => {
    const run = await cli(["apply", "-g", RG, "-n", "converged", "--tcp-timeout", "900", "--yes"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("--tcp-timeout needs --mode IPVS");
    expect(armRequestsIn(t.em.control.requestLog())).toHaveLength(0);
  });
});

describe("7. hostile input is bounded", () => {
  it("a FIFO as the settings file is refused at once, naming the file (exit 3), instead of hanging", async () => {
    const fifo = join(dir, "settings.fifo");
    execFileSync("mkfifo", [fifo]);
    const run = await runCli(["validate", fifo], { timeoutInMs: 15_000 });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(fifo);
    expect(run.stderr).toContain("named pipe");
  });

  it("/dev/zero and an oversized file are refused, naming the file (exit 3)", async () => {
    const zero = await runCli(["validate", "/dev/zero"], { timeoutInMs: 15_000 });
    expect(zero.code).toBe(3);
    expect(zero.stderr).toContain("/dev/zero");
    const big = join(dir, "big.json");
    writeFileSync(big, `{"mode": "IPVS", "x": "${"a".repeat(1024 * 1024)}"}`);
    const run = await runCli(["validate", big]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("at most 1 MB");
  });

  it("a billion-laughs rollout file ends with exit 3 naming the file, never 'Unexpected error'", async () => {
    const file = join(dir, "laughs.yaml");
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(",")}]`);
    writeFileSync(file, `${lines.join("\n")}\nname: x\n`);
    const run = await cli(["rollout", "plan", file]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(file);
    expect(run.stderr).not.toContain("Unexpected error");
  });

  it("a YAML rollout file over 2 MB (e.g. a huge flow list) is refused at once naming the file (exit 3), not parsed until the heap runs out", async () => {
    const file = join(dir, "huge.yaml");
    writeFileSync(file, `name: huge\nsubscriptions: [${t.em.subscriptionId}]\nselect:\n  names: [${Array.from({ length: 300_000 }, (_, i) => `n${i}`).join(",")}]\n`);
    const run = await cli(["rollout", "plan", file]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toContain("at most 2 MB");
  });

  it("SIGTERM ends a wait: exit 130 with the state left behind, and the operation goes on in Azure", async () => {
    await enablePreview();
    t.em.control.setTimings({ operationMs: 60_000 });
    expect((await cli(["apply", "-g", RG, "-n", "plain", "--mode", "NFTABLES", "--yes", "--no-wait"])).code).toBe(0);
    let sent = false;
    let stderr = "";
    const run = await runCli(["wait", "-g", RG, "-n", "plain", ...emulatorFlags(t.em)], {
      env: emulatorEnv(t.em),
      onOutput: (stream, text, child) => {
        if (stream === "stderr") stderr += text;
        if (!sent && stderr.includes("provisioningState Updating")) {
          sent = true;
          child.kill("SIGTERM");
        }
      },
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain("goes on in Azure");
  });

  it("--poll-interval has a floor: 0 is refused, and below 1s against a non-loopback endpoint", async () => {
    const zero = await runCli(["status", "--poll-interval", "0", "--endpoint", t.em.url], { env: emulatorEnv(t.em) });
    expect(zero.code).toBe(3);
    const fast = await runCli(["status", "--poll-interval", "200ms", "--endpoint", "https://management.azure.com"], { env: emulatorEnv(t.em) });
    expect(fast.code).toBe(3);
    expect(fast.stderr).toContain("at least 1s");
  });

  it("a single-value flag given twice is an error, not 'the last one wins'", async () => {
    const run = await cli(["status", "-g", RG, "-n", "plain", "-n", "converged"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("given twice");
    expect(armRequestsIn(t.em.control.requestLog())).toHaveLength(0);
  });
});

describe("8. the newcomer path", () => {
  it("the README's one line puts aks-kube-proxy (and Node 24) on PATH, from a shell that has neither", async () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const line = readme.split("\n").find((l) => l.startsWith('export PATH="$PWD/bin:'));
    expect(line).toBeDefined();
    const run = await runCli(["-c", `${line}\naks-kube-proxy --version`], { command: { file: "/bin/bash", args: [] }, env: { PATH: "/usr/bin:/bin", HOME: dir } });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("4. what Azure users know", () => {
  function profileDir(subscriptions: { id: string; name: string; isDefault: boolean }[]): string {
    const d = mkdtempSync(join(tmpdir(), "azure-config-"));
    // The Azure CLI writes it with a BOM.
    writeFileSync(join(d, "azureProfile.json"), `\ufeff${JSON.stringify({ installationId: "x", subscriptions })}`);
    return d;
  }

  it("takes the subscription from ARM_SUBSCRIPTION_ID, then from the Azure CLI's default subscription", async () => {
    const env = emulatorEnv(t.em);
    delete env.AZURE_SUBSCRIPTION_ID;
    const viaArm = await runCli(["status", "-o", "json", ...emulatorFlags(t.em)], { env: { ...env, ARM_SUBSCRIPTION_ID: t.em.subscriptionId, AZURE_CONFIG_DIR: profileDir([]) } });
    expect(viaArm.code).toBe(0);
    expect(parseJsonDocument<{ subscriptionId: string }>(viaArm).subscriptionId).toBe(t.em.subscriptionId);
    const viaProfile = await runCli(["status", "-o", "json", ...emulatorFlags(t.em)], {
      env: { ...env, AZURE_CONFIG_DIR: profileDir([{ id: "99999999-9999-9999-9999-999999999999", name: "other", isDefault: false }, { id: t.em.subscriptionId, name: "dev", isDefault: true }]) },
    });
    expect(viaProfile.code).toBe(0);
    expect(parseJsonDocument<{ subscriptionId: string }>(viaProfile).subscriptionId).toBe(t.em.subscriptionId);
  });

  it("--subscription NAME resolves through the Azure CLI's profile; a name that resolves to nothing is a local error (3)", async () => {
    const config = profileDir([{ id: t.em.subscriptionId, name: "My Dev Sub", isDefault: false }]);
    const byName = await cli(["status", "--subscription", "my dev sub", "-o", "json"], { AZURE_CONFIG_DIR: config });
    expect(byName.code).toBe(0);
    expect(parseJsonDocument<{ subscriptionId: string }>(byName).subscriptionId).toBe(t.em.subscriptionId);
    t.em.control.clearRequestLog();
    const unknown = await cli(["status", "-g", RG, "-n", "plain", "--subscription", "abc"], { AZURE_CONFIG_DIR: config });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('--subscription "abc" is not a subscription id');
    expect(t.em.control.requestLog().filter((r) => r.path.toLowerCase().includes("managedclusters"))).toHaveLength(0);
  });

  it("AZURE_RESOURCE_MANAGER_ENDPOINT points the CLI at an ARM endpoint without --endpoint", async () => {
    const run = await runCli(["status", "-g", RG, "-n", "plain", "-o", "json"], { env: emulatorEnv(t.em, { AZURE_RESOURCE_MANAGER_ENDPOINT: t.em.url }) });
    expect(run.code).toBe(0);
    expect(parseJsonDocument<{ clusters: { name: string }[] }>(run).clusters[0]?.name).toBe("plain");
  });

  it("-o yaml, -o tsv, -o none and --query work as in az", async () => {
    const tsv = await cli(["status", "--all", "--query", "clusters[].name", "-o", "tsv"]);
    expect(tsv.code).toBe(0);
    expect(tsv.stdout.trim().split("\n").sort()).toEqual(["azure-policy", "converged", "elsewhere", "empty-config", "plain"]);
    const yaml = await cli(["status", "-g", RG, "-n", "plain", "-o", "yaml", "--query", "clusters[0].{name: name, mode: effective.mode}"]);
    expect(yaml.stdout).toBe("name: plain\nmode: IPTABLES\n");
    const none = await cli(["status", "--all", "-o", "none"]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("");
    const badQuery = await cli(["status", "--all", "--query", "clusters[", "-o", "json"]);
    expect(badQuery.code).toBe(3);
  });

  it("apply --no-wait returns once Azure accepted the write and prints the `wait` command, which then follows the operation to its end", async () => {
    await enablePreview();
    t.em.control.setTimings({ operationMs: 400 });
    const started = await cli(["apply", "-g", RG, "-n", "plain", "--mode", "NFTABLES", "--yes", "--no-wait", "-o", "json"]);
    expect(started.code).toBe(0);
    const doc = parseJsonDocument<{ results: { accepted?: boolean; waited?: boolean; operationUrl: string | null; followCommand?: string }[] }>(started);
    const result = doc.results[0];
    expect(result).toMatchObject({ accepted: true, waited: false });
    expect(result?.followCommand).toContain("aks-kube-proxy wait -g rg-cli -n plain --operation");
    expect((t.em.control.getCluster({ resourceGroup: RG, name: "plain" })?.["properties"] as { provisioningState: string }).provisioningState).toBe("Updating");
    const waited = await cli(["wait", "-g", RG, "-n", "plain", "--operation", result?.operationUrl ?? "", "-o", "json"]);
    expect(waited.code).toBe(0);
    expect(parseJsonDocument<{ cluster: { provisioningState: string; effective: { mode: string } } }>(waited).cluster).toMatchObject({ provisioningState: "Succeeded", effective: { mode: "NFTABLES" } });
  });

  it("preview show reads the flag and the provider as az feature show; status without clusters shows the subscription's preview state", async () => {
    const show = await cli(["preview", "show", "-o", "json"]);
    expect(show.code).toBe(0);
    expect(parseJsonDocument(show)).toMatchObject({ name: "Microsoft.ContainerService/KubeProxyConfigurationPreview", properties: { state: "NotRegistered" }, provider: { registrationState: "Registered" } });
    const status = await cli(["status"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("Preview KubeProxyConfigurationPreview: NotRegistered");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
    void PROVIDER;
  });
});
