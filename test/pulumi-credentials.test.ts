/**
 * The credentials the Pulumi providers build from azure-native-style settings, exercised against the emulator's
 * Microsoft Entra token endpoint with the real @azure/identity classes; and, under the real engine, that the provider
 * plugin's configuration (Configure) is the identity its token requests use, not the environment's.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as sdk from "@aks-kube-proxy/sdk";
import { createAzureCredential, resolveAzureAuth, type CredentialIdentity } from "@aks-kube-proxy/pulumi";
import { startEmulator, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import { startTestEmulator, type TestEmulator } from "./support/emulator";
import { createEngineStack, storedKubeProxyConfig, type EngineStack } from "./support/pulumi-engine";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the same module the providers load lazily
const identity = require("@azure/identity") as CredentialIdentity;
/** A syntactically valid JWT, as a federated identity token would be (the emulator checks the shape). */
const FEDERATED_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9yZXBvIn0.c2lnbmF0dXJl";

let t: TestEmulator;

beforeAll(async () => {
  t = await startTestEmulator();
});

afterAll(async () => {
  await t.stop();
});

async function previewStatusWith(plan: ReturnType<typeof resolveAzureAuth>) {
  const credential = createAzureCredential(plan, { sdk, loadIdentity: () => identity, env: {} });
  const client = new sdk.KubeProxyClient({ subscriptionId: t.em.subscriptionId, credential, endpoint: t.em.url });
  return { credential, status: await client.getPreviewStatus() };
}

test("azure-native config with a client secret authenticates against the configured authority host", async () => {
  const plan = resolveAzureAuth({
    config: (k) =>
      ({ "azure-native:tenantId": t.em.tenantId, "azure-native:clientId": t.em.clientId, "azure-native:clientSecret": t.em.clientSecret, "aks-kube-proxy:authorityHost": t.em.url })[k],
    env: {},
  });
  const { credential, status } = await previewStatusWith(plan);
  expect(credential.constructor.name).toBe("ClientSecretCredential");
  expect(status.featureState).toBe("NotRegistered");
});

test("OIDC through a request URL (GitHub Actions style) fetches the token with the request token and the Entra audience, then exchanges it", async () => {
  const seen: { authorization?: string; audience?: string | null }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    seen.push({ authorization: req.headers.authorization, audience: url.searchParams.get("audience") });
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ value: FEDERATED_TOKEN }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const plan = resolveAzureAuth({
      env: {
        ARM_USE_OIDC: "true",
        ARM_TENANT_ID: t.em.tenantId,
        ARM_CLIENT_ID: t.em.clientId,
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "gh-request-token",
      },
      config: (k) => (k === "aks-kube-proxy:authorityHost" ? t.em.url : undefined),
    });
    const { credential, status } = await previewStatusWith(plan);
    expect(credential.constructor.name).toBe("ClientAssertionCredential");
    expect(status.providerState).toBeDefined();
    expect(seen[0]).toEqual({ authorization: "Bearer gh-request-token", audience: "api://AzureADTokenExchange" });
    const tokenRequests = t.em.control.requestLog().filter((r) => r.kind === "token");
    expect(JSON.stringify(tokenRequests[tokenRequests.length - 1])).not.toContain(FEDERATED_TOKEN);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test("OIDC through a token file reads the file at each token request", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "oidc-")), "token");
  writeFileSync(file, `${FEDERATED_TOKEN}\n`);
  const plan = resolveAzureAuth({
    config: (k) =>
      ({ "azure-native:useOidc": "true", "azure-native:tenantId": t.em.tenantId, "azure-native:clientId": t.em.clientId, "azure-native:oidcTokenFilePath": file, "aks-kube-proxy:authorityHost": t.em.url })[k],
    env: {},
  });
  const { status } = await previewStatusWith(plan);
  expect(status.featureState).toBe("NotRegistered");
});

test("a wrong client secret fails with an authentication error and never echoes the secret", async () => {
  const wrong = "definitely-not-the-secret-123";
  const plan = resolveAzureAuth({ env: { ARM_TENANT_ID: t.em.tenantId, ARM_CLIENT_ID: t.em.clientId, ARM_CLIENT_SECRET: wrong }, config: (k) => (k === "aks-kube-proxy:authorityHost" ? t.em.url : undefined) });
  const failure = await previewStatusWith(plan).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(failure).toBeDefined();
  expect(`${failure!.message} ${failure!.stack ?? ""}`).not.toContain(wrong);
});

test("useMsi builds a ManagedIdentityCredential (constructed only: no identity endpoint is contacted)", () => {
  const plan = resolveAzureAuth({ env: { ARM_USE_MSI: "true", ARM_CLIENT_ID: "user-assigned" } });
  const credential = createAzureCredential(plan, { sdk, loadIdentity: () => identity, env: {} });
  expect(credential.constructor.name).toBe("ManagedIdentityCredential");
});

describe("through the real engine, the provider plugin's Configure", () => {
  jest.setTimeout(180_000);
  const RG = "rg-configure";
  const NAME = "aks-configure";
  /** Another identity in the environment: if Configure were dropped, the plugin would ask for its token. */
  const ENV_CLIENT_ID = "99999999-9999-9999-9999-999999999999";
  let em: RunningEmulator;
  let engine: EngineStack | undefined;

  beforeAll(async () => {
    em = await startEmulator({ throttling: false, clusters: [{ resourceGroup: RG, name: NAME, kubernetesVersion: "1.33.2", networkPlugin: "azure", kubeProxyConfig: { enabled: true, mode: "IPTABLES" } }] });
    engine = await createEngineStack({
      example: "existing-cluster",
      em,
      config: { resourceGroupName: RG, clusterName: NAME },
      env: { ARM_TENANT_ID: em.tenantId, ARM_CLIENT_ID: ENV_CLIENT_ID, ARM_CLIENT_SECRET: "secret-of-the-environment-identity", AZURE_TENANT_ID: em.tenantId, AZURE_CLIENT_ID: ENV_CLIENT_ID, AZURE_CLIENT_SECRET: "secret-of-the-environment-identity" },
    });
  });

  afterAll(async () => {
    await engine?.cleanup();
    await em?.stop();
  });

  test("gives the credentials every token request uses, while the environment names another identity", async () => {
    em.control.clearRequestLog();
    const up = await engine!.stack.up(engine!.io);
    expect(up.summary.result).toBe("succeeded");
    const tokenRequests = em.control.requestLog().filter((r) => r.kind === "token" && r.method === "POST");
    expect(tokenRequests.length).toBeGreaterThan(0);
    const clientIds = new Set(tokenRequests.map((r) => (r.requestBody as Record<string, unknown> | undefined)?.["client_id"]));
    // The provider configuration's service principal (aks-kube-proxy:clientId), never the environment's.
    expect([...clientIds]).toEqual([em.clientId]);
    expect(storedKubeProxyConfig(em, { resourceGroup: RG, name: NAME })).toMatchObject({ mode: "IPVS" });
  });
});
