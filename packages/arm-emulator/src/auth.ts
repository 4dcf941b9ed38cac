/**
 * Microsoft Entra ID, as far as `@azure/identity` (MSAL) needs it, and ARM's bearer-token
 * check. Access tokens are real JWTs (ES256) signed with a key generated at start; ARM
 * calls verify signature, expiry and audience. Secrets are compared in constant time and
 * never logged.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, timingSafeEqual, verify, type KeyObject } from "node:crypto";
import { armError, type ArmResponse } from "./http";

/** Lifetime of issued access tokens. */
const TOKEN_LIFETIME_SECONDS = 3599;
/** Verified tokens remembered at most (a cache: past it, it starts again empty). */
const MAX_VERIFIED_TOKENS = 10_000;

/** Audiences ARM accepts (public and sovereign clouds' ARM resource ids); the emulator's own URL is added at start. */
const ARM_AUDIENCES = [
  "https://management.azure.com",
  "https://management.core.windows.net",
  "https://management.chinacloudapi.cn",
  "https://management.core.chinacloudapi.cn",
  "https://management.usgovcloudapi.net",
  "https://management.core.usgovcloudapi.net",
];

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Why a bearer token was refused. */
export type TokenProblem = "missing" | "malformed" | "invalid" | "expired" | "audience";

/** Issues and verifies the emulator's tokens. */
export class TokenAuthority {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  /** Claims of tokens whose signature was verified (by token; emptied when it reaches {@link MAX_VERIFIED_TOKENS}). */
  private readonly verified = new Map<string, { exp?: number; aud?: string }>();
  private readonly keyId: string;
  private readonly audiences: Set<string>;

  constructor(
    readonly url: string,
    readonly tenantId: string,
    readonly clientId: string,
    private readonly clientSecret: string,
  ) {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.keyId = randomBytes(8).toString("hex");
    this.audiences = new Set([...ARM_AUDIENCES, url].map((a) => a.replace(/\/+$/, "").toLowerCase()));
  }

  /** OpenID Connect metadata of `{url}/{tenant}/v2.0` (what MSAL's authority resolution reads). */
  openIdConfiguration(tenant: string, v2: boolean): Record<string, unknown> {
    const base = `${this.url}/${tenant}`;
    return {
      token_endpoint: v2 ? `${base}/oauth2/v2.0/token` : `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${this.url}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["ES256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: v2 ? `${this.url}/${tenant}/v2.0` : `https://sts.windows.net/${tenant}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.url}/oidc/userinfo`,
      authorization_endpoint: v2 ? `${base}/oauth2/v2.0/authorize` : `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: v2 ? `${base}/oauth2/v2.0/logout` : `${base}/oauth2/logout`,
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: "NA",
      cloud_instance_name: new URL(this.url).host,
      cloud_graph_host_name: new URL(this.url).host,
      msgraph_host: new URL(this.url).host,
      rbac_url: this.url,
    };
  }

  /** Instance discovery answer (only asked when a client does not disable instance discovery). */
  instanceDiscovery(): Record<string, unknown> {
    const host = new URL(this.url).host;
    return {
      tenant_discovery_endpoint: `${this.url}/${this.tenantId}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }

  /** The signing key set. */
  jwks(): Record<string, unknown> {
    const jwk = this.publicKey.export({ format: "jwk" });
    return { keys: [{ ...jwk, kid: this.keyId, use: "sig", alg: "ES256" }] };
  }

  /** Handles a token request (form fields already parsed). */
  tokenRequest(tenant: string, form: Record<string, string>): ArmResponse {
    const aadError = (status: number, error: string, description: string): ArmResponse => ({
      status,
      body: {
        error,
        error_description: description,
        error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
        timestamp: new Date().toISOString().replace("T", " ").slice(0, 19) + "Z",
        trace_id: randomBytes(16).toString("hex"),
        correlation_id: randomBytes(16).toString("hex"),
      },
    });
    if (tenant.toLowerCase() !== this.tenantId.toLowerCase()) {
      return aadError(400, "invalid_request", `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    if (form.grant_type !== "client_credentials") {
      return aadError(400, "unsupported_grant_type", `AADSTS70003: The app requested an unsupported grant type '${form.grant_type ?? ""}'.`);
    }
    if (form.client_id !== this.clientId) {
      return aadError(400, "unauthorized_client", `AADSTS700016: Application with identifier '${form.client_id ?? ""}' was not found in the directory '${this.tenantId}'.`);
    }
    const assertion = form.client_assertion;
    const secretOk = typeof form.client_secret === "string" && sameSecret(form.client_secret, this.clientSecret);
    const assertionOk = typeof assertion === "string" && /^[\w-]+\.[\w-]+\.[\w-]*$/.test(assertion);
    if (!secretOk && !assertionOk) {
      return aadError(401, "invalid_client", `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${this.clientId}'.`);
    }
    const scope = (form.scope ?? "").split(" ").find((s) => s.endsWith("/.default")) ?? form.resource ?? "";
    const audience = scope.replace(/\/\.default$/, "");
    if (audience === "") return aadError(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.");
    return {
      status: 200,
      body: { token_type: "Bearer", expires_in: TOKEN_LIFETIME_SECONDS, ext_expires_in: TOKEN_LIFETIME_SECONDS, access_token: this.issue(audience) },
    };
  }

  /** Issues an access token for `audience`. */
  issue(audience: string, lifetimeSeconds = TOKEN_LIFETIME_SECONDS): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: "JWT", alg: "ES256", kid: this.keyId };
    const claims = {
      aud: audience,
      iss: `https://sts.windows.net/${this.tenantId}/`,
      iat: now,
      nbf: now - 5,
      exp: now + lifetimeSeconds,
      appid: this.clientId,
      azp: this.clientId,
      idtyp: "app",
      oid: this.clientId,
      sub: this.clientId,
      tid: this.tenantId,
      ver: "1.0",
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign("sha256", Buffer.from(signingInput), { key: this.privateKey, dsaEncoding: "ieee-p1363" });
    return `${signingInput}.${b64url(signature)}`;
  }

  /** Checks an Authorization header for ARM; undefined = accepted. */
  check(authorization: string | undefined): TokenProblem | undefined {
    return this.checkFor(authorization, this.audiences);
  }

  /**
   * Checks an Authorization header (signature, expiry) for one of `audiences` (compared without case or a trailing
   * slash); undefined = accepted. The emulated Kubernetes API servers use it with the AKS server application.
   */
  checkFor(authorization: string | undefined, audiences: ReadonlySet<string>): TokenProblem | undefined {
    if (!authorization) return "missing";
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!m?.[1]) return "malformed";
    const token = m[1];
    // A token whose signature was verified once is not verified again (a client sends the same token until it nears
    // expiry; at a fleet's request rates the signature checks were the emulator's largest cost). Expiry and audience
    // are checked on every request all the same.
    let claims = this.verified.get(token);
    if (!claims) {
      const parts = token.split(".");
      if (parts.length !== 3) return "invalid";
      const [h, p, s] = parts as [string, string, string];
      try {
        const ok = verify("sha256", Buffer.from(`${h}.${p}`), { key: this.publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
        if (!ok) return "invalid";
        claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as { exp?: number; aud?: string };
      } catch {
        return "invalid";
      }
      if (this.verified.size >= MAX_VERIFIED_TOKENS) this.verified.clear();
      this.verified.set(token, claims);
    }
    if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) return "expired";
    if (typeof claims.aud !== "string" || !audiences.has(claims.aud.replace(/\/+$/, "").toLowerCase())) return "audience";
    return undefined;
  }

  /** ARM's 401 for a refused token, with WWW-Authenticate. */
  unauthorized(problem: TokenProblem): ArmResponse {
    const [code, message] = (
      {
        missing: ["AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."],
        malformed: ["AuthenticationFailedInvalidHeader", "Authentication failed. The 'Authorization' header is provided in an invalid format."],
        invalid: ["InvalidAuthenticationToken", "The access token is invalid."],
        expired: ["ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time."],
        audience: ["InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences."],
      } as const
    )[problem];
    const description = problem === "missing" ? "The authentication failed because of missing 'Authorization' header." : message;
    return armError(401, code, message, {
      "WWW-Authenticate": `Bearer authorization_uri="${this.url}/${this.tenantId}", error="invalid_token", error_description="${description}"`,
    });
  }
}
