#!/usr/bin/env node
/**
 * The `aks-kube-proxy` executable.
 * @packageDocumentation
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the compile cache must be on before the CLI's modules load */
import * as nodeModule from "node:module";

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
