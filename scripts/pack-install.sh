#!/usr/bin/env bash
# Packs every package the way it is published (`pnpm pack`: workspace: ranges become versions, only `files` go in)
# and installs the tarballs with plain npm into an empty project outside the workspace, .pack/project (git-ignored),
# as a user would: `npm install @aks-kube-proxy/cli @aks-kube-proxy/sdk @aks-kube-proxy/rollout @aks-kube-proxy/pulumi`
# (not the emulator, an optional peer of the CLI; the CLI depends on @aks-kube-proxy/rollout, so its tarball goes in
# the same install). Third-party dependencies come from the npm registry, so this runs before the tests,
# outside the loopback-only namespace; test/pack-install.test.ts then checks the result inside it.
# Needs a build (dist/) first. Install scripts of dependencies are not run (nothing may download a binary).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/.pack
rm -rf "$OUT"
mkdir -p "$OUT/tarballs" "$OUT/project"
for pkg in arm-emulator sdk rollout cli pulumi; do
  (cd "packages/$pkg" && pnpm pack --pack-destination "$OUT/tarballs" >/dev/null)
done
cd "$OUT/project"
printf '{\n  "name": "pack-install-check",\n  "private": true\n}\n' > package.json
npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
  "$OUT"/tarballs/aks-kube-proxy-sdk-*.tgz "$OUT"/tarballs/aks-kube-proxy-rollout-*.tgz "$OUT"/tarballs/aks-kube-proxy-cli-*.tgz "$OUT"/tarballs/aks-kube-proxy-pulumi-*.tgz >&2
echo "installed the packed packages into $OUT/project" >&2
