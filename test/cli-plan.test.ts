/**
 * End-to-end: `aks-kube-proxy plan` against the emulator — output, --detailed-exitcode, --output json, and bad
 * input refused with nothing written. Spawns the built binary; needs `pnpm build` first.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorEnv, emulatorFlags, EXAMPLE_SETTINGS, parseJsonDocument, runCli, writesIn } from "../packages/cli/test/support/run-cli";
import { DOCS_SETTINGS, RG, useCliTestEmulator } from "../packages/cli/test/support/fixtures";

const t = useCliTestEmulator();
const dir = mkdtempSync(join(tmpdir(), "cli-plan-"));

function plan(args: string[]): ReturnType<typeof runCli> {
  return runCli(["plan", ...args, ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
}

interface PlanDoc {
  hasChanges: boolean;
  blocked: boolean;
  desired: unknown;
  plans: { cluster: { name: string }; hasChanges: boolean; changes: { path: string; before: unknown; after: unknown }[]; blockers: { id: string }[]; warnings: { id: string }[] }[];
}

describe("plan", () => {
  it("shows current, desired and each field that would change, and writes nothing", async () => {
    const run = await plan(["-g", RG, "-n", "plain", "--kube-proxy-config", EXAMPLE_SETTINGS]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("rg-cli/plain (kubernetes 1.33.2, plugin azure, policy none, Succeeded)");
    expect(run.stdout).toContain("current: IPTABLES");
    expect(run.stdout).toContain("desired: IPVS LeastConnection tcp 900s fin 120s udp 300s");
    expect(run.stdout).toContain("~ mode: IPTABLES → IPVS");
    expect(run.stdout).toContain("+ ipvsConfig.tcpTimeoutSeconds: (unset) → 900");
    expect(run.stdout).toContain("[mode-change-disrupts-traffic]");
    expect(run.stdout).toContain("Plan: 1 to change, 0 unchanged.");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("exits 2 with --detailed-exitcode when something would change", async () => {
    const run = await plan(["-g", RG, "-n", "plain", "--mode", "NFTABLES", "--detailed-exitcode"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("~ mode: IPTABLES → NFTABLES");
  });

  it("exits 0 with --detailed-exitcode when the cluster already matches", async () => {
    const run = await plan(["-g", RG, "-n", "converged", "--kube-proxy-config", EXAMPLE_SETTINGS, "--detailed-exitcode"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("no changes");
    expect(run.stdout).toContain("Plan: 0 to change, 1 unchanged.");
  });

  it("reads {} as the default, so IPTABLES on a cluster that returns {} is no change", async () => {
    const run = await plan(["-g", RG, "-n", "empty-config", "--mode", "IPTABLES", "--detailed-exitcode"]);
    expect(run.code).toBe(0);
  });

  it("prints one JSON document with the field changes in --output json", async () => {
    const run = await plan(["-g", RG, "-n", "plain", "--mode", "IPVS", "--ipvs-scheduler", "RoundRobin", "--tcp-timeout", "600", "-o", "json"]);
    expect(run.code).toBe(0);
    const doc = parseJsonDocument<PlanDoc>(run);
    expect(doc.hasChanges).toBe(true);
    expect(doc.desired).toEqual({ mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin", tcpTimeoutSeconds: 600 } });
    expect(doc.plans[0]!.changes).toEqual([
      { path: "mode", before: "IPTABLES", after: "IPVS" },
      { path: "ipvsConfig.scheduler", before: null, after: "RoundRobin" },
      { path: "ipvsConfig.tcpTimeoutSeconds", before: null, after: 600 },
    ]);
  });

  it("plans several clusters given by --ids", async () => {
    const id = (name: string): string => `/subscriptions/${t.em.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}`;
    const run = await plan(["--ids", id("plain"), id("converged"), "--kube-proxy-config", EXAMPLE_SETTINGS, "-o", "json", "--detailed-exitcode"]);
    expect(run.code).toBe(2);
    const doc = parseJsonDocument<PlanDoc>(run);
    expect(doc.plans.map((p) => [p.cluster.name, p.hasChanges])).toEqual([
      ["plain", true],
      ["converged", false],
    ]);
  });
});

describe("plan --timeout", () => {
  const isPlainGet = (r: { method: string; path: string }): boolean => r.method === "GET" && /\/managedClusters\/plain$/i.test(r.path);

  it("--timeout 2s gives up on a cluster GET Azure holds for 10 minutes: exit 1, a message naming the timeout, the GET still unanswered", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "managedClusters/plain$", count: 1000, delayMs: 600_000 });
    const run = await plan(["-g", RG, "-n", "plain", "--mode", "NFTABLES", "--timeout", "2s", "-o", "json"]);
    // It returned at all (the fault holds every GET of the cluster for 10 minutes, the test has 30 s), and by its timeout:
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Planning rg-cli/plain timed out after 2s: Azure Resource Manager had not answered the read of the cluster. Nothing was written.");
    expect(parseJsonDocument<{ error: { code: string; exitCode: number } }>(run).error).toMatchObject({ code: "Timeout", exitCode: 1 });
    // The emulator logs a request once it answers it: the held GET never was.
    expect(t.em.control.requestLog().filter(isPlainGet)).toHaveLength(0);
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("--timeout changes nothing for a cluster Azure answers in time", async () => {
    const run = await plan(["-g", RG, "-n", "plain", "--mode", "NFTABLES", "--timeout", "30s", "--detailed-exitcode"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("~ mode: IPTABLES → NFTABLES");
    expect(t.em.control.requestLog().filter(isPlainGet).map((r) => r.status)).toEqual([200]);
  });

  it("refuses a --timeout that is not a duration before any request (exit 3)", async () => {
    const run = await plan(["-g", RG, "-n", "plain", "--mode", "NFTABLES", "--timeout", "soon"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('--timeout "soon" is not a duration. Use e.g. 90s, 30m, 1h or 1h30m.');
    expect(t.em.control.requestLog().filter((r) => r.kind === "read")).toHaveLength(0);
  });
});

describe("plan refuses bad input with a clear message and no write", () => {
  it("blocks IPVS on a cluster with Azure Network Policy (exit 4, blocked)", async () => {
    const run = await plan(["-g", RG, "-n", "azure-policy", "--kube-proxy-config", EXAMPLE_SETTINGS, "-o", "json"]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("rg-cli/azure-policy: blocked by a rule");
    expect(run.stderr).toContain("[ipvs-with-azure-network-policy]");
    const doc = parseJsonDocument<PlanDoc>(run);
    expect(doc.blocked).toBe(true);
    expect(doc.plans[0]!.blockers.map((b) => b.id)).toEqual(["ipvs-with-azure-network-policy"]);
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("refuses a settings file that does not exist (exit 3)", async () => {
    const missing = join(dir, "nope.json");
    const run = await plan(["-g", RG, "-n", "plain", "--kube-proxy-config", missing]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(missing);
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("refuses malformed JSON (exit 3)", async () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, "{ mode: IPVS }");
    const run = await plan(["-g", RG, "-n", "plain", "--kube-proxy-config", path]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/not valid JSON/i);
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("refuses an unknown key with its JSON path (exit 3)", async () => {
    const path = join(dir, "unknown-key.json");
    writeFileSync(path, JSON.stringify({ ...DOCS_SETTINGS, conntrack: true }));
    const run = await plan(["-g", RG, "-n", "plain", "--kube-proxy-config", path]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("$.conntrack");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("refuses a non-numeric inline timeout naming the field (exit 3)", async () => {
    const run = await plan(["-g", RG, "-n", "plain", "--mode", "IPVS", "--tcp-timeout", "15m"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("--tcp-timeout 15m: expected an integer");
  });

  it("refuses a misspelt mode with a did-you-mean (exit 3)", async () => {
    const run = await plan(["-g", RG, "-n", "plain", "--mode", "IPVSS"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("IPVS");
  });

  it("refuses a file and inline flags together (exit 3)", async () => {
    const run = await plan(["-g", RG, "-n", "plain", "--kube-proxy-config", EXAMPLE_SETTINGS, "--mode", "IPVS"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("not both");
  });

  it("asks for settings when none are given (exit 3)", async () => {
    const run = await plan(["-g", RG, "-n", "plain"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("--kube-proxy-config FILE");
  });
});
