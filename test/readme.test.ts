import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
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
  it.skipIf(!built)("library example runs and shows k = r reaching far lower error than k > r (needs `npm run build`)", () => {
    const block = /<!-- readme-example -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-readme-")), "example.mjs");
    // The example is written in the common subset of TS and JS; resolve "matsense" to this checkout.
    fs.writeFileSync(file, block!.replace('from "matsense"', `from ${JSON.stringify(path.join(root, "dist", "index.js"))}`));
    const r = spawnSync(process.execPath, [file], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const errs = [...r.stdout.matchAll(/k = (\d): \S+, rel_error (\S+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(errs.map((e) => e[0])).toEqual([3, 5]);
    expect(errs[0][1]).toBeLessThan(1e-10);
    expect(errs[1][1]).toBeGreaterThan(1e-6);
  });
});
