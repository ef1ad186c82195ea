import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
/** The library's worked example lives in docs/library.md (the README links to it). */
const library = fs.readFileSync(path.join(root, "docs", "library.md"), "utf8");
const built = fs.existsSync(path.join(root, "dist", "index.js"));

describe("README", () => {
  it("starts with the three quick-start commands that CI runs", () => {
    const quick = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("## Running"));
    expect(quick).toContain("npm ci");
    expect(quick).toContain("npx matsense run");
    expect(quick).toContain("npm test");
    const ci = fs.readFileSync(path.join(root, ".ci", "run"), "utf8");
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  // The library example imports the built package ("matsense" → dist/); `npm test` builds first.
  it.skipIf(!built)("library example compiles under tsc --strict, runs, and shows k = r reaching far lower error than k > r (needs `npm run build`)", () => {
    const block = /<!-- readme-example -->\s*```ts\n([\s\S]*?)```/.exec(library)?.[1];
    expect(block).toBeDefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-readme-"));
    fs.writeFileSync(path.join(dir, "example.ts"), block!);
    // "matsense" resolves to this checkout's typings (dist/index.d.ts) and, when run, to dist/index.js
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          skipLibCheck: false,
          types: ["node"],
          typeRoots: [path.join(root, "node_modules", "@types")],
          outDir: "out",
          rootDir: ".",
          paths: { matsense: [path.join(root, "dist", "index.d.ts")] },
        },
        files: ["example.ts"],
      }),
    );
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const tsc = spawnSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
    const js = path.join(dir, "out", "example.js");
    fs.writeFileSync(js, fs.readFileSync(js, "utf8").replace('from "matsense"', `from ${JSON.stringify(path.join(root, "dist", "index.js"))}`));
    const r = spawnSync(process.execPath, [js], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const errs = [...r.stdout.matchAll(/k = (\d): \S+, rel_error (\S+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(errs.map((e) => e[0])).toEqual([3, 5]);
    expect(errs[0][1]).toBeLessThan(1e-10);
    expect(errs[1][1]).toBeGreaterThan(1e-6);
  });

  it.skipIf(!built)("the strict compile of the example can fail (a type error is reported)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-readme-bad-"));
    fs.writeFileSync(
      path.join(dir, "example.ts"),
      'import { type ConfigInput } from "matsense";\nconst c: ConfigInput = { method: { name: 42 } };\nconsole.log(c);\n',
    );
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          types: ["node"],
          typeRoots: [path.join(root, "node_modules", "@types")],
          noEmit: true,
          paths: { matsense: [path.join(root, "dist", "index.d.ts")] },
        },
        files: ["example.ts"],
      }),
    );
    const tsc = spawnSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8" });
    expect(tsc.status).not.toBe(0);
    expect(tsc.stdout).toMatch(/example\.ts/);
  });
});
