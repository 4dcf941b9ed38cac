/**
 * The README's architecture is the folder layout: its "Folders" list names exactly the folders of `src/`, and its
 * module table names exactly the source files, by their path under `src/`. A file moved, added or removed without
 * the README fails here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

const PKG = join(__dirname, "..");
const SRC = join(PKG, "src");
const README = readFileSync(join(PKG, "README.md"), "utf8");

function walk(dir: string): { files: string[]; folders: string[] } {
  const files: string[] = [];
  const folders: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(SRC, path).split(sep).join("/");
    if (entry.isDirectory()) {
      folders.push(rel);
      const inner = walk(path);
      files.push(...inner.files);
      folders.push(...inner.folders);
    } else if (entry.name.endsWith(".ts")) files.push(rel);
  }
  return { files, folders };
}

describe("rollout README layout", () => {
  const { files, folders } = walk(SRC);

  it("lists every source file of src/ in its module table, by path, and no other", () => {
    const table = [...README.matchAll(/^\| `([\w/]+\.ts)` \|/gm)].map((m) => m[1]);
    expect(files.length).toBeGreaterThan(40);
    expect([...table].sort()).toEqual([...files].sort());
  });

  it("names every folder of src/ in its architecture's folder list, and no other", () => {
    const section = README.slice(README.indexOf("- **Folders**"), README.indexOf("- **Public face.**"));
    // A nested item is a folder of the item above it: `  - \`journal/\`` then `    - \`blob/\`` is journal/blob.
    const parents: { indent: number; path: string }[] = [];
    const listed: string[] = [];
    for (const m of section.matchAll(/^( *)- `(\w+)\/`:/gm)) {
      const indent = m[1]!.length;
      while (parents.length > 0 && parents[parents.length - 1]!.indent >= indent) parents.pop();
      const path = [...parents.map((p) => p.path), m[2]!].join("/");
      listed.push(path);
      parents.push({ indent, path: m[2]! });
    }
    expect(folders.length).toBeGreaterThan(4);
    expect([...listed].sort()).toEqual([...folders].sort());
  });
});
