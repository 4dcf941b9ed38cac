import { classifyConvergence, classifyProvisioningState, isKubeProxyError, needsWrite, type Finding } from "@aks-kube-proxy/sdk";

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
