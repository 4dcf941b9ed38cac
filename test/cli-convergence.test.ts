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
