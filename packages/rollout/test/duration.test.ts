import fc from "fast-check";
import { formatDuration, parseDuration } from "@aks-kube-proxy/sdk";
import { parseDurationInMs } from "../src/index";

describe("rollout durations", () => {
  test("the rollout grammar is the one grammar, rounded", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), (ms) => {
        const text = formatDuration(ms);
        expect(parseDurationInMs(text)).toBe(Math.round(parseDuration(text) as number));
      }),
    );
  });

});
