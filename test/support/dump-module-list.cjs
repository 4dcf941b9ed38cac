// Preloaded (`node --require`) into the Pulumi provider plugin by test/plugin-loads-no-fleet.test.ts. On SIGTERM it
// first loads what the provider loads lazily when it serves (the SDK, resolved from the pulumi package as the provider
// resolves it), then writes every loaded module's file (require.cache) as JSON to $MODULE_LIST_FILE and exits.
const { writeFileSync } = require("node:fs");
process.on("SIGTERM", () => {
  require(require.resolve("@aks-kube-proxy/sdk", { paths: [process.env.PULUMI_PACKAGE_DIR] }));
  writeFileSync(process.env.MODULE_LIST_FILE, JSON.stringify(Object.keys(require.cache)));
  process.exit(0);
});
