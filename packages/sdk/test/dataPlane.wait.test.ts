/**
 * The data-plane poller (`runDataPlaneWait`) with the Kubernetes reads replaced: it waits while the rollout is in
 * progress and reports progress with a serialized state, returns a mismatch at once, gives up at its deadline naming
 * the nodes, continues a serialized wait with its original deadline, sits out Azure's throttling of its cluster reads
 * (a health gate must not fail for a 429) up to a bound, and stops at the caller's abort; a one-off check
 * names NFTABLES on Kubernetes < 1.33 as the cause of its mismatch.
 */
import { stringify } from "yaml";
import { runDataPlaneCheck, runDataPlaneWait, type DataPlaneDeps } from "../src/dataPlane/verify";
import type { DataPlaneObservation } from "../src/dataPlane/verdict";
import { UnreachableSignal } from "../src/dataPlane/kubeApi";
import { ThrottledError, type ClusterState, type DataPlaneProgress } from "@aks-kube-proxy/sdk";
import { MAX_THROTTLED_POLLS } from "../src/poll";

const CLUSTER_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";
const KUBECONFIG = Buffer.from(
  stringify({
    clusters: [{ name: "aks", cluster: { server: "https://127.0.0.1:1/clusters/aks" } }],
    users: [{ name: "u", user: { "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" } }],
    contexts: [{ name: "aks", context: { cluster: "aks", user: "u" } }],
    "current-context": "aks",
  }),
).toString("base64");
const ARGS = (mode: string) => ["kube-proxy", "--metrics-bind-address=0.0.0.0:10249", `--proxy-mode=${mode}`];

/** An observation with `updated` of 2 nodes on nftables (the rest still iptables). */
function observation(updated: number, answer = "nftables"): DataPlaneObservation {
  const nodes = ["n0", "n1"];
  return {
    daemonSet: { generation: 2, observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: updated, numberAvailable: updated, updateStrategy: "RollingUpdate", argv: ARGS("nftables") },
    nodes: nodes.map((name) => ({ name, os: "linux" })),
    pods: nodes.map((name, i) => ({ name: `kube-proxy-${name}`, nodeName: name, argv: ARGS(i < updated ? "nftables" : "iptables"), ready: true })),
    proxyModes: new Map(nodes.map((name, i) => [name, { mode: i < updated ? answer : "iptables" }])),
  };
}

function deps(observations: DataPlaneObservation[], provisioningStates: string[] = ["Succeeded"], kubernetesVersion?: string): DataPlaneDeps & { calls: number } {
  let reads = 0;
  const d = {
    calls: 0,
    polling: { intervalInMs: 1, maxIntervalInMs: 2, maxRetryAfterInMs: 2, consecutiveRegisteredReads: 1 },
    readCluster: async () =>
      ({ id: CLUSTER_ID, resourceGroup: "rg", name: "aks", provisioningState: provisioningStates[Math.min(reads++, provisioningStates.length - 1)], effective: { enabled: true, mode: "NFTABLES" }, ...(kubernetesVersion ? { kubernetesVersion } : {}) }) as unknown as ClusterState,
    listCredential: async () => ({ kubeconfigs: [{ name: "clusterUser", value: KUBECONFIG }] }),
    getToken: async () => "token",
    observe: async () => {
      const next = observations[Math.min(d.calls, observations.length - 1)] as DataPlaneObservation;
      d.calls++;
      return next;
    },
  };
  return d;
}

/** Deps whose cluster reads are throttled (429 with Retry-After) `throttled` times before they answer. */
function throttledDeps(throttled: number, observations: DataPlaneObservation[]): DataPlaneDeps & { calls: number; reads: number } {
  const d = deps(observations);
  const read = d.readCluster;
  const counted = Object.assign(d, { reads: 0 });
  counted.readCluster = async (signal?: AbortSignal) => {
    if (counted.reads++ < throttled) throw new ThrottledError("The GetManagedClusterHandler.GET request limit has been exceeded", { retryAfterInMs: 1 }, { statusCode: 429 });
    return read(signal);
  };
  return counted;
}

describe("the data-plane wait", () => {
  it("sits out throttled cluster reads (Retry-After) and goes on checking: the wait converges", async () => {
    const d = throttledDeps(3, [observation(0), observation(2)]);
    const result = await runDataPlaneWait(d, CLUSTER_ID, { mode: "NFTABLES" }, { timeoutInMs: 60_000 });
    expect(result.verdict).toBe("converged");
    expect(d.reads).toBe(3 + 2);
  });

  it("gives up with the throttling error after more throttled checks in a row than the bound", async () => {
    const d = throttledDeps(MAX_THROTTLED_POLLS + 1, [observation(2)]);
    const error = await runDataPlaneWait(d, CLUSTER_ID, { mode: "NFTABLES" }, { timeoutInMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(d.reads).toBe(MAX_THROTTLED_POLLS + 1);
    expect(d.calls).toBe(0);
  });

  it("waits while rolling out and returns converged, reporting progress with a serialized state", async () => {
    const d = deps([observation(0), observation(1), observation(2)]);
    const events: DataPlaneProgress[] = [];
    const result = await runDataPlaneWait(d, CLUSTER_ID, { mode: "NFTABLES" }, { timeoutInMs: 60_000, onProgress: (e) => events.push(e) });
    expect(result.verdict).toBe("converged");
    expect(events.map((e) => `${e.verdict} ${e.convergedNodes}/${e.totalNodes}`)).toEqual(["rolling-out 0/2", "rolling-out 1/2", "converged 2/2"]);
    expect(JSON.parse(events[0]?.state ?? "{}")).toMatchObject({ kind: "aks-kube-proxy/data-plane-wait", version: 1, clusterId: CLUSTER_ID, desired: { enabled: true, mode: "NFTABLES" } });
  });

  it("returns a mismatch at once (waiting does not change it)", async () => {
    const d = deps([observation(2, "iptables")]);
    const result = await runDataPlaneWait(d, CLUSTER_ID, { mode: "NFTABLES" }, { timeoutInMs: 60_000 });
    expect(result.verdict).toBe("mismatch");
    expect(d.calls).toBe(1);
  });

  it("gives up at the deadline naming the node still waited for; its serialized wait resumes with the same deadline", async () => {
    const d = deps([observation(1)]);
    const error = (await runDataPlaneWait(d, CLUSTER_ID, { mode: "NFTABLES" }, { timeoutInMs: 50 }).catch((e: unknown) => e)) as { code: string; message: string; waitState: string; result: { pendingNodes: string[] } };
    expect(error.code).toBe("DataPlaneNotConverged");
    expect(error.result.pendingNodes).toEqual(["n1"]);
    expect(error.message).toContain("n1");
    // The resumed wait keeps the original (passed) deadline: one check, then the same answer.
    const resumed = deps([observation(1)]);
    await expect(runDataPlaneWait(resumed, CLUSTER_ID, undefined, { resumeState: error.waitState, timeoutInMs: 3_600_000 })).rejects.toMatchObject({ code: "DataPlaneNotConverged" });
    expect(resumed.calls).toBe(1);
  });

  it("while Azure's operation is in flight the data plane is rolling-out, not a mismatch (the DaemonSet is not rendered yet)", async () => {
    const stale: DataPlaneObservation = { ...observation(2), daemonSet: { ...(observation(2).daemonSet as NonNullable<DataPlaneObservation["daemonSet"]>), argv: ARGS("iptables") } };
    const d = deps([stale, observation(2)], ["Updating", "Succeeded"]);
    const events: string[] = [];
    const result = await runDataPlaneWait(d, CLUSTER_ID, { mode: "NFTABLES" }, { timeoutInMs: 60_000, onProgress: (e) => events.push(e.verdict) });
    expect(events).toEqual(["rolling-out", "converged"]);
    expect(result.verdict).toBe("converged");
  });

  it("a provisioningState the SDK does not know fails loudly at once, before any Kubernetes read", async () => {
    const d = deps([observation(2)], ["Frobnicating"]);
    await expect(runDataPlaneWait(d, CLUSTER_ID, { mode: "NFTABLES" }, { timeoutInMs: 60_000 })).rejects.toMatchObject({ code: "UnknownClusterState" });
    expect(d.calls).toBe(0);
  });

  it("names NFTABLES on Kubernetes < 1.33 as the cause of a DaemonSet that renders iptables (and only on such a cluster)", async () => {
    /** What AKS renders for NFTABLES on 1.32: every pod and the template on iptables, rolled out. */
    const iptables: DataPlaneObservation = { ...observation(2, "iptables"), pods: observation(0).pods, daemonSet: { ...observation(2).daemonSet!, argv: ARGS("iptables") } };
    const old = await runDataPlaneCheck(deps([iptables], ["Succeeded"], "1.32.6"), { mode: "NFTABLES" });
    expect(old.verdict).toBe("mismatch");
    expect(old.summary).toContain("NFTABLES needs Kubernetes 1.33 or newer and the cluster runs 1.32.6");
    const current = await runDataPlaneCheck(deps([iptables], ["Succeeded"], "1.33.2"), { mode: "NFTABLES" });
    expect(current.verdict).toBe("mismatch");
    expect(current.summary).not.toContain("1.33");
  });

  it("refuses the serialized wait of another cluster", async () => {
    const state = JSON.stringify({ kind: "aks-kube-proxy/data-plane-wait", version: 1, clusterId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/other", desired: { enabled: true, mode: "IPTABLES" }, startedAt: 0, deadlineAt: 1 });
    await expect(runDataPlaneWait(deps([observation(2)]), CLUSTER_ID, undefined, { resumeState: state })).rejects.toMatchObject({ code: "ValidationError" });
  });

  it("connects once for the whole wait, and again only when the kept credentials are refused (unauthorized)", async () => {
    const d = deps([observation(0), observation(1), observation(2)]);
    let posts = 0;
    const list = d.listCredential;
    d.listCredential = async (kind, signal) => (posts++, list(kind, signal));
    const result = await runDataPlaneWait(d, CLUSTER_ID, { mode: "NFTABLES" }, { timeoutInMs: 60_000 });
    expect(result.verdict).toBe("converged");
    expect(d.calls).toBe(3);
    expect(posts).toBe(1);

    // The second pass's kept kubeconfig is refused: one new POST, and the pass's verdict is the fresh connection's.
    const base = deps([observation(0), observation(1), observation(2)]);
    let refreshes = 0;
    let refused = false;
    const e: DataPlaneDeps = {
      ...base,
      listCredential: async (kind, signal) => (refreshes++, base.listCredential(kind, signal)),
      observe: async (o) => {
        if (base.calls === 1 && !refused) {
          refused = true;
          throw new UnreachableSignal({ reason: "unauthorized", statusCode: 401, message: "401", advice: "sign in" });
        }
        return base.observe!(o);
      },
    };
    const events: string[] = [];
    const again = await runDataPlaneWait(e, CLUSTER_ID, { mode: "NFTABLES" }, { timeoutInMs: 60_000, onProgress: (p) => events.push(`${p.verdict} ${p.convergedNodes}`) });
    expect(again.verdict).toBe("converged");
    expect(events).toEqual(["rolling-out 0", "rolling-out 1", "converged 2"]);
    expect(refreshes).toBe(2);
  });

  it("stops at the caller's abort with AbortedError, while still rolling out", async () => {
    const controller = new AbortController();
    const d = deps([observation(0)]);
    const waiting = runDataPlaneWait(d, CLUSTER_ID, { mode: "NFTABLES" }, { timeoutInMs: 3_600_000, abortSignal: controller.signal, onProgress: () => controller.abort() });
    await expect(waiting).rejects.toMatchObject({ code: "Aborted" });
  });
});
