import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Aggregate, aggregateSweep, formatPointTable } from "../../src/results/aggregate.js";
import { expandGrid } from "../../src/config/grid.js";
import { checkSchema, evaluateCheck } from "../../src/reproduce/presets.js";
import { rateVsFigure } from "../../src/plot/charts.js";

/**
 * A synthetic sweep over α whose error curves are known in closed form: e(t) = exp(−α²t)
 * for α ≥ 0.1 (linear, rate exactly α², so the fitted law is λ ∝ α^2.00), and e(t) = 1/(1+t)
 * for α = 0.05 (sublinear: its tail "linear rate" ≈ ln 2/(T/2) means nothing and would bend
 * the fitted exponent). At α = 0.2 two of the three seeds were interrupted with a curve five
 * times faster: they must not move the median.
 */
const alphas = [0.05, 0.1, 0.2, 0.4, 0.8];
let dir: string;
let agg: Aggregate;

function writeRun(runDir: string, seed: number, alpha: number, status: string, err: (t: number) => number, T: number): void {
  fs.mkdirSync(runDir, { recursive: true });
  const lines = ["iteration,seconds,loss,abs_error,rel_error"];
  let last: Record<string, number> = {};
  for (let i = 0; i <= 100; i++) {
    const t = (i * T) / 100;
    const e = err(t);
    lines.push(`${t},0,${e * e},${e},${e}`);
    last = { iteration: t, seconds: 0, loss: e * e, abs_error: e, rel_error: e };
  }
  fs.writeFileSync(path.join(runDir, "metrics.csv"), lines.join("\n") + "\n");
  fs.writeFileSync(path.join(runDir, "config.json"), JSON.stringify({ seed, init: { alpha }, stop: { maxIterations: T }, record: { every: T / 100 } }));
  fs.writeFileSync(path.join(runDir, "summary.json"), JSON.stringify({ status, iterations: T, seconds: 0, final: last, warnings: [], events: [] }));
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-honest-"));
  const grid = { name: "honest", base: {}, vary: { "init.alpha": alphas }, seeds: 3 };
  fs.writeFileSync(path.join(dir, "grid.json"), JSON.stringify(grid));
  for (const spec of expandGrid(grid, { validate: false })) {
    const a = Number(spec.params["init.alpha"]);
    // T: a multiple of 100 (integer recorded iterations) with e(T) ≈ e⁻²⁰ or below the floor
    const T = (rate: number) => 100 * Math.ceil(20 / rate / 100);
    if (a === 0.05) writeRun(path.join(dir, spec.id), spec.seed, a, "max-iterations", (t) => 1 / (1 + t), 2000);
    else if (a === 0.2 && spec.seed > 0) writeRun(path.join(dir, spec.id), spec.seed, a, "interrupted", (t) => Math.exp(-5 * a * a * t), T(5 * a * a));
    else writeRun(path.join(dir, spec.id), spec.seed, a, "max-iterations", (t) => Math.exp(-a * a * t), T(a * a));
  }
  agg = aggregateSweep(dir);
  expect(agg.damaged).toEqual([]);
});

describe("honest fits", () => {
  it("rate medians use only runs of the matching class; interrupted runs never enter a median", () => {
    const p = (a: number) => agg.points.find((q) => q.params["init.alpha"] === a)!;
    expect(p(0.05).classification).toBe("sublinear");
    expect(p(0.05).median.linear_rate).toBeNaN();
    // d ln(1/(1+t))/d ln t = −t/(1+t) ≈ −1 on [1000, 2000]
    expect(p(0.05).median.loglog_slope).toBeCloseTo(-1, 2);
    expect(p(0.1).median.loglog_slope).toBeNaN();
    expect(p(0.2).excluded).toEqual({ interrupted: 2 });
    expect(p(0.2).median.linear_rate).toBeCloseTo(0.04, 10);
    for (const a of [0.1, 0.4, 0.8]) expect(p(a).median.linear_rate / (a * a)).toBeCloseTo(1, 10);
  });

  it("the rate-vs-α fit uses the linear points only (slope 2.00) and draws the others hollow, saying why", () => {
    const svg = rateVsFigure(agg, { type: "rate-vs", param: "init.alpha" });
    expect(svg).toContain("slope 2.00");
    const text = svg.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    expect(text).toContain("Hollow: 1 point excluded from the fit (α=0.05: class sublinear, not linear)");
    expect(svg).toMatch(/fill="white"[^>]*stroke=/);
  });

  it("a preset exponent check fits the linear points only and reports the excluded one", () => {
    const check = checkSchema.parse({ type: "exponent", param: "init.alpha", metric: "linear_rate", min: 1.99, max: 2.01 });
    const r = evaluateCheck(check, agg);
    expect(r.verdict).toBe("pass");
    expect(r.measured).toMatch(/^slope 2\.00 over 4 points/);
    expect(r.measured).toContain("1 point excluded from the fit (α=0.05: class sublinear, not linear)");
  });

  it("the table prints no log-log slope on linear rows, no linear rate on sublinear rows, and counts the left-out runs", () => {
    const table = formatPointTable(agg);
    const row = (a: number) =>
      table
        .split("\n")
        .find((l) => l.startsWith(`${a} `))!
        .trim()
        .split(/\s{2,}/);
    // columns: α, runs, status, final, iters→1e-4, rate λ, log-log, class
    expect(row(0.1)[6]).toBe("—");
    expect(row(0.1)[5]).not.toBe("—");
    expect(row(0.05)[5]).toBe("—");
    expect(row(0.05)[6]).toBe("-1.00");
    expect(table).toContain("2 runs left out of the medians, curves and fits (interrupted ×2)");
  });
});
