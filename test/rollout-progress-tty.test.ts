/**
 * `rollout apply` on a terminal: the live progress line never shows the counts going backwards. Each finished
 * cluster prints a line above the live line, which redraws it; the live line must already carry that event's counts.
 * The built CLI runs under a pseudo-terminal (util-linux `script`) against the emulator, and every "all: N/M finished"
 * the terminal received is checked in order.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI_BIN, emulatorEnv, emulatorFlags } from "../packages/cli/test/support/run-cli";
import type { TestEmulator } from "./support/emulator";
import { fleetSeeds, startFleetEmulator, SUBSCRIPTIONS, tempDir } from "./rollout-fixtures";

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI under a pseudo-terminal 400 columns wide; resolves with everything the terminal received. */
function runOnTerminal(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; output: string }> {
  const command = `stty cols 400 rows 50; ${[process.execPath, CLI_BIN, ...args].map(quote).join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000, killSignal: "SIGKILL" });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("rollout progress on a terminal", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startFleetEmulator({ clusters: fleetSeeds({ perSubscription: 4 }) });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("the finished count the terminal shows only grows, from 0 to every cluster", async () => {
    const dir = tempDir();
    const file = join(dir, "rollout.json");
    writeFileSync(file, JSON.stringify({ name: "tty", subscriptions: SUBSCRIPTIONS, settings: { mode: "IPVS" }, waves: [{ name: "canary", count: 2 }, { name: "rest" }], maxConcurrency: 3 }));
    const env = emulatorEnv(t.em, { TERM: "xterm" });
    delete (env as Record<string, string | undefined>)["CI"];
    const run = await runOnTerminal(["rollout", "apply", file, "--journal", join(dir, "j.json"), "--yes", ...emulatorFlags(t.em)], env, dir);
    expect([run.code, run.output.slice(-2000)]).toEqual([0, expect.any(String)]);
    const total = SUBSCRIPTIONS.length * 4;
    const seen = [...run.output.matchAll(/all: (\d+)\/(\d+) finished/g)].map((m) => Number(m[1]));
    // The live line was drawn (a terminal), many times, and ended with every cluster finished.
    expect(seen.length).toBeGreaterThan(total);
    expect(seen.at(-1)).toBe(total);
    const backwards = seen.flatMap((n, i) => (i > 0 && n < seen[i - 1]! ? [`${seen[i - 1]} → ${n}`] : []));
    expect(backwards).toEqual([]);
  });
});
