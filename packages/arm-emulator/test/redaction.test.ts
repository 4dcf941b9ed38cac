/**
 * No bearer token, client secret or assertion ever reaches the request log, the onRequest
 * hook, or anything the emulator writes to the console.
 */
import { ClientSecretCredential } from "@azure/identity";
import { startEmulator } from "../src/emulator";
import type { LoggedRequest } from "../src/index";
import { redactBody } from "../src/log";
import { armRequest, clusterPath, trustCa, FAST_POLL } from "./support";
import { ContainerServiceClient } from "@azure/arm-containerservice";

describe("request log redaction", () => {
  it("never records a bearer token or the client secret, whatever the path", async () => {
    const hooked: LoggedRequest[] = [];
    const consoleOutput: string[] = [];
    const spies = (["log", "error", "warn", "info", "debug"] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        consoleOutput.push(args.map(String).join(" "));
      }),
    );
    const em = await startEmulator({ throttling: false, clusters: [{ resourceGroup: "rg", name: "c" }], onRequest: (e) => hooked.push(e) });
    try {
      trustCa(em.ca);
      const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.url, disableInstanceDiscovery: true });
      const tokens: string[] = [];
      const recording = { getToken: async (scopes: string | string[]) => { const tok = await credential.getToken(scopes); if (tok) tokens.push(tok.token); return tok; } };
      const client = new ContainerServiceClient(recording, em.subscriptionId, { endpoint: em.url, credentialScopes: [`${em.url}/.default`] });
      const t = { em, credential: recording as unknown as ClientSecretCredential, aks: () => client, features: () => { throw new Error("unused"); }, stop: () => em.stop() };
      const mc = await client.managedClusters.get("rg", "c");
      await client.managedClusters.beginCreateOrUpdateAndWait("rg", "c", { ...mc, tags: { a: "b" } }, FAST_POLL);
      await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c"), auth: "Bearer not-a-real-token-but-still-secret" });
      await armRequest(t, { method: "GET", path: "/_emulator/requests", auth: `Bearer ${tokens[0]}` });
      em.control.addFault({ kind: "status", status: 500, pathPattern: "managedClusters", count: 1 });
      await armRequest(t, { method: "GET", path: clusterPath(t, "rg", "c") });
      // a token request with the secret in the body
      await armRequest(t, {
        method: "POST",
        path: `/${em.tenantId}/oauth2/v2.0/token`,
        auth: false,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: `grant_type=client_credentials&client_id=${em.clientId}&client_secret=${encodeURIComponent(em.clientSecret)}&scope=${encodeURIComponent(em.url + "/.default")}`,
      });
      const controlLog = (await armRequest(t, { method: "GET", path: "/_emulator/requests", auth: false })).text;

      expect(tokens.length).toBeGreaterThan(0);
      const everything = [JSON.stringify(em.control.requestLog()), JSON.stringify(hooked), controlLog, consoleOutput.join("\n")].join("\n");
      for (const secret of [...new Set(tokens), "not-a-real-token-but-still-secret", em.clientSecret]) {
        expect(everything).not.toContain(secret);
      }
      const authorizations = em.control.requestLog().map((r) => r.requestHeaders.authorization).filter(Boolean);
      expect(authorizations.length).toBeGreaterThan(3);
      expect(new Set(authorizations)).toEqual(new Set(["Bearer REDACTED"]));
      const tokenRequest = em.control.requestLog().find((r) => r.kind === "token" && r.method === "POST");
      expect(tokenRequest?.requestBody).toMatchObject({ client_secret: "REDACTED", client_id: em.clientId });
    } finally {
      await em.stop();
      for (const s of spies) s.mockRestore();
    }
  });

  it("keeps an ARM body's own fields named like OAuth secrets (powerState.code) as sent", async () => {
    const body = { properties: { powerState: { code: "Running" }, servicePrincipalProfile: { clientId: "msi", secret: "s3cr3t" } } };
    expect(redactBody(body)).toEqual({ properties: { powerState: { code: "Running" }, servicePrincipalProfile: { clientId: "msi", secret: "REDACTED" } } });
    expect(redactBody({ grant_type: "authorization_code", code: "one-time-code" })).toEqual({ grant_type: "authorization_code", code: "REDACTED" });
  });
});
