import { describe, expect, it } from "vitest";
import { noiseFloor } from "../../src/results/aggregate.js";
import { modelDegreesOfFreedom } from "../../src/metrics/noiseFloor.js";
import { runConfig } from "../../src/run/run.js";

const config = (over: Record<string, unknown> = {}) => ({
  problem: { n: 20, n2: 40, rank: 2, truth: "general", noise: 0.01 },
  operator: { type: "gaussian", m: 400 },
  model: { type: "asymmetric" },
  ...over,
});

describe("the exact model's noise floor s·√(d·m/(m − d − 1)), d = r(n1 + n2 − r) or r(2n − r + 1)/2", () => {
  it("uses the rectangular manifold dimension and the Wishart inflation", () => {
    // d = 2·(20 + 40 − 2) = 116, m/(m − d − 1) = 400/283
    expect(noiseFloor(config())).toBeCloseTo(0.01 * Math.sqrt((116 * 400) / 283), 15);
  });
  it("tends to s·√d with many measurements, and is s·√d for the identity operator", () => {
    expect(noiseFloor(config({ operator: { type: "gaussian", m: 1e9 } }))! / (0.01 * Math.sqrt(116))).toBeCloseTo(1, 6);
    expect(noiseFloor(config({ operator: { type: "identity" } }))).toBeCloseTo(0.01 * Math.sqrt(116), 15);
  });
  it("counts r(2n − r + 1)/2 for XXᵀ with a PSD truth and r(2n − r) for FGᵀ with a PSD truth", () => {
    expect(modelDegreesOfFreedom({ n1: 20, n2: 20, rank: 2, truth: "psd", model: "symmetric" }).dof).toBe(39);
    expect(modelDegreesOfFreedom({ n1: 20, n2: 20, rank: 2, truth: "psd", model: "asymmetric" }).dof).toBe(76);
    const psd = { problem: { n: 20, rank: 2, truth: "psd", noise: 0.01 }, operator: { type: "gaussian", m: 120 } };
    expect(noiseFloor({ ...psd, model: { type: "symmetric" } })).toBeCloseTo(0.01 * Math.sqrt((39 * 120) / 80), 15);
    expect(noiseFloor({ ...psd, model: { type: "asymmetric" } })).toBeCloseTo(0.01 * Math.sqrt((76 * 120) / 43), 15);
  });
  it("is undefined without noise, for FGᵀ under symmetric Aᵢ (skew part unseen), a completion operator or m ≤ d + 1", () => {
    expect(noiseFloor(config({ problem: { n: 20, n2: 40, rank: 2, truth: "general", noise: 0 } }))).toBeUndefined();
    expect(noiseFloor(config({ problem: { n: 20, rank: 2, truth: "psd", noise: 0.01 }, operator: { type: "symmetric-gaussian", m: 400 } }))).toBeUndefined();
    expect(noiseFloor(config({ operator: { type: "completion", m: 400 } }))).toBeUndefined();
    expect(noiseFloor(config({ operator: { type: "gaussian", m: 117 } }))).toBeUndefined();
  });
});

/**
 * Runs k = r to convergence over S = 8 seeds and compares the mean of (‖P − M*‖_F / floor)² with 1. Per run that square is
 * a weighted χ² in d dimensions whose relative standard deviation is √(2/d) for the identity and, averaging the weights
 * (the eigenvalues of the inverse Wishart) with E tr W⁻² = d(m − 1)/((m − d)(m − d − 1)(m − d − 3)),
 * ≈ √(2(m − 1)(m − d − 1)/(d(m − d)(m − d − 3))) for Gaussian sensing. The band is 3 standard deviations of the mean: 1 ± 3·sd/√S.
 */
function meanSquaredRatio(c: Record<string, unknown>): { mean: number; band: number; dof: number } {
  const S = 8;
  let sum = 0;
  let band = 0,
    dof = 0;
  for (let seed = 0; seed < S; seed++) {
    const out = runConfig({ ...c, seed, init: { alpha: 0.01 }, stop: { maxIterations: 6000 }, record: { schedule: "log" } });
    const cfg = JSON.parse(JSON.stringify(out.config)) as Record<string, unknown>;
    const ratio = out.result.final.abs_error / noiseFloor(cfg)!;
    sum += ratio * ratio;
    const p = cfg.problem as { n: number; n2: number; rank: number; truth: string },
      op = cfg.operator as { type: string; m?: number };
    const d = modelDegreesOfFreedom({ n1: p.n, n2: p.n2, rank: p.rank, truth: p.truth, model: (cfg.model as { type: string }).type }).dof;
    const m = op.m ?? 0;
    const sd = op.type === "identity" ? Math.sqrt(2 / d) : Math.sqrt((2 * (m - 1) * (m - d - 1)) / (d * (m - d) * (m - d - 3)));
    band = (3 * sd) / Math.sqrt(S);
    dof = d;
  }
  return { mean: sum / S, band, dof };
}

describe("the floor against runs (k = r, 8 seeds, to convergence)", () => {
  const psd = { problem: { n: 20, rank: 2, truth: "psd", noise: 0.01 } };
  it("XXᵀ, PSD truth, Gaussian m = 120: d = r(2n − r + 1)/2 = 39 with the Wishart factor 1.5 (without it, or with d = 76, it fails)", () => {
    const { mean, band, dof } = meanSquaredRatio({ ...psd, model: { type: "symmetric" }, operator: { type: "gaussian", m: 120 }, method: { stepSize: 0.2 } });
    expect(dof).toBe(39);
    expect(band).toBeLessThan(0.31);
    expect(Math.abs(mean - 1)).toBeLessThan(band); // measured 0.951
    expect(Math.abs(mean * 1.5 - 1)).toBeGreaterThan(band); // the bare s√d: the Wishart factor 120/80 left out
    expect(Math.abs((mean * (39 * 1.5)) / ((76 * 120) / 43) - 1)).toBeGreaterThan(band); // the general dof r(2n − r) = 76
  }, 60_000);
  it("FGᵀ, PSD truth, Gaussian m = 200: d = r(2n − r) = 76 (FGᵀ is not constrained to PSD)", () => {
    const { mean, band, dof } = meanSquaredRatio({ ...psd, model: { type: "asymmetric" }, operator: { type: "gaussian", m: 200 }, method: { stepSize: 0.3 } });
    expect(dof).toBe(76);
    expect(Math.abs(mean - 1)).toBeLessThan(band); // measured 0.974
    expect(Math.abs((mean * (76 * 200)) / 123 / ((39 * 200) / 160) - 1)).toBeGreaterThan(band); // the PSD dof 39
  }, 60_000);
  it("FGᵀ, general 20 × 40, Gaussian m = 200: d = 116, Wishart factor 2.41", () => {
    const { mean, band } = meanSquaredRatio({
      problem: { n: 20, n2: 40, rank: 2, truth: "general", noise: 0.01 },
      model: { type: "asymmetric" },
      operator: { type: "gaussian", m: 200 },
      method: { stepSize: 0.3 },
    });
    expect(Math.abs(mean - 1)).toBeLessThan(band); // measured 1.001
    expect(Math.abs(mean * (200 / 83) - 1)).toBeGreaterThan(band);
  }, 60_000);
  it("XXᵀ, PSD truth, identity operator: s·√d, d = 39", () => {
    const { mean, band } = meanSquaredRatio({ ...psd, model: { type: "symmetric" }, operator: { type: "identity" }, method: { stepSize: 0.2 } });
    expect(Math.abs(mean - 1)).toBeLessThan(band); // measured 1.103
  }, 60_000);
});
