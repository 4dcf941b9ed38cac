/**
 * A data-plane check makes its reads (DaemonSet, nodes, pods, each checked node's `/proxyMode`: six with three nodes)
 * on ONE keep-alive connection to the cluster's API server, and closes it when the check ends (client-node alone opens
 * one per read): against the emulator, a wait that takes several passes opens one TLS connection per pass (counted
 * where Node's https agents open them) and every one is closed; a one-off check opens one and closes it.
 */
import https from "node:https";
import type { Socket } from "node:net";
import { FEATURE_NAME, type DataPlaneProgress } from "@aks-kube-proxy/sdk";
import { startTestEmulator, type TestEmulator } from "../../../test/support/emulator";

const CLUSTER = { resourceGroup: "rg-reuse", name: "reuse" };

describe("a data-plane check reads on one API server connection", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      clusters: [{ ...CLUSTER, kubernetesVersion: "1.33.2", networkPlugin: "azure", agentPools: [{ name: "nodepool1", count: 3 }] }],
      registeredFeatures: [{ name: FEATURE_NAME }],
      timings: { operationMs: 20, featureRegistrationMs: 10, providerRegistrationMs: 10, retryAfterSeconds: 0, kubeProxyRolloutPerNodeMs: 20 },
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t.stop();
  });

  test("a wait of several passes opens one TLS connection per pass, ends converged, and closes every one", async () => {
    const client = t.client();
    // The rollout stalls after its first node until the wait has seen it rolling out (by state, not by time): the wait
    // takes at least two passes however slow the machine is.
    t.em.control.addKubeFault({ kind: "kube-rollout-stall", cluster: CLUSTER, afterNodes: 1 });
    await client.apply(CLUSTER, { enabled: true, mode: "NFTABLES" });
    const connect = jest.spyOn(https.Agent.prototype, "createConnection");
    const events: DataPlaneProgress[] = [];
    const result = await client.waitForDataPlane(CLUSTER, { mode: "NFTABLES" }, {
      timeoutInMs: 60_000,
      onProgress: (e) => {
        events.push(e);
        if (e.verdict === "rolling-out") t.em.control.clearKubeFaults();
      },
    });
    const calls = connect.mock.calls.map((args, i) => ({ options: args[0] as { port?: number | string }, socket: connect.mock.results[i]?.value as Socket | undefined }));
    connect.mockRestore();

    expect(result.verdict).toBe("converged");
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.verdict === "rolling-out").length).toBeGreaterThanOrEqual(1);

    const server = t.em.control.kubeState(CLUSTER)?.server;
    expect(server).toBeDefined();
    const kubePort = Number(new URL(server as string).port);
    expect(kubePort).not.toBe(Number(new URL(t.em.url).port));
    const toApiServer = calls.filter((c) => Number(c.options.port) === kubePort);
    expect(toApiServer).toHaveLength(events.length);
    // Each pass closed its connection when it ended.
    for (const c of toApiServer) expect(c.socket?.destroyed).toBe(true);
  }, 60_000);

  test("a one-off check closes its API server connection when it returns", async () => {
    const connect = jest.spyOn(https.Agent.prototype, "createConnection");
    const result = await t.client().verifyDataPlane(CLUSTER, { mode: "NFTABLES" });
    const calls = connect.mock.calls.map((args, i) => ({ options: args[0] as { port?: number | string }, socket: connect.mock.results[i]?.value as Socket | undefined }));
    connect.mockRestore();
    expect(result.verdict).toBe("converged");
    const kubePort = Number(new URL(t.em.control.kubeState(CLUSTER)?.server as string).port);
    const toApiServer = calls.filter((c) => Number(c.options.port) === kubePort);
    expect(toApiServer).toHaveLength(1);
    expect(toApiServer[0]?.socket?.destroyed).toBe(true);
  }, 60_000);
});
