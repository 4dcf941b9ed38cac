/**
 * Every code block in every README.md of the repository runs here, or carries a visible marker saying why it cannot,
 * so the docs cannot drift from the code.
 *
 * THE MARKER: an HTML comment on the line just before the opening fence:
 *
 *     <!-- not-run: why this block cannot run here (e.g. needs Azure, needs a Pulumi engine) -->
 *
 * How blocks run (other engineers edit READMEs too: a new block either runs like this or gets a marker):
 * - `sh`, `bash`, `shell`: `bash -e -o pipefail`, in a sandbox folder holding `kube-proxy.json` (a copy of
 *   examples/kube-proxy-config.json), `rollout.yaml`, and links to this checkout's `bin/`, `.toolchain/` and
 *   `examples/`; with `aks-kube-proxy` on PATH, the environment of an emulator (credentials, subscription
 *   00000000-…, CA, `AZURE_RESOURCE_MANAGER_ENDPOINT`) and `AKS_KUBE_PROXY_POLL_INTERVAL=10ms`. The emulator holds
 *   the clusters the READMEs name (my-rg/my-aks, my-rg/other-aks, rg/aks1, the demo's three). The blocks of one
 *   README run in order against one emulator, as a reader would follow along; it is reset between READMEs.
 * - `ts`, `typescript`: as an `.mts` module run by Node's type stripping in the same sandbox, where the
 *   `@aks-kube-proxy/*` packages resolve to this workspace's builds; the preview is enabled first.
 * - `json`, `yaml`: parsed.
 * - anything else, or no language: must carry the marker.
 * A block passes when it exits 0 within a minute.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { startTestEmulator, type TestEmulator } from "./support/emulator";
import { REPO_ROOT } from "../packages/cli/test/support/run-cli";

const MARKER = /^<!--\s*not-run:\s*(.+?)\s*-->\s*$/;

interface Block {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  readonly notRun?: string;
}

function readmes(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if ([".git", "node_modules", "dist", ".toolchain", ".pack", "coverage", ".test-results"].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) readmes(path, out);
    else if (entry.name === "README.md") out.push(path);
  }
  return out.sort();
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})\s*([\w-]*)\s*$/.exec(lines[i] ?? "");
    if (!open) continue;
    const fence = open[1] ?? "```";
    let end = i + 1;
    while (end < lines.length && (lines[end] ?? "").trim() !== fence) end++;
    let prev = i - 1;
    while (prev >= 0 && (lines[prev] ?? "").trim() === "") prev--;
    const marker = MARKER.exec((lines[prev] ?? "").trim());
    blocks.push({ file: relative(REPO_ROOT, file), line: i + 1, lang: (open[2] ?? "").toLowerCase(), code: lines.slice(i + 1, end).join("\n"), ...(marker ? { notRun: marker[1] } : {}) });
    i = end;
  }
  return blocks;
}

const CLUSTERS = [
  { resourceGroup: "my-rg", name: "my-aks", kubernetesVersion: "1.33.2", networkPlugin: "azure" },
  { resourceGroup: "my-rg", name: "other-aks", kubernetesVersion: "1.33.2", networkPlugin: "azure" },
  { resourceGroup: "my-rg", name: "byocni-aks", kubernetesVersion: "1.33.2", networkPlugin: "none" },
  { resourceGroup: "rg", name: "aks1", kubernetesVersion: "1.33.2", networkPlugin: "azure" },
  ...(JSON.parse(readFileSync(join(REPO_ROOT, "examples", "emulator-seed.json"), "utf8")) as { clusters: { resourceGroup: string; name: string }[] }).clusters,
];
const FAST = { featureRegistrationMs: 30, providerRegistrationMs: 20, operationMs: 50, retryAfterSeconds: 0 };

function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), "readme-blocks-"));
  copyFileSync(join(REPO_ROOT, "examples", "kube-proxy-config.json"), join(dir, "kube-proxy.json"));
  writeFileSync(
    join(dir, "rollout.yaml"),
    "name: readme\nsubscriptions: [00000000-0000-0000-0000-000000000000]\nselect:\n  resourceGroups: [my-rg]\n  names: [my-aks]\nsettings: { mode: IPVS, ipvsConfig: { scheduler: LeastConnection } }\nwaves:\n  - name: all\n    percent: 100\n",
  );
  for (const name of ["bin", ".toolchain", "examples"]) symlinkSync(join(REPO_ROOT, name), join(dir, name));
  mkdirSync(join(dir, "node_modules", "@aks-kube-proxy"), { recursive: true });
  for (const pkg of ["sdk", "rollout", "cli", "pulumi", "arm-emulator"]) symlinkSync(join(REPO_ROOT, "packages", pkg), join(dir, "node_modules", "@aks-kube-proxy", pkg));
  return dir;
}

/** Runs a process without blocking this one (the emulator answers from this process's event loop). */
function run(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ["ignore", "ignore", "pipe"], timeout: 60_000, killSignal: "SIGKILL" });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

const all = readmes(REPO_ROOT).map((file) => ({ file, blocks: blocksOf(file) }));

describe("README code blocks", () => {
  test("there are READMEs with code blocks to check", () => {
    expect(all.map((r) => relative(REPO_ROOT, r.file))).toEqual(expect.arrayContaining(["README.md", "packages/cli/README.md", "packages/sdk/README.md"]));
  });

  for (const { file, blocks } of all) {
    describe(relative(REPO_ROOT, file), () => {
      let t: TestEmulator;
      let dir: string;
      beforeAll(async () => {
        t = await startTestEmulator({ clusters: CLUSTERS, timings: FAST });
        dir = sandbox();
      });
      afterAll(async () => {
        await t.stop();
      });

      const env = (): NodeJS.ProcessEnv => ({
        PATH: `${join(REPO_ROOT, "bin")}:${join(REPO_ROOT, ".toolchain", "node_modules", ".bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
        HOME: dir,
        NO_COLOR: "1",
        ...t.em.env,
        AZURE_RESOURCE_MANAGER_ENDPOINT: t.em.url,
        AKS_KUBE_PROXY_POLL_INTERVAL: "10ms",
      });

      for (const block of blocks) {
        const name = `${block.file}:${block.line} (${block.lang || "no language"})`;
        const reason = block.notRun;
        if (reason !== undefined) {
          test(`${name} is marked not-run with a reason`, () => {
            expect(reason.length).toBeGreaterThan(10);
          });
          continue;
        }
        test(`${name} runs`, async () => {
          switch (block.lang) {
            case "json":
              expect(() => JSON.parse(block.code)).not.toThrow();
              return;
            case "yaml":
            case "yml":
              expect(() => parseYaml(block.code)).not.toThrow();
              return;
            case "sh":
            case "bash":
            case "shell": {
              const r = await run("bash", ["-e", "-o", "pipefail", "-c", block.code], { cwd: dir, env: env() });
              expect({ block: name, exit: r.status, stderr: r.status === 0 ? "" : r.stderr.slice(-2000) }).toEqual({ block: name, exit: 0, stderr: "" });
              return;
            }
            case "ts":
            case "typescript": {
              await t.client().enablePreview();
              const script = join(dir, `block-${block.line}.mts`);
              writeFileSync(script, block.code);
              const r = await run(process.execPath, ["--disable-warning=ExperimentalWarning", script], { cwd: dir, env: env() });
              expect({ block: name, exit: r.status, stderr: r.status === 0 ? "" : r.stderr.slice(-2000) }).toEqual({ block: name, exit: 0, stderr: "" });
              return;
            }
            default:
              throw new Error(`${name}: a ${block.lang || "plain"} block cannot run; add <!-- not-run: REASON --> on the line before it`);
          }
        }, 90_000);
      }
    });
  }
});
