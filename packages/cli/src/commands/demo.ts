/**
 * `aks-kube-proxy demo` (what `pnpm start` runs): the whole workflow on an in-process ARM emulator.
 * @packageDocumentation
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { runDemoTour, type DemoSummary } from "../demo/tour";
import { CliInterruptedError, CliUsageError } from "../runtime/cli-error";
import type { CliCommandModule } from "../runtime/command-module";
import { isAbortError } from "../runtime/errors";
import { ExitCode } from "../runtime/exit-codes";

const SETTINGS_FILE = join("examples", "kube-proxy-config.json");

/** The default settings file: `examples/kube-proxy-config.json` of the working directory, else of this repository. */
function defaultSettingsFile(): string {
  const candidates = [resolve(process.cwd(), SETTINGS_FILE), resolve(__dirname, "..", "..", "..", "..", SETTINGS_FILE)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new CliUsageError(`${SETTINGS_FILE} was not found (looked in ${candidates.join(" and ")}). Pass --kube-proxy-config FILE.`);
  return found;
}

/** The `demo` command. */
export const demoCommand: CliCommandModule = {
  name: "demo",
  register(program, host) {
    const command = program
      .command("demo")
      .summary("a short guided tour on an in-process emulator (what `pnpm start` runs)")
      .description(
        "A short guided tour on a local, in-process ARM emulator (no Azure account, nothing leaves this machine): " +
          "three clusters, enable the preview, plan and apply the AKS docs' example settings, see a blocker and a " +
          "zero-write no-op, end with a status table. Stops by itself. --subscription/--endpoint are not used.",
      )
      .option("--kube-proxy-config <file>", "settings to apply (default: examples/kube-proxy-config.json)")
      .option("--time-scale <factor>", "multiply the emulator's waits (1 = a few seconds each; tests use 0.01)", "1");
    host.examples(command, [
      "aks-kube-proxy demo",
      "pnpm start                                  # the same, from the repository root",
      "aks-kube-proxy demo -o json | jq .clusters  # tour on stderr, summary document on stdout",
    ]);
    command.action(
      host.action(async (ctx) => {
        const { kubeProxyConfig, timeScale } = ctx.opts<{ kubeProxyConfig?: string; timeScale: string }>();
        const scale = Number(timeScale);
        if (!Number.isFinite(scale) || scale <= 0 || scale > 100) throw new CliUsageError(`--time-scale "${timeScale}" must be a number above 0 (at most 100).`);
        const settingsFile = kubeProxyConfig !== undefined ? resolve(kubeProxyConfig) : defaultSettingsFile();
        let summary: DemoSummary;
        try {
          summary = await runDemoTour(ctx, { settingsFile, timeScale: scale });
        } catch (err) {
          if (isAbortError(err) || ctx.interrupted) throw new CliInterruptedError("Demo interrupted. Its emulator was stopped; nothing outside this process was touched.");
          throw err;
        }
        if (ctx.out.json) ctx.out.document(summary);
        return ExitCode.Ok;
      }),
    );
  },
};
