/**
 * The CLI maps every error to a documented exit code and a message that says what to do.
 */
import { AbortedError, ArmError, ClusterNotFoundError, PlanBlockedError, PreviewNotEnabledError, UnauthorizedError, ValidationError } from "@aks-kube-proxy/sdk";
import { CliInterruptedError, CliUsageError } from "../src/runtime/cli-error";
import { attachFollowUp, describeError } from "../src/runtime/errors";
import { detailedExitCode, ExitCode } from "../src/runtime/exit-codes";

function identityError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  const e = new Error(message);
  e.name = name;
  return Object.assign(e, extra);
}

describe("describeError", () => {
  it("maps refused input and unknown clusters to 3, blocked plans to 4 (nothing was written)", () => {
    expect(describeError(new ValidationError("bad file", [{ path: "$.mode", message: "bad" }])).exitCode).toBe(ExitCode.InvalidInput);
    expect(describeError(new PlanBlockedError([{ id: "ipvs-with-azure-network-policy", severity: "blocker", message: "no" }], "rg/c")).exitCode).toBe(ExitCode.Blocked);
    expect(describeError(new ClusterNotFoundError("Cluster rg/c was not found.")).exitCode).toBe(ExitCode.InvalidInput);
    expect(describeError(new CliUsageError("add -g")).exitCode).toBe(ExitCode.InvalidInput);
  });

  it("maps Azure failures to 1 and adds the ARM code and request id once", () => {
    const d = describeError(new ArmError("update failed", { armCode: "InternalServerError", requestId: "req-1", statusCode: 500 }));
    expect(d.exitCode).toBe(ExitCode.Failure);
    expect(d.message.split("\n").slice(0, 2).join("\n")).toBe("update failed\n(ARM code InternalServerError, request id req-1)");
    expect(d.json).toMatchObject({ code: "ArmError", armCode: "InternalServerError", requestId: "req-1", statusCode: 500 });
    const already = describeError(new ArmError("update failed (request id req-2)", { requestId: "req-2" }));
    expect(already.message).toBe("update failed (request id req-2)");
  });

  it("tells what to run next when the preview is not enabled", () => {
    const d = describeError(new PreviewNotEnabledError("KubeProxyConfigFeatureNotRegistered"));
    expect(d.exitCode).toBe(ExitCode.Failure);
    expect(d.message).toContain("aks-kube-proxy enable-preview");
  });

  it("tells which flag confirms disabling kube-proxy", () => {
    const d = describeError(new PlanBlockedError([{ id: "disable-kube-proxy", severity: "blocker", message: "enabled: false removes kube-proxy" }], "rg/c"));
    expect(d.message).toContain("--disable-kube-proxy");
  });

  it("maps Ctrl-C to 130, from the SDK or from the CLI", () => {
    expect(describeError(new AbortedError("Aborted during apply.")).exitCode).toBe(ExitCode.Interrupted);
    expect(describeError(new CliInterruptedError("Interrupted. Nothing was written.")).exitCode).toBe(ExitCode.Interrupted);
  });

  it("lists each credential DefaultAzureCredential tried, by name, and how to log in", () => {
    const aggregate = identityError("AggregateAuthenticationError", "ChainedTokenCredential authentication failed.", {
      errors: [
        identityError("CredentialUnavailableError", "EnvironmentCredential is unavailable. No underlying credential could be used. To troubleshoot, visit https://aka.ms/x"),
        identityError("CredentialUnavailableError", "ManagedIdentityCredential: Network unreachable."),
        identityError("CredentialUnavailableError", "Azure CLI could not be found. Please visit https://aka.ms/azure-cli"),
      ],
    });
    const d = describeError(new UnauthorizedError("No access token could be obtained.", { cause: aggregate }));
    expect(d.exitCode).toBe(ExitCode.Failure);
    expect(d.code).toBe("CredentialUnavailable");
    expect(d.json["tried"]).toEqual([
      { credential: "EnvironmentCredential", reason: "No underlying credential could be used." },
      { credential: "ManagedIdentityCredential", reason: "Network unreachable." },
      { credential: "AzureCliCredential", reason: "Azure CLI could not be found." },
    ]);
    expect(d.message).toContain("az login");
    expect(d.message).toContain("AZURE_FEDERATED_TOKEN_FILE");
  });

  it("says the identity provider refused the credential when a secret is wrong", () => {
    const d = describeError(new UnauthorizedError("No token.", { cause: identityError("AuthenticationRequiredError", "invalid_client: AADSTS7000215: Invalid client secret provided.") }));
    expect(d.code).toBe("AuthenticationFailed");
    expect(d.message).toContain("AADSTS7000215");
  });

  it("reports anything else as unexpected (1), with the stack only under --verbose", () => {
    const quiet = describeError(new TypeError("x is undefined"));
    expect(quiet).toMatchObject({ exitCode: ExitCode.Failure, code: "Unexpected" });
    expect(quiet.message).toContain("--verbose");
    expect(describeError(new TypeError("x is undefined"), { verbose: true }).message).toContain("TypeError: x is undefined\n    at");
  });

  it("gives advice when the pipeline's retries ran out on throttling", () => {
    const d = describeError(new ArmError("The PutManagedClusterHandler.PUT request limit has been exceeded", { armCode: "Throttled", statusCode: 429 }));
    expect(d.exitCode).toBe(ExitCode.Failure);
    expect(d.message).toContain("Azure kept throttling after every retry. Wait a minute or two and run again");
  });

  it("an error after Azure accepted a write ends with the operation and the command that follows it", () => {
    const err = attachFollowUp(new ArmError("timed out"), { operationUrl: "https://arm/op/1", command: "aks-kube-proxy wait -g rg -n c --operation 'https://arm/op/1'" });
    const d = describeError(err);
    expect(d.message).toContain("Azure accepted the write (operation https://arm/op/1)");
    expect(d.message).toContain("aks-kube-proxy wait -g rg -n c --operation 'https://arm/op/1'");
    expect(d.json).toMatchObject({ accepted: true, operationUrl: "https://arm/op/1", followCommand: expect.stringContaining("aks-kube-proxy wait") });
  });

  it("--detailed-exitcode is Terraform's: 0 and 2 stay, every other code is 1", () => {
    expect([ExitCode.Ok, ExitCode.ChangesPending, ExitCode.Failure, ExitCode.InvalidInput, ExitCode.Blocked, ExitCode.NotConfirmed, ExitCode.Interrupted].map(detailedExitCode)).toEqual([0, 2, 1, 1, 1, 1, 1]);
  });
});
