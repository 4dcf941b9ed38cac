/**
 * The one credential factory shared by the CLI and the Pulumi component.
 * @packageDocumentation
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { createAbortablePromise } from "@azure/core-util";
import { ClientSecretCredential, DefaultAzureCredential, WorkloadIdentityCredential } from "@azure/identity";
import { isPublicCloudLoginHost, resolveCloud } from "./cloud";

/** Options of {@link createCredential}. */
export interface CreateCredentialOptions {
  /** Cloud name, used for the default authority host. @default "AzureCloud" */
  readonly cloud?: string;
  /** Authority host; @default `AZURE_AUTHORITY_HOST`, else the cloud's login host */
  readonly authorityHost?: string;
  /** Tenant; @default `AZURE_TENANT_ID` */
  readonly tenantId?: string;
  /** Client (application) id; @default `AZURE_CLIENT_ID` */
  readonly clientId?: string;
  /** Client secret; @default `AZURE_CLIENT_SECRET` */
  readonly clientSecret?: string;
  /** Environment to read `AZURE_*` from. @default process.env */
  readonly env?: Record<string, string | undefined>;
}

/**
 * Builds a `TokenCredential`: a `ClientSecretCredential` when tenant, client id and secret are given (or in `AZURE_*`),
 * a `WorkloadIdentityCredential` when tenant, client id and `AZURE_FEDERATED_TOKEN_FILE` are, else
 * `DefaultAzureCredential` (environment, workload identity, managed identity, Azure CLI...). When the authority host is
 * not a public cloud's login host (Azure Stack, the emulator), `disableInstanceDiscovery` is set, or MSAL would try to
 * reach the public cloud and fail.
 * @param options - cloud, authority host, explicit secrets, environment
 */
export function createCredential(options: CreateCredentialOptions = {}): TokenCredential {
  const env = options.env ?? process.env;
  const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === "" ? undefined : v);
  const authorityHost = resolveCloud({
    ...(options.cloud !== undefined ? { cloud: options.cloud } : {}),
    ...(nonEmpty(options.authorityHost ?? env["AZURE_AUTHORITY_HOST"]) ? { authorityHost: options.authorityHost ?? env["AZURE_AUTHORITY_HOST"] } : {}),
  }).authorityHost;
  const disableInstanceDiscovery = !isPublicCloudLoginHost(authorityHost);
  const tenantId = nonEmpty(options.tenantId ?? env["AZURE_TENANT_ID"]);
  const clientId = nonEmpty(options.clientId ?? env["AZURE_CLIENT_ID"]);
  const clientSecret = nonEmpty(options.clientSecret ?? env["AZURE_CLIENT_SECRET"]);
  const tokenFilePath = nonEmpty(env["AZURE_FEDERATED_TOKEN_FILE"]);
  if (tenantId && clientId && clientSecret) {
    return new ClientSecretCredential(tenantId, clientId, clientSecret, { authorityHost, disableInstanceDiscovery });
  }
  if (tenantId && clientId && tokenFilePath) {
    return new WorkloadIdentityCredential({ tenantId, clientId, tokenFilePath, authorityHost, disableInstanceDiscovery });
  }
  return new DefaultAzureCredential({ authorityHost, disableInstanceDiscovery, ...(tenantId ? { tenantId } : {}) });
}

/** Options of {@link sharedTokenCache}. */
export interface SharedTokenCacheOptions {
  /** A token is asked for again this long before it expires (or at its `refreshAfterTimestamp`, when earlier). @default 300000 (5 minutes) */
  readonly refreshBeforeExpiryInMs?: number;
}

const SHARED_CACHE = Symbol.for("aks-kube-proxy.sharedTokenCache");

interface CacheEntry {
  token?: AccessToken;
  pending?: Promise<AccessToken | null>;
}

/**
 * One token cache in front of `credential`, for a whole run: every client built with the returned credential (one per
 * subscription, and each of its Azure SDK clients) shares it, so a run asks the identity provider once per scope and
 * tenant (and again only near expiry) however many subscriptions, clients and requests it has: concurrent asks share
 * one request. A request with `claims` (a challenge) always goes to `credential`. A failed ask is not cached. Wrapping
 * a credential twice returns the same cache.
 * @param credential - any TokenCredential (e.g. {@link createCredential}'s)
 * @param options - refreshBeforeExpiryInMs
 */
export function sharedTokenCache(credential: TokenCredential, options: SharedTokenCacheOptions = {}): TokenCredential {
  if ((credential as unknown as Record<symbol, unknown>)[SHARED_CACHE] === true) return credential;
  const refreshBeforeExpiryInMs = options.refreshBeforeExpiryInMs ?? 300_000;
  const entries = new Map<string, CacheEntry>();
  const fresh = (token: AccessToken | undefined, now: number): token is AccessToken =>
    token !== undefined && token.expiresOnTimestamp - refreshBeforeExpiryInMs > now && (token.refreshAfterTimestamp === undefined || token.refreshAfterTimestamp > now);
  const shared: TokenCredential = {
    async getToken(scopes: string | string[], getTokenOptions: GetTokenOptions = {}): Promise<AccessToken | null> {
      if (getTokenOptions.claims) return credential.getToken(scopes, getTokenOptions);
      const key = JSON.stringify([[scopes].flat().sort(), getTokenOptions.tenantId ?? "", getTokenOptions.enableCae ?? false]);
      let entry = entries.get(key);
      if (!entry) entries.set(key, (entry = {}));
      if (fresh(entry.token, Date.now())) return entry.token;
      const current = entry;
      if (!current.pending) {
        // The shared ask is not tied to one caller's abort signal: another caller may still want its answer.
        const { abortSignal: _ignored, ...rest } = getTokenOptions;
        current.pending = credential.getToken(scopes, rest).then(
          (token) => {
            current.pending = undefined;
            if (token) current.token = token;
            return token;
          },
          (error: unknown) => {
            current.pending = undefined;
            throw error;
          },
        );
      }
      return abortable(current.pending, getTokenOptions.abortSignal);
    },
  };
  Object.defineProperty(shared, SHARED_CACHE, { value: true });
  return shared;
}

/**
 * `promise`, or a rejection (an `AbortError`) as soon as `signal` fires: `@azure/core-util`'s `createAbortablePromise`;
 * the promise goes on for whoever else awaits it.
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignalLike | undefined): Promise<T> {
  if (!signal) return promise;
  return createAbortablePromise<T>(
    (resolve, reject) => {
      promise.then(resolve, (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
    },
    { abortSignal: signal, abortErrorMsg: "The token request was aborted." },
  );
}
