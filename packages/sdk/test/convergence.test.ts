import {
  classifyConvergence,
  classifyOperationStatus,
  classifyProvisioningState,
  isConverged,
  isKubeProxyError,
  needsWrite,
  operationMayStillRun,
  planKubeProxyChange,
  ClusterBusyError,
  OperationFailedError,
  OperationTimeoutError,
  type ClusterState,
  type Finding,
} from "@aks-kube-proxy/sdk";
import { withWriteContext } from "../src/errors";

const MODE_CHANGE = [{ path: "mode", before: "IPTABLES", after: "IPVS" }];
const BLOCKER: Finding = { id: "ipvs-with-azure-network-policy", severity: "blocker", message: "IPVS with Azure Network Policy breaks Services" };

describe("classifyConvergence: the one definition of converged", () => {
  test("desired settings and Succeeded is converged, and needs no write", () => {
    const c = classifyConvergence({ provisioningState: "Succeeded", changes: [], blockers: [] });
    expect(c).toEqual({ kind: "converged", provisioningState: "Succeeded" });
    expect(needsWrite(c)).toBe(false);
  });

  test.each(["Updating", "Creating", "Upgrading", "Scaling", "Deleting", "updating"])("%s is in flight whatever the settings read, and is never written over", (state) => {
    for (const changes of [[], MODE_CHANGE]) {
      const c = classifyConvergence({ provisioningState: state, changes, blockers: [] });
      expect(c.kind).toBe("in-flight");
      expect(needsWrite(c)).toBe(false);
    }
  });

  test.each(["Failed", "Canceled"])("%s with the desired settings needs a reconcile write, with its reason", (state) => {
    const c = classifyConvergence({ provisioningState: state, changes: [], blockers: [] });
    expect(c.kind).toBe("needs-reconcile");
    expect(needsWrite(c)).toBe(true);
    expect("reason" in c && c.reason).toContain(`ended ${state}`);
  });

  test("different settings are drifted (and say so when the cluster is also Failed)", () => {
    expect(classifyConvergence({ provisioningState: "Succeeded", changes: MODE_CHANGE, blockers: [] })).toMatchObject({ kind: "drifted", reason: "mode differ" });
    expect(classifyConvergence({ provisioningState: "Failed", changes: MODE_CHANGE, blockers: [] })).toMatchObject({ kind: "drifted", reason: expect.stringContaining("ended Failed") });
  });

  test("a needed change with blockers is blocked, not written", () => {
    const c = classifyConvergence({ provisioningState: "Succeeded", changes: MODE_CHANGE, blockers: [BLOCKER] });
    expect(c).toMatchObject({ kind: "blocked", blockers: [BLOCKER] });
    expect(needsWrite(c)).toBe(false);
  });

  test.each([["Frobnicating"], [undefined]])("an unknown provisioningState (%s) fails loudly with what was read", (state) => {
    let caught: unknown;
    try {
      classifyProvisioningState(state, "rg/aks1");
    } catch (e) {
      caught = e;
    }
    expect(isKubeProxyError(caught) && caught.code).toBe("UnknownClusterState");
    expect((caught as Error).message).toContain(state === undefined ? "(absent)" : `"${state}"`);
    expect((caught as Error).message).toContain("rg/aks1");
    expect(() => classifyConvergence({ provisioningState: state, changes: [], blockers: [] })).toThrow(/does not know/);
  });
});

describe("an operation in flight is never converged", () => {
  const cluster = (provisioningState: string): ClusterState =>
    ({
      id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
      subscriptionId: "s",
      resourceGroup: "rg",
      name: "aks1",
      location: "westus2",
      kubernetesVersion: "1.33.0",
      networkPlugin: "azure",
      provisioningState,
      kubeProxyConfig: { enabled: true, mode: "IPVS" },
      effective: { enabled: true, mode: "IPVS" },
    }) as unknown as ClusterState;

  test("a plan of a cluster Updating with the desired settings reads hasChanges true and converged false (never \"no changes\")", () => {
    const plan = planKubeProxyChange({ cluster: cluster("Updating"), desired: { enabled: true, mode: "IPVS" }, apiVersion: "2026-08-02-preview" });
    expect(plan.convergence.kind).toBe("in-flight");
    expect(plan.changes).toEqual([]);
    expect(plan.hasChanges).toBe(true);
    expect(plan.converged).toBe(false);
    expect(isConverged(plan.convergence)).toBe(false);
  });

  test("the same read once Succeeded is converged: hasChanges false", () => {
    const plan = planKubeProxyChange({ cluster: cluster("Succeeded"), desired: { enabled: true, mode: "IPVS" }, apiVersion: "2026-08-02-preview" });
    expect(plan.converged).toBe(true);
    expect(plan.hasChanges).toBe(false);
  });
});

describe("classifyOperationStatus: unknown operation statuses fail loudly at once", () => {
  const URL = "https://127.0.0.1/subscriptions/s/providers/Microsoft.ContainerService/locations/westus2/operations/abc";
  test.each([
    ["InProgress", "running"],
    ["Accepted", "running"],
    ["Running", "running"],
    ["Updating", "running"],
    ["Deleting", "running"],
    ["Succeeded", "succeeded"],
    ["Failed", "failed"],
    ["Canceled", "failed"],
  ])("%s is %s", (status, expected) => {
    expect(classifyOperationStatus(status, URL)).toBe(expected);
  });

  test("an unknown status throws UnknownOperationStatus naming the value, the operation URL and what to do", () => {
    let caught: unknown;
    try {
      classifyOperationStatus("Weird", URL, "update kubeProxyConfig of rg/aks1");
    } catch (e) {
      caught = e;
    }
    expect(isKubeProxyError(caught) && caught.code).toBe("UnknownOperationStatus");
    expect(caught).toMatchObject({ status: "Weird", operationUrl: URL });
    expect((caught as Error).message).toContain('"Weird"');
    expect((caught as Error).message).toContain(URL);
    expect((caught as Error).message).toMatch(/read the cluster/);
  });
});

describe("a failed apply says one true thing and one next step", () => {
  const URL = "https://127.0.0.1/subscriptions/s/providers/Microsoft.ContainerService/locations/westus2/operations/abc";
  test("an operation that ended Failed is not 'still running', and gets no re-attach advice", () => {
    const error = withWriteContext(new OperationFailedError("update ended Failed: boom. Fix the cause and apply again.", { status: "Failed", operationUrl: URL }), { operationUrl: URL, writeAccepted: true, writeMayHaveBeenSent: true });
    expect(operationMayStillRun(error)).toBe(false);
    expect(error.message).not.toMatch(/may still be running|re-attach|Re-attach/);
    expect(error.message).toContain("Fix the cause and apply again");
  });

  test("a timeout after Azure accepted the write says the result is not known and to re-attach, not to apply again", () => {
    const error = withWriteContext(new OperationTimeoutError("rg/aks1: not converged within 3 s.", { operationUrl: URL }), { operationUrl: URL, writeAccepted: true, writeMayHaveBeenSent: true });
    expect(operationMayStillRun(error)).toBe(true);
    expect(error.message).toContain(`Azure accepted the write (operation ${URL})`);
    expect(error.message).toMatch(/re-attach/);
    expect(error.message).not.toMatch(/apply again/);
  });

  test("an error before any write is not about a running operation", () => {
    expect(operationMayStillRun(new ClusterBusyError("busy"))).toBe(false);
  });
});
