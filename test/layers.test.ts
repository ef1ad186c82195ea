import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The import graph of src/ and web/src/ against the layer table of docs/architecture.md (the
 * one place the layer order is written): no cycles, no import from a lower layer to a
 * higher one (static, type-only and dynamic imports alike), no import of a computed path,
 * and the explorer (web/src/) imports from src/ only the browser-safe entry src/core.ts.
 */
const root = path.resolve(import.meta.dirname, "..");

function layerTable(): { name: string; prefixes: string[] }[] {
  const readme = fs.readFileSync(path.join(root, "docs", "architecture.md"), "utf8");
  const start = readme.indexOf("<!-- layers -->");
  expect(start, "docs/architecture.md needs the <!-- layers --> table").toBeGreaterThan(0);
  const rows = readme
    .slice(start)
    .split("\n")
    .slice(3)
    .filter((l) => l.startsWith("|"));
  return rows.map((l) => {
    const [, name, modules] = l.split("|").map((c) => c.trim());
    return { name, prefixes: [...modules.matchAll(/`([^`]+)`/g)].map((m) => m[1]) };
  });
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith(".ts") ? [path.relative(root, p).split(path.sep).join("/")] : [];
  });
}

/** Relative imports of a module (static imports and re-exports, type-only included), as repo paths. */
function importsOf(file: string): { targets: string[]; dynamic: boolean } {
  const text = fs
    .readFileSync(path.join(root, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const resolve = (spec: string) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, ".ts");
  const targets = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"|^\s*import\s+"(\.[^"]+)"/gm)].map((m) => resolve(m[1] ?? m[2]));
  // a dynamic import() (lazy loading of a heavy dependency) is an import like any other
  const dynamic = [...text.matchAll(/\bimport\s*\(\s*"(\.[^"]+)"\s*\)/g)].map((m) => resolve(m[1]));
  const computed = /\bimport\s*\(\s*[^"\s]/.test(text);
  return { targets: [...targets, ...dynamic], dynamic: computed };
}

/** Layer index of a file: the longest matching prefix of the table. */
function layerOf(file: string, table: { name: string; prefixes: string[] }[]): number {
  let best = -1,
    bestLen = -1;
  table.forEach((l, i) => {
    for (const p of l.prefixes) if ((file === p || (p.endsWith("/") && file.startsWith(p))) && p.length > bestLen) [best, bestLen] = [i, p.length];
  });
  return best;
}

/** Strongly connected components with more than one module (Tarjan), or a module importing itself. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(),
    low = new Map<string, number>(),
    stack: string[] = [],
    on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** The imports of web/src/ modules into src/ other than the browser-safe public entry. */
function webImportsPastTheEntry(graph: Map<string, string[]>): string[] {
  return [...graph].flatMap(([f, targets]) =>
    f.startsWith("web/src/") ? targets.filter((t) => t.startsWith("src/") && t !== "src/core.ts").map((t) => `${f} → ${t}`) : [],
  );
}

describe("the layers of src/ and web/src/", () => {
  const table = layerTable();
  const files = [...sourceFiles(path.join(root, "src")), ...sourceFiles(path.join(root, "web", "src"))];
  const graph = new Map(files.map((f) => [f, importsOf(f).targets]));

  it("put every module in exactly one layer of the layer table (docs/architecture.md)", () => {
    expect(table.map((l) => l.name)).toContain("catalogue");
    expect(files.filter((f) => layerOf(f, table) < 0)).toEqual([]);
  });

  it("import only from their own layer or lower ones", () => {
    const upward = files.flatMap((f) =>
      graph
        .get(f)!
        .filter((t) => layerOf(t, table) > layerOf(f, table))
        .map((t) => `${f} (${table[layerOf(f, table)].name}) → ${t} (${table[layerOf(t, table)].name})`),
    );
    expect(upward).toEqual([]);
  });

  it("have no import cycles", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("let the explorer (web/src/) import from src/ only the public entry src/core.ts", () => {
    expect(files.filter((f) => f.startsWith("web/src/")).length).toBeGreaterThan(5);
    expect(webImportsPastTheEntry(graph)).toEqual([]);
  });

  it("use no dynamic import() of a computed path (each dynamic import is a checked edge)", () => {
    expect(files.filter((f) => importsOf(f).dynamic)).toEqual([]);
  });

  it("would catch a cycle and an upward import (the checks can fail)", () => {
    const g = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", []],
    ]);
    expect(cycles(g)).toEqual([["a", "b", "c"]]);
    expect(layerOf("src/linalg/matrix.ts", table)).toBeLessThan(layerOf("src/cli/main.ts", table));
    expect(layerOf("src/config/schema.ts", table)).toBe(table.findIndex((l) => l.name === "catalogue"));
    expect(layerOf("src/core.ts", table)).toBeLessThan(layerOf("web/src/main.ts", table));
    expect(webImportsPastTheEntry(new Map([["web/src/x.ts", ["src/core.ts", "src/config/schema.ts", "web/src/y.ts"]]]))).toEqual([
      "web/src/x.ts → src/config/schema.ts",
    ]);
  });
});
