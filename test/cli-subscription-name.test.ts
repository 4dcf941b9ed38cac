/**
 * End-to-end: `--subscription "<display name>"` resolved through Azure Resource Manager (`GET /subscriptions`, every
 * page) when no Azure CLI profile knows the name (issue 12). The emulator serves four subscriptions, two a page, two of
 * them named alike on different pages. Every run has an empty AZURE_CONFIG_DIR and HOME, so the az-profile path finds
 * nothing, and no AZURE_SUBSCRIPTION_ID. Spawns the built binary; needs `pnpm build` first.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type LoggedRequest, type RunningEmulator } from "@aks-kube-proxy/arm-emulator";
import { emulatorEnv, emulatorFlags, parseJsonDocument, runCli } from "../packages/cli/test/support/run-cli";
import { FAST_TIMINGS } from "../packages/cli/test/support/fixtures";

const DEV = "aaaaaaaa-0000-4000-8000-000000000001";
const SHARED_1 = "aaaaaaaa-0000-4000-8000-000000000002";
const PROD = "aaaaaaaa-0000-4000-8000-000000000003";
const SHARED_2 = "aaaaaaaa-0000-4000-8000-000000000004";
const RG = "rg-subs";

let em: RunningEmulator;
const emptyConfigDir = mkdtempSync(join(tmpdir(), "azure-config-empty-"));
const emptyHome = mkdtempSync(join(tmpdir(), "home-empty-"));

beforeAll(async () => {
  em = await startEmulator({
    // Two a page: PROD is on the second page, and the two "Shared" subscriptions are on different pages.
    listPageSize: 2,
    subscriptions: [
      { subscriptionId: DEV, displayName: "Team Dev" },
      { subscriptionId: SHARED_1, displayName: "Shared" },
      { subscriptionId: PROD, displayName: "Team Prod" },
      { subscriptionId: SHARED_2, displayName: "Shared" },
    ],
    clusters: [
      { subscriptionId: PROD, resourceGroup: RG, name: "aks-prod", kubernetesVersion: "1.33.2" },
      { subscriptionId: SHARED_1, resourceGroup: RG, name: "aks-shared", kubernetesVersion: "1.33.2" },
    ],
    timings: FAST_TIMINGS,
    throttling: false,
  });
});
afterAll(() => em.stop());
beforeEach(() => {
  em.control.reset();
  em.control.clearRequestLog();
});

/** Runs the CLI with the emulator's credentials, no subscription in the environment, and no Azure CLI profile. */
function cli(args: string[]): ReturnType<typeof runCli> {
  const env = emulatorEnv(em, { AZURE_CONFIG_DIR: emptyConfigDir, HOME: emptyHome });
  delete env.AZURE_SUBSCRIPTION_ID;
  delete env.ARM_SUBSCRIPTION_ID;
  return runCli([...args, ...emulatorFlags(em)], { env });
}

const subscriptionListReads = (log: readonly LoggedRequest[]): LoggedRequest[] => log.filter((r) => r.method === "GET" && /^\/subscriptions\/?$/i.test(r.path));
const clusterRequests = (log: readonly LoggedRequest[]): LoggedRequest[] => log.filter((r) => r.path.toLowerCase().includes("/managedclusters"));

describe("--subscription NAME through Azure Resource Manager", () => {
  it("resolves a display name (any case) that is on the second page of GET /subscriptions, and works in that subscription", async () => {
    // No Azure CLI profile anywhere the CLI looks: only ARM can answer.
    expect(existsSync(join(emptyConfigDir, "azureProfile.json"))).toBe(false);
    expect(existsSync(join(emptyHome, ".azure"))).toBe(false);
    const run = await cli(["status", "-g", RG, "-n", "aks-prod", "--subscription", "team PROD", "-o", "json"]);
    expect(run.code).toBe(0);
    const doc = parseJsonDocument<{ subscriptionId: string; clusters: { name: string; id: string }[] }>(run);
    expect(doc.subscriptionId).toBe(PROD);
    expect(doc.clusters.map((c) => c.name)).toEqual(["aks-prod"]);
    const log = em.control.requestLog();
    // Every page was read (two pages of two), then the cluster in the subscription found.
    expect(subscriptionListReads(log).map((r) => r.status)).toEqual([200, 200]);
    expect(clusterRequests(log).map((r) => r.path.toLowerCase())).toEqual([`/subscriptions/${PROD}/resourcegroups/${RG}/providers/microsoft.containerservice/managedclusters/aks-prod`]);
  });

  it("refuses a name no subscription has with SubscriptionNotFound, exit 3, before any cluster request", async () => {
    const run = await cli(["status", "-g", RG, "-n", "aks-prod", "--subscription", "No Such Sub", "-o", "json"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('--subscription "No Such Sub" is not a subscription id (a GUID), and no subscription has that display name');
    expect(run.stderr).toContain("nor among the 4 subscription(s) Azure Resource Manager lists");
    expect(run.stderr).toContain("az account list -o table");
    expect(parseJsonDocument<{ error: { code: string; exitCode: number } }>(run).error).toMatchObject({ code: "SubscriptionNotFound", exitCode: 3 });
    expect(subscriptionListReads(em.control.requestLog())).toHaveLength(2);
    expect(clusterRequests(em.control.requestLog())).toHaveLength(0);
  });

  it("refuses a name two subscriptions share, even on different pages, as ambiguous (exit 3), naming both ids and asking for one", async () => {
    const run = await cli(["status", "-g", RG, "-n", "aks-shared", "--subscription", "Shared"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('--subscription "Shared" is ambiguous: 2 subscriptions have that display name');
    expect(run.stderr).toContain(SHARED_1);
    expect(run.stderr).toContain(SHARED_2);
    expect(run.stderr).toContain("Pass the id of the one you mean");
    expect(clusterRequests(em.control.requestLog())).toHaveLength(0);
  });

  it("the id the ambiguity message names works where the name did not", async () => {
    const run = await cli(["status", "-g", RG, "-n", "aks-shared", "--subscription", SHARED_1, "-o", "json"]);
    expect(run.code).toBe(0);
    expect(parseJsonDocument<{ subscriptionId: string }>(run).subscriptionId).toBe(SHARED_1);
    // An id needs no lookup.
    expect(subscriptionListReads(em.control.requestLog())).toHaveLength(0);
  });

  it("retries a subscription list answered 503 (honouring Retry-After) and then resolves the name", async () => {
    em.control.addFault({ kind: "status", status: 503, method: "GET", pathPattern: "^/subscriptions$", count: 1, armCode: "ServiceUnavailable", retryAfterSeconds: 0 });
    const run = await cli(["status", "-g", RG, "-n", "aks-prod", "--subscription", "Team Prod", "-o", "json"]);
    expect(run.code).toBe(0);
    expect(parseJsonDocument<{ subscriptionId: string }>(run).subscriptionId).toBe(PROD);
    expect(subscriptionListReads(em.control.requestLog()).map((r) => r.status)).toEqual([503, 200, 200]);
  });

  it("reports a subscription list ARM keeps failing (3 tries) as SubscriptionLookupFailed (exit 1), not as an unknown name", async () => {
    em.control.addFault({ kind: "status", status: 500, method: "GET", pathPattern: "^/subscriptions$", count: 3, armCode: "InternalServerError", retryAfterSeconds: 0 });
    const run = await cli(["status", "-g", RG, "-n", "aks-prod", "--subscription", "Team Prod", "-o", "json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Could not list subscriptions to look up --subscription "Team Prod": Azure Resource Manager answered HTTP 500 InternalServerError');
    expect(run.stderr).toContain("(3 tries)");
    expect(run.stderr).toContain("Pass the subscription id instead");
    expect(parseJsonDocument<{ error: { code: string } }>(run).error.code).toBe("SubscriptionLookupFailed");
    expect(subscriptionListReads(em.control.requestLog())).toHaveLength(3);
    expect(clusterRequests(em.control.requestLog())).toHaveLength(0);
  });

  it("does not retry a subscription list ARM refuses (403): one read, SubscriptionLookupFailed", async () => {
    em.control.addFault({ kind: "status", status: 403, method: "GET", pathPattern: "^/subscriptions$", count: 1, armCode: "AuthorizationFailed" });
    const run = await cli(["status", "-g", RG, "-n", "aks-prod", "--subscription", "Team Prod", "-o", "json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("answered HTTP 403 AuthorizationFailed");
    expect(parseJsonDocument<{ error: { code: string } }>(run).error.code).toBe("SubscriptionLookupFailed");
    expect(subscriptionListReads(em.control.requestLog())).toHaveLength(1);
  });
});
