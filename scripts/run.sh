#!/usr/bin/env bash
# The project's one entry point on a fresh machine.
#   bash scripts/run.sh start   install, build, run the main job on the embedded ARM emulator
#   bash scripts/run.sh test    install, build, lint, type-check, run every test in a loopback-only network namespace
#   bash scripts/run.sh setup   install and build only
#   bash scripts/run.sh release setup, then every release artifact into dist/release/ (scripts/release/release.sh)
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

# The `pulumi` Python SDK from PyPI in a git-ignored virtualenv, ./.toolchain/python, which the Python example's
# Pulumi.yaml names (runtime option virtualenv). Skipped when the pinned version is there. The pin is
# packages/pulumi/package.json's pulumiVersions.python (the generated Python SDK requires exactly it).
PYTHON_PULUMI_VERSION=$(sed -n 's/.*"python": *"\([^"]*\)".*/\1/p' packages/pulumi/package.json)
ensure_python_venv() {
  local venv="$ROOT/.toolchain/python"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('pulumi') != '$PYTHON_PULUMI_VERSION')" 2>/dev/null; then
    echo "› pip install pulumi==$PYTHON_PULUMI_VERSION into .toolchain/python" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pulumi==$PYTHON_PULUMI_VERSION" >&2
  fi
}

# A virtualenv with the PEP 517 front end `build` and the generated Python SDK's build backend (setuptools, wheel),
# pinned, in .toolchain/release-python: setup builds the SDK's wheel with it, scripts/release/release.sh the wheel
# and the sdist. Skipped when the pins are there.
PYTHON_BUILD_PINS=("build==1.6.1" "setuptools==84.2.1" "wheel==0.48.0")
ensure_python_build_venv() {
  local venv="$ROOT/.toolchain/release-python"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(any(m.version(n) != v for n, v in (p.split('==') for p in sys.argv[1:])))" "${PYTHON_BUILD_PINS[@]}" 2>/dev/null; then
    echo "› pip install ${PYTHON_BUILD_PINS[*]} into .toolchain/release-python" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${PYTHON_BUILD_PINS[@]}" >&2
  fi
}

# The SDKs of the aks-kube-proxy provider plugin, generated from its schema by the engine (`pulumi package gen-sdk`,
# with tools/pulumi's Python and Go language hosts) into the git-ignored ./.toolchain/pulumi-sdks/{python,go}: the
# Python one installed into .toolchain/python, the Go one given a go.mod (`go mod tidy`, which downloads its modules)
# so test/pulumi-provider-sdks.test.ts can build it offline. Skipped when the schema and the pins are unchanged.
ensure_provider_sdks() {
  local out="$ROOT/.toolchain/pulumi-sdks" plugin="$ROOT/packages/pulumi/bin/pulumi-resource-aks-kube-proxy"
  local home="$ROOT/.toolchain/pulumi/home" schema stamp
  schema=$(PULUMI_HOME="$home" PULUMI_SKIP_UPDATE_CHECK=true pulumi package get-schema "$plugin")
  stamp=$( (printf '%s' "$schema"; cat "$ROOT/.toolchain/pulumi/stamp"; echo "$PYTHON_PULUMI_VERSION ${PYTHON_BUILD_PINS[*]}") | sha256sum | cut -d' ' -f1)
  if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ]; then return 0; fi
  echo "› pulumi package gen-sdk (python, go) into .toolchain/pulumi-sdks" >&2
  rm -rf "$out"
  mkdir -p "$out"
  local lang
  for lang in python go; do
    PULUMI_HOME="$home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
      pulumi package gen-sdk "$plugin" --language "$lang" --out "$out" >&2
  done
  "$ROOT/.toolchain/python/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$out/python" >&2
  # The wheel, as the release builds it (PEP 517, `python -m build`, offline here: no build isolation), for
  # test/pulumi-release-plugin.test.ts, which installs it into a fresh virtualenv.
  ensure_python_build_venv
  cp "$out/python/pulumi_aks_kube_proxy/README.md" "$out/python/README.md"
  "$ROOT/.toolchain/release-python/bin/python" -m build --wheel --no-isolation --outdir "$out/wheel" "$out/python" >/dev/null
  local pin
  pin=$(cd "$ROOT/tools/pulumi" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/sdk/v3)
  printf 'module github.com/aks-kube-proxy/aks-kube-proxy/sdk/go\n\ngo 1.26\n\nrequire github.com/pulumi/pulumi/sdk/v3 %s\n' "$pin" > "$out/go/go.mod"
  (cd "$out/go" && go mod tidy >&2)
  echo "$stamp" > "$out/stamp"
}

# examples/go-existing-cluster (its go.mod replaces the generated Go SDK with .toolchain/pulumi-sdks/go) built once:
# that downloads its modules into the module cache and fills the build cache, so the Go language host's `go build`
# in test/pulumi-provider-go.test.ts works offline and quickly. The Go build cache makes a second run a few seconds.
ensure_go_example() {
  echo "› go build examples/go-existing-cluster (its modules, for the Go engine test)" >&2
  (cd "$ROOT/examples/go-existing-cluster" && go build -o /dev/null .) >&2
}

# The self-contained plugin executable for linux-amd64 (scripts/release/plugin.mjs: the provider bundled into a Node
# single-executable application) in .toolchain/plugin/, which test/pulumi-release-plugin.test.ts installs with
# `pulumi plugin install --file`. Skipped when the built provider, package.json, the script and Node are unchanged.
ensure_plugin_executable() {
  local out="$ROOT/.toolchain/plugin" stamp
  stamp=$( (cd "$ROOT" && find packages/pulumi/dist packages/sdk/dist -name '*.js' | LC_ALL=C sort | xargs cat; \
    cat packages/pulumi/package.json scripts/release/plugin.mjs; node --version) | sha256sum | cut -d' ' -f1)
  if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ]; then return 0; fi
  echo "› plugin executable (linux-amd64) into .toolchain/plugin" >&2
  rm -rf "$out"
  node "$ROOT/scripts/release/plugin.mjs" "$out" linux-amd64
  echo "$stamp" > "$out/stamp"
}

# actionlint, the GitHub Actions workflow linter, built from the Go module proxy into .toolchain/actionlint (the
# workflow test runs it on .github/workflows/*.yml). Skipped when the pinned version is there.
ACTIONLINT_VERSION=v1.7.12
ensure_actionlint() {
  local bin="$ROOT/.toolchain/actionlint/actionlint"
  if [ -x "$bin" ] && [ "$("$bin" -version | head -1)" = "$ACTIONLINT_VERSION" ]; then return 0; fi
  echo "› go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION into .toolchain/actionlint" >&2
  GOBIN="$ROOT/.toolchain/actionlint" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
}

# Debian's Chromium for the HTML report test (test/rollout-report-html.test.ts drives it with playwright-core):
# installed with apt-get only when /usr/bin/chromium is missing and we are root; otherwise skipped with a message
# (the test then fails saying why).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "› /usr/bin/chromium is missing and we are not root: skipping its install (the HTML report test will fail)" >&2
    return 0
  fi
  echo "› apt-get install -y chromium (for the HTML report test)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2 \
    || echo "› chromium could not be installed (see above): the HTML report test will fail" >&2
}

setup() {
  ensure_toolchain
  ensure_chromium
  ensure_pulumi_engine
  ensure_python_venv || echo "› the Python virtualenv could not be made (see above): the Python engine test will fail" >&2
  echo "› pnpm install --frozen-lockfile" >&2
  pnpm install --frozen-lockfile --reporter=silent >&2
  echo "› pnpm build" >&2
  pnpm build >&2
  ensure_provider_sdks || echo "› the provider's SDKs could not be generated (see above): the Python and Go SDK tests will fail" >&2
  ensure_go_example || echo "› examples/go-existing-cluster could not be built (see above): the Go engine test will fail" >&2
  ensure_plugin_executable || echo "› the plugin executable could not be built (see above): the plugin executable test will fail" >&2
  ensure_actionlint || echo "› actionlint could not be built (see above): the workflow lint test will fail" >&2
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
  release) setup; bash scripts/release/release.sh ;;
  *) echo "usage: bash scripts/run.sh start|test|setup|release" >&2; exit 3 ;;
esac
