/**
 * examples/existing-cluster, exactly as written, under the real Pulumi engine: a bad settings file, and SIGINT while
 * `pulumi up` waits for the cluster's long-running operation.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startEmulator, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import { clusterPutsOf, createEngineStack, type EngineStack, storedKubeProxyConfig, writesOf } from "./support/pulumi-engine";

jest.setTimeout(180_000);

const RG = "rg-failures";
const NAME = "aks-failures";
const CLUSTER = { resourceGroup: RG, name: NAME };
const BEFORE = { enabled: true, mode: "IPTABLES" };
const ROUND_ROBIN = { enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin", tcpTimeoutSeconds: 900 } };

let em: RunningEmulator;
let engine: EngineStack;
let settingsFile: string;

beforeAll(async () => {
  em = await startEmulator({
    throttling: false,
    clusters: [{ resourceGroup: RG, name: NAME, kubeProxyConfig: BEFORE }],
    registeredFeatures: [{ name: "KubeProxyConfigurationPreview" }],
  });
  settingsFile = join(mkdtempSync(join(tmpdir(), "engine-failures-")), "kube-proxy.json");
  engine = await createEngineStack({ example: "existing-cluster", em, config: { resourceGroupName: RG, clusterName: NAME, settingsFile } });
});

afterAll(async () => {
  await engine?.cleanup();
  await em?.stop();
  if (settingsFile !== undefined) rmSync(dirname(settingsFile), { recursive: true, force: true });
});

test("a bad settings file fails preview with the SDK's message naming the JSON path, and nothing is written", async () => {
  writeFileSync(settingsFile, JSON.stringify({ enabled: true, mode: "IPVS", ipvsConfig: { scheduler: "RoundRobin", TCPTimeoutSeconds: "900" } }));
  em.control.clearRequestLog();
  const failure = await engine.stack.preview({ ...engine.io }).then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  expect(failure).toBeDefined();
  expect(failure!.message).toMatch(/\$\.ipvsConfig\.TCPTimeoutSeconds: expected an integer number of seconds, found the string "900"/);
  expect(writesOf(em)).toEqual([]);
});

test("SIGINT while up waits for the cluster's operation, then up again: it finishes without a second PUT", async () => {
  writeFileSync(settingsFile, JSON.stringify(ROUND_ROBIN));
  em.control.setTimings({ operationMs: 5_000 });
  em.control.clearRequestLog();
  const abort = new AbortController();
  const interrupted = engine.stack.up({ ...engine.io, signal: abort.signal }).then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error: error as Error }),
  );
  // SIGINT once the cluster's PUT has been accepted, while its long-running operation still runs.
  let settled = false;
  void interrupted.then(() => (settled = true));
  while (clusterPutsOf(em, CLUSTER) === 0 && !settled) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(settled).toBe(false);
  abort.abort();
  const first = await interrupted;
  // Pulumi's first ^C cancels gracefully: the engine waits for the running create (the SDK waits for the cluster's
  // operation), records it in the state, then fails the update.
  expect(first.ok).toBe(false);
  expect(first.ok ? "" : first.error.message).toContain("update canceled");
  expect(first.ok ? "" : first.error.message).toMatch(/ClusterKubeProxySettings kube-proxy created/);
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);

  em.control.setTimings({ operationMs: 40 });
  const up = await engine.stack.up({ ...engine.io });
  expect(up.summary.result).toBe("succeeded");
  expect(clusterPutsOf(em, CLUSTER)).toBe(1);
  expect(storedKubeProxyConfig(em, CLUSTER)).toEqual(ROUND_ROBIN);
  expect(up.outputs["appliedSettings"]?.value).toEqual(ROUND_ROBIN);
  // What the cluster had before the interrupted up, not what that up wrote: destroy must put this back.
  expect(up.outputs["previousSettings"]?.value).toEqual(BEFORE);
});
