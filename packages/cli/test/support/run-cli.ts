/**
 * Spawns the BUILT `aks-kube-proxy` binary (packages/cli/dist/bin.js) as a user would, for the end-to-end tests in
 * test/cli-*.test.ts and test/demo.test.ts. Those tests need `pnpm build` first (the root `pnpm test` flow,
 * `bash scripts/run.sh test`, builds before testing).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { LoggedRequest, RunningEmulator } from "@aks-kube-proxy/arm-emulator";

/** The repository root. */
export const REPO_ROOT = resolve(__dirname, "..", "..", "..", "..");
/** The built binary. */
export const CLI_BIN = join(REPO_ROOT, "packages", "cli", "dist", "bin.js");
/** The documentation's example settings file. */
export const EXAMPLE_SETTINGS = join(REPO_ROOT, "examples", "kube-proxy-config.json");

/** Fails fast, with the fix, when the binary was not built. */
export function assertBuilt(): void {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} does not exist: run \`pnpm build\` before these tests.`);
}

/** What a finished run produced. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** The whole environment of the child (nothing is inherited but PATH and HOME). */
  env?: Record<string, string>;
  /** Kill the child after this long. @default 60000 */
  timeoutInMs?: number;
  /** Working directory. @default the repository root */
  cwd?: string;
  /** Called with the child once it is spawned (e.g. to send SIGINT later). */
  onSpawn?: (child: ChildProcess) => void;
  /** Called with each stdout/stderr chunk as it arrives. */
  onOutput?: (stream: "stdout" | "stderr", text: string, child: ChildProcess) => void;
  /** Run another executable instead of `node dist/bin.js` (e.g. pnpm). */
  command?: { file: string; args: string[] };
}

/** A minimal environment: PATH and HOME only, colours off, no CI marker. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", NO_COLOR: "1" };
}

/** The environment that points the CLI at an emulator: its credentials, subscription and CA. */
export function emulatorEnv(em: RunningEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseEnv(), ...em.env, ...extra };
}

/** Flags every test passes to reach the emulator quickly: its endpoint and millisecond polling. */
export function emulatorFlags(em: RunningEmulator): string[] {
  return ["--endpoint", em.url, "--poll-interval", "10ms"];
}

/**
 * Runs `node packages/cli/dist/bin.js ...args` (or `options.command`) and collects its output and exit status.
 * @param args - the CLI arguments
 * @param options - environment, timeout, hooks
 */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliRun> {
  assertBuilt();
  const file = options.command?.file ?? process.execPath;
  const fullArgs = options.command ? [...options.command.args, ...args] : [CLI_BIN, ...args];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, fullArgs, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? baseEnv(),
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutInMs ?? 60_000,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      options.onOutput?.("stdout", chunk, child);
    });
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
      options.onOutput?.("stderr", chunk, child);
    });
    child.stdin.end();
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    options.onSpawn?.(child);
  });
}

/** Requests of the emulator's log that change something in ARM (PUT/POST/PATCH/DELETE on ARM paths). */
export function writesIn(log: readonly LoggedRequest[]): LoggedRequest[] {
  return log.filter((r) => r.kind === "write");
}

/** Requests of the emulator's log that reached ARM at all (not the token endpoint, not the control API). */
export function armRequestsIn(log: readonly LoggedRequest[]): LoggedRequest[] {
  return log.filter((r) => r.kind === "read" || r.kind === "write" || r.kind === "poll");
}

/**
 * Parses the one JSON document a command printed on stdout (`--output json`); fails with the output when it is not one.
 * @param run - a finished run
 */
export function parseJsonDocument<T = Record<string, unknown>>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document.\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
  }
}
