import { Writable } from "node:stream";
import { createProgress, HEARTBEAT_INTERVAL_IN_MS } from "../src/runtime/progress";
import { Output } from "../src/runtime/output";
import { progressLine, reportTable } from "../src/commands/rollout/render";

function capture(): { out: Output; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { out: new Output({ format: "table", verbose: false, stdout: stream, stderr: stream }), text: () => text };
}

describe("waits are visible off a terminal", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test("a plain line when the wait starts, one about every 15 s while nothing changes, and one when it ends", () => {
    const { out, text } = capture();
    const progress = createProgress(out, { live: false });
    progress.update("feature Microsoft.ContainerService/KubeProxyConfigurationPreview: Registering");
    expect(text().split("\n").filter(Boolean)).toHaveLength(1);
    jest.advanceTimersByTime(HEARTBEAT_INTERVAL_IN_MS * 2 + 10);
    const lines = text().split("\n").filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain("still feature Microsoft.ContainerService/KubeProxyConfigurationPreview: Registering");
    progress.done();
    expect(text().split("\n").filter(Boolean).at(-1)).toMatch(/done after/);
    // and nothing more once it ended
    jest.advanceTimersByTime(HEARTBEAT_INTERVAL_IN_MS * 3);
    expect(text().split("\n").filter(Boolean)).toHaveLength(4);
  });

  test("heartbeat is HEARTBEAT_INTERVAL_IN_MS = 15 s", () => {
    expect(HEARTBEAT_INTERVAL_IN_MS).toBe(15_000);
  });
});

describe("rollout progress and status", () => {
  const snapshot = { elapsedInMs: 1000, counts: { total: 2, done: 1, failed: 0, skipped: 0, inProgress: 1, pending: 0, changed: 1 }, waves: [], throttled: 0 };

  test("an estimate under a second is not shown as '~0ms left'", () => {
    expect(progressLine({ ...snapshot, estimatedRemainingInMs: 0 })).not.toContain("left");
    expect(progressLine({ ...snapshot, estimatedRemainingInMs: 90_000 })).toContain("~1m30s left");
  });

  test("rollout status lists each cluster (per wave and cluster, as its help says)", () => {
    const { out } = capture();
    const report = {
      kind: "aks-kube-proxy.rollout-report",
      rolloutName: "r",
      operation: "apply",
      specHash: "h",
      status: "completed",
      generatedAt: "",
      shards: { count: 1, present: [1], missing: [] },
      journals: [],
      halts: [],
      counts: { total: 2, done: 1, failed: 0, skipped: 1, inProgress: 0, pending: 0, changed: 1 },
      waves: [{ name: "canary", status: "completed", total: 2, done: 1, failed: 0, skipped: 1, inProgress: 0, pending: 0, changed: 1 }],
      clusters: [
        { id: "/a", subscriptionId: "s", resourceGroup: "rg", name: "aks-a", wave: "canary", status: "done", changed: true, attempts: 1, shard: "1/1" },
        { id: "/b", subscriptionId: "s", resourceGroup: "rg", name: "aks-b", wave: "canary", status: "skipped", skipReason: "blocked", attempts: 0, shard: "1/1" },
      ],
    } as unknown as Parameters<typeof reportTable>[0];
    const text = reportTable(report, out, { clusters: true });
    expect(text).toMatch(/aks-a\s+rg\s+canary\s+done\s+yes/);
    expect(text).toMatch(/aks-b\s+rg\s+canary\s+skipped\s+no\s+skipped: blocked/);
  });
});
