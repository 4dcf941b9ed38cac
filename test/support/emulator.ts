/**
 * Shared test support (contract C): start the ARM emulator, trust its CA in this process, and build a real
 * ClientSecretCredential and KubeProxyClient pointed at it. Every package's integration tests use it.
 */
import * as tls from "node:tls";
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from "@aks-kube-proxy/arm-emulator";
import { createCredential, KubeProxyClient, type KubeProxyClientOptions } from "@aks-kube-proxy/sdk";

/** Any `TokenCredential` (from @azure/core-auth; named through the SDK so this file needs no direct dependency). */
export type TokenCredential = NonNullable<KubeProxyClientOptions["credential"]>;

const trusted = new Set<string>();

/**
 * Adds a CA (PEM) to Node's default trust store for this process (Node 24: tls.setDefaultCACertificates), so every
 * HTTPS client in it (the Azure SDK pipeline, MSAL through @azure/identity) trusts the emulator.
 */
export function trustCa(ca: string): void {
  if (trusted.has(ca)) return;
  trusted.add(ca);
  tls.setDefaultCACertificates([...tls.getCACertificates("default"), ...trusted]);
}

/** Client options that keep tests at milliseconds: fast polling and retry backoff. */
export const FAST_CLIENT_OPTIONS: Partial<KubeProxyClientOptions> = {
  retry: { maxRetries: 4, retryDelayInMs: 5, maxRetryDelayInMs: 50 },
  polling: { intervalInMs: 5, maxIntervalInMs: 20, maxRetryAfterInMs: 100 },
};

/** A started emulator with a real credential and a client factory. */
export interface TestEmulator {
  /** The running emulator (url, control, credentials...). */
  em: RunningEmulator;
  /** A real ClientSecretCredential against the emulator's token endpoint. */
  credential: TokenCredential;
  /** A KubeProxyClient on the emulator with fast polling; options override the defaults. */
  client(options?: Partial<KubeProxyClientOptions>): KubeProxyClient;
  /** Stops the emulator. */
  stop(): Promise<void>;
}

/**
 * Starts an emulator (throttling off unless asked), trusts its CA, and returns a credential and a client factory.
 * @param options - emulator options (clusters, registered features, timings, throttling...)
 */
export async function startTestEmulator(options: StartEmulatorOptions = {}): Promise<TestEmulator> {
  const em = await startEmulator({ throttling: false, ...options });
  trustCa(em.ca);
  // A real ClientSecretCredential from @azure/identity, built by the SDK's factory: the emulator's authority host is
  // not a public cloud login host, so it sets disableInstanceDiscovery: true.
  const credential = createCredential({ tenantId: em.tenantId, clientId: em.clientId, clientSecret: em.clientSecret, authorityHost: em.url, env: {} });
  return {
    em,
    credential,
    client(overrides: Partial<KubeProxyClientOptions> = {}) {
      return new KubeProxyClient({
        subscriptionId: em.subscriptionId,
        credential,
        endpoint: em.url,
        ...FAST_CLIENT_OPTIONS,
        ...overrides,
        retry: { ...FAST_CLIENT_OPTIONS.retry, ...overrides.retry },
        polling: { ...FAST_CLIENT_OPTIONS.polling, ...overrides.polling },
      });
    },
    stop: () => em.stop(),
  };
}
