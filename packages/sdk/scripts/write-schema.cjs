// Writes schema/kube-proxy-config.schema.json from the built package (run `pnpm build` first).
// A unit test (test/schema.test.ts) fails when the file and the exported schema differ.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { kubeProxySettingsJsonSchema } = require("../dist/settings/schema.js");
const target = join(__dirname, "..", "schema", "kube-proxy-config.schema.json");
writeFileSync(target, `${JSON.stringify(kubeProxySettingsJsonSchema, null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
