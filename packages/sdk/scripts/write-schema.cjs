// Writes the published JSON Schemas from the built package (run `pnpm build` first):
//   schema/kube-proxy-config.schema.json (the az --kube-proxy-config file) and schema/rollout.schema.json.
// Unit tests (test/schema.test.ts, test/rollout.spec.test.ts) fail when a file and the exported schema differ.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { kubeProxySettingsJsonSchema } = require("../dist/settings/schema.js");
const { rolloutJsonSchema } = require("../dist/rollout/schema.js");
for (const [file, schema] of [["kube-proxy-config.schema.json", kubeProxySettingsJsonSchema], ["rollout.schema.json", rolloutJsonSchema]]) {
  const target = join(__dirname, "..", "schema", file);
  writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote ${target}\n`);
}
