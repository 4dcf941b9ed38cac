/**
 * Test helpers: start an emulator, trust its CA in this process, and build the real Azure SDK
 * clients against it with a real ClientSecretCredential.
 */
import * as tls from "node:tls";
import { ClientSecretCredential } from "@azure/identity";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { FeatureClient } from "@azure/arm-features";
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from "../src/index";

const trusted = new Set<string>();

/** Adds the emulator's CA to Node's default trust store (Node 24: tls.setDefaultCACertificates). */
export function trustCa(ca: string): void {
  if (trusted.has(ca)) return;
  trusted.add(ca);
  tls.setDefaultCACertificates([...tls.getCACertificates("default"), ...trusted]);
}

/** A started emulator with its credential and SDK client factories. */
export interface TestEmulator {
  em: RunningEmulator;
  credential: ClientSecretCredential;
  aks(apiVersion?: string): ContainerServiceClient;
  features(): FeatureClient;
  stop(): Promise<void>;
}

/** Starts an emulator (fast timings, no throttling unless asked) and trusts it. */
export async function startTestEmulator(options: StartEmulatorOptions = {}): Promise<TestEmulator> {
  const em = await startEmulator({ throttling: false, ...options });
  trustCa(em.ca);
  const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, {
    authorityHost: em.url,
    disableInstanceDiscovery: true,
  });
  return {
    em,
    credential,
    aks(apiVersion?: string) {
      return new ContainerServiceClient(credential, em.subscriptionId, {
        endpoint: em.url,
        credentialScopes: [`${em.url}/.default`],
        ...(apiVersion ? { apiVersion } : {}),
      });
    },
    features() {
      return new FeatureClient(credential, em.subscriptionId, { endpoint: em.url, credentialScopes: [`${em.url}/.default`] });
    },
    stop: () => em.stop(),
  };
}

/** Polling options for the SDK's begin*AndWait calls. */
export const FAST_POLL = { updateIntervalInMs: 5 };

/** A raw answer. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** Sends one raw HTTPS request to the emulator (for status codes and headers the SDK hides). */
export async function armRequest(
  t: TestEmulator,
  request: { method: string; path: string; body?: unknown; headers?: Record<string, string>; auth?: boolean | string },
): Promise<RawAnswer> {
  const https = await import("node:https");
  const headers: Record<string, string> = { ...(request.headers ?? {}) };
  if (request.auth !== false) {
    headers.Authorization = typeof request.auth === "string" ? request.auth : `Bearer ${(await t.credential.getToken(`${t.em.url}/.default`)).token}`;
  }
  const payload = request.body === undefined ? undefined : typeof request.body === "string" ? request.body : JSON.stringify(request.body);
  if (payload !== undefined) headers["Content-Type"] ??= "application/json";
  const url = new URL(request.path, t.em.url);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: request.method, headers, ca: t.em.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text === "" ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** The path of a cluster. */
export function clusterPath(t: TestEmulator, rg: string, name: string, apiVersion = "2026-08-02-preview"): string {
  return `/subscriptions/${t.em.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}?api-version=${apiVersion}`;
}

/** Waits until `predicate` holds (polling every few ms), failing after `timeoutInMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutInMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutInMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends the preview steps in order through the real clients: register the feature, wait, refresh the provider, wait. */
export async function enablePreview(t: TestEmulator): Promise<void> {
  const { ResourceManagementClient } = await import("@azure/arm-resources");
  const features = t.features();
  await features.features.register("Microsoft.ContainerService", "KubeProxyConfigurationPreview");
  await waitFor(async () => (await features.features.get("Microsoft.ContainerService", "KubeProxyConfigurationPreview")).properties?.state === "Registered");
  const resources = new ResourceManagementClient(t.credential, t.em.subscriptionId, { endpoint: t.em.url, credentials: { scopes: [`${t.em.url}/.default`] } });
  await resources.providers.register("Microsoft.ContainerService");
  await waitFor(async () => (await resources.providers.get("Microsoft.ContainerService")).registrationState === "Registered");
}
