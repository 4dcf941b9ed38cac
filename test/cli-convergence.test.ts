/**
 * End-to-end: the CLI on clusters that are not converged although their settings match (Failed, held in an
 * operation), through the spawned binary against the emulator.
 */
import { EXAMPLE_SETTINGS, emulatorEnv, emulatorFlags, parseJsonDocument, runCli } from "../packages/cli/test/support/run-cli";
import { DOCS_SETTINGS, RG, useCliTestEmulator } from "../packages/cli/test/support/fixtures";

const t = useCliTestEmulator();
const docsFlags = ["--kube-proxy-config", EXAMPLE_SETTINGS];
const cli = (args: string[]) => runCli([...args, ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
const acceptedPuts = (name: string) => t.em.control.requestLog().filter((r) => r.method === "PUT" && r.path.endsWith(`/managedClusters/${name}`) && r.status >= 200 && r.status < 300);

describe("convergence through the CLI", () => {
  it("plan --detailed-exitcode exits 2 on a Failed cluster that has the desired settings and says why; apply reconciles it with one write", async () => {
    t.em.control.updateCluster({ resourceGroup: RG, name: "converged" }, (raw) => {
      (raw["properties"] as Record<string, unknown>)["provisioningState"] = "Failed";
    });
    const plan = await cli(["plan", "-g", RG, "-n", "converged", ...docsFlags, "--detailed-exitcode"]);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("reconcile (provisioningState Failed)");
    expect(plan.stdout).toContain("Plan: 1 to change, 0 unchanged.");

    const apply = await cli(["apply", "-g", RG, "-n", "converged", ...docsFlags, "--yes"]);
    expect(apply.code).toBe(0);
    expect(acceptedPuts("converged")).toHaveLength(1);
    const raw = t.em.control.getCluster({ resourceGroup: RG, name: "converged" }) as { properties: Record<string, unknown> };
    expect(raw.properties["provisioningState"]).toBe("Succeeded");
    expect((raw.properties["networkProfile"] as Record<string, unknown>)["kubeProxyConfig"]).toEqual(DOCS_SETTINGS);

    const again = await cli(["plan", "-g", RG, "-n", "converged", ...docsFlags, "--detailed-exitcode"]);
    expect(again.code).toBe(0);
  });

  it("apply --timeout 2s against an operation held in progress ends while it still runs and names the operation to re-attach to", async () => {
    t.em.control.setTimings({ operationMs: 600_000 });
    const run = await cli(["apply", "-g", RG, "-n", "plain", "--mode", "IPVS", "--yes", "--timeout", "2s"]);
    expect(run.code).not.toBe(0);
    // the command gave up at its deadline, not when the operation ended (`pnpm bench:cli` measures how soon after it)
    expect((t.em.control.getCluster({ resourceGroup: RG, name: "plain" }) as { properties: Record<string, unknown> }).properties["provisioningState"]).toBe("Updating");
    expect(run.stderr).toMatch(/Azure accepted the write \(operation https:\/\/[^ )]+\/operations\/[^ )]+\)/);
    expect(acceptedPuts("plain")).toHaveLength(1);
  });

  it("apply through an api-version without eTag is refused unless --allow-write-without-etag", async () => {
    const refused = await cli(["apply", "-g", RG, "-n", "plain", "--mode", "IPVS", "--yes", "--api-version", "2024-03-02-preview"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("returns no eTag");
    expect(acceptedPuts("plain")).toHaveLength(0);
    const allowed = await cli(["apply", "-g", RG, "-n", "plain", "--mode", "IPVS", "--yes", "--api-version", "2024-03-02-preview", "--allow-write-without-etag"]);
    expect(allowed.code).toBe(0);
    expect(acceptedPuts("plain")).toHaveLength(1);
  });

  it("status classifies each cluster's provisioningState with the SDK's one definition (Failed needs a reconcile, Updating is in flight)", async () => {
    t.em.control.updateCluster({ resourceGroup: RG, name: "converged" }, (raw) => void ((raw["properties"] as Record<string, unknown>)["provisioningState"] = "Failed"));
    t.em.control.updateCluster({ resourceGroup: RG, name: "plain" }, (raw) => void ((raw["properties"] as Record<string, unknown>)["provisioningState"] = "Updating"));
    const table = await cli(["status", "-g", RG]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/converged .*Failed \(needs reconcile\)/);
    expect(table.stdout).toMatch(/plain .*Updating \(operation in flight\)/);
    const json = parseJsonDocument<{ clusters: { name: string; provisioning: string }[] }>(await cli(["status", "-g", RG, "-o", "json"]));
    const byName = Object.fromEntries(json.clusters.map((c) => [c.name, c.provisioning]));
    expect(byName).toMatchObject({ converged: "needs-reconcile", plain: "in-flight", "azure-policy": "succeeded" });
  });
});

describe("in flight is never converged; unknown states fail at once (through the CLI)", () => {
  const statusPolls = () => t.em.control.requestLog().filter((r) => r.method === "GET" && r.path.includes("/operations/"));
  const clusterReads = (name: string) => t.em.control.requestLog().filter((r) => r.method === "GET" && r.path.endsWith(`/managedClusters/${name}`));
  const stateOf = (name: string) => (t.em.control.getCluster({ resourceGroup: RG, name }) as { properties: Record<string, unknown> }).properties["provisioningState"];

  it("after apply --no-wait of an operation that will end Failed: plan -d exits 2 (never 'no changes'), the JSON plan is not converged, apply exits 1 with the wait command and writes nothing", async () => {
    t.em.control.setTimings({ operationMs: 600_000 });
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "managedClusters/converged$", count: 1, armCode: "KubeProxyUpgradeFailed", message: "node image rollout failed" });
    // The cluster already has the docs settings: the write is a reconcile of a cluster set Failed beforehand.
    t.em.control.updateCluster({ resourceGroup: RG, name: "converged" }, (raw) => void ((raw["properties"] as Record<string, unknown>)["provisioningState"] = "Failed"));
    const started = await cli(["apply", "-g", RG, "-n", "converged", ...docsFlags, "--yes", "--no-wait"]);
    expect(started.code).toBe(0);
    expect(stateOf("converged")).toBe("Updating");

    const plan = await cli(["plan", "-g", RG, "-n", "converged", ...docsFlags, "--detailed-exitcode", "--timeout", "1s"]);
    expect(plan.code).toBe(2);
    expect(plan.stdout).not.toContain("no changes");
    expect(plan.stdout).toContain("in flight");
    expect(plan.stdout).toContain("Plan: 0 to change, 0 unchanged, 1 in flight.");
    expect(plan.stderr).toContain(`aks-kube-proxy wait -g ${RG} -n converged`);

    const doc = parseJsonDocument<{ hasChanges: boolean; converged: boolean; plans: { hasChanges: boolean; converged: boolean; convergence: { kind: string } }[] }>(
      await cli(["plan", "-g", RG, "-n", "converged", ...docsFlags, "--timeout", "1s", "-o", "json"]),
    );
    expect(doc).toMatchObject({ hasChanges: true, converged: false });
    expect(doc.plans[0]).toMatchObject({ hasChanges: true, converged: false, convergence: { kind: "in-flight" } });

    const apply = await cli(["apply", "-g", RG, "-n", "converged", ...docsFlags, "--yes", "--timeout", "1s"]);
    expect(apply.code).toBe(1);
    expect(apply.stdout + apply.stderr).not.toContain("Nothing to do");
    expect(apply.stderr).toContain("not converged");
    expect(apply.stderr).toContain(`aks-kube-proxy wait -g ${RG} -n converged`);
    expect(acceptedPuts("converged")).toHaveLength(1);
    // the commands gave up while the operation still ran (proved by state, not by time)
    expect(stateOf("converged")).toBe("Updating");

    t.em.control.finishOperations();
    const waited = await cli(["wait", "-g", RG, "-n", "converged"]);
    expect(waited.code).toBe(1);
    expect(waited.stdout).toContain("Failed");
  });

  it("apply fails at once with UnknownOperationStatus on an operation status it does not know: one status poll, the operation still running, and the cluster wait command (not the operation's) to follow", async () => {
    t.em.control.setTimings({ operationMs: 600_000 });
    t.em.control.addFault({ kind: "unknown-state", pathPattern: "/operations/", count: 1000, value: "Weird" });
    const run = await cli(["apply", "-g", RG, "-n", "plain", "--mode", "IPVS", "--yes", "-o", "json"]);
    expect(run.code).toBe(1);
    const error = (JSON.parse(run.stdout) as { error: { code: string; message: string; followCommand?: string } }).error;
    expect(error.code).toBe("UnknownOperationStatus");
    expect(error.followCommand).toBe(`aks-kube-proxy wait -g ${RG} -n plain`);
    expect(error.message).toContain('"Weird"');
    expect(error.message).toMatch(/\/operations\//);
    expect(statusPolls()).toHaveLength(1);
    expect(stateOf("plain")).toBe("Updating");

    const table = await cli(["apply", "-g", RG, "-n", "plain", "--mode", "IPVS", "--yes", "--timeout", "1s"]);
    expect(table.code).toBe(1); // the cluster is Updating: the plan's wait ran out, nothing was written again
    expect(acceptedPuts("plain")).toHaveLength(1);
  });

  it("wait --operation fails at once on an operation status it does not know (one poll), and says so", async () => {
    t.em.control.setTimings({ operationMs: 600_000 });
    const started = await cli(["apply", "-g", RG, "-n", "plain", "--mode", "IPVS", "--yes", "--no-wait"]);
    const url = /operation (https:\/\/\S+)/.exec(started.stdout)?.[1]?.replace(/;$/, "");
    expect(url).toBeDefined();
    t.em.control.clearRequestLog();
    t.em.control.addFault({ kind: "unknown-state", pathPattern: "/operations/", count: 1000, value: "Weird" });
    const waited = await cli(["wait", "-g", RG, "-n", "plain", "--operation", url!]);
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain('"Weird"');
    expect(statusPolls()).toHaveLength(1);
    expect(stateOf("plain")).toBe("Updating");
  });

  it("wait fails at once with UnknownClusterState on a provisioningState it does not know (one read)", async () => {
    t.em.control.addFault({ kind: "unknown-state", pathPattern: "/managedClusters/plain$", count: 1000, value: "Frobnicating" });
    const waited = await cli(["wait", "-g", RG, "-n", "plain", "-o", "json"]);
    expect(waited.code).toBe(1);
    const error = (JSON.parse(waited.stdout) as { error: { code: string; message: string } }).error;
    expect(error).toMatchObject({ code: "UnknownClusterState" });
    expect(error.message).toContain('"Frobnicating"');
    expect(clusterReads("plain")).toHaveLength(1);
  });
  it("a failed apply says one true thing and one next step: the operation ended Failed, fix the cause and apply again (no re-attach, no 'may still be running', no wait command)", async () => {
    t.em.control.addFault({ kind: "lro-failed", pathPattern: "managedClusters/plain$", count: 1, armCode: "KubeProxyUpgradeFailed", message: "node image rollout failed" });
    const run = await cli(["apply", "-g", RG, "-n", "plain", "--mode", "IPVS", "--yes"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("KubeProxyUpgradeFailed");
    expect(run.stderr).toContain("apply again");
    expect(run.stderr).not.toMatch(/re-attach|may still be running|Follow it with|goes on without us/i);
  });
  it("status shows a provisioningState the SDK does not know as UNKNOWN STATE and exits 1 (loud), the other clusters still listed", async () => {
    t.em.control.updateCluster({ resourceGroup: RG, name: "plain" }, (raw) => void ((raw["properties"] as Record<string, unknown>)["provisioningState"] = "Frobnicating"));
    const run = await cli(["status", "-g", RG]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/plain .*Frobnicating \(UNKNOWN STATE\)/);
    expect(run.stdout).toMatch(/azure-policy /);
    expect(run.stderr).toContain('UnknownClusterState: rg-cli/plain reads provisioningState "Frobnicating"');
  });
});

