/**
 * Builds each example program under Pulumi's mocks and checks the resource graph it registers: types, parents,
 * inputs, dependencies, the per-subscription sharing of the preview enablement, and the outputs.
 */
import { join } from "node:path";
import { CLUSTER_SETTINGS_TYPE, KUBE_PROXY_CONFIG_TYPE, PREVIEW_ENABLEMENT_TYPE } from "@aks-kube-proxy/pulumi";
import { runProgram, type RegisteredResource } from "../packages/pulumi/test/support/mockProgram";

const EXAMPLES = join(__dirname, "..", "examples");
const SUB_A = "1a2b3c4d-1111-4111-8111-111111111111";
const SUB_B = "22222222-2222-2222-2222-222222222222";
const CLIENT_CONFIG_SUB = "33333333-3333-3333-3333-333333333333";
const SECRET = "client-secret-that-must-not-leak";

/** What the dynamic providers would report, computed from the inputs (as `check` + `create` do). */
const states = {
  [CLUSTER_SETTINGS_TYPE]: (inputs: Record<string, unknown>) => {
    const fromId = typeof inputs["clusterId"] === "string" ? /resourceGroups\/([^/]+)\/.*managedClusters\/([^/]+)$/i.exec(inputs["clusterId"]) : null;
    const resourceGroupName = fromId ? fromId[1] : inputs["resourceGroupName"];
    const clusterName = fromId ? fromId[2] : inputs["clusterName"];
    return {
      ...inputs,
      resourceGroupName,
      clusterName,
      apiVersion: inputs["apiVersion"] ?? "2026-08-02-preview",
      clusterId: `/subscriptions/${String(inputs["subscriptionId"])}/resourcegroups/${String(resourceGroupName)}/providers/Microsoft.ContainerService/managedClusters/${String(clusterName)}`,
      appliedSettings: inputs["settings"] ?? { fromFile: inputs["settingsFile"] },
      previousSettings: null,
      provisioningState: "Succeeded",
      drift: [],
      warnings: [],
    };
  },
  [PREVIEW_ENABLEMENT_TYPE]: (inputs: Record<string, unknown>) => ({ ...inputs, featureState: "Registered", providerState: "Registered", featureRegistered: true, providerRefreshed: true }),
  "azure-native:resources:ResourceGroup": (inputs: Record<string, unknown>, name: string) => ({ ...inputs, name: `${name}3f9a1c` }),
  "azure-native:containerservice:ManagedCluster": (inputs: Record<string, unknown>, name: string) => ({ ...inputs, name: `${name}0b7e2d`, provisioningState: "Succeeded" }),
};

const invokes = { "azure-native:authorization:getClientConfig": { subscriptionId: CLIENT_CONFIG_SUB, tenantId: "t", clientId: "c", objectId: "o" } };

function expectNoSecret(resources: RegisteredResource[]): void {
  for (const r of resources) expect(JSON.stringify(r.inputs)).not.toContain(SECRET);
}

describe("examples/existing-cluster", () => {
  test("one component, its settings resource under it, after the subscription's enablement at the stack root", async () => {
    const run = await runProgram(join(EXAMPLES, "existing-cluster", "index.ts"), {
      project: "existing",
      config: {
        "existing:resourceGroupName": "rg-prod",
        "existing:clusterName": "aks-prod",
        "azure-native:subscriptionId": SUB_A,
        "azure-native:clientSecret": SECRET,
      },
      secretKeys: ["azure-native:clientSecret"],
      states,
      invokes,
    });

    const component = run.get(KUBE_PROXY_CONFIG_TYPE, "kube-proxy");
    const settings = run.get(CLUSTER_SETTINGS_TYPE, "kube-proxy");
    const enablement = run.get(PREVIEW_ENABLEMENT_TYPE, `kube-proxy-preview-${SUB_A}`);
    expect(run.resources).toHaveLength(3);
    expect(component.custom).toBe(false);
    expect(component.parent).toBe("");
    expect(enablement.parent).toBe("");
    expect(settings.parent).toBe(component.urn);
    expect(settings.dependencies).toContain(enablement.urn);

    expect(enablement.inputs).toMatchObject({ subscriptionId: SUB_A });
    expect(settings.inputs).toMatchObject({
      subscriptionId: SUB_A,
      resourceGroupName: "rg-prod",
      clusterName: "aks-prod",
      settingsFile: "kube-proxy.json",
      restoreOnDelete: true,
      allowDisable: false,
    });
    expect(settings.inputs["settings"]).toBeUndefined();
    // A custom resource of the aks-kube-proxy provider plugin: no provider code travels in the inputs (the dynamic
    // resources of earlier versions carried it in __provider), and no credential is in them or anywhere else.
    expect(settings.inputs["__provider"]).toBeUndefined();
    expectNoSecret(run.resources);
    // The subscription came from config: no client-config invoke was needed.
    expect(run.calls).toEqual([]);

    expect(run.outputs).toEqual({
      appliedSettings: { fromFile: "kube-proxy.json" },
      previousSettings: null,
      apiVersion: "2026-08-02-preview",
      provisioningState: "Succeeded",
      drift: [],
    });
  });

  test("clusterId from config names the cluster, and its subscription keys the enablement", async () => {
    const clusterId = `/subscriptions/${SUB_B}/resourceGroups/rg-x/providers/Microsoft.ContainerService/managedClusters/aks-x`;
    const run = await runProgram(join(EXAMPLES, "existing-cluster", "index.ts"), {
      project: "existing",
      config: { "existing:clusterId": clusterId, "existing:restoreOnDelete": "false" },
      states,
      invokes,
    });
    const settings = run.get(CLUSTER_SETTINGS_TYPE, "kube-proxy");
    expect(settings.inputs).toMatchObject({ clusterId, subscriptionId: SUB_B, restoreOnDelete: false });
    expect(settings.inputs["resourceGroupName"]).toBeUndefined();
    expect(settings.dependencies).toContain(run.get(PREVIEW_ENABLEMENT_TYPE, `kube-proxy-preview-${SUB_B}`).urn);
  });
});

describe("examples/new-cluster", () => {
  test("the component configures the azure-native cluster after it exists, from its outputs, with the client config's subscription", async () => {
    const run = await runProgram(join(EXAMPLES, "new-cluster", "index.ts"), { project: "newcluster", states, invokes });

    const rg = run.get("azure-native:resources:ResourceGroup", "kube-proxy-demo");
    const cluster = run.get("azure-native:containerservice:ManagedCluster", "aks");
    const component = run.get(KUBE_PROXY_CONFIG_TYPE, "kube-proxy");
    const settings = run.get(CLUSTER_SETTINGS_TYPE, "kube-proxy");
    const enablement = run.get(PREVIEW_ENABLEMENT_TYPE, "kube-proxy-preview");

    // azure-native's cluster carries no kubeProxyConfig (its GA api-version has none).
    expect(JSON.stringify((cluster.inputs["networkProfile"] as object) ?? {})).not.toMatch(/kubeProxy/i);
    expect(cluster.dependencies).toContain(rg.urn);

    expect(settings.parent).toBe(component.urn);
    expect(settings.inputs).toMatchObject({
      subscriptionId: CLIENT_CONFIG_SUB,
      resourceGroupName: "kube-proxy-demo3f9a1c",
      clusterName: "aks0b7e2d",
      settings: { enabled: true, mode: "NFTABLES" },
    });
    // Waits for the cluster (dependsOn and the name output), the resource group, and the enablement.
    expect(settings.dependencies).toEqual(expect.arrayContaining([cluster.urn, rg.urn, enablement.urn]));
    expect(enablement.inputs).toMatchObject({ subscriptionId: CLIENT_CONFIG_SUB });
    expect(run.calls.map((c) => c.token)).toEqual(["azure-native:authorization:getClientConfig"]);

    expect(run.outputs).toEqual({ clusterName: "aks0b7e2d", appliedSettings: { enabled: true, mode: "NFTABLES" }, provisioningState: "Succeeded" });
  });
});

describe("examples/fleet", () => {
  test("one component per configured cluster and one enablement per subscription, shared", async () => {
    const settings = { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } };
    const run = await runProgram(join(EXAMPLES, "fleet", "index.ts"), {
      project: "fleet",
      config: {
        "fleet:clusters": [
          { subscriptionId: SUB_A, resourceGroupName: "rg-a", clusterName: "aks-a1" },
          { subscriptionId: SUB_A, resourceGroupName: "rg-a", clusterName: "aks-a2" },
          { subscriptionId: SUB_A.toUpperCase(), resourceGroupName: "rg-a", clusterName: "aks-a3" },
          { clusterId: `/subscriptions/${SUB_B}/resourceGroups/rg-b/providers/Microsoft.ContainerService/managedClusters/aks-b1` },
        ],
        "fleet:settings": settings,
      },
      states,
      invokes,
    });

    const components = run.ofType(KUBE_PROXY_CONFIG_TYPE);
    const settingsResources = run.ofType(CLUSTER_SETTINGS_TYPE);
    const enablements = run.ofType(PREVIEW_ENABLEMENT_TYPE);
    expect(components.map((c) => c.name).sort()).toEqual(["kube-proxy-rg-a-aks-a1", "kube-proxy-rg-a-aks-a2", "kube-proxy-rg-a-aks-a3", "kube-proxy-rg-b-aks-b1"]);
    expect(settingsResources).toHaveLength(4);
    expect(enablements.map((e) => e.name).sort()).toEqual([`kube-proxy-preview-${SUB_A}`, `kube-proxy-preview-${SUB_B}`]);

    const enablementA = run.get(PREVIEW_ENABLEMENT_TYPE, `kube-proxy-preview-${SUB_A}`);
    const enablementB = run.get(PREVIEW_ENABLEMENT_TYPE, `kube-proxy-preview-${SUB_B}`);
    for (const name of ["aks-a1", "aks-a2", "aks-a3"]) {
      const s = run.get(CLUSTER_SETTINGS_TYPE, `kube-proxy-rg-a-${name}`);
      expect(s.parent).toBe(run.get(KUBE_PROXY_CONFIG_TYPE, `kube-proxy-rg-a-${name}`).urn);
      expect(s.dependencies).toContain(enablementA.urn);
      expect(s.dependencies).not.toContain(enablementB.urn);
      expect(s.inputs).toMatchObject({ clusterName: name, settings });
    }
    expect(run.get(CLUSTER_SETTINGS_TYPE, "kube-proxy-rg-b-aks-b1").dependencies).toContain(enablementB.urn);

    const fleet = run.outputs["fleet"] as { clusterId: string; appliedSettings: unknown }[];
    expect(fleet).toHaveLength(4);
    expect(fleet.map((f) => f.clusterId.split("/").pop()).sort()).toEqual(["aks-a1", "aks-a2", "aks-a3", "aks-b1"]);
    for (const f of fleet) expect(f.appliedSettings).toEqual(settings);
  });
});
