/**
 * End-to-end, on a terminal (a pseudo-terminal from util-linux `script`): `apply` writes the plan it showed and, when
 * the cluster changed since, plans again, shows the new plan and asks again before writing it. Spawns the built
 * binary; needs `pnpm build` first.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { CLI_BIN, emulatorEnv, emulatorFlags, EXAMPLE_SETTINGS, REPO_ROOT, writesIn } from "../packages/cli/test/support/run-cli";
import { DOCS_SETTINGS, RG, storedKubeProxyConfig, useCliTestEmulator } from "../packages/cli/test/support/fixtures";

const t = useCliTestEmulator();
const SCRIPT = "/usr/bin/script";

/** Runs the CLI on a pseudo-terminal; `onOutput` sees the terminal's output so far and may type into it. */
function runOnTerminal(args: readonly string[], env: Record<string, string>, onOutput: (text: string, type: (line: string) => void) => void): Promise<{ code: number | null; output: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  // A pseudo-terminal of no size would wrap the live progress line at every character: give it one.
  const command = `stty cols 200 rows 50; exec ${[process.execPath, CLI_BIN, ...args].map(quote).join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, ["-qfec", command, "/dev/null"], { cwd: REPO_ROOT, env: { ...env, SHELL: "/bin/sh" }, stdio: ["pipe", "pipe", "pipe"], timeout: 60_000, killSignal: "SIGKILL" });
    let output = "";
    const type = (line: string): void => void child.stdin.write(`${line}\n`);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      output += chunk;
      onOutput(output, type);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

const describeOnTerminal = existsSync(SCRIPT) ? describe : describe.skip;

describeOnTerminal("apply on a terminal, when the cluster changes after the plan was shown", () => {
  it("refuses the stale write (412), plans again, shows the new plan, asks again, then writes that one", async () => {
    // The first PUT is held 1 s by the emulator; another writer changes the cluster meanwhile.
    t.em.control.addFault({ kind: "slow", method: "PUT", pathPattern: "/managedClusters/plain$", count: 1, delayMs: 1000 });
    let answered = 0;
    let changed = false;
    const run = await runOnTerminal(["apply", "-g", RG, "-n", "plain", "--kube-proxy-config", EXAMPLE_SETTINGS, ...emulatorFlags(t.em)], emulatorEnv(t.em), (output, type) => {
      const asked = output.split("[y/N]").length - 1;
      if (asked > answered) {
        answered = asked;
        type("y");
      }
      if (!changed && output.includes("writing networkProfile.kubeProxyConfig (PUT)")) {
        changed = true;
        t.em.control.updateCluster({ resourceGroup: RG, name: "plain" }, (raw) => {
          const networkProfile = (raw["properties"] as Record<string, Record<string, unknown>>)["networkProfile"] as Record<string, unknown>;
          networkProfile["kubeProxyConfig"] = { enabled: true, mode: "NFTABLES" };
        });
      }
    });
    if (!changed) throw new Error(run.output);
    expect(changed).toBe(true);
    expect(answered).toBe(2);
    expect(run.output).toContain("rg-cli/plain changed since it was planned");
    expect(run.output).toContain("The new plan of rg-cli/plain:");
    expect(run.output).toContain("~ mode: NFTABLES → IPVS");
    expect(run.output).toContain("Apply the new plan to rg-cli/plain? [y/N]");
    expect(run.code).toBe(0);
    const puts = writesIn(t.em.control.requestLog()).filter((r) => r.method === "PUT" && r.path.toLowerCase().endsWith("/managedclusters/plain"));
    expect(puts.map((p) => p.status)).toEqual([412, expect.any(Number)]);
    expect(puts[1]?.requestHeaders["if-match"]).not.toBe(puts[0]?.requestHeaders["if-match"]);
    expect(storedKubeProxyConfig(t.em.control.getCluster({ resourceGroup: RG, name: "plain" }))).toEqual(DOCS_SETTINGS);
  });
});
