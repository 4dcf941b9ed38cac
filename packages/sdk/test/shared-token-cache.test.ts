/**
 * sharedTokenCache: one token cache for a whole run. Concurrent asks share one request, a fresh token is reused, a
 * token near expiry (or past refreshAfterTimestamp) is asked again, a failure is not cached, a claims challenge
 * always reaches the credential, and one caller's abort ends only that caller's wait.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { sharedTokenCache } from "@aks-kube-proxy/sdk";

/** A credential whose every getToken is held until the test answers it, counting the asks. */
function heldCredential(): { credential: TokenCredential; asks: { scopes: string | string[]; options?: GetTokenOptions; answer(t: AccessToken | Error): void }[] } {
  const asks: { scopes: string | string[]; options?: GetTokenOptions; answer(t: AccessToken | Error): void }[] = [];
  return {
    asks,
    credential: {
      getToken: (scopes, options) =>
        new Promise<AccessToken | null>((resolve, reject) => {
          asks.push({ scopes, ...(options ? { options } : {}), answer: (t) => (t instanceof Error ? reject(t) : resolve(t)) });
        }),
    },
  };
}

const HOUR = 3_600_000;
const token = (name: string, expiresInMs = HOUR, extra: Partial<AccessToken> = {}): AccessToken => ({ token: name, expiresOnTimestamp: Date.now() + expiresInMs, ...extra });
const SCOPE = "https://management.azure.com/.default";

describe("sharedTokenCache", () => {
  it("answers 50 concurrent asks of one scope with one request, then from the cache", async () => {
    const { credential, asks } = heldCredential();
    const shared = sharedTokenCache(credential);
    const pending = Array.from({ length: 50 }, () => shared.getToken(SCOPE));
    expect(asks).toHaveLength(1);
    asks[0]!.answer(token("t1"));
    expect((await Promise.all(pending)).map((t) => t?.token)).toEqual(Array(50).fill("t1"));
    expect((await shared.getToken([SCOPE]))?.token).toBe("t1");
    expect(asks).toHaveLength(1);
  });

  it("keeps one entry per scope and tenant", async () => {
    const { credential, asks } = heldCredential();
    const shared = sharedTokenCache(credential);
    const a = shared.getToken(SCOPE);
    const b = shared.getToken("https://storage.azure.com/.default");
    const c = shared.getToken(SCOPE, { tenantId: "other" });
    expect(asks).toHaveLength(3);
    asks.forEach((ask, i) => ask.answer(token(`t${i}`)));
    expect([(await a)?.token, (await b)?.token, (await c)?.token]).toEqual(["t0", "t1", "t2"]);
  });

  it("asks again for a token within 5 minutes of expiry, or past its refreshAfterTimestamp", async () => {
    const { credential, asks } = heldCredential();
    const shared = sharedTokenCache(credential);
    const first = shared.getToken(SCOPE);
    asks[0]!.answer(token("expiring", 60_000));
    await first;
    const second = shared.getToken(SCOPE);
    expect(asks).toHaveLength(2);
    asks[1]!.answer(token("refresh-soon", HOUR, { refreshAfterTimestamp: Date.now() - 1 }));
    await second;
    const third = shared.getToken(SCOPE);
    expect(asks).toHaveLength(3);
    asks[2]!.answer(token("fresh"));
    expect((await third)?.token).toBe("fresh");
  });

  it("does not cache a failure, and sends a claims challenge to the credential every time", async () => {
    const { credential, asks } = heldCredential();
    const shared = sharedTokenCache(credential);
    const failed = shared.getToken(SCOPE);
    asks[0]!.answer(new Error("AADSTS7000215: invalid client secret"));
    await expect(failed).rejects.toThrow("AADSTS7000215");
    const retried = shared.getToken(SCOPE);
    expect(asks).toHaveLength(2);
    asks[1]!.answer(token("ok"));
    await retried;
    const challenged = shared.getToken(SCOPE, { claims: "{}" });
    expect(asks).toHaveLength(3);
    expect(asks[2]!.options?.claims).toBe("{}");
    asks[2]!.answer(token("claims"));
    expect((await challenged)?.token).toBe("claims");
  });

  it("ends an aborted caller's wait at once while the shared ask still answers the others", async () => {
    const { credential, asks } = heldCredential();
    const shared = sharedTokenCache(credential);
    const controller = new AbortController();
    const aborted = shared.getToken(SCOPE, { abortSignal: controller.signal });
    const other = shared.getToken(SCOPE);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    asks[0]!.answer(token("t"));
    expect((await other)?.token).toBe("t");
    expect(asks).toHaveLength(1);
  });

  it("wraps once: a shared cache given again is returned as it is", () => {
    const shared = sharedTokenCache(heldCredential().credential);
    expect(sharedTokenCache(shared)).toBe(shared);
  });
});
