/**
 * End-to-end: `aks-kube-proxy status` against the emulator, and the errors every command shares (unknown cluster,
 * missing subscription, no credentials). Spawns the built binary; needs `pnpm build` first.
 */
import { armRequestsIn, baseEnv, emulatorEnv, emulatorFlags, parseJsonDocument, runCli, writesIn } from "../packages/cli/test/support/run-cli";
import { DOCS_SETTINGS, RG, TEST_CLUSTERS, useCliTestEmulator } from "../packages/cli/test/support/fixtures";

const t = useCliTestEmulator();

interface StatusDoc {
  subscriptionId: string;
  preview: { featureState: string; providerState: string };
  clusters: { name: string; resourceGroup: string; kubernetesVersion: string; networkPlugin: string; networkPolicy: string | null; provisioningState: string; kubeProxyConfig: unknown; effective: { enabled: boolean; mode: string } }[];
}

describe("status", () => {
  it("shows the preview state and one cluster's settings and facts as a table", async () => {
    const run = await runCli(["status", "-g", RG, "-n", "converged", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Preview KubeProxyConfigurationPreview: NotRegistered; provider Microsoft.ContainerService: Registered");
    const row = run.stdout.split("\n").find((l) => l.startsWith("converged"));
    expect(row).toBeDefined();
    expect(row).toMatch(/converged\s+rg-cli\s+1\.33\.2\s+azure\s+calico\s+Succeeded\s+IPVS LeastConnection tcp 900s fin 120s udp 300s\s+set/);
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("lists every cluster of the subscription with --all as one JSON document, reading {} and absent as IPTABLES", async () => {
    const run = await runCli(["status", "--all", "-o", "json", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(0);
    const doc = parseJsonDocument<StatusDoc>(run);
    expect(doc.subscriptionId).toBe(t.em.subscriptionId);
    expect(doc.preview).toEqual({ featureState: "NotRegistered", providerState: "Registered" });
    expect(doc.clusters.map((c) => c.name).sort()).toEqual(TEST_CLUSTERS.map((c) => c.name).sort());
    const byName = new Map(doc.clusters.map((c) => [c.name, c]));
    expect(byName.get("plain")).toMatchObject({ kubeProxyConfig: null, effective: { enabled: true, mode: "IPTABLES" }, networkPolicy: null });
    expect(byName.get("empty-config")).toMatchObject({ kubeProxyConfig: {}, effective: { enabled: true, mode: "IPTABLES" }, networkPlugin: "none" });
    expect(byName.get("converged")).toMatchObject({ kubeProxyConfig: DOCS_SETTINGS, effective: { mode: "IPVS" } });
    expect(byName.get("azure-policy")).toMatchObject({ networkPolicy: "azure", kubernetesVersion: "1.33.2", provisioningState: "Succeeded" });
  });

  it("lists the clusters of one resource group with -g alone", async () => {
    const run = await runCli(["status", "-g", "rg-other", "-o", "json", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(0);
    expect(parseJsonDocument<StatusDoc>(run).clusters.map((c) => c.name)).toEqual(["elsewhere"]);
  });

  it("reads clusters by full resource id with --ids", async () => {
    const id = (name: string): string => `/subscriptions/${t.em.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}`;
    const run = await runCli(["status", "--ids", id("plain"), id("converged"), "-o", "json", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(0);
    expect(parseJsonDocument<StatusDoc>(run).clusters.map((c) => c.name)).toEqual(["plain", "converged"]);
  });
});

describe("errors every command shares", () => {
  it("says an unknown cluster was not found and how to list clusters (exit 3, no write)", async () => {
    const run = await runCli(["status", "-g", RG, "-n", "no-such-cluster", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("rg-cli/no-such-cluster was not found");
    expect(run.stderr).toContain("aks-kube-proxy status --all");
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("refuses a malformed resource id before any request (exit 3)", async () => {
    const run = await runCli(["status", "--ids", "/subscriptions/x/clusters/y", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("/subscriptions/x/clusters/y");
    expect(armRequestsIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("asks for -g when only -n is given (exit 3)", async () => {
    const run = await runCli(["status", "-n", "plain", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("add -g <resource-group>");
  });

  it("asks for a subscription when neither --subscription nor AZURE_SUBSCRIPTION_ID is set (exit 3)", async () => {
    const env = emulatorEnv(t.em);
    delete env.AZURE_SUBSCRIPTION_ID;
    const run = await runCli(["status", "--all", ...emulatorFlags(t.em)], { env });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("--subscription");
    expect(run.stderr).toContain("AZURE_SUBSCRIPTION_ID");
    expect(armRequestsIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("lists the credentials it tried and how to log in when there is none (exit 1, nothing reaches ARM)", async () => {
    // No AZURE_CLIENT_* at all: DefaultAzureCredential. AZURE_TOKEN_CREDENTIALS=dev keeps it to the developer tools
    // (no managed-identity probe of 169.254.169.254, which tests must never send).
    const env = { ...baseEnv(), AZURE_SUBSCRIPTION_ID: t.em.subscriptionId, NODE_EXTRA_CA_CERTS: t.em.caPath, AZURE_AUTHORITY_HOST: t.em.url, AZURE_TOKEN_CREDENTIALS: "dev" };
    const run = await runCli(["status", "--all", "-o", "json", ...emulatorFlags(t.em)], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("No Azure credential could be obtained.");
    expect(run.stderr).toContain("Tried, in order (DefaultAzureCredential):");
    expect(run.stderr).toContain("AzureCliCredential");
    expect(run.stderr).toContain("az login");
    expect(run.stderr).toContain("AZURE_CLIENT_SECRET");
    const doc = parseJsonDocument<{ error: { code: string; tried: { credential: string }[] } }>(run);
    expect(doc.error.code).toBe("CredentialUnavailable");
    expect(doc.error.tried.length).toBeGreaterThan(0);
    expect(armRequestsIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("says the identity provider refused a wrong client secret, without printing it (exit 1)", async () => {
    const run = await runCli(["status", "--all", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em, { AZURE_CLIENT_SECRET: "not-the-secret" }) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("The identity provider refused the credential");
    expect(run.stderr).not.toContain("not-the-secret");
    expect(armRequestsIn(t.em.control.requestLog())).toHaveLength(0);
  });
});

describe("every command that reads gives up at its --timeout", () => {
  // The emulator logs a request once it answers it: a GET a `slow` fault holds for 10 minutes never appears in the log
  // while it is held. Each command must return (the test has 60 s) with Timeout, exit 1, the held request unanswered.
  const HOLD_MS = 600_000;
  const isGet = (pattern: RegExp) => (r: { method: string; path: string }) => r.method === "GET" && pattern.test(r.path);

  it("status -g -n --timeout 2s gives up on a cluster GET Azure never answers: exit 1, Timeout, the GET still unanswered", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "managedClusters/plain$", count: 1000, delayMs: HOLD_MS });
    const run = await runCli(["status", "-g", RG, "-n", "plain", "--timeout", "2s", "-o", "json", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Reading the preview's state and the clusters (--timeout 2s) timed out after 2s");
    expect(run.stderr).toContain("Nothing was written.");
    expect(parseJsonDocument<{ error: { code: string; exitCode: number } }>(run).error).toMatchObject({ code: "Timeout", exitCode: 1 });
    expect(t.em.control.requestLog().filter(isGet(/\/managedClusters\/plain$/i))).toHaveLength(0);
    expect(writesIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("status --all --timeout 2s gives up on a list Azure never answers (exit 1, Timeout, the list unanswered)", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "providers/Microsoft.ContainerService/managedClusters$", count: 1000, delayMs: HOLD_MS });
    const run = await runCli(["status", "--all", "--timeout", "2s", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("timed out after 2s");
    expect(t.em.control.requestLog().filter(isGet(/\/managedClusters$/i))).toHaveLength(0);
  });

  it("preview show --timeout 2s gives up on a feature GET Azure never answers (exit 1, Timeout, the GET unanswered)", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "features/KubeProxyConfigurationPreview$", count: 1000, delayMs: HOLD_MS });
    const run = await runCli(["preview", "show", "--timeout", "2s", "-o", "json", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Reading the preview's state (--timeout 2s) timed out after 2s");
    expect(parseJsonDocument<{ error: { code: string } }>(run).error.code).toBe("Timeout");
    expect(t.em.control.requestLog().filter(isGet(/\/features\/KubeProxyConfigurationPreview$/i))).toHaveLength(0);
  });

  it("rollout status and rollout merge --timeout 2s give up on a journal store that never answers (exit 1, Timeout, unanswered)", async () => {
    // The emulator stands in for a blob journal store that holds every request (an account key: no token needed).
    t.em.control.addFault({ kind: "slow", pathPattern: "^/devstoreaccount1/", count: 1000, delayMs: HOLD_MS });
    const journal = `${t.em.url}/devstoreaccount1/rollouts/r1`;
    const env = emulatorEnv(t.em, { AZURE_STORAGE_KEY: Buffer.from("not-a-real-key").toString("base64") });
    for (const command of ["status", "merge"]) {
      const run = await runCli(["rollout", command, "--journal", journal, "--timeout", "2s", "-o", "json", ...emulatorFlags(t.em)], { env });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Reading the journal ${journal} (--timeout 2s) timed out after 2s`);
      expect(parseJsonDocument<{ error: { code: string } }>(run).error.code).toBe("Timeout");
    }
    expect(t.em.control.requestLog().filter((r) => r.path.startsWith("/devstoreaccount1/"))).toHaveLength(0);
  });

  it("wait -g -n --timeout 2s gives up on a cluster GET Azure never answers: exit 1, Timeout, the GET still unanswered", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "managedClusters/plain$", count: 1000, delayMs: HOLD_MS });
    const run = await runCli(["wait", "-g", RG, "-n", "plain", "--timeout", "2s", "-o", "json", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Reading ${RG}/plain timed out after 2s`);
    expect(parseJsonDocument<{ error: { code: string } }>(run).error.code).toBe("Timeout");
    expect(t.em.control.requestLog().filter(isGet(/\/managedClusters\/plain$/i))).toHaveLength(0);
  });

  it("wait --operation URL --timeout 2s gives up on an operation status GET Azure never answers (exit 1, Timeout, the URL named, unanswered)", async () => {
    t.em.control.addFault({ kind: "slow", method: "GET", pathPattern: "/operations/", count: 1000, delayMs: HOLD_MS });
    const operationUrl = `${t.em.url}/subscriptions/${t.em.subscriptionId}/providers/Microsoft.ContainerService/locations/westus2/operations/0b0b0b0b-0000-0000-0000-000000000001?api-version=2016-03-30`;
    const run = await runCli(["wait", "-g", RG, "-n", "plain", "--operation", operationUrl, "--timeout", "2s", "-o", "json", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Waiting for the operation ${operationUrl} timed out after 2s: Azure had not answered its status.`);
    expect(parseJsonDocument<{ error: { code: string; operationUrl: string } }>(run).error).toMatchObject({ code: "Timeout", operationUrl });
    expect(t.em.control.requestLog().filter(isGet(/\/operations\//i))).toHaveLength(0);
  });

  it("status --timeout 2s gives up when the identity provider never answers the token request (exit 1, Timeout)", async () => {
    t.em.control.addFault({ kind: "slow", method: "POST", pathPattern: "/oauth2/v2\\.0/token$", count: 1000, delayMs: HOLD_MS });
    const run = await runCli(["status", "--all", "--timeout", "2s", "-o", "json", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(1);
    expect(parseJsonDocument<{ error: { code: string } }>(run).error.code).toBe("Timeout");
    expect(t.em.control.requestLog().filter((r) => r.kind === "token" && r.method === "POST")).toHaveLength(0);
    expect(armRequestsIn(t.em.control.requestLog())).toHaveLength(0);
  });

  it("status answers as before within its default --timeout (2m, in --help) and refuses a --timeout that is not a duration (exit 3)", async () => {
    const help = await runCli(["status", "--help"]);
    expect(help.stdout).toMatch(/--timeout <duration>[\s\S]*\(default: "2m"\)/);
    const ok = await runCli(["status", "-g", RG, "-n", "plain", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(ok.code).toBe(0);
    const bad = await runCli(["status", "--all", "--timeout", "soon", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('--timeout "soon" is not a duration. Use e.g. 90s, 30m, 1h or 1h30m.');
  });
});
