import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderTopLevelHelp } from "../src/help-snapshot";

describe("the --help snapshot bin.js prints without loading commander", () => {
  test("dist/help.txt is exactly commander's top-level help (rebuild with `pnpm build` when it differs)", () => {
    const snapshot = readFileSync(join(__dirname, "..", "dist", "help.txt"), "utf8");
    expect(snapshot).toBe(renderTopLevelHelp());
  });
});
