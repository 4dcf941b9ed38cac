/**
 * End-to-end, the built CLI against the emulator: rough edges of issue 16 item 8 that are not rollout's. Plain http
 * endpoints are invalid input (exit 3) naming the flag or variable; a huge or garbled user value is echoed bounded.
 */
import { armRequestsIn, emulatorEnv, emulatorFlags, runCli } from "../packages/cli/test/support/run-cli";
import { useCliTestEmulator } from "../packages/cli/test/support/fixtures";

const t = useCliTestEmulator();

describe("https is required", () => {
  const httpUrl = (): string => t.em.url.replace(/^https:/, "http:");

  it("--endpoint http://… is exit 3 naming --endpoint and https, before any request", async () => {
    const run = await runCli(["status", "--all", "--endpoint", httpUrl()], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`--endpoint "${httpUrl()}" is not https: https is required`);
    expect(run.stderr).not.toContain("Unexpected error");
    expect(t.em.control.requestLog()).toHaveLength(0);
  });

  it("AZURE_RESOURCE_MANAGER_ENDPOINT=http://… is exit 3 naming the variable", async () => {
    const run = await runCli(["status", "--all"], { env: emulatorEnv(t.em, { AZURE_RESOURCE_MANAGER_ENDPOINT: httpUrl() }) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`AZURE_RESOURCE_MANAGER_ENDPOINT "${httpUrl()}" is not https`);
    expect(t.em.control.requestLog()).toHaveLength(0);
  });

  it("AZURE_AUTHORITY_HOST=http://… is exit 3 naming the variable (not 'Unexpected error'), no token asked", async () => {
    const run = await runCli(["status", "--all", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em, { AZURE_AUTHORITY_HOST: httpUrl() }) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`AZURE_AUTHORITY_HOST "${httpUrl()}" is not https`);
    expect(run.stderr).not.toContain("Unexpected error");
    expect(t.em.control.requestLog()).toHaveLength(0);
  });
});

describe("user values are echoed bounded", () => {
  it("a 10 KB --subscription name is echoed as its first 80 characters, an ellipsis and its length", async () => {
    const name = "n".repeat(10_000);
    const run = await runCli(["status", "--all", "--subscription", name, ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`--subscription "${"n".repeat(80)}… (10000 characters)"`);
    expect(run.stderr).not.toContain("n".repeat(81));
    expect(run.stderr.length).toBeLessThan(2_000);
    // The name was looked up (GET /subscriptions), and nothing else was asked.
    expect(armRequestsIn(t.em.control.requestLog()).map((r) => `${r.method} ${r.path}`)).toEqual(["GET /subscriptions"]);
  });

  it("a --timeout with control characters is echoed with them escaped (exit 3)", async () => {
    const run = await runCli(["status", "--all", "--timeout", "2\u001b[31ms", ...emulatorFlags(t.em)], { env: emulatorEnv(t.em) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('--timeout "2\\u001b[31ms" is not a duration');
    expect(run.stderr).not.toContain("\u001b");
  });
});
