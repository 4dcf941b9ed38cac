/**
 * The kubeconfig ARM hands out works with kubectl unchanged (the held-out check reads the data plane with a client of
 * its own): `get --raw` through nodes/proxy, label selectors, `rollout status` (kubectl's own rule over a watch).
 * Skipped where kubectl is not installed.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { startTestEmulator, type TestEmulator } from "./support";

const run = promisify(execFile);
const kubectl = (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "kubectl")).find((p) => existsSync(p));

(kubectl ? describe : describe.skip)("kubectl through the kubeconfig from listClusterUserCredential", () => {
  let t: TestEmulator;
  let dir: string;
  let kubeconfigPath: string;
  const k = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(kubectl as string, args, { env: { ...process.env, KUBECONFIG: kubeconfigPath, HOME: dir }, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  };

  beforeEach(async () => {
    t = await startTestEmulator({ aksThrottling: false, timings: { kubeProxyRolloutPerNodeMs: 0 }, clusters: [{ resourceGroup: "rg", name: "aks1", kubeProxyConfig: { enabled: true, mode: "IPVS" } }] });
    dir = mkdtempSync(join(tmpdir(), "kubectl-"));
    kubeconfigPath = join(dir, "kubeconfig");
    const result = await t.aks("2026-08-02-preview").managedClusters.listClusterUserCredentials("rg", "aks1");
    writeFileSync(kubeconfigPath, Buffer.from(result.kubeconfigs?.[0]?.value ?? new Uint8Array()));
  });
  afterEach(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads nodes by label, the kube-proxy command, /proxyMode with get --raw, and rollout status says rolled out", async () => {
    const nodes = await k("get", "nodes", "-l", "kubernetes.io/os=linux", "-o", "jsonpath={.items[*].metadata.name}");
    expect(nodes.code).toBe(0);
    const names = nodes.stdout.trim().split(/\s+/);
    expect(names).toHaveLength(3);
    const command = await k("-n", "kube-system", "get", "daemonset", "kube-proxy", "-o", "jsonpath={.spec.template.spec.containers[0].command}");
    expect(JSON.parse(command.stdout)).toContain("--proxy-mode=ipvs");
    const mode = await k("get", "--raw", `/api/v1/nodes/${names[0]}:10249/proxy/proxyMode`);
    expect(mode).toMatchObject({ code: 0, stdout: "ipvs" });
    const pods = await k("-n", "kube-system", "get", "pods", "-l", "component=kube-proxy", "-o", "name");
    expect(pods.stdout.trim().split("\n")).toHaveLength(3);
    // kubectl get asks for server-side Tables: the columns it prints for AKS.
    const table = await k("get", "nodes");
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    expect(table.stdout).toContain(`${names[0]}   Ready    <none>`);
    const ds = await k("-n", "kube-system", "get", "daemonset", "kube-proxy");
    expect(ds.stdout.split("\n")[1]).toMatch(/^kube-proxy\s+3\s+3\s+3\s+3\s+3\s+kubernetes\.io\/os=linux\s+\S+$/);
    const rollout = await k("-n", "kube-system", "rollout", "status", "daemonset/kube-proxy", "--timeout=30s");
    expect(rollout).toMatchObject({ code: 0, stdout: expect.stringContaining('daemon set "kube-proxy" successfully rolled out') });
  });

  it("rollout status never reports success while a node is stuck on the old pod", async () => {
    t.em.control.addKubeFault({ kind: "kube-node-stuck", cluster: { resourceGroup: "rg", name: "aks1" } });
    const get = await t.aks("2026-08-02-preview").managedClusters.get("rg", "aks1");
    const { id: _id, name: _name, type: _type, systemData: _s, ...body } = get;
    await t.aks("2026-08-02-preview").managedClusters.beginCreateOrUpdateAndWait("rg", "aks1", { ...body, networkProfile: { ...body.networkProfile, kubeProxyConfig: { enabled: true, mode: "IPTABLES" } } }, { updateIntervalInMs: 5, requestOptions: { customHeaders: { AKSHTTPCustomFeatures: "Microsoft.ContainerService/KubeProxyConfigurationPreview" } } });
    const rollout = await k("-n", "kube-system", "rollout", "status", "daemonset/kube-proxy", "--timeout=2s");
    expect(rollout.code).not.toBe(0);
    expect(rollout.stdout).toContain("2 out of 3 new pods have been updated");
    expect(rollout.stdout).not.toContain("successfully rolled out");
  });
});
