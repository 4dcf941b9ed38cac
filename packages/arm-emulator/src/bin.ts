#!/usr/bin/env node
/**
 * `arm-emulator [--port 8443] [--host 127.0.0.1] [--seed fixtures.json] [--verbose]`
 * Starts the emulator in the foreground with demo-friendly timings (seconds, not minutes),
 * prints the URL, the CA path and the credentials to use, and stays up until stopped.
 */
import { parseArgs } from "node:util";
import { startEmulator } from "./emulator";
import { isInvalidSeedError } from "./seedFile";
import type { EmulatorTimings } from "./types";

/** Timings of the command-line emulator: visible in a demo, short enough to wait for. */
const BIN_TIMINGS: EmulatorTimings = { featureRegistrationMs: 4000, providerRegistrationMs: 2000, operationMs: 5000, retryAfterSeconds: 1, kubeProxyRolloutPerNodeMs: 1500 };

const USAGE = `Usage: arm-emulator [--port 8443] [--host 127.0.0.1] [--seed fixtures.json] [--verbose]

Starts a local HTTPS emulator of Azure Resource Manager (subscriptions, features, providers,
managedClusters) and of the Microsoft Entra token endpoint, prints how to point clients at it, and
runs until Ctrl-C. The seed file is JSON: { subscriptions?, clusters?, registeredFeatures?, timings?,
throttling?, kubeFaults? }; a subscription is an id or { subscriptionId, displayName?, tags? }.
Each cluster's Kubernetes API is served too (kubeconfigs through listClusterUserCredential).
Control API: <url>/_emulator/ (health, requests, clusters, features, faults, kube, timings, reset).`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: "string", default: "8443" },
        host: { type: "string", default: "127.0.0.1" },
        seed: { type: "string" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 3;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number.parseInt(args.values.port, 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a number from 0 to 65535, got '${args.values.port}'.`);
    return 3;
  }
  let em: Awaited<ReturnType<typeof startEmulator>>;
  try {
    em = await startEmulator({
      port,
      host: args.values.host,
      seedFile: args.values.seed,
      baseTimings: BIN_TIMINGS,
      onRequest: args.values.verbose
        ? (entry) => console.error(`${entry.time} ${entry.method} ${entry.path} -> ${entry.status} (${entry.kind}, ${entry.id})`)
        : undefined,
    });
  } catch (error) {
    if (!isInvalidSeedError(error)) throw error;
    console.error(`${(error as Error).message}\nFix the seed file (its shape is in the emulator's README) and start again.`);
    return 3;
  }
  console.log(`ARM emulator listening on ${em.url}`);
  console.log(`CA certificate: ${em.caPath}`);
  console.log(`Subscription:   ${em.subscriptionId}`);
  console.log(`Tenant:         ${em.tenantId}`);
  console.log(`Client id:      ${em.clientId}`);
  console.log(`Client secret:  ${em.clientSecret}`);
  console.log(`Kubernetes API: one listener per cluster (kubeconfigs through listClusterUserCredential); also ${em.kubeUrl}/clusters/<fqdn>`);
  console.log("");
  console.log("Point a client at it with:");
  for (const [k, v] of Object.entries(em.env)) console.log(`  export ${k}=${v}`);
  console.log(`Control API: ${em.url}/_emulator/  (Ctrl-C to stop)`);

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await em.stop();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`arm-emulator failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
