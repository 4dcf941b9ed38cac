#!/usr/bin/env bash
# Builds every release artifact into dist/release/ (git-ignored), as .github/workflows/release.yml publishes them:
#   pulumi-resource-aks-kube-proxy-v<V>-<os>-<arch>.tar.gz   the self-contained plugin (scripts/release/plugin.mjs):
#                                                            linux-amd64, linux-arm64, windows-amd64
#   schema.json                                              the plugin's schema (`pulumi package get-schema`)
#   pulumi_aks_kube_proxy-<V>-py3-none-any.whl, .tar.gz      the Python SDK (PEP 517 build with `python -m build`)
#   sdk-go/ and sdk-go-v<V>.tar.gz                           the Go SDK module (github.com/aks-kube-proxy/aks-kube-proxy/sdk/go)
#   npm/aks-kube-proxy-{sdk,rollout,cli,pulumi,arm-emulator}-<V>.tgz the npm packages (`pnpm pack`)
#   SHA256SUMS                                               sha256sum of every file above
# Run through `bash scripts/run.sh release` (setup first: toolchain, engine, build). The SDKs are generated from the
# schema by this checkout's engine build (tools/pulumi), used only here, inside this script.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/dist/release
ENGINE=$ROOT/.toolchain/pulumi/bin
VERSION=$(node -p 'require("./packages/pulumi/package.json").version')
start=$(date +%s)

rm -rf "$OUT"
mkdir -p "$OUT/npm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The engine of this checkout, for code generation only; its own home, no update check, no plugin download.
pulumi_() {
  PULUMI_HOME="$work/home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
    PATH="$ENGINE:$PATH" "$ENGINE/pulumi" "$@"
}

echo "› plugin executables (esbuild bundle + Node single-executable application)" >&2
node scripts/release/plugin.mjs "$OUT" linux-amd64 linux-arm64 windows-amd64

echo "› schema.json and the SDKs generated from it (pulumi package gen-sdk)" >&2
pulumi_ package get-schema "$ROOT/packages/pulumi/bin/pulumi-resource-aks-kube-proxy" > "$OUT/schema.json"
pulumi_ package gen-sdk "$OUT/schema.json" --language python --out "$work/sdk" >&2
pulumi_ package gen-sdk "$OUT/schema.json" --language go --out "$work/sdk" >&2

echo "› Python wheel and sdist (python -m build, .toolchain/release-python from setup)" >&2
# The generator writes the README into the package folder; pyproject.toml names the one beside it (as Pulumi's own
# providers copy it there before building).
cp "$work/sdk/python/pulumi_aks_kube_proxy/README.md" "$work/sdk/python/README.md"
"$ROOT/.toolchain/release-python/bin/python" -m build --outdir "$OUT" "$work/sdk/python" >&2

echo "› Go module (sdk-go)" >&2
pin=$(cd "$ROOT/tools/pulumi" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/sdk/v3)
cp -r "$work/sdk/go" "$OUT/sdk-go"
printf 'module github.com/aks-kube-proxy/aks-kube-proxy/sdk/go\n\ngo 1.26\n\nrequire github.com/pulumi/pulumi/sdk/v3 %s\n' "$pin" > "$OUT/sdk-go/go.mod"
(cd "$OUT/sdk-go" && go mod tidy >&2 && go build ./... >&2)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "$OUT/sdk-go-v$VERSION.tar.gz" -C "$OUT" sdk-go

echo "› npm packages (pnpm pack)" >&2
for pkg in arm-emulator sdk rollout cli pulumi; do
  (cd "packages/$pkg" && pnpm pack --pack-destination "$OUT/npm" >/dev/null)
done

(cd "$OUT" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
echo "› dist/release/ built in $(( $(date +%s) - start )) s:" >&2
(cd "$OUT" && ls -1 | sed 's/^/    /') >&2
