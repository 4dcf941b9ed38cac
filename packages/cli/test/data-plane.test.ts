/**
 * `verify`'s exit codes per verdict and the text rendering of a data-plane result (pure; the command itself runs end to
 * end in test/cli-data-plane.test.ts).
 */
import type { DataPlaneResult } from "@aks-kube-proxy/sdk";
import { exitCodeForVerdict, parseMaxNodes } from "../src/commands/verify";
import { dataPlaneText } from "../src/render/data-plane";

function result(verdict: DataPlaneResult["verdict"], over: Partial<DataPlaneResult> = {}): DataPlaneResult {
  return {
    cluster: { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks", resourceGroup: "rg", name: "aks" },
    verdict,
    summary: "kube-proxy rollout 1/2 nodes",
    desired: { enabled: true, mode: "NFTABLES" },
    credential: "user",
    rollout: { message: "1 out of 2 new pods have been updated", convergedNodes: 1, totalNodes: 2, daemonSet: { generation: 2, observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: 1, numberAvailable: 1, updateStrategy: "RollingUpdate" } },
    flags: [{ field: "mode", flag: "--proxy-mode", expected: "nftables", rendered: "nftables", ok: true }],
    nodes: [
      { name: "n0", os: "linux", state: "converged", proxyMode: "nftables" },
      { name: "n1", os: "linux", state: "pending", reason: "its kube-proxy pod still runs --proxy-mode=iptables" },
      { name: "w0", os: "windows", state: "skipped", reason: "Windows" },
    ],
    checkedNodes: ["n0"],
    skippedNodes: ["w0"],
    pendingNodes: ["n1"],
    mismatches: [],
    ...over,
  };
}

describe("verify exit codes", () => {
  it("converged 0; mismatch and unreachable 1; rolling-out 2 with --detailed-exitcode, else 1", () => {
    expect(exitCodeForVerdict(result("converged"), false)).toBe(0);
    expect(exitCodeForVerdict(result("mismatch"), true)).toBe(1);
    expect(exitCodeForVerdict(result("unreachable"), true)).toBe(1);
    expect(exitCodeForVerdict(result("rolling-out"), true)).toBe(2);
    expect(exitCodeForVerdict(result("rolling-out"), false)).toBe(1);
  });

  it("--max-nodes takes a whole number only", () => {
    expect(parseMaxNodes("10")).toBe(10);
    expect(parseMaxNodes(undefined)).toBeUndefined();
    expect(() => parseMaxNodes("-1")).toThrow(/whole number/);
    expect(() => parseMaxNodes("1e9")).toThrow(/whole number/);
  });
});

describe("data-plane text", () => {
  it("shows the verdict, the DaemonSet counts, each flag, the nodes not converged and the skipped Windows nodes", () => {
    const text = dataPlaneText(result("rolling-out"));
    expect(text).toContain("rg/aks: data plane ROLLING-OUT — kube-proxy rollout 1/2 nodes");
    expect(text).toContain("pods desired 2, updated 1, available 1");
    expect(text).toContain("ok       mode: expected --proxy-mode=nftables, rendered --proxy-mode=nftables");
    expect(text).toContain("node n1: pending — its kube-proxy pod still runs --proxy-mode=iptables");
    expect(text).not.toContain("node n0");
    expect(text).toContain("skipped (Windows): w0");
  });

  it("an unreachable API server shows why and what to do", () => {
    const text = dataPlaneText(result("unreachable", { unreachable: { reason: "forbidden", message: "GET nodes/n0:10249/proxy/proxyMode: HTTP 403", advice: "grant get nodes/proxy" } }));
    expect(text).toContain("why: forbidden: GET nodes/n0:10249/proxy/proxyMode: HTTP 403");
    expect(text).toContain("what to do: grant get nodes/proxy");
  });
});
