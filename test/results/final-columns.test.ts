import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { aggregateSweep } from "../../src/results/aggregate.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { errorFigureSpec, itersVsFigureSpec } from "../../src/plot/charts.js";

describe("runs.csv final_* columns", () => {
  it("carry the last recorded effective_rank of each run, and the point medians are over the seeds", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-final-columns-"));
    const grid = {
      base: {
        problem: { n: 8, rank: 2, truth: "general" },
        operator: { type: "completion", p: 0.5 },
        model: { type: "deep", depth: 3, k: 8 },
        init: { type: "small-random", alpha: 0.1, ratio: 1 },
        method: { name: "gd", stepSize: 0.1 },
        stop: { maxIterations: 40 },
        record: { effectiveRank: true, schedule: "log", perDecade: 10 },
      },
      vary: { "model.depth": [3, 2] },
      seeds: 3,
    };
    await runSweep(grid, dir, { runner: "inline" });
    const agg = aggregateSweep(dir);
    expect(agg.runs).toHaveLength(6);
    const values = agg.runs.slice(0, 3).map((r) => {
      const summary = JSON.parse(fs.readFileSync(path.join(dir, String(r.id), "summary.json"), "utf8"));
      expect(r.final_effective_rank).toBe(summary.final.effective_rank);
      // the product of three 8×8 factors: between 1 and 8
      expect(r.final_effective_rank).toBeGreaterThanOrEqual(1);
      expect(r.final_effective_rank).toBeLessThanOrEqual(8);
      return r.final_effective_rank as number;
    });
    expect(agg.points[0].median.final_effective_rank).toBe([...values].sort((a, b) => a - b)[1]);
    // runs without the column get none
    expect(agg.runs[0].final_test_rel_error).toBeUndefined();
    // figures label the column by its meaning, not its name
    const vsDepth = itersVsFigureSpec(agg, { type: "iters-vs", param: "model.depth", metric: "final_effective_rank" });
    expect(vsDepth.panels[0].yLabel).toBe("final effective rank exp H(σ/Σσ) of P");
    expect(vsDepth.panels[0].series[0].x).toEqual([3, 2]);
    expect(vsDepth.panels[0].series[0].y).toEqual(agg.points.map((p) => p.median.final_effective_rank));
    expect(errorFigureSpec(agg, { type: "error", metric: "effective_rank" }).panels[0].yLabel).toBe("effective rank exp H(σ/Σσ) of P");
    expect(itersVsFigureSpec(agg, { type: "iters-vs", param: "model.depth", metric: "final_foo" }).panels[0].yLabel).toBe("final_foo");
  });

  it("carry test_rel_error on the held-out entries of a completion-file run", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-final-columns-"));
    const file = path.resolve(import.meta.dirname, "../../examples/completion/entries.csv");
    const grid = {
      base: {
        problem: { n: 40, n2: 30, rank: 3, truth: "none" },
        operator: { type: "completion-file", file, indexBase: 1, testFraction: 0.1 },
        model: { type: "asymmetric", k: 3 },
        init: { alpha: 0.01 },
        method: { name: "gd", stepSize: 0.1 },
        stop: { maxIterations: 30 },
      },
      seeds: 2,
    };
    await runSweep(grid, dir, { runner: "inline" });
    const agg = aggregateSweep(dir, { errorMetric: "test_rel_error" });
    for (const r of agg.runs) {
      const summary = JSON.parse(fs.readFileSync(path.join(dir, String(r.id), "summary.json"), "utf8"));
      expect(summary.final.test_rel_error).toBeGreaterThan(0);
      expect(r.final_test_rel_error).toBe(summary.final.test_rel_error);
      expect(r.final_effective_rank).toBeUndefined();
    }
  });
});
