/**
 * Which Azure credential to use, decided purely from explicit settings, `azure-native:*` stack configuration and the
 * environment — the same places an `azure-native` program already takes its credentials from. No I/O, no secrets
 * printed: {@link describeAzureAuth} says where each value came from without showing it.
 *
 * Order, field by field: explicit settings, then `azure-native:<key>` configuration, then the `ARM_*` variable that
 * azure-native (and Terraform's azurerm) read, which `@azure/identity` does not. What is left to `AZURE_*` and
 * `DefaultAzureCredential` is decided by the SDK's `createCredential`.
 *
 * Nothing in this module may import another module at run time: the dynamic providers capture it when Pulumi
 * serializes them (see provider/).
 * @packageDocumentation
 */

/** Everything that decides a credential. All optional; booleans may come from configuration as "true"/"false". */
export interface AzureAuthSettings {
  /** Subscription id. */
  readonly subscriptionId?: string;
  /** Microsoft Entra tenant id. */
  readonly tenantId?: string;
  /** Client (application) id of a service principal or user-assigned managed identity. */
  readonly clientId?: string;
  /** Client secret of a service principal. */
  readonly clientSecret?: string;
  /** Authenticate with an OIDC token (workload identity federation) through `ClientAssertionCredential`. */
  readonly useOidc?: boolean;
  /** An OIDC token (JWT). */
  readonly oidcToken?: string;
  /** Path of a file holding an OIDC token, read at each token request. */
  readonly oidcTokenFilePath?: string;
  /** URL that hands out OIDC tokens (GitHub Actions: `ACTIONS_ID_TOKEN_REQUEST_URL`). */
  readonly oidcRequestUrl?: string;
  /** Bearer token for {@link AzureAuthSettings.oidcRequestUrl} (GitHub Actions: `ACTIONS_ID_TOKEN_REQUEST_TOKEN`). */
  readonly oidcRequestToken?: string;
  /** Authenticate with a managed identity (a user-assigned one when a client id is set). */
  readonly useMsi?: boolean;
  /** Use `DefaultAzureCredential` even when a client id or tenant is configured. */
  readonly useDefaultAzureCredential?: boolean;
  /** Cloud: `public`, `usgovernment`, `china` (azure-native's names) or the az names (`AzureCloud`...). */
  readonly environment?: string;
  /** Any ARM endpoint (Azure Stack, a local emulator); overrides the cloud's. */
  readonly endpoint?: string;
  /** Token audience for {@link AzureAuthSettings.endpoint}. @default the endpoint's origin */
  readonly audience?: string;
  /** Microsoft Entra authority host; overrides the cloud's. */
  readonly authorityHost?: string;
}

/** How the credential will be built. */
export type AzureAuthMethod = "client-secret" | "client-assertion" | "managed-identity" | "default";

/** Where the OIDC token of a `client-assertion` credential comes from. */
export interface OidcTokenSource {
  /** A token given directly. */
  readonly token?: string;
  /** A file read at each request. */
  readonly tokenFilePath?: string;
  /** A URL asked at each request, with {@link OidcTokenSource.requestToken} as bearer token. */
  readonly requestUrl?: string;
  /** Bearer token for {@link OidcTokenSource.requestUrl}. */
  readonly requestToken?: string;
}

/** The decision: a method and the values it needs. Holds secrets: never log it (use {@link describeAzureAuth}). */
export interface AzureAuthPlan {
  /** The credential type to build. */
  readonly method: AzureAuthMethod;
  /** Subscription id, when one was found. */
  readonly subscriptionId?: string;
  /** Tenant id. */
  readonly tenantId?: string;
  /** Client id. */
  readonly clientId?: string;
  /** Client secret (method `client-secret`). */
  readonly clientSecret?: string;
  /** OIDC token source (method `client-assertion`). */
  readonly oidc?: OidcTokenSource;
  /** Cloud name for the SDK (`AzureCloud`, `AzureChinaCloud`, `AzureUSGovernment`). */
  readonly cloud: string;
  /** ARM endpoint override. */
  readonly endpoint?: string;
  /** Token audience override. */
  readonly audience?: string;
  /** Authority host override. */
  readonly authorityHost?: string;
  /** For each value used, where it came from (`explicit`, `azure-native:clientId`, `ARM_CLIENT_ID`...). */
  readonly sources: Readonly<Record<string, string>>;
}

/** Options of {@link resolveAzureAuth}. */
export interface ResolveAzureAuthOptions {
  /** Values given in code; they win over everything. */
  readonly explicit?: AzureAuthSettings;
  /** Stack configuration lookup by full key (`azure-native:clientId`). @default no configuration */
  readonly config?: (key: string) => string | undefined;
  /** Environment. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Thrown when the configured values contradict each other or a method lacks a value it needs. */
export class AzureAuthConfigurationError extends Error {
  /** Stable code. */
  readonly code = "AzureAuthConfiguration";
  /** @param message - what is missing and how to set it */
  constructor(message: string) {
    super(message);
    this.name = "AzureAuthConfigurationError";
  }
}

/** For each setting: its `azure-native:` config key and the environment variables azure-native reads, in order. */
const FIELDS: Readonly<Record<keyof AzureAuthSettings, { readonly config?: string; readonly env: readonly string[] }>> = {
  subscriptionId: { config: "azure-native:subscriptionId", env: ["ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"] },
  tenantId: { config: "azure-native:tenantId", env: ["ARM_TENANT_ID"] },
  clientId: { config: "azure-native:clientId", env: ["ARM_CLIENT_ID"] },
  clientSecret: { config: "azure-native:clientSecret", env: ["ARM_CLIENT_SECRET"] },
  useOidc: { config: "azure-native:useOidc", env: ["ARM_USE_OIDC"] },
  oidcToken: { config: "azure-native:oidcToken", env: ["ARM_OIDC_TOKEN"] },
  oidcTokenFilePath: { config: "azure-native:oidcTokenFilePath", env: ["ARM_OIDC_TOKEN_FILE_PATH"] },
  oidcRequestUrl: { config: "azure-native:oidcRequestUrl", env: ["ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"] },
  oidcRequestToken: { config: "azure-native:oidcRequestToken", env: ["ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"] },
  useMsi: { config: "azure-native:useMsi", env: ["ARM_USE_MSI"] },
  useDefaultAzureCredential: { config: "azure-native:useDefaultAzureCredential", env: ["ARM_USE_DEFAULT_AZURE_CREDENTIAL"] },
  environment: { config: "azure-native:environment", env: ["ARM_ENVIRONMENT"] },
  endpoint: { config: "aks-kube-proxy:endpoint", env: ["AKS_KUBE_PROXY_ENDPOINT", "AZURE_RESOURCE_MANAGER_ENDPOINT"] },
  audience: { config: "aks-kube-proxy:audience", env: ["AKS_KUBE_PROXY_AUDIENCE"] },
  authorityHost: { config: "aks-kube-proxy:authorityHost", env: ["AZURE_AUTHORITY_HOST"] },
};

/** The stack configuration keys the providers read (everything else in the stack's configuration is ignored). */
export const AZURE_AUTH_CONFIG_KEYS: readonly string[] = Object.values(FIELDS)
  .map((f) => f.config)
  .filter((k): k is string => k !== undefined);

/** azure-native's environment names, and the az names, to the SDK's cloud names. */
const CLOUDS: Readonly<Record<string, string>> = {
  public: "AzureCloud",
  azurecloud: "AzureCloud",
  azurepubliccloud: "AzureCloud",
  usgovernment: "AzureUSGovernment",
  usgov: "AzureUSGovernment",
  azureusgovernment: "AzureUSGovernment",
  azureusgovernmentcloud: "AzureUSGovernment",
  china: "AzureChinaCloud",
  azurechinacloud: "AzureChinaCloud",
};

/**
 * Decides which credential to build. Pure: reads only its arguments. An explicit flag wins over a secret that happens
 * to be set, so `useDefaultAzureCredential` comes first, then:
 *
 * - `useOidc` → `client-assertion` (needs tenant, client id and one of oidcToken, oidcTokenFilePath,
 *   oidcRequestUrl + oidcRequestToken);
 * - `useMsi` → `managed-identity` (client id optional: a user-assigned identity);
 * - a client secret → `client-secret` (needs tenant and client id);
 * - otherwise → `default`: the SDK's `createCredential` (`AZURE_*` variables, then `DefaultAzureCredential`).
 *
 * @param options - explicit values, configuration lookup, environment
 * @throws {@link AzureAuthConfigurationError} when a chosen method lacks a value or a value is malformed
 */
export function resolveAzureAuth(options: ResolveAzureAuthOptions = {}): AzureAuthPlan {
  const explicit = options.explicit ?? {};
  const config = options.config ?? (() => undefined);
  const env = options.env ?? process.env;
  const sources: Record<string, string> = {};

  const pick = (field: keyof AzureAuthSettings): string | undefined => {
    const given = explicit[field];
    if (given !== undefined && given !== "") {
      sources[field] = "explicit";
      return String(given);
    }
    const spec = FIELDS[field];
    if (spec.config !== undefined) {
      const fromConfig = config(spec.config);
      if (fromConfig !== undefined && fromConfig !== "") {
        sources[field] = spec.config;
        return fromConfig;
      }
    }
    for (const name of spec.env) {
      const fromEnv = env[name];
      if (fromEnv !== undefined && fromEnv !== "") {
        sources[field] = name;
        return fromEnv;
      }
    }
    return undefined;
  };
  const flag = (field: "useOidc" | "useMsi" | "useDefaultAzureCredential"): boolean => {
    const raw = pick(field);
    if (raw === undefined) return false;
    const normalized = raw.trim().toLowerCase();
    if (normalized === "true" || normalized === "1") return true;
    if (normalized === "false" || normalized === "0") return false;
    throw new AzureAuthConfigurationError(`${sources[field]} is "${raw}"; set it to true or false.`);
  };

  const subscriptionId = pick("subscriptionId");
  const tenantId = pick("tenantId");
  const clientId = pick("clientId");
  const environment = pick("environment");
  const endpoint = pick("endpoint");
  const audience = pick("audience");
  const authorityHost = pick("authorityHost");

  let cloud = "AzureCloud";
  if (environment !== undefined) {
    const mapped = CLOUDS[environment.trim().toLowerCase()];
    if (!mapped) {
      throw new AzureAuthConfigurationError(
        `${sources["environment"]} is "${environment}"; use public, usgovernment or china (for any other ARM, such as Azure Stack, set aks-kube-proxy:endpoint).`,
      );
    }
    cloud = mapped;
  }

  const common = {
    cloud,
    ...(subscriptionId !== undefined ? { subscriptionId } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(audience !== undefined ? { audience } : {}),
    ...(authorityHost !== undefined ? { authorityHost } : {}),
  };
  const requireIdentity = (method: string): { tenantId: string; clientId: string } => {
    const missing = [tenantId === undefined ? "tenantId (azure-native:tenantId or ARM_TENANT_ID)" : undefined, clientId === undefined ? "clientId (azure-native:clientId or ARM_CLIENT_ID)" : undefined].filter(
      (m): m is string => m !== undefined,
    );
    if (missing.length > 0) {
      throw new AzureAuthConfigurationError(`${method} authentication needs ${missing.join(" and ")}.`);
    }
    return { tenantId: tenantId as string, clientId: clientId as string };
  };

  if (flag("useDefaultAzureCredential")) {
    return { method: "default", ...common, ...(tenantId !== undefined ? { tenantId } : {}), sources };
  }

  if (flag("useOidc")) {
    const identity = requireIdentity("OIDC");
    const token = pick("oidcToken");
    const tokenFilePath = pick("oidcTokenFilePath");
    const requestUrl = pick("oidcRequestUrl");
    const requestToken = pick("oidcRequestToken");
    if (token === undefined && tokenFilePath === undefined && (requestUrl === undefined || requestToken === undefined)) {
      throw new AzureAuthConfigurationError(
        "OIDC authentication (useOidc) needs a token: set azure-native:oidcToken (ARM_OIDC_TOKEN), azure-native:oidcTokenFilePath (ARM_OIDC_TOKEN_FILE_PATH), or both azure-native:oidcRequestUrl and azure-native:oidcRequestToken (ARM_OIDC_REQUEST_URL/ARM_OIDC_REQUEST_TOKEN; in GitHub Actions grant `id-token: write`).",
      );
    }
    const oidc: OidcTokenSource =
      token !== undefined ? { token } : tokenFilePath !== undefined ? { tokenFilePath } : { requestUrl: requestUrl as string, requestToken: requestToken as string };
    return { method: "client-assertion", ...common, ...identity, oidc, sources };
  }

  if (flag("useMsi")) {
    return { method: "managed-identity", ...common, ...(clientId !== undefined ? { clientId } : {}), ...(tenantId !== undefined ? { tenantId } : {}), sources };
  }

  const clientSecret = pick("clientSecret");
  if (clientSecret !== undefined) {
    const identity = requireIdentity("Client secret");
    return { method: "client-secret", ...common, ...identity, clientSecret, sources };
  }

  return { method: "default", ...common, ...(tenantId !== undefined ? { tenantId } : {}), sources };
}

/**
 * One line saying which credential is used and where its values came from, without any secret value, e.g.
 * `client-secret (tenantId from azure-native:tenantId, clientId from ARM_CLIENT_ID, clientSecret from ARM_CLIENT_SECRET)`.
 * @param plan - a resolved plan
 */
export function describeAzureAuth(plan: AzureAuthPlan): string {
  const method =
    plan.method === "default"
      ? "default (AZURE_* environment variables, then DefaultAzureCredential: workload identity, managed identity, Azure CLI...)"
      : plan.method;
  const parts = Object.entries(plan.sources)
    .filter(([field]) => field !== "subscriptionId")
    .map(([field, source]) => `${field} from ${source}`);
  return parts.length > 0 ? `${method} (${parts.join(", ")})` : method;
}
