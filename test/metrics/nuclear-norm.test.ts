import { describe, expect, it } from "vitest";
import { nuclearNorm } from "../../src/metrics/metrics.js";
import { runConfig } from "../../src/run/run.js";

describe("nuclear_norm = Σ σ_i of the product", () => {
  it("sums the absolute values", () => {
    expect(nuclearNorm([3, 1, 0])).toBe(4);
    expect(nuclearNorm([2, -0.5])).toBe(2.5);
    expect(nuclearNorm([])).toBe(0);
  });

  it("equals tr X for mirror descent's PSD iterate (its `trace` column) at every recorded row", () => {
    const r = runConfig({
      seed: 4,
      problem: { n: 6, rank: 2 },
      operator: { type: "symmetric-gaussian", m: 40 },
      method: { name: "mirror-descent", stepSize: 0.5, initScale: 1e-2 },
      stop: { maxIterations: 200 },
      record: { nuclearNorm: true, every: 20 },
    });
    // X₀ = α I: ‖X₀‖_* = nα
    expect(r.result.rows[0].extra.nuclear_norm).toBeCloseTo(6e-2, 15);
    for (const row of r.result.rows) {
      // Σσ from an SVD against Σ X_ii: both are tr X up to the SVD's backward error (≈ n·ε·‖X‖)
      expect(Math.abs(row.extra.nuclear_norm - row.extra.trace)).toBeLessThan(1e-12 * Math.max(1, row.extra.trace));
    }
  });

  it("GD on XXᵀ converging to M* with σ = (1, ½): ‖P‖_* → 1.5 within √(rank(P − M*))·‖P − M*‖_F", () => {
    const gd = (record: Record<string, unknown>) =>
      runConfig({
        seed: 2,
        problem: { n: 8, rank: 2, singularValues: [1, 0.5] },
        operator: { type: "gaussian", m: 200 },
        model: { type: "symmetric", k: 2 },
        init: { alpha: 1e-2 },
        method: { name: "gd", stepSize: 0.2 },
        stop: { maxIterations: 20000, targetRelError: 1e-6 },
        record: { ...record, every: 50 },
      });
    const r = gd({ nuclearNorm: true, effectiveRank: true });
    expect(r.result.status).toBe("converged");
    // |‖P‖_* − ‖M*‖_*| ≤ ‖P − M*‖_* ≤ √(k + r)·‖P − M*‖_F = 2·1e-6·‖M*‖_F
    const bound = 2 * r.result.final.abs_error;
    expect(bound).toBeLessThan(3e-6);
    expect(Math.abs(r.result.final.extra.nuclear_norm - 1.5)).toBeLessThanOrEqual(bound);
    // the same singular values give effective_rank exactly as without nuclear_norm
    const alone = gd({ effectiveRank: true });
    expect(r.result.rows.map((x) => x.extra.effective_rank)).toEqual(alone.result.rows.map((x) => x.extra.effective_rank));
    expect(alone.result.final.extra.nuclear_norm).toBeUndefined();
  });
});
