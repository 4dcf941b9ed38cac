import { ArmError, FeatureApprovalRequiredError } from "@aks-kube-proxy/sdk";
import { isTransientArmFailure, retryTransient } from "../src/preview/transient";

describe("a transient failure of the preview check is retried with backoff, not taken as final", () => {
  test("a 503 then a success: the check succeeds on the second attempt", async () => {
    let calls = 0;
    const result = await retryTransient(
      async () => {
        calls++;
        if (calls === 1) throw new ArmError("busy", { statusCode: 503 });
        return "ok";
      },
      undefined,
      { baseDelayInMs: 1 },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(2);
  });

  test("a failure that waiting cannot fix (approval required) is thrown at once", async () => {
    let calls = 0;
    const error = await retryTransient(
      async () => {
        calls++;
        throw new FeatureApprovalRequiredError("pending");
      },
      undefined,
      { baseDelayInMs: 1 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeatureApprovalRequiredError);
    expect(calls).toBe(1);
  });

  test("throttling, 5xx and a dropped connection are transient; 403 is not", () => {
    expect(isTransientArmFailure(new ArmError("throttled", { statusCode: 429 }))).toBe(true);
    expect(isTransientArmFailure(new ArmError("bad gateway", { statusCode: 502 }))).toBe(true);
    expect(isTransientArmFailure(new ArmError("could not reach Azure Resource Manager"))).toBe(true);
    expect(isTransientArmFailure(new ArmError("forbidden", { statusCode: 403 }))).toBe(false);
  });

  test("attempts are bounded: the last failure is thrown", async () => {
    let calls = 0;
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw new ArmError("down", { statusCode: 500 });
        },
        undefined,
        { attempts: 3, baseDelayInMs: 1 },
      ),
    ).rejects.toBeInstanceOf(ArmError);
    expect(calls).toBe(3);
  });
});
