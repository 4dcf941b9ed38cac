/**
 * Authentication: a real ClientSecretCredential gets a token from the emulator's Entra endpoint;
 * ARM calls without a valid bearer token get 401 with WWW-Authenticate.
 */
import { ClientSecretCredential } from "@azure/identity";
import { armRequest, clusterPath, startTestEmulator, type TestEmulator } from "./support";

describe("authentication", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: "rg", name: "c" }] });
  });
  afterAll(() => t.stop());

  it("gives a real ClientSecretCredential a token after MSAL reads the tenant's v2.0 OpenID metadata", async () => {
    t.em.control.clearRequestLog();
    const credential = new ClientSecretCredential(t.em.tenantId, t.em.clientId, t.em.clientSecret, { authorityHost: t.em.url, disableInstanceDiscovery: true });
    const token = await credential.getToken("https://management.azure.com/.default");
    expect(token.token.split(".")).toHaveLength(3);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
    const requests = t.em.control.requestLog().filter((r) => r.kind === "token").map((r) => `${r.method} ${r.path}`);
    expect(requests).toEqual([`GET /${t.em.tenantId}/v2.0/.well-known/openid-configuration`, `POST /${t.em.tenantId}/oauth2/v2.0/token`]);
    const answer = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c"), auth: `Bearer ${token.token}` });
    expect(answer.status).toBe(200);
  });

  it("refuses a wrong client secret", async () => {
    const credential = new ClientSecretCredential(t.em.tenantId, t.em.clientId, "wrong-secret", { authorityHost: t.em.url, disableInstanceDiscovery: true });
    await expect(credential.getToken("https://management.azure.com/.default")).rejects.toThrow(/AADSTS7000215|invalid_client/);
  });

  it("answers 401 AuthenticationFailed with WWW-Authenticate when the Authorization header is missing", async () => {
    const answer = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c"), auth: false });
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ error: { code: "AuthenticationFailed" } });
    expect(String(answer.headers["www-authenticate"])).toMatch(/^Bearer authorization_uri="https:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+", error="invalid_token"/);
    expect(answer.headers["x-ms-request-id"]).toBeDefined();
  });

  it("answers 401 InvalidAuthenticationToken to a forged token", async () => {
    const forged = ["eyJhbGciOiJFUzI1NiJ9", Buffer.from(JSON.stringify({ aud: "https://management.azure.com", exp: 9999999999 })).toString("base64url"), "c2ln"].join(".");
    const answer = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c"), auth: `Bearer ${forged}` });
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ error: { code: "InvalidAuthenticationToken" } });
    expect(answer.headers["www-authenticate"]).toBeDefined();
  });

  it("answers 401 to a token for another audience", async () => {
    const token = await t.credential.getToken("https://graph.microsoft.com/.default");
    const answer = await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c"), auth: `Bearer ${token.token}` });
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ error: { code: "InvalidAuthenticationTokenAudience" } });
  });

  it("makes the SDK client fail with 401 when its credential's token is refused", async () => {
    const { ContainerServiceClient } = await import("@azure/arm-containerservice");
    const graphOnly = { getToken: () => t.credential.getToken("https://graph.microsoft.com/.default") };
    const client = new ContainerServiceClient(graphOnly, t.em.subscriptionId, { endpoint: t.em.url });
    await expect(client.managedClusters.get("rg", "c")).rejects.toMatchObject({ statusCode: 401 });
  });
});
