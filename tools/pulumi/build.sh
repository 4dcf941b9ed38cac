#!/usr/bin/env bash
# Builds the Pulumi engine from the Go module proxy into a folder (default: <repo>/.toolchain/pulumi):
#   bin/pulumi                          the Pulumi CLI, github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at PULUMI_VERSION
#   bin/pulumi-language-nodejs          this folder's Node.js language host (see README.md: why it is ours)
#   bin/pulumi-language-python          this folder's Python language host (runs programs, generates Python SDKs)
#   bin/pulumi-language-go              a code-generation-only Go language host (generates Go SDKs)
#   bin/pulumi-language-yaml            github.com/pulumi/pulumi-yaml's language host at YAML_VERSION (yaml/go.mod: its
#                                       own module, since v1.25.0 does not compile against pkg/v3 v3.274.1)
#   bin/pulumi-resource-pulumi-nodejs   the dynamic-provider plugin launcher
# Skips the build when the folder's stamp matches the pin and the sources (this script, go.mod, go.sum, cmd/, bin/).
#   bash tools/pulumi/build.sh [--force] [DEST]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PULUMI_VERSION=v3.274.1
YAML_VERSION=v1.25.0
force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
DEST=${1:-"$HERE/../../.toolchain/pulumi"}
mkdir -p "$DEST/bin"
DEST=$(cd "$DEST" && pwd)

if ! command -v go >/dev/null 2>&1; then
  echo "tools/pulumi/build.sh: Go is not installed; the Pulumi engine is built from Go modules (Go 1.26 or newer)." >&2
  exit 1
fi

# The pin must be the version go.mod requires, so the -X version below tells the truth.
required=$(cd "$HERE" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)
if [ "$required" != "$PULUMI_VERSION" ]; then
  echo "tools/pulumi/build.sh: go.mod requires pkg/v3 $required but the pin is $PULUMI_VERSION; update one of them." >&2
  exit 1
fi

stamp="$PULUMI_VERSION $(cd "$HERE" && cat build.sh go.mod go.sum cmd/*/* internal/*/*.go bin/* yaml/go.mod yaml/go.sum | sha256sum | cut -d' ' -f1)"
if [ "$force" = 0 ] && [ -f "$DEST/stamp" ] && [ "$(cat "$DEST/stamp")" = "$stamp" ] \
   && [ -x "$DEST/bin/pulumi" ] && [ -x "$DEST/bin/pulumi-language-nodejs" ] && [ -x "$DEST/bin/pulumi-resource-pulumi-nodejs" ] \
   && [ -x "$DEST/bin/pulumi-language-python" ] && [ -x "$DEST/bin/pulumi-language-go" ] && [ -x "$DEST/bin/pulumi-language-yaml" ]; then
  exit 0
fi

echo "› building the Pulumi engine $PULUMI_VERSION from the Go module proxy into ${DEST#"$PWD/"} (first time: several minutes)" >&2
rm -f "$DEST/stamp"
ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
start=$(date +%s)
(
  cd "$HERE"
  go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$DEST/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$DEST/bin/pulumi-language-nodejs" ./cmd/pulumi-language-nodejs
  go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$DEST/bin/pulumi-language-python" ./cmd/pulumi-language-python
  go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$DEST/bin/pulumi-language-go" ./cmd/pulumi-language-go
)
(
  cd "$HERE/yaml"
  required_yaml=$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi-yaml)
  if [ "$required_yaml" != "$YAML_VERSION" ]; then
    echo "tools/pulumi/build.sh: yaml/go.mod requires pulumi-yaml $required_yaml but the pin is $YAML_VERSION; update one of them." >&2
    exit 1
  fi
  go build -trimpath -buildvcs=false -ldflags "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_VERSION" \
    -o "$DEST/bin/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
)
install -m 0755 "$HERE/bin/pulumi-resource-pulumi-nodejs" "$DEST/bin/pulumi-resource-pulumi-nodejs"
"$DEST/bin/pulumi" version >/dev/null
echo "$stamp" > "$DEST/stamp"
echo "› Pulumi engine $PULUMI_VERSION built in $(( $(date +%s) - start )) s" >&2
