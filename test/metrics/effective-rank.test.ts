import { describe, expect, it } from "vitest";
import { effectiveRank } from "../../src/metrics/metrics.js";
import { runConfig } from "../../src/run/run.js";

describe("effective_rank = exp(entropy of the normalized singular values)", () => {
  it("is r for r equal singular values, 1 for rank one, and ignores exact zeros", () => {
    expect(effectiveRank([2, 2, 2])).toBeCloseTo(3, 14);
    expect(effectiveRank([5, 0, 0])).toBe(1);
    // the zero matrix has rank 0 (svt starts there: a NaN would read as a divergence at iteration 0)
    expect(effectiveRank([0, 0])).toBe(0);
  });

  it.each([
    ["gd", { type: "symmetric", k: 2 }],
    ["gd", { type: "asymmetric", k: 2 }],
  ])("%s on %o: at convergence to M* with σ = (1, 1/2) it is exp(H(2/3, 1/3)) = 1.8899", (name, model) => {
    const r = runConfig({
      seed: 2,
      problem: { n: 8, rank: 2, singularValues: [1, 0.5] },
      operator: { type: "gaussian", m: 200 },
      model,
      init: { alpha: 1e-2 },
      method: { name, stepSize: 0.2 },
      stop: { maxIterations: 20000, targetRelError: 1e-6 },
      record: { effectiveRank: true, every: 50 },
    });
    expect(r.result.status).toBe("converged");
    const expected = Math.exp(-((2 / 3) * Math.log(2 / 3) + (1 / 3) * Math.log(1 / 3)));
    // ‖P − M*‖ ≤ 1e-6·‖M*‖ moves each σ_i by at most that much (Weyl), so H moves by O(1e-6)
    expect(Math.abs(r.result.final.extra.effective_rank - expected)).toBeLessThan(1e-5);
    expect(r.result.rows[0].extra.effective_rank).toBeLessThanOrEqual(2 + 1e-12); // the product has rank ≤ k = 2
  });

  it("is recorded for a matrix variable too (mirror-descent), from the singular values of the iterate", () => {
    const r = runConfig({
      seed: 2,
      problem: { n: 6, rank: 2 },
      operator: { type: "symmetric-gaussian", m: 100 },
      method: { name: "mirror-descent", stepSize: 0.5 },
      stop: { maxIterations: 3 },
      record: { effectiveRank: true },
    });
    // X₀ = α I: n equal singular values
    expect(r.result.rows[0].extra.effective_rank).toBeCloseTo(6, 12);
    expect(r.result.final.extra.effective_rank).toBeLessThan(6);
  });

  it("svt, which starts at X₀ = 0, records 0 there and runs (a NaN made every such run 'diverged' at iteration 0)", () => {
    const r = runConfig({
      seed: 1,
      problem: { n: 6, rank: 1 },
      operator: { type: "symmetric-gaussian", m: 40 },
      method: { name: "svt", stepSize: 0.2, tau: 2 },
      stop: { maxIterations: 30 },
      record: { effectiveRank: true },
    });
    expect(r.result.status).toBe("max-iterations");
    expect(r.result.rows[0].extra.effective_rank).toBe(0);
    expect(r.result.final.extra.effective_rank).toBeGreaterThan(0);
  });
});
