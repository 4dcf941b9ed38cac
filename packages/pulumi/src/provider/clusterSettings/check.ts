/**
 * `check` of the cluster settings resource: validation and normalization with the SDK, and, when every input is
 * known and the cluster can be read, the blockers that depend on the cluster.
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ClusterState, KubeProxyConfig } from "@aks-kube-proxy/sdk";
import { clientFor, loadSdk, type ProviderRuntime } from "../runtime";
import { booleanOr, containsUnknown, optionalString, UNKNOWN } from "../values";
import type { ClusterSettingsRawInputs } from "./types";

/** How long check's read of the cluster (for the blockers that depend on it) may take before it is given up. */
const CHECK_READ_TIMEOUT_IN_MS = 20_000;

/**
 * The blockers that depend on the cluster (a Cilium data plane, IPVS with Azure Network Policy, NFTABLES before
 * Kubernetes 1.33…), from the same `planKubeProxyChange` that up runs, as check failures on `settings`, so that
 * `pulumi preview` fails on them. Only when every input is known and the cluster can be read now: a cluster this
 * program has yet to create, or no credential during preview, is left to up, which reads again and stops before any
 * write.
 */
async function clusterBlockers(runtime: ProviderRuntime, inputs: Record<string, unknown>): Promise<pulumi.dynamic.CheckFailure[]> {
  const known = (v: unknown): v is string => typeof v === "string" && v !== "" && v !== UNKNOWN;
  const { subscriptionId, resourceGroupName, clusterName, apiVersion, settings, allowDisable } = inputs;
  if (!known(subscriptionId) || !known(resourceGroupName) || !known(clusterName) || !known(apiVersion)) return [];
  if (typeof settings !== "object" || settings === null || containsUnknown(settings) || typeof allowDisable !== "boolean") return [];
  let cluster: ClusterState;
  try {
    const client = await clientFor(runtime, subscriptionId, apiVersion);
    cluster = await client.getCluster({ subscriptionId, resourceGroup: resourceGroupName, name: clusterName }, { abortSignal: AbortSignal.timeout(CHECK_READ_TIMEOUT_IN_MS) });
  } catch {
    return [];
  }
  const plan = loadSdk().planKubeProxyChange({ cluster, desired: settings as KubeProxyConfig, apiVersion, allowDisable });
  return plan.blockers.map((b) => ({ property: "settings", reason: `[${b.id}] ${b.message} Nothing was written (${resourceGroupName}/${clusterName}).` }));
}

/**
 * Validates and normalizes the resource's inputs with the SDK (the cluster resolved from `clusterId`, the settings
 * parsed or read from the settings file and canonical, defaults filled); SDK validation errors and the blockers that
 * depend on the cluster become check failures.
 * @param runtime - the provider's runtime
 * @param news - the inputs the program sent
 */
export async function checkClusterSettings(runtime: ProviderRuntime, news: ClusterSettingsRawInputs): Promise<pulumi.dynamic.CheckResult<ClusterSettingsRawInputs>> {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const sdk = loadSdk();
  const n = news as Record<string, unknown>;
  const fail = (property: string, error: unknown): void => {
    failures.push({ property, reason: error instanceof Error ? error.message : String(error) });
  };

  let subscriptionId = n["subscriptionId"];
  let resourceGroupName = n["resourceGroupName"];
  let clusterName = n["clusterName"];
  const clusterId = n["clusterId"];
  if (clusterId !== undefined && clusterId !== null && clusterId !== "") {
    if (resourceGroupName !== undefined || clusterName !== undefined) {
      failures.push({ property: "clusterId", reason: "Give either clusterId or resourceGroupName with clusterName, not both." });
    } else if (clusterId === UNKNOWN) {
      resourceGroupName = UNKNOWN;
      clusterName = UNKNOWN;
      if (subscriptionId === undefined) subscriptionId = UNKNOWN;
    } else {
      try {
        const parsed = sdk.parseClusterId(String(clusterId));
        resourceGroupName = parsed.resourceGroup;
        clusterName = parsed.name;
        if (subscriptionId === undefined || subscriptionId === "") subscriptionId = parsed.subscriptionId;
        else if (subscriptionId !== UNKNOWN && String(subscriptionId).toLowerCase() !== parsed.subscriptionId.toLowerCase()) {
          failures.push({
            property: "subscriptionId",
            reason: `subscriptionId "${String(subscriptionId)}" differs from the subscription in clusterId ("${parsed.subscriptionId}"); omit subscriptionId or make them agree.`,
          });
        }
      } catch (error) {
        fail("clusterId", error);
      }
    }
  } else {
    if (optionalString(resourceGroupName) === undefined) failures.push({ property: "resourceGroupName", reason: "Give resourceGroupName and clusterName, or clusterId." });
    if (optionalString(clusterName) === undefined) failures.push({ property: "clusterName", reason: "Give resourceGroupName and clusterName, or clusterId." });
  }
  if (optionalString(subscriptionId) === undefined) {
    failures.push({
      property: "subscriptionId",
      reason: "No subscription: set the component's subscriptionId, or azure-native:subscriptionId (pulumi config set azure-native:subscriptionId <id>), or pass clusterId.",
    });
  }

  const settingsFile = optionalString(n["settingsFile"]);
  const rawSettings = n["settings"];
  let settings: unknown = rawSettings;
  if (settingsFile !== undefined && rawSettings !== undefined && rawSettings !== null) {
    failures.push({ property: "settings", reason: "Give either settings or settingsFile, not both." });
  } else if (settingsFile === UNKNOWN || containsUnknown(rawSettings)) {
    settings = settingsFile === UNKNOWN ? UNKNOWN : rawSettings;
  } else if (settingsFile !== undefined) {
    try {
      settings = (await sdk.readKubeProxySettingsFile(settingsFile)).settings;
    } catch (error) {
      fail("settingsFile", error);
    }
  } else if (rawSettings === undefined || rawSettings === null) {
    failures.push({ property: "settings", reason: "Give the kube-proxy settings (settings) or the path of a settings file (settingsFile)." });
  } else {
    try {
      settings = sdk.parseKubeProxySettings(rawSettings, { source: "settings" }).settings;
    } catch (error) {
      fail("settings", error);
    }
  }

  const apiVersion = optionalString(n["apiVersion"]) ?? sdk.DEFAULT_API_VERSION;
  if (apiVersion !== UNKNOWN) {
    try {
      sdk.assertSupportedApiVersion(apiVersion);
    } catch (error) {
      fail("apiVersion", error);
    }
  }

  const inputs: Record<string, unknown> = {
    subscriptionId,
    resourceGroupName,
    clusterName,
    settings: settings !== UNKNOWN && typeof settings === "object" && settings !== null ? sdk.canonicalKubeProxySettings(settings as KubeProxyConfig) : settings,
    apiVersion,
    restoreOnDelete: n["restoreOnDelete"] === UNKNOWN ? UNKNOWN : booleanOr(n["restoreOnDelete"], true),
    allowDisable: n["allowDisable"] === UNKNOWN ? UNKNOWN : booleanOr(n["allowDisable"], false),
    verifyDataPlane: n["verifyDataPlane"] === UNKNOWN ? UNKNOWN : booleanOr(n["verifyDataPlane"], false),
  };
  if (settingsFile !== undefined) inputs["settingsFile"] = settingsFile;
  if (failures.length === 0) failures.push(...(await clusterBlockers(runtime, inputs)));
  // The pulumi-nodejs host sends the inputs as a protobuf Struct, which cannot carry `undefined` ("Unexpected
  // struct type"): leave out what is not known (e.g. the settings of a file that failed to parse).
  for (const [key, value] of Object.entries(inputs)) if (value === undefined) Reflect.deleteProperty(inputs, key);
  return { inputs: inputs as ClusterSettingsRawInputs, failures };
}
