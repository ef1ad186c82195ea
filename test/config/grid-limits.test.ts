import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { HARD_MAX_GRID_RUNS, MAX_GRID_RUNS, expandGrid, gridRunCount, parseGrid } from "../../src/config/grid.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { MAX_THREADS_PER_CORE, resolveConfig } from "../../src/config/schema.js";
import { main } from "../../src/cli/main.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("grid size limits (issue 15 item 3)", () => {
  it("counts runs from the list lengths without expanding", () => {
    const g = parseGrid({
      vary: { "init.alpha": [1, 2, 3] },
      zip: [{ "model.k": [1, 2], "method.stepSize": [0.1, 0.2] }],
      variants: [{ name: "a" }, { name: "b" }],
      seeds: 5,
    });
    expect(gridRunCount(g)).toEqual({ runs: 3 * 2 * 2 * 5, points: 12, seeds: 5 });
    expect(expandGrid(g, { validate: false }).length).toBe(60);
  });

  it('refuses "seeds": 1000000000 at once (no expansion), naming the count and --allow-large', () => {
    expect(() => expandGrid({ seeds: 1_000_000_000 })).toThrow(
      /has 1000000000 runs \(1 parameter point × 1000000000 seeds\), more than the limit of 100000.*--allow-large/,
    );
    expect(() => expandGrid({ seeds: 1_000_000_000 }, { allowLarge: true })).toThrow(new RegExp(`more than the limit of ${HARD_MAX_GRID_RUNS}`));
    // (today's main expands first: V8 "heap out of memory", exit 134)
  });

  it("accepts exactly the limit and refuses one more", () => {
    expect(() => parseGridAndCheck(MAX_GRID_RUNS)).not.toThrow();
    expect(() => parseGridAndCheck(MAX_GRID_RUNS + 1)).toThrow(/more than the limit/);
    expect(() => parseGridAndCheck(MAX_GRID_RUNS + 1, true)).not.toThrow();
  });

  it("the CLI refuses a huge grid with exit 2 and creates no folder", async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-grid-"));
    fs.writeFileSync(path.join(d, "g.json"), JSON.stringify({ vary: { "init.alpha": Array.from({ length: 1000 }, (_, i) => i + 1) }, seeds: 1000 }));
    const r = await cli("sweep", "--grid", path.join(d, "g.json"), "--out", path.join(d, "out"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("has 1000000 runs");
    expect(fs.existsSync(path.join(d, "out"))).toBe(false);
  });
});

/** expandGrid of a grid with `runs` seeds, only up to the count check (validate off, tiny configs). */
function parseGridAndCheck(runs: number, allowLarge = false): void {
  // a vary list of `runs` points would be expanded; use seeds so the check alone decides
  const g = parseGrid({ seeds: runs });
  if (runs <= MAX_GRID_RUNS || allowLarge) expect(gridRunCount(g).runs).toBe(runs);
  expandGrid(g, { validate: false, allowLarge });
}

describe("the sweep's status log replaces the per-run manifest rewrite", () => {
  it("appends one JSON line per finished run and writes the manifest at the end", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-log-"));
    const grid = { base: { problem: { n: 6, rank: 1 }, operator: { backend: "ts" }, stop: { maxIterations: 20 } }, seeds: 3 };
    await runSweep(grid, dir, { runner: "inline" });
    const lines = fs
      .readFileSync(path.join(dir, "status.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(["base__seed=0", "base__seed=1", "base__seed=2"]);
    expect(lines.every((l) => l.status === "max-iterations" && l.iterations === 20 && typeof l.time === "string")).toBe(true);
    const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    expect(m.counts).toEqual({ "max-iterations": 3 });
  });
});

describe("bounded numeric fields", () => {
  it(`operator.threads above ${MAX_THREADS_PER_CORE} × cores is refused (error, not clamp)`, () => {
    const max = MAX_THREADS_PER_CORE * os.availableParallelism();
    expect(resolveConfig({ operator: { threads: max } }).operator.threads).toBe(max);
    expect(() => resolveConfig({ operator: { threads: max + 1 } })).toThrow(/operator\.threads: must be ≤/);
  });

  it("--threads 1000000 exits 2", async () => {
    const r = await cli("run", "--set", "problem.n=6", "--threads", "1000000", "-q", "--out", fs.mkdtempSync(path.join(os.tmpdir(), "matsense-t-")));
    expect(r.code).toBe(2);
    expect(r.err).toContain("operator.threads: must be ≤");
  });

  it("record.singularValues above min(n1, n2) is refused", () => {
    expect(() => resolveConfig({ problem: { n: 10 }, record: { singularValues: 1e9 } })).toThrow(/record\.singularValues: must be ≤ min\(n1, n2\) = 10/);
    expect(resolveConfig({ problem: { n: 10 }, record: { singularValues: 10 } }).record.singularValues).toBe(10);
  });
});

describe("nesting depth of configs and grids built in code", () => {
  it("a value nested 100000 levels deep is a ConfigError, not a stack overflow", () => {
    let v: unknown = [1];
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(() => resolveConfig({ problem: { singularValues: v } })).toThrow(/nested more than 64 levels deep/);
    expect(() => expandGrid({ vary: { "init.alpha": [v] } })).toThrow(/grid: is nested more than 64 levels deep/);
  });
});
