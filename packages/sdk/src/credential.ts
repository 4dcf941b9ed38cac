/**
 * The one credential factory shared by the CLI and the Pulumi component.
 * @packageDocumentation
 */
import type { TokenCredential } from "@azure/core-auth";
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
