import { configFromRequest } from "../src/provider/serverAdapter";
import { credentialConfigOf, KubeProxyProvider, typeOfUrn, unwrapSecrets } from "../src/provider/kubeProxyProvider";
import { ArmError, OperationTimeoutError, UnknownOperationStatusError, effectiveKubeProxySettings, type ClusterState, type KubeProxyConfig } from "@aks-kube-proxy/sdk";
import type { KubeProxyApi } from "../src/provider/api";
import type { PartialStateError } from "../src/provider/clusterSettingsProvider";

const SETTINGS_URN = "urn:pulumi:dev::proj::aks-kube-proxy:index:KubeProxyConfig$aks-kube-proxy:index:ClusterKubeProxySettings::kube-proxy";
const CLUSTER_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";

function providerWith(api: Partial<KubeProxyApi>): KubeProxyProvider {
  return new KubeProxyProvider({ version: "0.1.0", apiFactory: () => api as KubeProxyApi });
}

const BEFORE: KubeProxyConfig = { enabled: true, mode: "IPTABLES" };
const IPVS: KubeProxyConfig = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } };
const INPUTS = { subscriptionId: "s", resourceGroupName: "rg", clusterName: "aks", apiVersion: "2026-08-02-preview", restoreOnDelete: true, allowDisable: false, settings: IPVS };
const OPERATION_URL = "https://management.azure.com/subscriptions/s/providers/Microsoft.ContainerService/locations/eastus/operations/op-1";

function clusterWith(kubeProxyConfig: KubeProxyConfig, provisioningState: string): ClusterState {
  return { id: CLUSTER_ID, name: "aks", kubeProxyConfig, provisioningState, kubernetesVersion: "1.33.2", networkPlugin: "azure" } as ClusterState;
}

/** What a provider method threw. */
async function failureOf(operation: Promise<unknown>): Promise<Partial<PartialStateError> & { code?: string }> {
  return operation.then(
    () => {
      throw new Error("expected the operation to fail");
    },
    (error: unknown) => error as Partial<PartialStateError> & { code?: string },
  );
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
    expect(Object.keys(read.inputs as object).sort()).toEqual(["allowDisable", "apiVersion", "clusterName", "resourceGroupName", "restoreOnDelete", "settings", "subscriptionId", "verifyDataPlane"]);
  });

  test("diff names the changed setting in the detailed diff, as an update", async () => {
    const provider = providerWith({});
    const olds = { subscriptionId: "s", resourceGroupName: "rg", clusterName: "aks", apiVersion: "2026-08-02-preview", restoreOnDelete: true, allowDisable: false, settings: { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } } };
    const news = { ...olds, settings: { mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection" } } };
    const diff = await provider.diff(CLUSTER_ID, SETTINGS_URN, olds, news);
    expect(diff).toMatchObject({ changes: true, replaces: [], detailedDiff: { "settings.ipvsConfig.scheduler": { kind: "update", inputDiff: true } } });
  });

  const readable = (provisioningState: string): ClusterState => ({ ...clusterWith(IPVS, provisioningState), resourceGroup: "rg", subscriptionId: "s", effective: effectiveKubeProxySettings(IPVS) }) as ClusterState;

  test("read of a cluster with the desired settings but an operation in flight is not converged: provisioningState shows as drift, and diff then plans an update", async () => {
    const provider = providerWith({ getCluster: async () => readable("Updating") });
    const olds = { ...INPUTS, clusterId: CLUSTER_ID, previousSettings: BEFORE, appliedSettings: IPVS, provisioningState: "Succeeded" };
    const read = await provider.read(CLUSTER_ID, SETTINGS_URN, olds);
    expect(read.props).toMatchObject({ provisioningState: "Updating", drift: ["provisioningState"] });
    const diff = await provider.diff(CLUSTER_ID, SETTINGS_URN, read.props as Record<string, unknown>, { ...INPUTS });
    expect(diff).toMatchObject({ changes: true, detailedDiff: { provisioningState: { kind: "update" } } });
  });

  test("read of a cluster whose provisioningState the SDK does not know fails loudly with UnknownClusterState", async () => {
    const provider = providerWith({ getCluster: async () => readable("Frobnicating") });
    const olds = { ...INPUTS, clusterId: CLUSTER_ID, previousSettings: BEFORE, appliedSettings: IPVS, provisioningState: "Succeeded" };
    const failure = await failureOf(provider.read(CLUSTER_ID, SETTINGS_URN, olds));
    expect(failure.code).toBe("UnknownClusterState");
    expect(failure.message).toContain('"Frobnicating"');
  });

  test("a create whose operation answers a status the SDK does not know fails with UnknownOperationStatus, recorded as partially created (the write was accepted)", async () => {
    const reads = [clusterWith(BEFORE, "Succeeded"), clusterWith(IPVS, "Updating")];
    const provider = providerWith({
      getCluster: async () => reads.shift() as ClusterState,
      apply: async () => {
        throw new UnknownOperationStatusError(`update: the operation ${OPERATION_URL} reports status "Weird", which this SDK does not know.`, { status: "Weird", operationUrl: OPERATION_URL }, { writeAccepted: true, writeMayHaveBeenSent: true });
      },
    });
    const failure = await failureOf(provider.create(SETTINGS_URN, INPUTS));
    expect(failure.code).toBe("UnknownOperationStatus");
    expect(failure.message).toContain('"Weird"');
    expect(failure.id).toBe(CLUSTER_ID);
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

  test("a create whose accepted write then runs past the deadline reports the partial state: the cluster's id, outputs with the previous settings, the reason", async () => {
    const reads = [clusterWith(BEFORE, "Succeeded"), clusterWith(IPVS, "Updating")];
    const provider = providerWith({
      getCluster: async () => reads.shift() as ClusterState,
      apply: async () => {
        throw new OperationTimeoutError("rg/aks: not converged within 1h: the operation is still running.", { lastState: "Updating", operationUrl: OPERATION_URL }, { writeAccepted: true, writeMayHaveBeenSent: true });
      },
    });
    const failure = await failureOf(provider.create(SETTINGS_URN, INPUTS));
    expect(failure.code).toBe("Timeout");
    expect(failure.id).toBe(CLUSTER_ID);
    expect(failure.properties).toMatchObject({ ...INPUTS, clusterId: CLUSTER_ID, previousSettings: BEFORE, appliedSettings: IPVS, provisioningState: "Updating", kubernetesVersion: "1.33.2" });
    expect(failure.message).toMatch(/partially created: the next pulumi up applies the settings again; pulumi destroy puts back the settings the cluster had before/);
    expect(failure.reasons).toEqual([failure.message]);
  });

  test("a create that fails before any write could leave (the deadline passes while the cluster is busy) fails plainly, with nothing to record", async () => {
    let reads = 0;
    const provider = providerWith({
      getCluster: async () => {
        reads++;
        return clusterWith(BEFORE, "Updating");
      },
      apply: async () => {
        throw new OperationTimeoutError("rg/aks: not converged within 1h: the cluster is still Updating (another operation).", { lastState: "Updating" });
      },
    });
    const failure = await failureOf(provider.create(SETTINGS_URN, INPUTS));
    expect(failure.code).toBe("Timeout");
    expect(failure).not.toHaveProperty("id");
    expect(failure).not.toHaveProperty("properties");
    expect(failure).not.toHaveProperty("reasons");
    expect(reads).toBe(1); // only the read of the previous settings; no read for a partial state
  });

  test("an update whose write may have been sent (its answer lost, the cluster unreadable) reports the partial state with the resource's id and the recorded previous settings", async () => {
    const provider = providerWith({
      getCluster: async () => {
        throw new ArmError("connection reset");
      },
      apply: async () => {
        throw new ArmError("rg/aks: connection reset. The write may have reached Azure (its answer was not seen).", { writeMayHaveBeenSent: true, writeAccepted: false });
      },
    });
    const olds = { ...INPUTS, settings: BEFORE, clusterId: CLUSTER_ID, previousSettings: { enabled: true, mode: "NFTABLES" }, appliedSettings: BEFORE, provisioningState: "Succeeded" };
    const failure = await failureOf(provider.update(CLUSTER_ID, SETTINGS_URN, olds, INPUTS));
    expect(failure.code).toBe("ArmError");
    expect(failure.id).toBe(CLUSTER_ID);
    // The new settings as inputs (so reverting the program is a change again); what the cluster has now is unknown.
    expect(failure.properties).toMatchObject({ settings: IPVS, previousSettings: { enabled: true, mode: "NFTABLES" }, appliedSettings: null, provisioningState: null });
    expect(failure.reasons).toEqual([failure.message]);
  });
});

