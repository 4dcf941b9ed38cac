import { configFromRequest } from "../src/provider/serverAdapter";
import { credentialConfigOf, KubeProxyProvider, typeOfUrn, unwrapSecrets } from "../src/provider/kubeProxyProvider";
import type { KubeProxyApi } from "../src/providers/api";

const SETTINGS_URN = "urn:pulumi:dev::proj::aks-kube-proxy:index:KubeProxyConfig$aks-kube-proxy:index:ClusterKubeProxySettings::kube-proxy";
const CLUSTER_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";

function providerWith(api: Partial<KubeProxyApi>): KubeProxyProvider {
  return new KubeProxyProvider({ version: "0.1.0", apiFactory: () => api as KubeProxyApi });
}

describe("the aks-kube-proxy provider", () => {
  test("maps its configuration (azure-native's key names) onto the keys credential resolution reads", () => {
    expect(credentialConfigOf({ clientId: "c", clientSecret: "s", endpoint: "https://arm", pollingIntervalInMs: "20", tenantId: "" })).toEqual({
      "azure-native:clientId": "c",
      "azure-native:clientSecret": "s",
      "aks-kube-proxy:endpoint": "https://arm",
      "aks-kube-proxy:pollingIntervalInMs": "20",
    });
  });

  test("reads the configuration from a Configure request's variables, with or without the config: infix", () => {
    const request = {
      getVariablesMap: () => ({ toObject: () => [["aks-kube-proxy:config:clientId", "c"], ["aks-kube-proxy:endpoint", "https://arm"]] }),
      getArgs: () => undefined,
    };
    expect(configFromRequest(request, "aks-kube-proxy")).toEqual({ clientId: "c", endpoint: "https://arm" });
  });

  test("routes by the type in the URN, under a parent type too", () => {
    expect(typeOfUrn(SETTINGS_URN)).toBe("aks-kube-proxy:index:ClusterKubeProxySettings");
  });

  test("unwraps secret values before validation", () => {
    const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "rg" };
    expect(unwrapSecrets({ resourceGroupName: secret, settings: { mode: secret } })).toEqual({ resourceGroupName: "rg", settings: { mode: "rg" } });
  });

  test("an import's read adopts the cluster's settings and hands back only input properties", async () => {
    const provider = providerWith({
      getCluster: async () => ({ id: CLUSTER_ID, name: "aks", kubeProxyConfig: { enabled: true, mode: "IPVS" }, provisioningState: "Succeeded" }) as never,
    });
    const read = await provider.read(CLUSTER_ID, SETTINGS_URN, {});
    expect(read.props).toMatchObject({ settings: { enabled: true, mode: "IPVS" }, previousSettings: { enabled: true, mode: "IPVS" } });
    expect(Object.keys(read.inputs as object).sort()).toEqual(["allowDisable", "apiVersion", "clusterName", "resourceGroupName", "restoreOnDelete", "settings", "subscriptionId"]);
  });

  test("diff names the changed setting in the detailed diff, as an update", async () => {
    const provider = providerWith({});
    const olds = { subscriptionId: "s", resourceGroupName: "rg", clusterName: "aks", apiVersion: "2026-08-02-preview", restoreOnDelete: true, allowDisable: false, settings: { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } } };
    const news = { ...olds, settings: { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } } };
    const diff = await provider.diff(CLUSTER_ID, SETTINGS_URN, olds, news);
    expect(diff).toMatchObject({ changes: true, replaces: [], detailedDiff: { "settings.ipvsConfig.scheduler": { kind: "update", inputDiff: true } } });
  });

  test("an authentication error names the provider's own configuration key", async () => {
    const failing = new KubeProxyProvider({
      version: "0.1.0",
      apiFactory: () => {
        throw new Error("AADSTS7000215: invalid client secret. Credential used: client-secret (clientSecret from azure-native:clientSecret)");
      },
    });
    await expect(
      failing.create(SETTINGS_URN, { subscriptionId: "s", resourceGroupName: "rg", clusterName: "aks", apiVersion: "2026-08-02-preview", settings: { mode: "IPVS" } }),
    ).rejects.toThrow("clientSecret from aks-kube-proxy:clientSecret");
  });
});
