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
