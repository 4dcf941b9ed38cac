/**
 * The emulator's token check remembers a token whose signature it verified, and still checks the rest every time: a
 * token accepted once is refused as expired once its `exp` passed, a token whose payload or signature was tampered
 * with is invalid even after the genuine one was accepted, and a token accepted for one audience is refused for
 * another.
 */
import { TokenAuthority } from "../src/auth";

const ARM = "https://management.azure.com";
const AKS_SERVER_APP = "6dae42f8-4368-4678-94ff-3960e28e3630";

function authority(): TokenAuthority {
  return new TokenAuthority("https://127.0.0.1:1", "72f988bf-86f1-41af-91ab-2d7cd011db47", "00000000-0000-4000-8000-000000000001", "secret");
}

/** The token's parts with its payload replaced (the signature kept). */
function withPayload(token: string, change: (claims: Record<string, unknown>) => Record<string, unknown>): string {
  const [h, p, s] = token.split(".") as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
  return `${h}.${Buffer.from(JSON.stringify(change(claims))).toString("base64url")}.${s}`;
}

describe("TokenAuthority: verified tokens are remembered, expiry and audience checked every time", () => {
  afterEach(() => jest.restoreAllMocks());

  test("a token accepted once is refused as expired once its exp has passed", () => {
    const a = authority();
    const token = a.issue(ARM, 60);
    expect(a.check(`Bearer ${token}`)).toBeUndefined();
    expect(a.check(`Bearer ${token}`)).toBeUndefined();
    const exp = (JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString("utf8")) as { exp: number }).exp;
    jest.spyOn(Date, "now").mockReturnValue(exp * 1000 + 1_000);
    expect(a.check(`Bearer ${token}`)).toBe("expired");
  });

  test("a tampered payload or signature is invalid, even after the genuine token was accepted", () => {
    const a = authority();
    const token = a.issue(ARM);
    expect(a.check(`Bearer ${token}`)).toBeUndefined();
    const longer = withPayload(token, (c) => ({ ...c, exp: (c["exp"] as number) + 86_400 }));
    const otherAudience = withPayload(token, (c) => ({ ...c, aud: "https://management.core.windows.net" }));
    expect(a.check(`Bearer ${longer}`)).toBe("invalid");
    expect(a.check(`Bearer ${otherAudience}`)).toBe("invalid");
    const [h, p, s] = token.split(".") as [string, string, string];
    const signature = Buffer.from(s, "base64url");
    signature[0] = (signature[0] ?? 0) ^ 0xff;
    expect(a.check(`Bearer ${h}.${p}.${signature.toString("base64url")}`)).toBe("invalid");
    // The genuine one is still accepted; a token of another authority (its own key) is not.
    expect(a.check(`Bearer ${token}`)).toBeUndefined();
    expect(a.check(`Bearer ${authority().issue(ARM)}`)).toBe("invalid");
  });

  test("a token accepted for one audience is refused for another", () => {
    const a = authority();
    const armToken = a.issue(ARM);
    expect(a.check(`Bearer ${armToken}`)).toBeUndefined();
    expect(a.checkFor(`Bearer ${armToken}`, new Set([AKS_SERVER_APP]))).toBe("audience");
    const aksToken = a.issue(AKS_SERVER_APP);
    expect(a.checkFor(`Bearer ${aksToken}`, new Set([AKS_SERVER_APP]))).toBeUndefined();
    expect(a.check(`Bearer ${aksToken}`)).toBe("audience");
    expect(a.checkFor(`Bearer ${aksToken}`, new Set([AKS_SERVER_APP]))).toBeUndefined();
  });
});
