import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

/** Runs `matsense run` (the built CLI) in a child whose stderr claims to be a terminal; true when cli-progress was loaded. */
function loadsCliProgress(...flags: string[]): boolean {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-lazy-")), "r");
  const script = `
    import { createRequire } from "node:module";
    process.stderr.isTTY = true;
    const { main } = await import(${JSON.stringify(path.join(root, "dist/cli/main.js"))});
    const sets = ["--set", "problem.n=5", "--set", "stop.maxIterations=20"];
    const argv = ["node", "matsense", "run", ...${JSON.stringify(flags)}, ...sets, "--out", ${JSON.stringify(out)}];
    const code = await main(argv, { out: () => {}, err: () => {} });
    const loaded = Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes("/node_modules/cli-progress/"));
    process.stdout.write(JSON.stringify({ code, loaded }));
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  const { code, loaded } = JSON.parse(r.stdout) as { code: number; loaded: boolean };
  expect(code).toBe(0);
  return loaded;
}

describe("cli-progress", () => {
  it("is not loaded by a quiet run (-q), and is by a run that draws its bar on a terminal", () => {
    expect(loadsCliProgress("-q")).toBe(false);
    expect(loadsCliProgress()).toBe(true);
  });
});
