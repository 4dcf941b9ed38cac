// Writes the published JSON Schemas from the built package (run `pnpm build` first): schema/rollout.schema.json (the
// rollout file) and schema/journal.schema.json (the rollout journal and its log records). The unit tests
// test/rollout.spec.test.ts and test/rollout.journal-schema.test.ts fail when a file and its exported schema differ.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { rolloutJsonSchema } = require("../dist/spec/schema.js");
const { journalJsonSchema } = require("../dist/journal/journalSchema.js");
for (const [name, schema] of [
  ["rollout.schema.json", rolloutJsonSchema],
  ["journal.schema.json", journalJsonSchema],
]) {
  const target = join(__dirname, "..", "schema", name);
  writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote ${target}\n`);
}
