import { AZURE_AUTH_CONFIG_KEYS, AzureAuthConfigurationError, describeAzureAuth, resolveAzureAuth } from "../src/auth/resolveAzureAuth";

const SECRET = "s3cr3t-value-never-printed";

function configOf(values: Record<string, string>): (key: string) => string | undefined {
  return (key) => values[key];
}

describe("resolveAzureAuth", () => {
  test("with nothing configured, falls through to AZURE_* and DefaultAzureCredential (method default)", () => {
    const plan = resolveAzureAuth({ env: {} });
    expect(plan.method).toBe("default");
    expect(plan.cloud).toBe("AzureCloud");
    expect(plan.sources).toEqual({});
  });

  test("azure-native config service principal becomes a client-secret credential", () => {
    const plan = resolveAzureAuth({
      config: configOf({ "azure-native:tenantId": "t1", "azure-native:clientId": "c1", "azure-native:clientSecret": SECRET, "azure-native:subscriptionId": "sub1" }),
      env: {},
    });
    expect(plan).toMatchObject({ method: "client-secret", tenantId: "t1", clientId: "c1", clientSecret: SECRET, subscriptionId: "sub1" });
    expect(plan.sources).toMatchObject({ tenantId: "azure-native:tenantId", clientSecret: "azure-native:clientSecret" });
  });

  test("explicit values win over azure-native config, which wins over ARM_* variables, field by field", () => {
    const plan = resolveAzureAuth({
      explicit: { clientId: "explicit-client" },
      config: configOf({ "azure-native:clientId": "config-client", "azure-native:tenantId": "config-tenant" }),
      env: { ARM_CLIENT_ID: "env-client", ARM_TENANT_ID: "env-tenant", ARM_CLIENT_SECRET: SECRET, ARM_SUBSCRIPTION_ID: "env-sub" },
    });
    expect(plan).toMatchObject({ method: "client-secret", clientId: "explicit-client", tenantId: "config-tenant", clientSecret: SECRET, subscriptionId: "env-sub" });
    expect(plan.sources).toEqual({
      clientId: "explicit",
      tenantId: "azure-native:tenantId",
      clientSecret: "ARM_CLIENT_SECRET",
      subscriptionId: "ARM_SUBSCRIPTION_ID",
    });
  });

  test("ARM_* variables, which @azure/identity does not read, are honoured", () => {
    const plan = resolveAzureAuth({ env: { ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c", ARM_CLIENT_SECRET: SECRET, AZURE_CLIENT_ID: "ignored-here" } });
    expect(plan).toMatchObject({ method: "client-secret", tenantId: "t", clientId: "c" });
  });

  test("useOidc with a token maps to a client-assertion credential", () => {
    const plan = resolveAzureAuth({
      config: configOf({ "azure-native:useOidc": "true", "azure-native:tenantId": "t", "azure-native:clientId": "c", "azure-native:oidcToken": "jwt" }),
      env: { ARM_CLIENT_SECRET: SECRET },
    });
    expect(plan.method).toBe("client-assertion");
    expect(plan.oidc).toEqual({ token: "jwt" });
    expect(plan.clientSecret).toBeUndefined();
  });

  test("useOidc reads GitHub Actions' request URL and token when nothing else is set", () => {
    const plan = resolveAzureAuth({
      env: { ARM_USE_OIDC: "true", ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c", ACTIONS_ID_TOKEN_REQUEST_URL: "https://gh.example/token?x=1", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "req" },
    });
    expect(plan.oidc).toEqual({ requestUrl: "https://gh.example/token?x=1", requestToken: "req" });
    expect(plan.sources).toMatchObject({ oidcRequestUrl: "ACTIONS_ID_TOKEN_REQUEST_URL", oidcRequestToken: "ACTIONS_ID_TOKEN_REQUEST_TOKEN" });
  });

  test("useOidc prefers a token file over a request URL", () => {
    const plan = resolveAzureAuth({
      env: { ARM_USE_OIDC: "1", ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c", ARM_OIDC_TOKEN_FILE_PATH: "/var/run/token", ARM_OIDC_REQUEST_URL: "https://x", ARM_OIDC_REQUEST_TOKEN: "y" },
    });
    expect(plan.oidc).toEqual({ tokenFilePath: "/var/run/token" });
  });

  test("useOidc without any token source fails with what to set", () => {
    expect(() => resolveAzureAuth({ env: { ARM_USE_OIDC: "true", ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c" } })).toThrow(/oidcToken.*oidcTokenFilePath.*oidcRequestUrl/s);
  });

  test("a client secret without tenant names the missing keys", () => {
    const error = (() => {
      try {
        resolveAzureAuth({ env: { ARM_CLIENT_ID: "c", ARM_CLIENT_SECRET: SECRET } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AzureAuthConfigurationError);
    expect((error as Error).message).toContain("tenantId (azure-native:tenantId or ARM_TENANT_ID)");
    expect((error as Error).message).not.toContain(SECRET);
  });

  test("useMsi wins over a leftover client secret and keeps a user-assigned client id", () => {
    const plan = resolveAzureAuth({ config: configOf({ "azure-native:useMsi": "true", "azure-native:clientId": "uami" }), env: { ARM_CLIENT_SECRET: SECRET } });
    expect(plan).toMatchObject({ method: "managed-identity", clientId: "uami" });
  });

  test("useDefaultAzureCredential forces the default chain", () => {
    const plan = resolveAzureAuth({ config: configOf({ "azure-native:useDefaultAzureCredential": "true" }), env: { ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c", ARM_CLIENT_SECRET: SECRET } });
    expect(plan.method).toBe("default");
    expect(plan.tenantId).toBe("t");
  });

  test("a malformed boolean is refused with the key that holds it", () => {
    expect(() => resolveAzureAuth({ config: configOf({ "azure-native:useMsi": "yes" }), env: {} })).toThrow(/azure-native:useMsi is "yes"/);
  });

  test.each([
    ["public", "AzureCloud"],
    ["usgovernment", "AzureUSGovernment"],
    ["china", "AzureChinaCloud"],
    ["AzureChinaCloud", "AzureChinaCloud"],
  ])("environment %s maps to cloud %s", (environment, cloud) => {
    expect(resolveAzureAuth({ config: configOf({ "azure-native:environment": environment }), env: {} }).cloud).toBe(cloud);
  });

  test("an unknown environment is refused and points to aks-kube-proxy:endpoint", () => {
    expect(() => resolveAzureAuth({ env: { ARM_ENVIRONMENT: "german" } })).toThrow(/aks-kube-proxy:endpoint/);
  });

  test("without aks-kube-proxy config, the subscription, endpoint and authority host come from the AZURE_* variables the CLI reads", () => {
    const plan = resolveAzureAuth({
      env: { AZURE_SUBSCRIPTION_ID: "sub-azure", AZURE_RESOURCE_MANAGER_ENDPOINT: "https://127.0.0.1:8443", AZURE_AUTHORITY_HOST: "https://127.0.0.1:8443" },
    });
    expect(plan).toMatchObject({ subscriptionId: "sub-azure", endpoint: "https://127.0.0.1:8443", authorityHost: "https://127.0.0.1:8443" });
    expect(plan.sources).toMatchObject({ subscriptionId: "AZURE_SUBSCRIPTION_ID", endpoint: "AZURE_RESOURCE_MANAGER_ENDPOINT", authorityHost: "AZURE_AUTHORITY_HOST" });
    const armFirst = resolveAzureAuth({ env: { ARM_SUBSCRIPTION_ID: "sub-arm", AZURE_SUBSCRIPTION_ID: "sub-azure", AKS_KUBE_PROXY_ENDPOINT: "https://a", AZURE_RESOURCE_MANAGER_ENDPOINT: "https://b" } });
    expect(armFirst).toMatchObject({ subscriptionId: "sub-arm", endpoint: "https://a" });
  });

  test("endpoint, audience and authority host come from aks-kube-proxy config for any other ARM", () => {
    const plan = resolveAzureAuth({
      config: configOf({ "aks-kube-proxy:endpoint": "https://127.0.0.1:8443", "aks-kube-proxy:authorityHost": "https://127.0.0.1:8443" }),
      env: {},
    });
    expect(plan).toMatchObject({ endpoint: "https://127.0.0.1:8443", authorityHost: "https://127.0.0.1:8443" });
  });

  test("describeAzureAuth names every source and never a secret value", () => {
    const plan = resolveAzureAuth({ env: { ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c", ARM_CLIENT_SECRET: SECRET } });
    const text = describeAzureAuth(plan);
    expect(text).toBe("client-secret (tenantId from ARM_TENANT_ID, clientId from ARM_CLIENT_ID, clientSecret from ARM_CLIENT_SECRET)");
    expect(text).not.toContain(SECRET);
  });

  test("the configuration keys read are exactly azure-native's credential keys and ours", () => {
    expect([...AZURE_AUTH_CONFIG_KEYS].sort()).toEqual(
      [
        "azure-native:clientId",
        "azure-native:clientSecret",
        "azure-native:environment",
        "azure-native:oidcRequestToken",
        "azure-native:oidcRequestUrl",
        "azure-native:oidcToken",
        "azure-native:oidcTokenFilePath",
        "azure-native:subscriptionId",
        "azure-native:tenantId",
        "azure-native:useDefaultAzureCredential",
        "azure-native:useMsi",
        "azure-native:useOidc",
        "aks-kube-proxy:audience",
        "aks-kube-proxy:authorityHost",
        "aks-kube-proxy:endpoint",
      ].sort(),
    );
  });
});
