import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import {
  AbortedError,
  ClusterBusyError,
  ClusterExistsError,
  FEATURE_NAME,
  OperationFailedError,
  PlanBlockedError,
  PreconditionFailedError,
  PreviewNotEnabledError,
  UnauthorizedError,
  type ApplyProgress,
  type KubeProxyConfig,
  type LogEntry,
} from "@aks-kube-proxy/sdk";
import type { LoggedRequest } from "@aks-kube-proxy/arm-emulator";
import { startTestEmulator, type TestEmulator } from "../../../test/support/emulator";

const RG = "rg";
const ref = (name: string) => ({ resourceGroup: RG, name });
const writes = (log: LoggedRequest[]) => log.filter((r) => r.kind === "write");
const clusterWrites = (log: LoggedRequest[], name: string) => log.filter((r) => r.method === "PUT" && r.path.endsWith(`/managedClusters/${name}`));

/** Seeds: an ordinary cluster with a property unknown to the SDK model, an Azure-policy cluster, an old one, a BYO-CNI one. */
const CLUSTERS = [
  { resourceGroup: RG, name: "plain", kubernetesVersion: "1.33.2", extraProperties: { hostedSystemProfile: { enabled: true, note: "unknown to @azure/arm-containerservice 21.2.0-beta.1" }, futureSetting: [1, "two", { three: null }] } },
  { resourceGroup: RG, name: "azpolicy", networkPolicy: "azure" },
  { resourceGroup: RG, name: "old", kubernetesVersion: "1.31.4" },
  { resourceGroup: RG, name: "byocni", networkPlugin: "none" },
  { resourceGroup: RG, name: "ipvs", kubeProxyConfig: { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } } },
];

describe("apply against the emulator", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({ clusters: CLUSTERS, registeredFeatures: [{ name: FEATURE_NAME }] });
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => {
    t.em.control.reset();
  });

  test.each<[string, string, KubeProxyConfig]>([
    ["IPTABLES", "ipvs", { enabled: true, mode: "IPTABLES" }],
    ["IPVS", "plain", { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "LeastConnection", tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 } }],
    ["NFTABLES", "plain", { enabled: true, mode: "NFTABLES" }],
  ])("applies mode %s (cluster %s), waits for the operation and verifies by reading back", async (mode, name, desired) => {
    const progress: ApplyProgress["phase"][] = [];
    const result = await t.client().apply(ref(name), desired, { onProgress: (e) => progress.push(e.phase) });
    expect(result.changed).toBe(true);
    expect(result.writes).toBe(1);
    expect(result.after.mode).toBe(mode);
    expect(result.operationUrl).toMatch(/\/operations\//);
    expect(result.requestIds.length).toBeGreaterThanOrEqual(3);
    expect(t.em.control.getCluster(ref(name))?.["properties"]).toMatchObject({ networkProfile: { kubeProxyConfig: desired } });
    expect(t.em.control.effectiveKubeProxyMode(ref(name))).toBe(mode);
    expect(progress).toEqual(expect.arrayContaining(["reading", "writing", "accepted", "polling", "verifying"]));
    expect(progress.indexOf("writing")).toBeLessThan(progress.indexOf("verifying"));
  });

  test("every other cluster property is byte-for-byte unchanged, including properties unknown to the SDK model", async () => {
    const before = t.em.control.getCluster(ref("plain"))!;
    // capture the exact bytes of the PUT as they leave the pipeline (the emulator's log redacts some body fields)
    const bodies: string[] = [];
    const capture: PipelinePolicy = {
      name: "capturePutBody",
      sendRequest(request, next) {
        if (request.method === "PUT") bodies.push(String(request.body));
        return next(request);
      },
    };
    await t.client({ additionalPolicies: [{ policy: capture, position: "perRetry" }] }).apply(ref("plain"), { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } });
    const after = t.em.control.getCluster(ref("plain"))!;
    expect(bodies).toHaveLength(1);
    const sent = JSON.parse(bodies[0]!) as Record<string, Record<string, Record<string, unknown>>>;
    expect(sent["properties"]!["networkProfile"]!["kubeProxyConfig"]).toEqual({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin" } });
    expect(sent["properties"]!["hostedSystemProfile"]).toEqual({ enabled: true, note: "unknown to @azure/arm-containerservice 21.2.0-beta.1" });
    const strip = (raw: Record<string, unknown>) => {
      const copy = structuredClone(raw) as Record<string, Record<string, Record<string, unknown>>>;
      delete copy["properties"]!["networkProfile"]!["kubeProxyConfig"];
      delete (copy as Record<string, unknown>)["eTag"];
      return copy;
    };
    // the body we PUT is the cluster exactly as read (same bytes, same key order) but for kubeProxyConfig
    expect(JSON.stringify(strip(sent))).toBe(JSON.stringify(strip(before)));
    // and the stored cluster is unchanged but for kubeProxyConfig (and the etag) - the emulator may order keys differently
    expect(strip(after)).toStrictEqual(strip(before));
    expect(after["properties"]).toMatchObject({ hostedSystemProfile: { enabled: true }, futureSetting: [1, "two", { three: null }] });
  });

  test("idempotence: a second apply of the same settings makes zero writes", async () => {
    const desired = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin", udpTimeoutSeconds: 30 } };
    await t.client().apply(ref("plain"), desired);
    t.em.control.clearRequestLog();
    const second = await t.client().apply(ref("plain"), desired);
    expect(second).toMatchObject({ changed: false, writes: 0 });
    expect(writes(t.em.control.requestLog())).toEqual([]);
  });

  test("a cluster that never had kubeProxyConfig already matches enabled IPTABLES: zero writes", async () => {
    const result = await t.client().apply(ref("plain"), { enabled: true, mode: "IPTABLES" });
    expect(result.changed).toBe(false);
    expect(writes(t.em.control.requestLog())).toEqual([]);
  });

  test("IPVS with Azure Network Policy is refused before any write", async () => {
    const error = await t.client().apply(ref("azpolicy"), { mode: "IPVS" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanBlockedError);
    expect((error as PlanBlockedError).findings.map((f) => f.id)).toEqual(["ipvs-with-azure-network-policy"]);
    expect(writes(t.em.control.requestLog())).toEqual([]);
  });

  test("NFTABLES on Kubernetes 1.31 is refused before any write (Azure would accept it and keep iptables)", async () => {
    await expect(t.client().apply(ref("old"), { mode: "NFTABLES" })).rejects.toMatchObject({ code: "PlanBlocked", findings: [expect.objectContaining({ id: "nftables-needs-k8s-1.33" })] });
    expect(writes(t.em.control.requestLog())).toEqual([]);
  });

  test("recovers from 429 throttling, 503 and a dropped connection", async () => {
    t.em.control.addFault({ kind: "status", status: 429, method: "GET", pathPattern: "managedClusters/plain$", count: 2, retryAfterSeconds: 0 });
    t.em.control.addFault({ kind: "status", status: 503, method: "PUT", pathPattern: "managedClusters/plain$", count: 1 });
    t.em.control.addFault({ kind: "drop", method: "PUT", pathPattern: "managedClusters/plain$", count: 1 });
    t.em.control.addFault({ kind: "drop", method: "GET", pathPattern: "/operations/", count: 1 });
    const result = await t.client().apply(ref("plain"), { mode: "NFTABLES" });
    expect(result.after.mode).toBe("NFTABLES");
    const statuses = t.em.control.requestLog().filter((r) => r.path.endsWith("/managedClusters/plain")).map((r) => r.status);
    expect(statuses).toEqual(expect.arrayContaining([429, 503]));
    expect(clusterWrites(t.em.control.requestLog(), "plain").filter((r) => r.status === 200 || r.status === 201)).toHaveLength(1);
  });

  test("a server's huge Retry-After (on 429 and on operation polls) is honoured but clamped", async () => {
    t.em.control.setTimings({ retryAfterSeconds: 3600 });
    t.em.control.addFault({ kind: "status", status: 429, method: "GET", pathPattern: "managedClusters/plain$", count: 1, retryAfterSeconds: 3600 });
    // maxRetryDelayInMs clamps the pipeline's throttling retry; maxRetryAfterInMs clamps our pollers
    const result = await t.client({ retry: { maxRetryDelayInMs: 20 }, polling: { maxRetryAfterInMs: 20 } }).apply(ref("plain"), { mode: "IPVS" });
    expect(result.changed).toBe(true);
    expect(t.em.control.requestLog().filter((r) => r.status === 429)).toHaveLength(1);
  });

  test("waitForOperation follows an operation URL to its end", async () => {
    t.em.control.setTimings({ operationMs: 300 });
    const controller = new AbortController();
    const aborted = await t
      .client()
      .apply(ref("plain"), { mode: "IPVS" }, { abortSignal: controller.signal, onProgress: (e) => e.phase === "accepted" && controller.abort() })
      .catch((e: unknown) => e as AbortedError);
    expect(aborted).toBeInstanceOf(AbortedError);
    const url = (aborted as AbortedError).operationUrl!;
    const polls: string[] = [];
    await t.client().waitForOperation(url, { onProgress: (e) => e.phase === "polling" && polls.push(e.status) });
    expect(polls.length).toBeGreaterThan(0);
    await expect(t.client().waitForOperation("https://elsewhere.example/op")).rejects.toMatchObject({ code: "ValidationError" });
  });

  test("listClusters follows nextLink across pages", async () => {
    const paged = await startTestEmulator({ clusters: CLUSTERS, listPageSize: 2 });
    try {
      const all = await paged.client().listClusters();
      expect(all).toHaveLength(CLUSTERS.length);
      expect(paged.em.control.requestLog().filter((r) => r.path.endsWith("/managedClusters") && r.method === "GET").length).toBe(3);
    } finally {
      await paged.stop();
    }
  });

  test("a 409 OperationNotAllowed (operation in flight) is waited out and the write retried", async () => {
    t.em.control.addFault({ kind: "status", status: 409, method: "PUT", pathPattern: "managedClusters/plain$", count: 2, armCode: "OperationNotAllowed" });
    const progress: ApplyProgress[] = [];
    const result = await t.client().apply(ref("plain"), { mode: "IPVS" }, { onProgress: (e) => progress.push(e) });
    expect(result).toMatchObject({ changed: true, writes: 1 });
    expect(clusterWrites(t.em.control.requestLog(), "plain").map((r) => r.status)).toEqual([409, 409, 200]);
    expect(progress.filter((e) => e.phase === "retrying")).toHaveLength(2);
  });

  test("a cluster still Updating is waited for before writing", async () => {
    t.em.control.updateCluster(ref("plain"), (raw) => {
      (raw["properties"] as Record<string, unknown>)["provisioningState"] = "Updating";
    });
    const events: ApplyProgress[] = [];
    const result = await t.client().apply(ref("plain"), { mode: "IPVS" }, {
      onProgress: (e) => {
        events.push(e);
        if (e.phase === "waiting-for-cluster" && events.filter((x) => x.phase === "waiting-for-cluster").length === 2) {
          t.em.control.updateCluster(ref("plain"), (raw) => {
            (raw["properties"] as Record<string, unknown>)["provisioningState"] = "Succeeded";
          });
        }
      },
    });
    expect(result.changed).toBe(true);
    expect(events.filter((e) => e.phase === "waiting-for-cluster")[0]).toEqual({ phase: "waiting-for-cluster", provisioningState: "Updating" });
  });

  test("a cluster busy beyond the timeout fails with ClusterBusyError carrying the ARM code", async () => {
    // The refusal asks for a minute's wait (Retry-After: 60), so the 3 s deadline always falls after the first 409 and
    // during that wait, however slow the machine: the timeout is reported as the busy cluster, not as a lost write.
    t.em.control.addFault({ kind: "status", status: 409, method: "PUT", pathPattern: "managedClusters/plain$", count: 1000, armCode: "OperationNotAllowed", retryAfterSeconds: 60 });
    const error = await t.client({ polling: { maxRetryAfterInMs: 60_000 }, retry: { maxRetryDelayInMs: 60_000 } }).apply(ref("plain"), { mode: "IPVS" }, { timeoutInMs: 3000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterBusyError);
    expect(error).toMatchObject({ code: "ClusterBusy", armCode: "OperationNotAllowed", statusCode: 409 });
    expect((error as Error).message).toMatch(/still busy after .*another operation is in progress \(OperationNotAllowed\)/);
    expect(clusterWrites(t.em.control.requestLog(), "plain").map((r) => r.status)).toEqual([409]);
  });

  test("a stale etag (another writer between our read and write) is re-read once and applied on top of the other change", async () => {
    let drifted = 0;
    const concurrentWriter: PipelinePolicy = {
      name: "concurrentWriter",
      sendRequest(request, next) {
        if (request.method === "PUT" && drifted === 0) {
          drifted++;
          t.em.control.updateCluster(ref("plain"), (raw) => {
            raw["tags"] = { ...(raw["tags"] as Record<string, string>), owner: "someone-else" };
          });
        }
        return next(request);
      },
    };
    const result = await t.client({ additionalPolicies: [{ policy: concurrentWriter, position: "perCall" }] }).apply(ref("plain"), { mode: "IPVS" });
    expect(result.changed).toBe(true);
    expect(clusterWrites(t.em.control.requestLog(), "plain").map((r) => r.status)).toEqual([412, 200]);
    expect(clusterWrites(t.em.control.requestLog(), "plain")[0]!.requestHeaders["if-match"]).toBeDefined();
    expect(t.em.control.getCluster(ref("plain"))?.["tags"]).toMatchObject({ owner: "someone-else" });
  });

  test("a second stale etag in a row surfaces PreconditionFailedError", async () => {
    const alwaysDrift: PipelinePolicy = {
      name: "alwaysDrift",
      sendRequest(request, next) {
        if (request.method === "PUT") t.em.control.updateCluster(ref("plain"), (raw) => void (raw["tags"] = { n: String(Math.random()) }));
        return next(request);
      },
    };
    const error = await t.client({ additionalPolicies: [{ policy: alwaysDrift, position: "perCall" }] }).apply(ref("plain"), { mode: "IPVS" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error).toMatchObject({ code: "PreconditionFailed", statusCode: 412 });
  });

  test("an operation that ends Failed surfaces the ARM error code", async () => {
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "managedClusters/plain$", count: 1, armCode: "KubeProxyUpdateFailed", message: "node image rollout failed" });
    const error = await t.client().apply(ref("plain"), { mode: "IPVS" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationFailedError);
    expect(error).toMatchObject({ code: "OperationFailed", armCode: "KubeProxyUpdateFailed", status: "Failed" });
    expect((error as Error).message).toContain("node image rollout failed");
  });

  test("aborting while the operation is polled rejects with AbortedError, and the run can be resumed from the operation URL", async () => {
    // long enough to abort while it runs, short enough for the resumed wait
    t.em.control.setTimings({ operationMs: 400 });
    const controller = new AbortController();
    const error = await t
      .client()
      .apply(ref("plain"), { mode: "IPVS" }, { abortSignal: controller.signal, onProgress: (e) => e.phase === "polling" && controller.abort() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    const operationUrl = (error as AbortedError).operationUrl!;
    expect(operationUrl).toMatch(/\/operations\//);

    t.em.control.clearRequestLog();
    const resumed = await t.client().apply(ref("plain"), { mode: "IPVS" }, { resumeOperationUrl: operationUrl });
    expect(resumed).toMatchObject({ changed: true, writes: 0, operationUrl });
    expect(writes(t.em.control.requestLog())).toEqual([]);
  });

  test("{} after disabling kube-proxy on a BYO-CNI cluster: apply converges and a second apply makes no write", async () => {
    const client = t.client();
    const first = await client.apply(ref("byocni"), { enabled: false }, { allowDisable: true });
    expect(first.changed).toBe(true);
    expect(t.em.control.effectiveKubeProxyMode(ref("byocni"))).toBe("DISABLED");
    // Azure may then return {} for the disabled cluster (azure-rest-api-specs #22208)
    t.em.control.updateCluster(ref("byocni"), (raw) => {
      ((raw["properties"] as Record<string, Record<string, unknown>>)["networkProfile"]!)["kubeProxyConfig"] = {};
    });
    t.em.control.clearRequestLog();
    const second = await client.apply(ref("byocni"), { enabled: false }, { allowDisable: true });
    expect(second).toMatchObject({ changed: false, writes: 0 });
    expect(second.cluster.kubeProxyConfig).toEqual({});
    expect(writes(t.em.control.requestLog())).toEqual([]);
  });

  test("disabling kube-proxy without allowDisable is refused before any write", async () => {
    await expect(t.client().apply(ref("byocni"), { enabled: false })).rejects.toMatchObject({ code: "PlanBlocked", findings: [expect.objectContaining({ id: "disable-kube-proxy" })] });
    expect(writes(t.em.control.requestLog())).toEqual([]);
  });

  test("plan writes nothing and lists the changes", async () => {
    const plan = await t.client().plan(ref("ipvs"), { mode: "NFTABLES" });
    expect(plan.changes.map((c) => c.path)).toEqual(["mode", "ipvsConfig.scheduler"]);
    expect(plan.warnings.map((w) => w.id)).toContain("mode-change-disrupts-traffic");
    expect(writes(t.em.control.requestLog())).toEqual([]);
  });

  test("getCluster and listClusters read through the preview api-version", async () => {
    const cluster = await t.client().getCluster({ id: `/subscriptions/${t.em.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/ipvs` });
    expect(cluster).toMatchObject({ name: "ipvs", resourceGroup: RG, kubeProxyConfig: { mode: "IPVS" }, effective: { enabled: true, mode: "IPVS" }, provisioningState: "Succeeded" });
    expect(cluster.etag).toBeDefined();
    const list = await t.client().listClusters({ resourceGroup: RG });
    expect(list.map((c) => c.name).sort()).toEqual(CLUSTERS.map((c) => c.name).sort());
    expect(t.em.control.requestLog().filter((r) => r.kind === "read").every((r) => r.query["api-version"] === "2026-08-02-preview")).toBe(true);
    await expect(t.client().getCluster(ref("missing"))).rejects.toMatchObject({ code: "ClusterNotFound", statusCode: 404 });
  });

  test("logs go to the hook, never with a token", async () => {
    const entries: LogEntry[] = [];
    await t.client({ logger: (e) => entries.push(e) }).apply(ref("plain"), { mode: "IPVS" });
    const token = (await t.credential.getToken(`${t.em.url}/.default`))!.token;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.some((e) => e.message.includes(token))).toBe(false);
    expect(t.em.control.requestLog().some((r) => JSON.stringify(r).includes(token))).toBe(false);
  });

  test("a bad credential gives UnauthorizedError without echoing the token", async () => {
    const bogus = "not-a-real-token-abc123";
    const client = t.client({ credential: { getToken: async () => ({ token: bogus, expiresOnTimestamp: Date.now() + 3_600_000 }) } });
    const error = await client.getCluster(ref("plain")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain(bogus);
  });

  test("a credential that cannot get a token gives UnauthorizedError that says how to log in", async () => {
    const client = t.client({
      credential: {
        getToken: async () => {
          const e = new Error("EnvironmentCredential: AZURE_TENANT_ID is not set. ManagedIdentityCredential: no endpoint. AzureCliCredential: az not found.");
          e.name = "AggregateAuthenticationError";
          throw e;
        },
      },
    });
    const before = t.em.control.requestLog().length;
    const error = await client.getCluster(ref("plain")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).code).toBe("Unauthorized");
    expect((error as Error).message).toMatch(/AzureCliCredential: az not found[\s\S]*az login/);
    expect(t.em.control.requestLog().length).toBe(before);
  });

  test("createCluster creates with the settings and waits; an existing cluster is refused; deleteCluster waits", async () => {
    const client = t.client();
    const created = await client.createCluster({ resourceGroup: RG, name: "fresh", kubernetesVersion: "1.33.2", kubeProxyConfig: { mode: "NFTABLES" } });
    expect(created).toMatchObject({ name: "fresh", kubeProxyConfig: { mode: "NFTABLES" }, provisioningState: "Succeeded" });
    expect(clusterWrites(t.em.control.requestLog(), "fresh").map((r) => r.status)).toEqual([201]);
    await expect(client.createCluster({ resourceGroup: RG, name: "fresh" })).rejects.toBeInstanceOf(ClusterExistsError);
    await client.deleteCluster(ref("fresh"));
    expect(t.em.control.getCluster(ref("fresh"))).toBeUndefined();
    await expect(client.deleteCluster(ref("fresh"))).resolves.toBeUndefined();
  });

  test("deleteCluster with wait:false returns after the 202", async () => {
    t.em.control.setTimings({ operationMs: 60_000 });
    await t.client().deleteCluster(ref("old"), { wait: false });
    const del = t.em.control.requestLog().filter((r) => r.method === "DELETE");
    expect(del.map((r) => r.status)).toEqual([202]);
    expect(t.em.control.requestLog().filter((r) => r.kind === "poll")).toEqual([]);
  });
});

describe("the preview gate", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({ clusters: CLUSTERS });
  });
  afterAll(async () => {
    await t.stop();
  });

  test("apply before enable-preview fails with PreviewNotEnabledError that says to run enable-preview; enable-preview then apply works", async () => {
    const error = await t.client().apply(ref("plain"), { mode: "IPVS" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreviewNotEnabledError);
    expect(error).toMatchObject({ code: "PreviewNotEnabled", armCode: "KubeProxyConfigFeatureNotRegistered" });
    expect((error as Error).message).toContain("enable-preview");
    expect((t.em.control.getCluster(ref("plain"))?.["properties"] as Record<string, Record<string, unknown>>)["networkProfile"]!["kubeProxyConfig"]).toBeUndefined();

    await t.client().enablePreview();
    await expect(t.client().apply(ref("plain"), { mode: "IPVS" })).resolves.toMatchObject({ changed: true });
  });

  test("sendPreviewFeatureHeader passes the gate as Azure's own tests do", async () => {
    t.em.control.reset();
    const result = await t.client({ sendPreviewFeatureHeader: true }).apply(ref("plain"), { mode: "NFTABLES" });
    expect(result.changed).toBe(true);
    const put = clusterWrites(t.em.control.requestLog(), "plain")[0]!;
    expect(put.requestHeaders["akshttpcustomfeatures"]).toBe("Microsoft.ContainerService/KubeProxyConfigurationPreview");
  });
});
