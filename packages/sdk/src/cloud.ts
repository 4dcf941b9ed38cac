/**
 * Azure clouds: ARM endpoint, token audience and login host, by name or from an explicit endpoint.
 * @packageDocumentation
 */
import { ValidationError } from "./errors";

/** Cloud names as `az cloud list` spells them. */
export type AzureCloudName = "AzureCloud" | "AzureChinaCloud" | "AzureUSGovernment";

/** Where to send ARM requests, which token audience to ask for, and where to log in. */
export interface CloudEndpoints {
  /** ARM endpoint, no trailing slash (e.g. https://management.azure.com). */
  readonly armEndpoint: string;
  /** Token audience; the scope requested is `${audience}/.default`. */
  readonly audience: string;
  /** Microsoft Entra authority host (e.g. https://login.microsoftonline.com). */
  readonly authorityHost: string;
}

/** The known clouds. */
export const AZURE_CLOUDS: Readonly<Record<AzureCloudName, CloudEndpoints>> = {
  AzureCloud: { armEndpoint: "https://management.azure.com", audience: "https://management.azure.com", authorityHost: "https://login.microsoftonline.com" },
  AzureChinaCloud: { armEndpoint: "https://management.chinacloudapi.cn", audience: "https://management.chinacloudapi.cn", authorityHost: "https://login.chinacloudapi.cn" },
  AzureUSGovernment: { armEndpoint: "https://management.usgovcloudapi.net", audience: "https://management.usgovcloudapi.net", authorityHost: "https://login.microsoftonline.us" },
};

/** Login hosts of the public clouds, where MSAL's instance discovery works. */
export const PUBLIC_CLOUD_LOGIN_HOSTS: readonly string[] = [
  "login.microsoftonline.com",
  "login.windows.net",
  "login.microsoft.com",
  "sts.windows.net",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
  "login.microsoftonline.us",
  "login-us.microsoftonline.com",
  "login.microsoftonline.de",
];

/** Options of {@link resolveCloud}. */
export interface ResolveCloudOptions {
  /** A cloud name (case-insensitive; also `AzurePublicCloud`, `public`, `china`, `usgov`). @default "AzureCloud" */
  readonly cloud?: string;
  /** Any ARM endpoint (Azure Stack, the emulator); overrides the cloud's. */
  readonly endpoint?: string;
  /** Token audience; @default the cloud's, or the endpoint's origin when `endpoint` is given */
  readonly audience?: string;
  /** Authority host; @default the cloud's */
  readonly authorityHost?: string;
}

const ALIASES: Record<string, AzureCloudName> = {
  azurecloud: "AzureCloud",
  azurepubliccloud: "AzureCloud",
  public: "AzureCloud",
  azurechinacloud: "AzureChinaCloud",
  china: "AzureChinaCloud",
  azureusgovernment: "AzureUSGovernment",
  azureusgovernmentcloud: "AzureUSGovernment",
  usgov: "AzureUSGovernment",
  usgovernment: "AzureUSGovernment",
};

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function validUrl(value: string, what: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    // The value is not repeated: it may be long or hostile, and the caller knows what it passed.
    throw new ValidationError(`${what} is not an https URL (${value.length} characters that do not parse as a URL).`, [{ path: what, message: "not a URL", allowed: "https://host[:port]" }]);
  }
  if (u.protocol !== "https:") {
    // Bearer tokens (ARM) and client secrets (the authority host) are never sent in clear text; the pipeline would refuse later anyway.
    throw new ValidationError(`${what} ${u.protocol}//${u.host} is not https: https is required (bearer tokens and client secrets are never sent in clear text).`, [
      { path: what, message: "not https", found: u.protocol, allowed: "https://host[:port]" },
    ]);
  }
  return trimSlash(u.toString());
}

/**
 * Resolves a cloud name and optional overrides into endpoints.
 * @param options - cloud name, endpoint, audience, authority host
 * @throws {@link ValidationError} for an unknown cloud name or a malformed URL
 */
export function resolveCloud(options: ResolveCloudOptions = {}): CloudEndpoints {
  const name = options.cloud === undefined || options.cloud === "" ? "AzureCloud" : ALIASES[options.cloud.toLowerCase()];
  if (!name) {
    throw new ValidationError(`Unknown cloud "${options.cloud}". Use AzureCloud, AzureChinaCloud or AzureUSGovernment, or pass endpoint for any other ARM (Azure Stack, the emulator).`, [
      { path: "cloud", message: "unknown cloud", found: options.cloud, allowed: Object.keys(AZURE_CLOUDS).join(" | ") },
    ]);
  }
  const base = AZURE_CLOUDS[name];
  const armEndpoint = options.endpoint ? validUrl(options.endpoint, "endpoint") : base.armEndpoint;
  const audience = options.audience ? trimSlash(options.audience) : options.endpoint ? new URL(armEndpoint).origin : base.audience;
  const authorityHost = options.authorityHost ? validUrl(options.authorityHost, "authorityHost") : base.authorityHost;
  return { armEndpoint, audience, authorityHost };
}

/**
 * True when `authorityHost` is a public cloud's login host (where MSAL instance discovery works).
 * @param authorityHost - an authority host URL
 */
export function isPublicCloudLoginHost(authorityHost: string): boolean {
  try {
    return PUBLIC_CLOUD_LOGIN_HOSTS.includes(new URL(authorityHost).hostname.toLowerCase());
  } catch {
    return false;
  }
}
