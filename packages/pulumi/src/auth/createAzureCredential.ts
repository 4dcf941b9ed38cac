/**
 * Builds the `TokenCredential` an {@link AzureAuthPlan} describes. The modules it needs (the SDK and
 * `@azure/identity`) are passed in, so this file imports nothing at run time and stays cheap to capture when Pulumi
 * serializes a dynamic provider.
 * @packageDocumentation
 */
import type { TokenCredential } from "@azure/core-auth";
import type { AzureAuthPlan, OidcTokenSource } from "./resolveAzureAuth";

/** The audience GitHub Actions (and azure-native) request OIDC tokens for, to exchange them with Microsoft Entra. */
export const OIDC_TOKEN_AUDIENCE = "api://AzureADTokenExchange";

/** The part of `@aks-kube-proxy/sdk` used here. */
export type CredentialSdk = Pick<typeof import("@aks-kube-proxy/sdk"), "createCredential" | "resolveCloud" | "isPublicCloudLoginHost">;

/** The part of `@azure/identity` used here. */
export interface CredentialIdentity {
  /** `ClientAssertionCredential`. */
  ClientAssertionCredential: new (
    tenantId: string,
    clientId: string,
    getAssertion: () => Promise<string>,
    options?: { authorityHost?: string; disableInstanceDiscovery?: boolean },
  ) => TokenCredential;
  /** `ManagedIdentityCredential`. */
  ManagedIdentityCredential: new (options?: { clientId?: string }) => TokenCredential;
}

/** What {@link createAzureCredential} needs besides the plan. */
export interface CreateAzureCredentialDeps {
  /** The SDK module. */
  readonly sdk: CredentialSdk;
  /** `@azure/identity`, loaded only for the OIDC and managed identity methods. */
  readonly loadIdentity: () => CredentialIdentity;
  /** Environment (for `AZURE_*` and `AZURE_AUTHORITY_HOST`). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads a token file. @default fs.promises.readFile */
  readonly readFile?: (path: string) => Promise<string>;
  /** HTTP client for the OIDC request URL. @default global fetch */
  readonly fetch?: typeof fetch;
}

/**
 * Returns a function that fetches a fresh OIDC token each time it is called: the token as given, the content of the
 * token file, or the answer of the request URL (GitHub Actions' `{ "value": "<jwt>" }`).
 * @param source - where the token comes from
 * @param deps - file reader and HTTP client
 */
export function oidcAssertionProvider(source: OidcTokenSource, deps: Pick<CreateAzureCredentialDeps, "readFile" | "fetch"> = {}): () => Promise<string> {
  if (source.token !== undefined) {
    const token = source.token;
    return async () => token;
  }
  if (source.tokenFilePath !== undefined) {
    const path = source.tokenFilePath;
    const readFile =
      deps.readFile ??
      ((p: string) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily: this module is captured by Pulumi's closure serialization
        const fs = require("node:fs") as typeof import("node:fs");
        return fs.promises.readFile(p, "utf8");
      });
    return async () => {
      const text = (await readFile(path)).trim();
      if (text === "") throw new Error(`The OIDC token file ${path} is empty.`);
      return text;
    };
  }
  if (source.requestUrl !== undefined && source.requestToken !== undefined) {
    const url = new URL(source.requestUrl);
    if (!url.searchParams.has("audience")) url.searchParams.set("audience", OIDC_TOKEN_AUDIENCE);
    const requestToken = source.requestToken;
    const doFetch = deps.fetch ?? fetch;
    return async () => {
      const response = await doFetch(url.toString(), { headers: { Authorization: `Bearer ${requestToken}`, Accept: "application/json" } });
      if (!response.ok) {
        throw new Error(`The OIDC token request to ${url.origin}${url.pathname} answered ${response.status}; check oidcRequestUrl/oidcRequestToken (in GitHub Actions, permissions: id-token: write).`);
      }
      const body = (await response.json()) as { value?: unknown };
      if (typeof body.value !== "string" || body.value === "") {
        throw new Error(`The OIDC token request to ${url.origin}${url.pathname} returned no token ("value").`);
      }
      return body.value;
    };
  }
  throw new Error("No OIDC token source: set oidcToken, oidcTokenFilePath, or oidcRequestUrl with oidcRequestToken.");
}

/**
 * Builds the credential an {@link AzureAuthPlan} describes:
 * `client-secret` and `default` through the SDK's `createCredential` (which also disables MSAL instance discovery
 * off the public clouds), `client-assertion` as `ClientAssertionCredential` fed by {@link oidcAssertionProvider},
 * `managed-identity` as `ManagedIdentityCredential`.
 * @param plan - the resolved plan
 * @param deps - SDK, identity loader, environment
 */
export function createAzureCredential(plan: AzureAuthPlan, deps: CreateAzureCredentialDeps): TokenCredential {
  const env = deps.env ?? process.env;
  const envAuthority = env["AZURE_AUTHORITY_HOST"];
  const authorityOverride = plan.authorityHost ?? (envAuthority !== undefined && envAuthority !== "" ? envAuthority : undefined);
  const mutableEnv: Record<string, string | undefined> = { ...env };
  switch (plan.method) {
    case "client-secret":
      return deps.sdk.createCredential({
        cloud: plan.cloud,
        ...(authorityOverride !== undefined ? { authorityHost: authorityOverride } : {}),
        ...(plan.tenantId !== undefined ? { tenantId: plan.tenantId } : {}),
        ...(plan.clientId !== undefined ? { clientId: plan.clientId } : {}),
        ...(plan.clientSecret !== undefined ? { clientSecret: plan.clientSecret } : {}),
        env: mutableEnv,
      });
    case "client-assertion": {
      const authorityHost = deps.sdk.resolveCloud({ cloud: plan.cloud, ...(authorityOverride !== undefined ? { authorityHost: authorityOverride } : {}) }).authorityHost;
      const identity = deps.loadIdentity();
      return new identity.ClientAssertionCredential(plan.tenantId as string, plan.clientId as string, oidcAssertionProvider(plan.oidc ?? {}, deps), {
        authorityHost,
        disableInstanceDiscovery: !deps.sdk.isPublicCloudLoginHost(authorityHost),
      });
    }
    case "managed-identity": {
      const identity = deps.loadIdentity();
      return plan.clientId !== undefined ? new identity.ManagedIdentityCredential({ clientId: plan.clientId }) : new identity.ManagedIdentityCredential();
    }
    default:
      return deps.sdk.createCredential({
        cloud: plan.cloud,
        ...(authorityOverride !== undefined ? { authorityHost: authorityOverride } : {}),
        ...(plan.tenantId !== undefined ? { tenantId: plan.tenantId } : {}),
        env: mutableEnv,
      });
  }
}
