// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", ".toolchain/**", ".pack/**", "coverage/**", "**/*.js", "**/*.cjs", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      "no-console": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
    },
  },
  {
    // Only the command-line entry points and scripts talk to a terminal.
    files: ["packages/cli/src/**", "packages/arm-emulator/src/bin.ts", "scripts/**", "examples/**", "**/test/**", "test/**"],
    rules: { "no-console": "off" },
  },
  {
    files: ["**/test/**", "test/**"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    // The SDK is the pure core: the fleet (@aks-kube-proxy/rollout) builds on it, never the reverse, and its storage,
    // YAML and semver libraries stay out of the SDK (and so out of the Pulumi plugin).
    files: ["packages/sdk/src/**"],
    rules: {
      "no-restricted-imports": ["error", { paths: ["@aks-kube-proxy/rollout", "@azure/storage-blob", "yaml", "semver"] }],
    },
  },
);
