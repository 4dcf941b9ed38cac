/**
 * One jest run for the whole workspace: every package's unit tests and the
 * cross-package tests in test/. TypeScript is compiled by SWC (no type check here:
 * `pnpm build` and `pnpm lint` type-check). Workspace packages resolve to their
 * sources so in-process tests need no build; tests that spawn a binary use dist/.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/packages", "<rootDir>/test"],
  testMatch: ["**/test/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  transform: {
    "^.+\\.tsx?$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
    // ESM-only packages (below) compiled to CommonJS like our sources: jest loads tests as CommonJS and cannot
    // require(esm) without --experimental-vm-modules.
    "/node_modules/.+\\.m?js$": ["@swc/jest", { jsc: { parser: { syntax: "ecmascript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  // Everything in node_modules is left alone except @kubernetes/client-node 1.x and its ESM-only dependencies
  // (openid-client 6, oauth4webapi, jose), which jest must compile to CommonJS (pnpm layout: .pnpm/<pkg>/node_modules/<pkg>).
  transformIgnorePatterns: ["/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)"],
  moduleNameMapper: {
    "^@aks-kube-proxy/(arm-emulator|sdk|rollout|cli|pulumi)$": "<rootDir>/packages/$1/src/index.ts",
    "^@aks-kube-proxy/sdk/settings$": "<rootDir>/packages/sdk/src/settings/index.ts",
    "^@aks-kube-proxy/sdk/duration$": "<rootDir>/packages/sdk/src/duration.ts",
  },
  testTimeout: 30000,
  maxWorkers: 2,
};
