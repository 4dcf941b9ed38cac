#!/usr/bin/env node
/**
 * The `aks-kube-proxy` executable.
 * @packageDocumentation
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the compile cache must be on before the CLI's modules load */
import { readFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { join } from "node:path";

/**
 * A bare `--help` prints the snapshot written at build time (dist/help.txt, checked against commander's output by a
 * test) without loading commander or any command: the first thing a new user types starts about as fast as Node.
 * On a terminal narrower than the snapshot, commander renders it instead.
 */
function printHelpSnapshot(args: readonly string[]): boolean {
  if (args.length !== 1 || (args[0] !== "--help" && args[0] !== "-h")) return false;
  if (process.stdout.isTTY && (process.stdout.columns ?? 80) < 80) return false;
  let text: string;
  try {
    text = readFileSync(join(__dirname, "help.txt"), "utf8");
  } catch {
    return false;
  }
  process.stdout.write(text);
  return true;
}

if (!printHelpSnapshot(process.argv.slice(2))) run();

function run(): void {
  // Node's on-disk compile cache (Node 22.1+) makes every later start faster, most of all for the Azure SDK.
  nodeModule.enableCompileCache?.();

  const { main } = require("./main") as typeof import("./main");

  // `aks-kube-proxy ... | head`: a reader that closed the pipe is not an error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
      throw err;
    });
  }

  main(process.argv).then(
    (code) => {
      // Leave once the output is flushed, even if a keep-alive socket of the Azure SDK is still open.
      process.stdout.write("", () => process.exit(code));
    },
    (err: unknown) => {
      console.error("aks-kube-proxy: internal error:", err);
      process.exit(1);
    },
  );
}
