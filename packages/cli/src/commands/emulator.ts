/**
 * `aks-kube-proxy emulator`: run the embedded ARM emulator in the foreground and say how to point the CLI at it.
 * @packageDocumentation
 */
import { CliUsageError } from "../runtime/cli-error";
import type { CliCommandModule } from "../runtime/command-module";
import { ExitCode } from "../runtime/exit-codes";
import { ENDPOINT_ENV } from "../runtime/context";
import { loadEmulator } from "../runtime/lazy";

/** Quotes a value for a POSIX shell when it needs it. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The `emulator` command. */
export const emulatorCommand: CliCommandModule = {
  name: "emulator",
  register(program, host) {
    const command = program
      .command("emulator")
      .summary("run the embedded ARM emulator in the foreground")
      .description(
        "Start the embedded Azure Resource Manager emulator (HTTPS on loopback, with its own CA and Entra token endpoint) " +
          "in the foreground, and print the environment and --endpoint that point aks-kube-proxy at it. Ctrl-C stops it.",
      )
      .option("--port <port>", "port to listen on (default: a free one)")
      .option("--seed <file>", "JSON seed: { subscriptions?, clusters?, registeredFeatures?, timings? }");
    host.examples(command, [
      "aks-kube-proxy emulator --port 8443",
      "aks-kube-proxy emulator --seed examples/emulator-seed.json   # seeded like the demo",
      "# then, in another shell, paste the printed exports and run e.g.:",
      "aks-kube-proxy status --all",
    ]);
    command.action(
      host.action(async (ctx) => {
        const { port, seed } = ctx.opts<{ port?: string; seed?: string }>();
        let portNumber: number | undefined;
        if (port !== undefined) {
          portNumber = Number(port);
          if (!Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65535) throw new CliUsageError(`--port "${port}" is not a port number (0-65535).`);
        }
        const emulator = loadEmulator();
        let em: Awaited<ReturnType<typeof emulator.startEmulator>>;
        try {
          em = await emulator.startEmulator({ ...(portNumber !== undefined ? { port: portNumber } : {}), ...(seed !== undefined ? { seedFile: seed } : {}) });
        } catch (error) {
          // A seed file that cannot be read or holds a bad value is bad input (exit 3), not a failure of the emulator.
          if (emulator.isInvalidSeedError(error)) throw new CliUsageError(`${(error as Error).message} Fix the seed file (its shape is in the emulator's README) and start again.`);
          throw error;
        }
        // The endpoint too (AZURE_RESOURCE_MANAGER_ENDPOINT), so the pasted exports are all the CLI needs.
        const env: Record<string, string> = { ...em.env, [ENDPOINT_ENV]: em.url };
        try {
          ctx.out.result({
            table: () =>
              [
                `ARM emulator listening at ${em.url} (subscription ${em.subscriptionId}).`,
                "Point aks-kube-proxy at it from another shell:",
                "",
                ...Object.entries(env).map(([k, v]) => `  export ${k}=${shellQuote(v)}`),
                "  aks-kube-proxy status --all",
                "",
                "Press Ctrl-C to stop.",
              ].join("\n"),
            json: () => ({ url: em.url, subscriptionId: em.subscriptionId, caPath: em.caPath, env, endpointFlag: `--endpoint ${em.url}` }),
          });
          await new Promise<void>((resolve) => {
            if (ctx.abortSignal.aborted) resolve();
            else ctx.abortSignal.addEventListener("abort", () => resolve(), { once: true });
          });
        } finally {
          await em.stop();
        }
        ctx.out.info("Emulator stopped.");
        return ExitCode.Ok;
      }),
    );
  },
};
