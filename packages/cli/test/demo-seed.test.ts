import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_CLUSTERS, demoTimings } from "../src/demo/fixtures";

describe("the demo's 'Next' step starts an emulator seeded like the demo", () => {
  test("examples/emulator-seed.json holds the demo's clusters and timings", () => {
    const seed = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "examples", "emulator-seed.json"), "utf8")) as { clusters: unknown[]; timings: unknown };
    expect(seed.clusters).toEqual(DEMO_CLUSTERS.map(({ role: _role, ...cluster }) => cluster));
    expect(seed.timings).toEqual(demoTimings(1));
  });
});
