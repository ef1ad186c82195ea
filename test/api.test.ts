import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as core from "../src/core.js";
import * as lib from "../src/index.js";

/**
 * The public API: src/core.ts (matsense/core) and src/index.ts (matsense) export one name per
 * line, and docs/library.md's API tables list exactly those names.
 */
const root = path.resolve(import.meta.dirname, "..");

/** The exported names of an entry module's text, one per line: { name, type } ("export *" lines give their target). */
function exportsOf(text: string): { names: { name: string; type: boolean }[]; star: string[]; bad: string[] } {
  const lines = text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("//"));
  const names: { name: string; type: boolean }[] = [],
    star: string[] = [],
    bad: string[] = [];
  for (const l of lines) {
    const one = /^export (type )?\{ (\w+) \} from "\.\/[\w/.-]+\.js";$/.exec(l);
    const all = /^export \* from "(\.\/[\w/.-]+\.js)";$/.exec(l);
    if (one) names.push({ name: one[2], type: !!one[1] });
    else if (all) star.push(all[1]);
    else bad.push(l);
  }
  return { names, star, bad };
}

/** The backticked identifiers of the API tables' second column in docs/library.md. */
function documentedNames(): string[] {
  const doc = fs.readFileSync(path.join(root, "docs", "library.md"), "utf8");
  const start = doc.indexOf("<!-- api -->");
  expect(start, "docs/library.md needs the <!-- api --> tables").toBeGreaterThan(0);
  return doc
    .slice(start)
    .split("\n")
    .filter((l) => l.startsWith("|") && !l.startsWith("|---") && !l.startsWith("| group"))
    .flatMap((l) => [...l.split("|")[2].matchAll(/`(\w+)`/g)].map((m) => m[1]));
}

describe("the public API", () => {
  const c = exportsOf(fs.readFileSync(path.join(root, "src", "core.ts"), "utf8"));
  const i = exportsOf(fs.readFileSync(path.join(root, "src", "index.ts"), "utf8"));

  it("is one export per line: `export { name } from`, and index.ts re-exports core.ts whole", () => {
    expect(c.bad).toEqual([]);
    expect(i.bad).toEqual([]);
    expect(c.star).toEqual([]);
    expect(i.star).toEqual(["./core.js"]);
    const all = [...c.names, ...i.names].map((n) => n.name);
    expect(all.filter((n, k) => all.indexOf(n) !== k)).toEqual([]);
  });

  it("lists every export in docs/library.md, and nothing else", () => {
    const documented = documentedNames();
    const exported = [...c.names, ...i.names].map((n) => n.name);
    expect(exported.filter((n) => !documented.includes(n))).toEqual([]);
    expect(documented.filter((n) => !exported.includes(n))).toEqual([]);
  });

  it("resolves: each runtime export is defined, and matsense = matsense/core plus the Node part", () => {
    const runtime = (e: { names: { name: string; type: boolean }[] }) => e.names.filter((n) => !n.type).map((n) => n.name);
    expect(Object.keys(core).sort()).toEqual(runtime(c).sort());
    expect(Object.keys(lib).sort()).toEqual([...runtime(c), ...runtime(i)].sort());
    for (const n of Object.keys(lib)) expect(lib[n as keyof typeof lib], n).not.toBeUndefined();
  });

  it("would catch a second name on a line and an undocumented export (the checks can fail)", () => {
    const e = exportsOf('// a comment\nexport { a, b } from "./x.js";\nexport { notDocumented } from "./x.js";\n');
    expect(e.bad).toEqual(['export { a, b } from "./x.js";']);
    expect(e.names).toEqual([{ name: "notDocumented", type: false }]);
    expect(documentedNames()).not.toContain("notDocumented");
  });
});
