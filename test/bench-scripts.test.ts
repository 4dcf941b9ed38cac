/**
 * The measuring scripts keep working: no test ran them, and a package move once broke the crash matrix silently.
 * `scripts/bench-fleet.ts --quick` (2 × 20 clusters, each run: file journal, blob journal on Azurite, health-gated) ends
 * by itself with its documented last line, every run completing with no failure and every cluster written at most once;
 * `scripts/crash-matrix.ts 1` kills one rollout at each kill point and finds no double write, no wrong final state and
 * nothing the rollback missed. Figures are not asserted (timings belong to the benchmark), only outcomes. Spawns the
 * built packages: `pnpm build` first.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..");

/** Runs a script with Node's type stripping, as `pnpm bench:fleet` and `pnpm crash:matrix` do. */
function runScript(script: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--disable-warning=MODULE_TYPELESS_PACKAGE_JSON", join(ROOT, "scripts", script), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("the measuring scripts", () => {
  test("bench-fleet --quick ends by itself with its last line; every run completes, none fails, no cluster is written twice", async () => {
    const { code, out } = await runScript("bench-fleet.ts", ["--quick"]);
    expect({ code, tail: out.slice(-2000) }).toMatchObject({ code: 0 });
    const lines = out.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/^makespan ratio to lower bound: \d+\.\d\d$/);
    // The file journal's run, the blob journal's run and the health-gated run.
    const outcomes = out.match(/^ {2}outcome \w+: .*$/gm) ?? [];
    expect(outcomes).toHaveLength(3);
    for (const line of outcomes) expect(line).toMatch(/^ {2}outcome completed: 38 done \(38 changed\), .*\b0 failed$/);
    const writes = [...out.matchAll(/at most (\d+) accepted write\(s\) per cluster/g)].map((m) => Number(m[1]));
    expect(writes).toHaveLength(3);
    for (const n of writes) expect(n).toBe(1);
    expect(out).toMatch(/^health-gated run: makespan ratio to its lower bound \d+\.\d\d$/m);
    expect(out).toMatch(/the gate beyond its own polling .*: mean \d+ ms/);
  }, 240_000);

  test("crash-matrix 1: a kill at each point, then resume and rollback: no double write, no wrong final state, nothing missed", async () => {
    const { code, out } = await runScript("crash-matrix.ts", ["1"]);
    expect({ code, tail: out.slice(-2000) }).toMatchObject({ code: 0 });
    const total = /^total: (\d+) runs \(\d+ kill points x 1\), (\d+) killed, double writes (\d+), wrong final states (\d+), missed by rollback (\d+)$/m.exec(out);
    expect(total).not.toBeNull();
    const [, runs, killed, doubleWrites, wrongFinal, missed] = (total as RegExpExecArray).map(Number);
    expect(runs).toBeGreaterThanOrEqual(5);
    expect(killed).toBe(runs);
    expect({ doubleWrites, wrongFinal, missed }).toEqual({ doubleWrites: 0, wrongFinal: 0, missed: 0 });
  }, 240_000);
});
