/**
 * .github/workflows/release.yml, which cannot run here: linted with actionlint (built by setup from the Go module
 * proxy into .toolchain/actionlint), and checked to build with the same command as a developer
 * (`bash scripts/run.sh release`) and to publish each artifact the way its registry expects.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(__dirname, "..");
const ACTIONLINT = join(ROOT, ".toolchain", "actionlint", "actionlint");
const WORKFLOWS = join(ROOT, ".github", "workflows");
const RELEASE = join(WORKFLOWS, "release.yml");

function actionlint(files: string[], cwd = ROOT) {
  if (!existsSync(ACTIONLINT)) throw new Error(`${ACTIONLINT} is missing: run \`bash scripts/run.sh setup\` (ensure_actionlint builds it from the Go module proxy).`);
  return spawnSync(ACTIONLINT, ["-no-color", ...files], { cwd, encoding: "utf8" });
}

test("actionlint finds nothing in .github/workflows/*.yml nor in the example workflow", () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(WORKFLOWS, f));
  expect(files).toContain(RELEASE);
  const lint = actionlint([...files, join(ROOT, "examples", "github-actions-rollout.yml")]);
  expect(lint.stdout + lint.stderr).toBe("");
  expect(lint.status).toBe(0);
});

test("actionlint does check: a job that needs an unknown job and an unknown context are reported", () => {
  const dir = mkdtempSync(join(tmpdir(), "actionlint-"));
  try {
    mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
    const broken = readFileSync(RELEASE, "utf8").replace("needs: build\n", "needs: biuld\n").replace("${{ github.token }}", "${{ github.tokn }}");
    const file = join(dir, ".github", "workflows", "release.yml");
    writeFileSync(file, broken);
    const lint = actionlint([file], dir);
    expect(lint.status).toBe(1);
    expect(lint.stdout).toMatch(/biuld/);
    expect(lint.stdout).toMatch(/tokn/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Step { uses?: string; run?: string; with?: Record<string, unknown> }
interface Job { needs?: string; permissions?: Record<string, string>; steps: Step[] }

test("the release workflow builds with scripts/run.sh release on a tag and publishes npm with provenance, PyPI by trusted publishing, the plugin tarballs and the Go module tag", () => {
  const wf = parse(readFileSync(RELEASE, "utf8")) as { on: { push: { tags: string[] } }; permissions: Record<string, string>; jobs: Record<string, Job> };
  expect(wf.on.push.tags).toEqual(["v*.*.*"]);
  expect(wf.permissions).toEqual({ contents: "read" });
  const { build, npm, pypi, "github-release": release, "go-module": go } = wf.jobs;
  expect(build!.steps.map((s) => s.run ?? "")).toContain("bash scripts/run.sh release");
  for (const job of [npm, pypi, release, go]) expect(job!.needs).toBe("build");
  const runs = (job: Job | undefined) => job!.steps.map((s) => s.run ?? "").join("\n");
  expect(runs(npm)).toMatch(/npm publish --provenance/);
  expect(npm!.permissions).toMatchObject({ "id-token": "write" });
  expect(pypi!.steps.map((s) => s.uses)).toContain("pypa/gh-action-pypi-publish@release/v1");
  expect(pypi!.permissions).toEqual({ "id-token": "write" });
  expect(runs(pypi)).not.toMatch(/password|token/i);
  expect(runs(release)).toMatch(/gh release create .*\n.*pulumi-resource-aks-kube-proxy-"\$GITHUB_REF_NAME"-\*\.tar\.gz/);
  expect(runs(go)).toMatch(/git push origin "refs\/tags\/sdk\/go\/\$GITHUB_REF_NAME"/);
});
