/**
 * The `arm-emulator` command (built dist/bin.js, as a user runs it): prints URL, CA path and
 * credentials, serves the seed, logs requests with --verbose without secrets, stops on SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as https from "node:https";
import { waitFor } from "./support";

const BIN = join(__dirname, "..", "dist", "bin.js");

function get(url: string, ca: string, headers: Record<string, string> = {}, method = "GET", body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("arm-emulator bin", () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "arm-emulator-bin-"));
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  (existsSync(BIN) ? it : it.skip)("starts from a seed file, prints how to connect, serves the seed and stops on SIGTERM", async () => {
    const seed = join(dir, "fixtures.json");
    await writeFile(seed, JSON.stringify({ clusters: [{ resourceGroup: "demo", name: "aks1", kubeProxyConfig: { enabled: true, mode: "IPVS" } }], timings: { operationMs: 10 } }));
    child = spawn(process.execPath, [BIN, "--port", "0", "--seed", seed, "--verbose"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const start = Date.now();
    while (!stdout.includes("Control API")) {
      if (Date.now() - start > 15000) throw new Error(`bin did not start: ${stdout} ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const env = Object.fromEntries([...stdout.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(env).sort()).toEqual(["AZURE_AUTHORITY_HOST", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID", "NODE_EXTRA_CA_CERTS"]);
    expect(stdout).toContain(`CA certificate: ${env.NODE_EXTRA_CA_CERTS}`);
    const ca = await readFile(env.NODE_EXTRA_CA_CERTS!, "utf8");
    const url = env.AZURE_AUTHORITY_HOST!;

    const tokenAnswer = await get(
      `${url}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
      ca,
      { "Content-Type": "application/x-www-form-urlencoded" },
      "POST",
      `grant_type=client_credentials&client_id=${env.AZURE_CLIENT_ID}&client_secret=${encodeURIComponent(env.AZURE_CLIENT_SECRET!)}&scope=${encodeURIComponent("https://management.azure.com/.default")}`,
    );
    expect(tokenAnswer.status).toBe(200);
    const token = (JSON.parse(tokenAnswer.text) as { access_token: string }).access_token;
    const cluster = await get(
      `${url}/subscriptions/${env.AZURE_SUBSCRIPTION_ID}/resourceGroups/demo/providers/Microsoft.ContainerService/managedClusters/aks1?api-version=2026-08-02-preview`,
      ca,
      { Authorization: `Bearer ${token}` },
    );
    expect(cluster.status).toBe(200);
    expect(JSON.parse(cluster.text)).toMatchObject({ name: "aks1", properties: { networkProfile: { kubeProxyConfig: { enabled: true, mode: "IPVS" } } } });
    // The log line is written when the answer is sent; it may reach this process's pipe just after the answer.
    await waitFor(() => stderr.includes("GET /subscriptions/"), 10000);
    expect(stderr).toContain("GET /subscriptions/");
    expect(stderr).not.toContain(token);
    expect(stderr).not.toContain(env.AZURE_CLIENT_SECRET);

    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    child = undefined;
    expect(existsSync(env.NODE_EXTRA_CA_CERTS!)).toBe(false);
  });

  (existsSync(BIN) ? it : it.skip)("refuses a bad --port with exit code 3", async () => {
    const proc = spawn(process.execPath, [BIN, "--port", "nope"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => proc.once("exit", resolve));
    expect(code).toBe(3);
    expect(stderr).toContain("--port");
  });

  (existsSync(BIN) ? it : it.skip)("refuses a seed file it cannot use (unreadable, a bad cluster, a value out of range) with exit code 3", async () => {
    const bad = join(dir, "bad-cluster.json");
    await writeFile(bad, JSON.stringify({ clusters: [1] }));
    const outOfRange = join(dir, "out-of-range.json");
    await writeFile(outOfRange, JSON.stringify({ timings: { operationMs: -5 } }));
    const badKubeFault = join(dir, "bad-kube-fault.json");
    await writeFile(badKubeFault, JSON.stringify({ kubeFaults: [{ kind: "kube-unreachable", cluster: { resourceGroup: "rg", name: "aks" }, how: "later" }] }));
    for (const [seed, says] of [
      [join(dir, "missing.json"), "Cannot read the seed file"],
      [bad, "clusters[0]"],
      [outOfRange, '"operationMs"'],
      [badKubeFault, '"how" must be "hang" or "refuse"'],
    ] as const) {
      const proc = spawn(process.execPath, [BIN, "--seed", seed], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => proc.once("exit", resolve));
      expect({ seed, code }).toEqual({ seed, code: 3 });
      expect(stderr).toContain(says);
      expect(stderr).toContain("Fix the seed file");
    }
  });
});
