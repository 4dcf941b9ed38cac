/**
 * The SDK's reads take `timeoutInMs`: a GET Azure never answers (the emulator's `slow` fault holds it for 10 minutes)
 * ends in OperationTimeoutError (code `Timeout`), and the held request is still unanswered when the call returns (the
 * emulator logs a request once it answers it). Reads Azure answers are unchanged by the bound.
 */
import { isKubeProxyError, OperationTimeoutError, ValidationError, withDeadline } from "@aks-kube-proxy/sdk";
import { startTestEmulator, type TestEmulator } from "../../../test/support/emulator";

const RG = "rg-reads";
const HOLD_MS = 600_000;

describe("reads bounded by timeoutInMs", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({ clusters: [{ resourceGroup: RG, name: "held" }, { resourceGroup: RG, name: "answered" }] });
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => {
    t.em.control.clearFaults();
    t.em.control.clearRequestLog();
  });

  const gets = (pattern: RegExp): number => t.em.control.requestLog().filter((r) => r.method === "GET" && pattern.test(r.path)).length;

  it("getCluster gives up on a GET never answered: Timeout naming the cluster, the GET still held", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "managedClusters/held$", count: 100, delayMs: HOLD_MS });
    const error = await t.client().getCluster({ resourceGroup: RG, name: "held" }, { timeoutInMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationTimeoutError);
    expect(isKubeProxyError(error) && error.code).toBe("Timeout");
    expect((error as Error).message).toContain(`Reading ${RG}/held timed out after 300ms`);
    expect(gets(/managedClusters\/held$/i)).toBe(0);
  });

  it("listClusters and getPreviewStatus give up too; an answered read is unchanged by the bound", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "managedClusters$", count: 100, delayMs: HOLD_MS });
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "features/KubeProxyConfigurationPreview$", count: 100, delayMs: HOLD_MS });
    const client = t.client();
    await expect(client.listClusters({ timeoutInMs: 300 })).rejects.toMatchObject({ code: "Timeout" });
    await expect(client.getPreviewStatus({ timeoutInMs: 300 })).rejects.toMatchObject({ code: "Timeout" });
    expect(gets(/managedClusters$/i) + gets(/features\/KubeProxyConfigurationPreview$/i)).toBe(0);
    expect((await client.getCluster({ resourceGroup: RG, name: "answered" }, { timeoutInMs: 30_000 })).name).toBe("answered");
  });

  it("the caller's abort is still an abort, not a timeout; a timeoutInMs that is not a positive number is a ValidationError", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "managedClusters/held$", count: 100, delayMs: HOLD_MS });
    const controller = new AbortController();
    const pending = t.client().getCluster({ resourceGroup: RG, name: "held" }, { timeoutInMs: 60_000, abortSignal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "Aborted" });
    await expect(t.client().getCluster({ resourceGroup: RG, name: "answered" }, { timeoutInMs: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(withDeadline({ timeoutInMs: -1, what: "x" }, async () => 1)).rejects.toBeInstanceOf(ValidationError);
  });
});
