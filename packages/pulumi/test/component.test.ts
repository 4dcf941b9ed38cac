/**
 * The KubeProxyConfig component under Pulumi's mocks: argument validation, which resources it registers and how
 * they depend on each other, and how the preview enablement is shared.
 */
import type * as PulumiModule from "@pulumi/pulumi";
import { runProgram } from "./support/mockProgram";

type Lib = typeof import("../src/index");
const COMPONENT = "aks-kube-proxy:index:KubeProxyConfig";
const SETTINGS = "aks-kube-proxy:index:ClusterKubeProxySettings";
const PREVIEW = "aks-kube-proxy:index:PreviewEnablement";
const SUB = "5c1f0e2a-0000-4000-8000-000000000001";
const IPVS = { mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } };
const clientConfig = { "azure-native:authorization:getClientConfig": { subscriptionId: "9d9d9d9d-0000-4000-8000-000000000009", tenantId: "t", clientId: "c", objectId: "o" } };

/** Runs `build` with the isolated copies of @pulumi/pulumi and this package. */
function withLib(build: (lib: Lib, pulumi: typeof PulumiModule) => unknown) {
  return (pulumi: typeof PulumiModule) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded inside the isolated registry
    const lib = require("../src/index") as Lib;
    return build(lib, pulumi);
  };
}

describe("KubeProxyConfig arguments", () => {
  test.each([
    ["both clusterId and names", { clusterId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a`, resourceGroupName: "rg", clusterName: "a", settings: IPVS }, /either clusterId, or resourceGroupName with clusterName/],
    ["no cluster", { settings: IPVS }, /Name the cluster/],
    ["only a resource group", { resourceGroupName: "rg", settings: IPVS }, /Name the cluster/],
    ["no settings", { resourceGroupName: "rg", clusterName: "a" }, /exactly one of them/],
    ["settings and a file", { resourceGroupName: "rg", clusterName: "a", settings: IPVS, settingsFile: "x.json" }, /exactly one of them/],
    ["a malformed cluster id", { clusterId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm", settings: IPVS }, /is not a managed cluster resource id/],
  ])("%s is refused before anything is registered", async (_label, args, message) => {
    const failure = await runProgram(
      withLib((lib) => {
        new lib.KubeProxyConfig("kp", args as never);
        return {};
      }),
      { config: { "azure-native:subscriptionId": SUB } },
    ).then(
      () => undefined,
      (error: unknown) => error as Error & { registeredBeforeFailure: { type: string }[] },
    );
    expect(failure).toBeDefined();
    expect(failure!.message).toMatch(message);
    // Only the component itself (registered by its base constructor) exists: no enablement, no settings resource.
    expect(failure!.registeredBeforeFailure.map((r) => r.type).filter((t) => t !== COMPONENT)).toEqual([]);
  });
});

describe("KubeProxyConfig resources", () => {
  test("components of one subscription share one enablement; each settings resource waits for it", async () => {
    const run = await runProgram(
      withLib((lib) => {
        const a = new lib.KubeProxyConfig("a", { resourceGroupName: "rg", clusterName: "a", settings: IPVS });
        const b = new lib.KubeProxyConfig("b", { resourceGroupName: "rg", clusterName: "b", settings: IPVS, subscriptionId: SUB.toUpperCase() });
        return { a: a.urn, b: b.urn };
      }),
      { config: { "azure-native:subscriptionId": SUB } },
    );
    const enablements = run.ofType(PREVIEW);
    expect(enablements).toHaveLength(1);
    expect(enablements[0]!.name).toBe(`kube-proxy-preview-${SUB}`);
    for (const name of ["a", "b"]) expect(run.get(SETTINGS, name).dependencies).toContain(enablements[0]!.urn);
  });

  test("without any configured subscription, in a program that has azure-native, its client config is asked once and one enablement serves every component", async () => {
    const run = await runProgram(
      withLib((lib) => {
        for (const name of ["a", "b", "c"]) new lib.KubeProxyConfig(name, { resourceGroupName: "rg", clusterName: name, settings: IPVS });
        return {};
      }),
      { invokes: clientConfig },
    );
    expect(run.calls.map((c) => c.token)).toEqual(["azure-native:authorization:getClientConfig"]);
    expect(run.ofType(PREVIEW).map((e) => e.name)).toEqual(["kube-proxy-preview"]);
    expect(run.get(SETTINGS, "c").inputs["subscriptionId"]).toBe("9d9d9d9d-0000-4000-8000-000000000009");
  });

  test("aks-kube-proxy:subscriptionId is the subscription before azure-native:subscriptionId, with no azure-native invoke", async () => {
    const OTHER = "0a0a0a0a-0000-4000-8000-00000000000a";
    const run = await runProgram(
      withLib((lib) => {
        new lib.KubeProxyConfig("a", { resourceGroupName: "rg", clusterName: "a", settings: IPVS });
        return {};
      }),
      { config: { "aks-kube-proxy:subscriptionId": SUB, "azure-native:subscriptionId": OTHER }, invokes: clientConfig },
    );
    expect(run.calls).toEqual([]);
    expect(run.ofType(PREVIEW).map((e) => e.name)).toEqual([`kube-proxy-preview-${SUB}`]);
    expect(run.get(SETTINGS, "a").inputs["subscriptionId"]).toBe(SUB);
  });

  test("ARM_SUBSCRIPTION_ID, then AZURE_SUBSCRIPTION_ID, serve when no aks-kube-proxy:subscriptionId is set", async () => {
    const saved = { arm: process.env["ARM_SUBSCRIPTION_ID"], azure: process.env["AZURE_SUBSCRIPTION_ID"] };
    const OTHER = "0b0b0b0b-0000-4000-8000-00000000000b";
    try {
      process.env["ARM_SUBSCRIPTION_ID"] = SUB;
      process.env["AZURE_SUBSCRIPTION_ID"] = OTHER;
      const arm = await runProgram(withLib((lib) => (new lib.KubeProxyConfig("a", { resourceGroupName: "rg", clusterName: "a", settings: IPVS }), {})), { invokes: clientConfig });
      expect(arm.calls).toEqual([]);
      expect(arm.get(SETTINGS, "a").inputs["subscriptionId"]).toBe(SUB);
      delete process.env["ARM_SUBSCRIPTION_ID"];
      const azure = await runProgram(withLib((lib) => (new lib.KubeProxyConfig("a", { resourceGroupName: "rg", clusterName: "a", settings: IPVS }), {})), { invokes: clientConfig });
      expect(azure.calls).toEqual([]);
      expect(azure.get(SETTINGS, "a").inputs["subscriptionId"]).toBe(OTHER);
    } finally {
      if (saved.arm === undefined) delete process.env["ARM_SUBSCRIPTION_ID"];
      else process.env["ARM_SUBSCRIPTION_ID"] = saved.arm;
      if (saved.azure === undefined) delete process.env["AZURE_SUBSCRIPTION_ID"];
      else process.env["AZURE_SUBSCRIPTION_ID"] = saved.azure;
    }
  });

  test("without any subscription and without @pulumi/azure-native installed, the component fails saying what to set (no azure-native plugin needed)", async () => {
    jest.doMock("@pulumi/azure-native/authorization", () => {
      throw new Error("Cannot find module '@pulumi/azure-native/authorization'");
    });
    try {
      const failure = await runProgram(withLib((lib) => (new lib.KubeProxyConfig("a", { resourceGroupName: "rg", clusterName: "a", settings: IPVS }), {})), { invokes: clientConfig }).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(/aks-kube-proxy:subscriptionId/);
    } finally {
      jest.dontMock("@pulumi/azure-native/authorization");
    }
  });

  test("two program runs in one process (Automation API inline programs) each get their own enablement", async () => {
    const counts: number[] = [];
    await jest.isolateModulesAsync(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- one registry for both runs, as in one process
      const pulumi = require("@pulumi/pulumi") as typeof PulumiModule;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const lib = require("../src/index") as Lib;
      for (let run = 0; run < 2; run++) {
        await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: () => ({}) }, "p", `run${run}`, false);
        pulumi.runtime.setAllConfig({ "azure-native:subscriptionId": SUB });
        const kp = new lib.KubeProxyConfig("a", { resourceGroupName: "rg", clusterName: "a", settings: IPVS });
        await new Promise((resolve) => kp.apiVersion.apply(resolve));
        await new Promise((resolve) => setTimeout(resolve, 20));
        const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
        counts.push([...monitor.resources.keys()].filter((urn) => urn.includes("PreviewEnablement")).length);
        expect(kp.previewEnablement).toBeDefined();
      }
    });
    expect(counts).toEqual([1, 1]);
  });

  test("enablePreview false registers no enablement and no dependency on one", async () => {
    const run = await runProgram(
      withLib((lib) => {
        new lib.KubeProxyConfig("a", { resourceGroupName: "rg", clusterName: "a", settings: IPVS, enablePreview: false });
        return {};
      }),
      { config: { "azure-native:subscriptionId": SUB } },
    );
    expect(run.ofType(PREVIEW)).toEqual([]);
    expect(run.get(SETTINGS, "a").dependencies).toEqual([]);
  });

  test("a clusterId Output without a subscription gets its own enablement under the component, fed by the id's subscription", async () => {
    const id = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks`;
    const run = await runProgram(
      withLib((lib, pulumi) => {
        new lib.KubeProxyConfig("kp", { clusterId: pulumi.output(id), settings: IPVS });
        return {};
      }),
    );
    const component = run.get(COMPONENT, "kp");
    const enablement = run.get(PREVIEW, "kp-preview");
    expect(enablement.parent).toBe(component.urn);
    expect(enablement.inputs["subscriptionId"]).toBe(SUB);
    expect(run.get(SETTINGS, "kp").inputs).toMatchObject({ clusterId: id, subscriptionId: SUB });
  });

  test("an explicit previewEnablement is used instead of the shared one, and the component's dependsOn reaches the settings resource", async () => {
    const run = await runProgram(
      withLib((lib, pulumi) => {
        const shared = new lib.PreviewEnablement("mine", { subscriptionId: SUB });
        const other = new (class Thing extends pulumi.CustomResource {})("test:index:Thing", "thing", {});
        new lib.KubeProxyConfig("kp", { resourceGroupName: "rg", clusterName: "a", settings: IPVS, previewEnablement: shared }, { dependsOn: [other] });
        return {};
      }),
      { config: { "azure-native:subscriptionId": SUB } },
    );
    expect(run.ofType(PREVIEW).map((e) => e.name)).toEqual(["mine"]);
    expect(run.get(SETTINGS, "kp").dependencies).toEqual(expect.arrayContaining([run.get(PREVIEW, "mine").urn, run.get("test:index:Thing", "thing").urn]));
  });

  test("the component's outputs are the settings resource's", async () => {
    const run = await runProgram(
      withLib((lib) => {
        const kp = new lib.KubeProxyConfig("kp", { resourceGroupName: "rg", clusterName: "a", settings: IPVS, apiVersion: "2025-09-02-preview" });
        return { applied: kp.appliedSettings, previous: kp.previousSettings, apiVersion: kp.apiVersion, state: kp.provisioningState, sub: kp.subscriptionId };
      }),
      {
        config: { "azure-native:subscriptionId": SUB },
        states: { [SETTINGS]: (inputs) => ({ ...inputs, appliedSettings: inputs["settings"], previousSettings: { mode: "IPTABLES" }, provisioningState: "Succeeded" }) },
      },
    );
    expect(run.outputs).toEqual({ applied: IPVS, previous: { mode: "IPTABLES" }, apiVersion: "2025-09-02-preview", state: "Succeeded", sub: SUB });
  });
});
