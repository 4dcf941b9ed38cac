#!/usr/bin/env bash
# The project's one entry point on a fresh machine.
#   bash scripts/run.sh start   install, build, run the main job on the embedded ARM emulator
#   bash scripts/run.sh test    install, build, lint, type-check, run every test in a loopback-only network namespace
#   bash scripts/run.sh setup   install and build only
# Node.js 24 and pnpm come from the npm registry into ./.toolchain (the system's Node is left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NODE_VERSION=24.21.0
PNPM_VERSION=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)

ensure_toolchain() {
  local bin="$ROOT/.toolchain/node_modules/.bin"
  if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$NODE_VERSION" ] \
     || [ ! -x "$bin/pnpm" ] || [ "$("$bin/pnpm" --version)" != "$PNPM_VERSION" ]; then
    echo "› installing node@$NODE_VERSION and pnpm@$PNPM_VERSION from the npm registry into .toolchain/" >&2
    npm install --prefix "$ROOT/.toolchain" --no-save --no-audit --no-fund --loglevel=error \
      "node@$NODE_VERSION" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$bin:$PATH"
}

# The Pulumi engine (CLI + Node.js language host + dynamic-provider plugin), built from the Go module proxy into
# ./.toolchain/pulumi/bin and put on PATH; skipped when the pinned build is already there (tools/pulumi/README.md).
# A failed build does not stop the rest: the demo does not need it, and the engine tests then fail saying so.
ensure_pulumi_engine() {
  if ! bash "$ROOT/tools/pulumi/build.sh" "$ROOT/.toolchain/pulumi"; then
    echo "› the Pulumi engine could not be built (see above): the Pulumi engine tests will fail" >&2
  fi
  export PATH="$ROOT/.toolchain/pulumi/bin:$PATH"
}

setup() {
  ensure_toolchain
  ensure_pulumi_engine
  echo "› pnpm install --frozen-lockfile" >&2
  pnpm install --frozen-lockfile --reporter=silent >&2
  echo "› pnpm build" >&2
  pnpm build >&2
}

# Runs "$@" with loopback as the only network: no test can reach anything else
# (not 169.254.169.254, not the public cloud). Root uses a plain network namespace;
# other users get one inside a user namespace.
loopback_only() {
  local flags=(-n)
  [ "$(id -u)" -eq 0 ] || flags=(-r -n)
  unshare "${flags[@]}" bash -c 'ip link set lo up 2>/dev/null || true; exec "$@"' loopback-only "$@"
}

run_tests() {
  setup
  echo "› pnpm lint, pnpm typecheck" >&2
  pnpm lint
  pnpm typecheck
  # The pack-and-install check needs the npm registry for third-party dependencies: install here, outside the
  # loopback-only namespace, into .pack/ (git-ignored); test/pack-install.test.ts checks it inside the namespace.
  echo "› pack every package and install the tarballs with npm (.pack/project)" >&2
  bash scripts/pack-install.sh
  mkdir -p .test-results
  rm -f .test-results/jest.json
  echo "› pnpm test (loopback-only network namespace)" >&2
  local rc=0
  loopback_only pnpm test --ci --json --outputFile=.test-results/jest.json "$@" || rc=$?
  node -e '
    const fs = require("fs");
    let r;
    try { r = JSON.parse(fs.readFileSync(".test-results/jest.json", "utf8")); }
    catch { console.log("0 passed, 1 failed"); process.exit(0); }
    const brokenSuites = r.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenSuites} failed`);
  '
  return $rc
}

case "${1:-}" in
  start) setup; shift; pnpm start "$@" ;;
  test) shift; run_tests "$@" ;;
  setup) setup ;;
  *) echo "usage: bash scripts/run.sh start|test|setup" >&2; exit 3 ;;
esac
