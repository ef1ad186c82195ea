import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { writeAggregate } from "../../src/results/aggregate.js";
import { readRunFolder } from "../../src/results/results.js";
import { runSweep } from "../../src/sweep/sweep.js";

/**
 * The interpreter the recipe runs with: MATSENSE_PYTHON, else the first of python3 and Debian's
 * /usr/bin/python3 (where `apt-get install python3-pandas` puts pandas; .ci/run installs it) that has pandas and numpy.
 */
const candidates = process.env.MATSENSE_PYTHON ? [process.env.MATSENSE_PYTHON] : ["python3", "/usr/bin/python3"];
const python = candidates.find((p) => spawnSync(p, ["-c", "import pandas, numpy"], { encoding: "utf8" }).status === 0) ?? candidates[0];
const hasPandas = spawnSync(python, ["-c", "import pandas, numpy"], { encoding: "utf8" }).status === 0;
if (!hasPandas) console.log(`python-recipe: skipped (no python3 with pandas and numpy: apt-get install python3-pandas, or set MATSENSE_PYTHON)`);

/** The ```python block of docs/python.md. */
function recipe(): string {
  const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "python.md"), "utf8");
  const m = /```python\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error("docs/python.md has no python block");
  return m[1];
}

describe("docs/python.md", () => {
  it("has a recipe that reads metrics, summary, config and .npy only with pandas and numpy", () => {
    const code = recipe();
    const imports = [...code.matchAll(/^(?:import|from) (\w+)/gm)].map((m) => m[1]);
    expect(new Set(imports)).toEqual(new Set(["json", "sys", "pathlib", "numpy", "pandas"]));
    for (const f of ["metrics.csv", "summary.json", "config.json", ".npy", "runs.csv", "curves.csv", "grid.json"]) expect(code).toContain(f);
  });

  it.skipIf(!hasPandas)(
    "the recipe reads a run folder and a sweep folder written by matsense",
    async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-py-"));
      const run = path.join(root, "run");
      const io = { out: () => {}, err: () => {} };
      const sets = ["problem.n=8", "model.k=3", "stop.maxIterations=200"].flatMap((s) => ["--set", s]);
      expect(await main(["node", "matsense", "run", ...sets, "--save-instance", "--out", run, "-q"], io)).toBe(0);
      const sweep = path.join(root, "sweep");
      await runSweep(
        {
          base: { problem: { n: 6, rank: 1 }, operator: { type: "identity" }, stop: { maxIterations: 200 }, record: { schedule: "log", perDecade: 10 } },
          vary: { "model.k": [1, 2] },
          seeds: 2,
        },
        sweep,
        { runner: "inline" },
      );
      const agg = writeAggregate(sweep);
      const script = path.join(root, "recipe.py");
      fs.writeFileSync(script, recipe());
      const p = spawnSync(python, [script, run, sweep], { encoding: "utf8" });
      expect(p.stderr).toBe("");
      expect(p.status).toBe(0);
      const got = JSON.parse(p.stdout);
      const files = readRunFolder(run);
      const rel = files.metrics!.data.rel_error;
      expect(got.run_final_rel_error).toBe(rel[rel.length - 1]);
      expect(got.run_rate_class).toBe((files.summary as { rate: { classification: string } }).rate.classification);
      expect(got.run_arrays).toEqual({ A: [160, 8, 8], M_star: [8, 8], X: [8, 3], X0: [8, 3], y: [160] });
      expect(got.run_k).toBe(3);
      expect(got.sweep_runs).toBe(4);
      // pandas' median (a + b)/2 and ours a + (b − a)/2 may differ in the last bit
      for (const pt of agg.points) expect(Math.abs(got.sweep_final_median[String(pt.params["model.k"])] / pt.median.final_rel_error - 1)).toBeLessThan(1e-15);
      expect(got.sweep_curve_points).toBe(agg.curves.reduce((n, c) => n + c.iterations.length, 0));
      const rows = agg.runs.reduce((n, r) => n + readRunFolder(path.join(sweep, String(r.id))).metrics!.data.iteration.length, 0);
      expect(got.sweep_metric_rows).toBe(rows);
    },
    60_000,
  );
});
