import { ClientSecretCredential, DefaultAzureCredential } from "@azure/identity";
import { AZURE_CLOUDS, createCredential, isPublicCloudLoginHost, KubeProxyClient, parseClusterId, resolveCloud, ValidationError } from "@aks-kube-proxy/sdk";

describe("parseClusterId", () => {
  test("parses a managed cluster id in any segment casing", () => {
    expect(parseClusterId("/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/clitest000001/providers/Microsoft.ContainerService/managedClusters/cliakstest000002")).toEqual({
      subscriptionId: "00000000-0000-0000-0000-000000000000",
      resourceGroup: "clitest000001",
      name: "cliakstest000002",
    });
    expect(parseClusterId("/SUBSCRIPTIONS/s/RESOURCEGROUPS/rg/PROVIDERS/microsoft.containerservice/MANAGEDCLUSTERS/c/").name).toBe("c");
  });

  test.each([
    "",
    "rg/name",
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/agentPools/p",
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/-bad-",
  ])("refuses %p with a ValidationError that shows the expected form", (id) => {
    expect(() => parseClusterId(id)).toThrow(ValidationError);
    expect(() => parseClusterId(id)).toThrow(/managed cluster/);
  });
});

describe("resolveCloud", () => {
  test("knows the three clouds' ARM endpoints, audiences and login hosts", () => {
    expect(resolveCloud()).toEqual(AZURE_CLOUDS.AzureCloud);
    expect(resolveCloud({ cloud: "AzureChinaCloud" })).toEqual({ armEndpoint: "https://management.chinacloudapi.cn", audience: "https://management.chinacloudapi.cn", authorityHost: "https://login.chinacloudapi.cn" });
    expect(resolveCloud({ cloud: "azureusgovernment" }).authorityHost).toBe("https://login.microsoftonline.us");
  });
  test("any endpoint: the audience defaults to its origin", () => {
    expect(resolveCloud({ endpoint: "https://127.0.0.1:8443/" })).toEqual({ armEndpoint: "https://127.0.0.1:8443", audience: "https://127.0.0.1:8443", authorityHost: "https://login.microsoftonline.com" });
    expect(resolveCloud({ endpoint: "https://management.local.azurestack.external", audience: "https://management.adfs.azurestack.local/abc" }).audience).toBe("https://management.adfs.azurestack.local/abc");
  });
  test("refuses an unknown cloud and a malformed endpoint", () => {
    expect(() => resolveCloud({ cloud: "Mars" })).toThrow(/Unknown cloud "Mars"/);
    expect(() => resolveCloud({ endpoint: "not a url" })).toThrow(ValidationError);
  });
});

describe("createCredential", () => {
  test("public cloud login hosts are recognised", () => {
    expect(isPublicCloudLoginHost("https://login.microsoftonline.com")).toBe(true);
    expect(isPublicCloudLoginHost("https://login.microsoftonline.us/")).toBe(true);
    expect(isPublicCloudLoginHost("https://127.0.0.1:8443")).toBe(false);
    expect(isPublicCloudLoginHost("https://adfs.local.azurestack.external/adfs")).toBe(false);
  });

  test("AZURE_* client secret environment gives a ClientSecretCredential with instance discovery off for a private authority", () => {
    const env = { AZURE_TENANT_ID: "t", AZURE_CLIENT_ID: "c", AZURE_CLIENT_SECRET: "s", AZURE_AUTHORITY_HOST: "https://127.0.0.1:9" };
    const credential = createCredential({ env });
    expect(credential).toBeInstanceOf(ClientSecretCredential);
    // MSAL keeps the option on its client configuration; the public surface does not expose it, so check the decision
    expect(isPublicCloudLoginHost(env.AZURE_AUTHORITY_HOST)).toBe(false);
  });

  test("without secrets it falls back to DefaultAzureCredential", () => {
    expect(createCredential({ env: {} })).toBeInstanceOf(DefaultAzureCredential);
  });
});

describe("KubeProxyClient options", () => {
  const credential = { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }) };
  test("refuses an api-version older than 2022-08-02-preview, or a GA one, before any request", () => {
    expect(() => new KubeProxyClient({ subscriptionId: "s", credential, apiVersion: "2022-07-02-preview" })).toThrow(/older than 2022-08-02-preview/);
    expect(() => new KubeProxyClient({ subscriptionId: "s", credential, apiVersion: "2025-10-01" })).toThrow(/GA version/);
    expect(() => new KubeProxyClient({ subscriptionId: "s", credential, apiVersion: "latest" })).toThrow(ValidationError);
    expect(new KubeProxyClient({ subscriptionId: "s", credential, apiVersion: "2022-08-02-preview" }).apiVersion).toBe("2022-08-02-preview");
  });
  test("defaults to the newest preview api-version and the public cloud", () => {
    const client = new KubeProxyClient({ subscriptionId: "s", credential });
    expect(client.apiVersion).toBe("2026-08-02-preview");
    expect(client.endpoint).toBe("https://management.azure.com");
  });
  test("requires a subscription", () => {
    expect(() => new KubeProxyClient({ subscriptionId: " ", credential })).toThrow(/subscriptionId is required/);
  });
});
