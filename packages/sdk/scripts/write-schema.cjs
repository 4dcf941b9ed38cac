// Writes the published JSON Schemas from the built package (run `pnpm build` first):
//   schema/kube-proxy-config.schema.json (the az --kube-proxy-config file). The rollout file's schema is written by
//   packages/rollout/scripts/write-schema.cjs. Unit test test/schema.test.ts fails when the file and the exported schema differ.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { kubeProxySettingsJsonSchema } = require("../dist/settings/schema.js");
for (const [file, schema] of [["kube-proxy-config.schema.json", kubeProxySettingsJsonSchema]]) {
  const target = join(__dirname, "..", "schema", file);
  writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote ${target}\n`);
}
