/**
 * No package's source import graph has a cycle: every relative import (static `import`/`export … from`, type-only ones
 * included, and `require("./…")`) of every `packages/<pkg>/src/**\/*.ts` is followed, and a depth-first walk looks for a
 * back edge. A cycle such as journalStore.ts → blobStore.ts → blobJournal.ts → journalStore.ts makes a module's load
 * order decide what it sees; this test names the modules of the first cycle it finds. The rollout package's folders
 * (spec/, plan/, run/, journal/ with its blob/, report/) are layers too: no folder imports one that imports it back.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = join(__dirname, "..");
const PACKAGES = readdirSync(join(ROOT, "packages")).filter((p) => existsSync(join(ROOT, "packages", p, "src")));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']*)["']/gm;

/** The relative imports of a file, resolved to files. */
export function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const base = resolve(dirname(file), m[1]!);
    const target = [`${base}.ts`, join(base, "index.ts"), base.replace(/\.js$/, ".ts")].find((c) => existsSync(c) && statSync(c).isFile());
    if (target) out.push(target);
  }
  return out;
}

/** The first cycle of the graph, as a list of files, or undefined. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return undefined;
}

describe("source import graphs", () => {
  it("finds a planted cycle (the walker works)", () => {
    const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
    expect(findCycle(graph)).toEqual(["a", "b", "c", "a"]);
    expect(findCycle(new Map([["a", ["b"]], ["b", []]]))).toBeUndefined();
  });

  it("follows the rollout package's relative imports (journal store contract included)", () => {
    const store = join(ROOT, "packages", "rollout", "src", "journal", "blob", "blobStore.ts");
    expect(relativeImports(store).map((f) => relative(ROOT, f))).toContain("packages/rollout/src/journal/journalStoreTypes.ts");
  });

  it.each(PACKAGES)("packages/%s/src has no import cycle", (pkg) => {
    const files = sources(join(ROOT, "packages", pkg, "src"));
    const graph = new Map(files.map((f) => [f, relativeImports(f)]));
    const cycle = findCycle(graph);
    expect(cycle?.map((f) => relative(ROOT, f))).toBeUndefined();
  });

  it("packages/rollout/src's folders import each other without a cycle (each folder a layer)", () => {
    const src = join(ROOT, "packages", "rollout", "src");
    // A top-level file (index.ts, util.ts) is its own node; every file under a folder is its folder (journal/blob/ is journal/).
    const part = (file: string) => relative(src, file).split(sep)[0]!;
    const edges = new Map<string, Set<string>>();
    for (const file of sources(src)) {
      const from = part(file);
      if (!edges.has(from)) edges.set(from, new Set());
      for (const target of relativeImports(file)) if (part(target) !== from) edges.get(from)!.add(part(target));
    }
    const graph = new Map([...edges].map(([from, to]) => [from, [...to]]));
    expect([...graph.keys()].filter((p) => !p.endsWith(".ts")).sort()).toEqual(["journal", "plan", "report", "run", "spec"]);
    expect(graph.get("index.ts")).toEqual(expect.arrayContaining(["spec", "plan", "run", "journal", "report"]));
    expect(findCycle(graph)).toBeUndefined();
  });
});
