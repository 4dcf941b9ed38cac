import fc from "fast-check";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DURATION_PATTERN_SOURCE, formatDuration, parseDuration } from "../src/index";

describe("the one duration grammar", () => {
  test("reads the rollout grammar, the CLI's flags and Go's durations", () => {
    expect(["90s", "30m", "1h30m", "1.5s", "250ms", "2d", "0"].map((t) => parseDuration(t))).toEqual([90_000, 1_800_000, 5_400_000, 1500, 250, 172_800_000, 0]);
    expect(["15m0s", "1h2m3.5s", "900ms", "300000ms", "1500us", "2000000ns"].map((t) => parseDuration(t))).toEqual([900_000, 3_723_500, 900, 300_000, 1.5, 2]);
    expect(parseDuration("90", { bareNumber: "seconds" })).toBe(90_000);
  });

  test("refuses what is not a duration", () => {
    for (const text of ["", "10", "ten minutes", "5x", "m", "1h 30m", "-5s", "1e3s", "5ms5"]) expect(parseDuration(text)).toBeUndefined();
  });

  test("formats to the millisecond below a second, the tenth below a minute, then the second", () => {
    expect([0, 850, 2000, 3400, 90_000, 125_000, 3_725_000].map(formatDuration)).toEqual(["0s", "850ms", "2s", "3.4s", "1m30s", "2m05s", "1h02m05s"]);
  });

  test("format then parse gives the duration back, within the formatter's precision, and formats the same again", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 30 * 86_400_000, noNaN: true }), (ms) => {
        const text = formatDuration(ms);
        const back = parseDuration(text);
        expect(back).toBeDefined();
        const precision = ms < 999.5 ? 0.5 : ms < 59_950 ? 50 : 500;
        expect(Math.abs((back as number) - ms)).toBeLessThanOrEqual(precision + 1e-6);
        expect(formatDuration(back as number)).toBe(text);
      }),
    );
  });

  test("the JSON Schema pattern accepts exactly what the parser accepts (without a bare number)", () => {
    const pattern = new RegExp(DURATION_PATTERN_SOURCE, "u");
    const unit = fc.constantFrom("ns", "us", "µs", "ms", "s", "m", "h", "d", "x", "");
    const part = fc.tuple(fc.constantFrom("0", "1", "15", "1.5", ".5", "2.", ""), unit).map(([n, u]) => `${n}${u}`);
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const text = parts.join("");
        expect(pattern.test(text)).toBe(parseDuration(text) !== undefined);
      }),
    );
  });

  test("no second duration parser or formatter lives in the sources", () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
      });
    const root = join(__dirname, "..", "..");
    const offenders = ["sdk", "rollout", "cli", "pulumi"]
      .flatMap((pkg) => sources(join(root, pkg, "src")))
      .filter((file) => !file.endsWith(join("sdk", "src", "duration.ts")))
      .filter((file) => /function (format|parse)\w*Duration\w*\s*\(/.test(readFileSync(file, "utf8")) && !/(runtime|rollout[\\/]src[\\/]spec)[\\/]duration\.ts$/.test(file));
    expect(offenders).toEqual([]);
  });
});
