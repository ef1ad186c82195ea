import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { aggregateSweep } from "../../src/results/aggregate.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { errorFigureSpec, itersVsFigureSpec } from "../../src/plot/charts.js";
import { runShapes } from "../../src/plot/request.js";

// the noise-and-measurements layout in small: variants set problem.n2, a parameter is varied
const grid = {
  name: "shapes",
  base: {
    problem: { n: 6, rank: 1, truth: "general" },
    operator: { m: 80, backend: "ts" },
    model: { type: "asymmetric" },
    init: { alpha: 0.1 },
    method: { name: "gd", stepSize: 0.2 },
    stop: { maxIterations: 30 },
  },
  variants: [
    { name: "6 × 6", set: { "problem.n2": 6 } },
    { name: "6 × 9", set: { "problem.n2": 9 } },
  ],
  vary: { "model.k": [1, 2] },
  seeds: 1,
};

describe("figure captions give the runs' sizes n1×n2", () => {
  it("all of them (of the runs the figure shows), from the runs' config.json, when the variants set problem.n2 (not the first run's 6×6 alone)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-shapes-"));
    await runSweep(grid, dir, { runner: "inline" });
    const agg = aggregateSweep(dir);
    expect(runShapes(agg)).toEqual(["6×6", "6×9"]);
    for (const spec of [errorFigureSpec(agg, { type: "error" }), itersVsFigureSpec(agg, { type: "iters-vs", param: "model.k", level: 0.5 })]) {
      expect(spec.caption).toContain("general truth 6×6 and 6×9;");
    }
    // a figure of the 6 × 9 variant's runs alone gives their size alone
    expect(runShapes(agg, undefined, { variant: "6 × 9" })).toEqual(["6×9"]);
    expect(errorFigureSpec(agg, { type: "error", where: { variant: "6 × 9" } }).caption).toContain("general truth 6×9;");
    // one size: as before
    const one = path.join(dir, "..", "one");
    await runSweep({ ...grid, variants: undefined, base: { ...grid.base, problem: { ...grid.base.problem, n2: 9 } } }, one, { runner: "inline" });
    expect(errorFigureSpec(aggregateSweep(one), { type: "error" }).caption).toContain("general truth 6×9;");
  });
});
