/**
 * The fleet record over a conditional document (in memory here; a blob in production): concurrent shards never lose
 * each other's updates, the first halt wins, counts are summed over shards, the wave barrier waits for every shard,
 * and a record of another rollout is refused.
 */
import { DocumentFleetCoordinator, type ConditionalDocument } from "../src/journal/fleetRecord";

/** A document with ETag-like versions; `interleave` lets another writer slip in between a read and a write. */
class MemoryDocument implements ConditionalDocument {
  text: string | undefined;
  version = 0;
  requests = 0;
  conflicts = 0;
  async read(): Promise<{ text: string; version: string } | undefined> {
    this.requests++;
    await Promise.resolve();
    return this.text === undefined ? undefined : { text: this.text, version: String(this.version) };
  }
  async write(text: string, version: string | undefined): Promise<string | "conflict"> {
    this.requests++;
    await new Promise((r) => setTimeout(r, Math.random() * 3));
    const current = this.text === undefined ? undefined : String(this.version);
    if (current !== version) {
      this.conflicts++;
      return "conflict";
    }
    this.text = text;
    this.version++;
    return String(this.version);
  }
}

function shards(doc: MemoryDocument, count: number, specHash = "h1"): DocumentFleetCoordinator[] {
  return Array.from({ length: count }, (_, i) => new DocumentFleetCoordinator({ document: doc, specHash, shard: { index: i + 1, count }, location: "mem://fleet.json", pollIntervalInMs: 5 }));
}

describe("fleet record", () => {
  test("five shards reporting at once: every report survives the conflicts, and the counts are summed", async () => {
    const doc = new MemoryDocument();
    const fleet = shards(doc, 5);
    await Promise.all(fleet.map((f, i) => f.report("canary", { failed: i % 2, total: 10 })));
    const view = await fleet[0]!.check("canary");
    expect(view.counts).toEqual({ failed: 2, total: 50, shardsReporting: 5 });
    expect(doc.conflicts).toBeGreaterThan(0);
  });

  test("the first halt wins and every shard sees it; clearing it lifts it and this shard's failures", async () => {
    const doc = new MemoryDocument();
    const [a, b, c] = shards(doc, 3);
    await a!.report("w1", { failed: 2, total: 4 });
    const [h1, h2] = await Promise.all([a!.halt({ wave: "w1", reason: "2 of 4 failed" }), b!.halt({ wave: "w1", reason: "other" })]);
    expect(h1).toEqual(h2);
    expect((await c!.check("w1")).halt).toMatchObject({ shard: h1.shard, wave: "w1" });
    await a!.clearHalt(["w1"]);
    const view = await c!.check("w1");
    expect(view.halt).toBeUndefined();
    expect(view.counts.failed).toBe(0);
  });

  test("the wave barrier waits until every shard finished the wave, and ends at once on a halt", async () => {
    const doc = new MemoryDocument();
    const [a, b, c] = shards(doc, 3);
    const waited: number[][] = [];
    await a!.waveDone("canary");
    const waiting = a!.waitForWave("canary", { onWaiting: (s) => waited.push([...s]) });
    await new Promise((r) => setTimeout(r, 20));
    await b!.waveDone("canary");
    await new Promise((r) => setTimeout(r, 20));
    await c!.waveDone("canary");
    await expect(waiting).resolves.toMatchObject({ counts: { shardsReporting: 3 } });
    expect(waited[0]).toEqual([2, 3]);
    expect(waited.at(-1)).toEqual([3]);

    const halted = b!.waitForWave("next", {});
    await c!.halt({ wave: "next", reason: "failed" });
    await expect(halted).resolves.toMatchObject({ halt: { shard: "3/3" } });
  });

  test("waiting is abortable", async () => {
    const doc = new MemoryDocument();
    const [a] = shards(doc, 2);
    const controller = new AbortController();
    const waiting = a!.waitForWave("canary", { abortSignal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "Aborted" });
  });

  test("a record of another rollout (another spec hash) is refused with what to do", async () => {
    const doc = new MemoryDocument();
    await shards(doc, 2, "h1")[0]!.report("w", { failed: 0, total: 1 });
    await expect(shards(doc, 2, "h2")[0]!.check("w")).rejects.toMatchObject({ code: "ValidationError", message: expect.stringMatching(/belongs to another rollout.*another journal folder/) });
  });
});
