// Writes the published JSON Schema of the rollout file from the built package (run `pnpm build` first):
//   schema/rollout.schema.json. The unit test test/rollout.spec.test.ts fails when the file and the exported schema differ.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { rolloutJsonSchema } = require("../dist/schema.js");
const target = join(__dirname, "..", "schema", "rollout.schema.json");
writeFileSync(target, `${JSON.stringify(rolloutJsonSchema, null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
