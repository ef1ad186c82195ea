import { describe, expect, it } from "vitest";
import { type Matrix, frobeniusDistance, frobeniusNorm, fromRows, identity, matmulNT, matmulTN, zeros } from "../../src/linalg/index.js";
import { GradientDescentAsymmetric } from "../../src/algorithms/gd.js";
import { rebalanceFactors } from "../../src/algorithms/rebalance.js";
import { gaussianOperator } from "../../src/operators/gaussian.js";
import { IdentityOperator } from "../../src/operators/identity.js";
import { tsBackend } from "../../src/kernels/index.js";
import { generalTruth } from "../../src/problem/truth.js";
import { createRng } from "../../src/random/rng.js";
import { runConfig } from "../../src/run/run.js";

/**
 * The scalar worst case of Xiong, Ding & Du: identity operator, M* = diag(1, 0), k = 2,
 * F₀ = αI, G₀ = (α/3)I. The redundant entry p = F₂₂G₂₂ obeys f ← f − ηgp, g ← g − ηfp, so
 * f² − g² is conserved to O(η²) and p decays linearly at the rate ln(1 − η(f² − g²)) =
 * ln(1 − η·8α²/9): fast because of the imbalance, slow for small α.
 */
function scalarCase(alpha: number, eta: number, options: ConstructorParameters<typeof GradientDescentAsymmetric>[5], T: number) {
  const op = new IdentityOperator(2, 2);
  const y = Float64Array.from([1, 0, 0, 0]);
  const F = fromRows([
      [alpha, 0],
      [0, alpha],
    ]),
    G = fromRows([
      [alpha / 3, 0],
      [0, alpha / 3],
    ]);
  const gd = new GradientDescentAsymmetric(op, y, F, G, eta, options);
  const p22: number[] = [];
  for (let t = 0; t <= T; t++) {
    p22.push(Math.abs(gd.product().data[3]));
    if (t < T) gd.step();
  }
  return { gd, p22 };
}

describe("the balancing regularizer (μ/4)‖FᵀF − GᵀG‖²", () => {
  it("has the gradients μFD and −μGD (finite differences of the regularized loss)", () => {
    const rng = createRng(31);
    const op = gaussianOperator(60, 4, 5, rng, tsBackend);
    const truth = generalTruth(4, 5, Float64Array.from([1, 0.5]), rng);
    const y = op.apply(truth.Mstar);
    const F = zeros(4, 3),
      G = zeros(5, 3);
    rng.fillNormal(F.data, 0.7);
    rng.fillNormal(G.data, 0.4);
    const mu = 0.8,
      eta = 1e-7;
    const objective = (F: Matrix, G: Matrix): number => {
      const r = op.applyFactored(F, G, new Float64Array(op.m));
      let f = 0;
      for (let i = 0; i < r.length; i++) f += 0.5 * (r[i] - y[i]) ** 2;
      const D = matmulTN(F, F),
        GG = matmulTN(G, G);
      let d2 = 0;
      for (let i = 0; i < D.data.length; i++) d2 += (D.data[i] - GG.data[i]) ** 2;
      return f + (mu / 4) * d2;
    };
    // one step with a tiny η moves the factors by −η∇; compare with central differences of the
    // objective (h = 1e-5: truncation ~1e-10, far below the 1e-6 tolerance; a missing factor 2 is O(1))
    const gd = new GradientDescentAsymmetric(op, y, { ...F, data: F.data.slice() }, { ...G, data: G.data.slice() }, eta, { balanceWeight: mu });
    gd.step();
    const x = gd.factors();
    if (x.kind !== "asymmetric") throw new Error("unreachable");
    const h = 1e-5;
    for (const [M, N] of [
      [F, x.F],
      [G, x.G],
    ] as const) {
      for (let i = 0; i < M.data.length; i++) {
        const v = M.data[i];
        M.data[i] = v + h;
        const fp = objective(F, G);
        M.data[i] = v - h;
        const fm = objective(F, G);
        M.data[i] = v;
        const fd = (fp - fm) / (2 * h);
        const grad = (v - N.data[i]) / eta;
        expect(Math.abs(grad - fd)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it("destroys the fast linear rate that the imbalanced init gives over-parameterized FGᵀ", () => {
    const eta = 0.5,
      alpha = 0.3,
      T = 600;
    const plain = scalarCase(alpha, eta, {}, 2 * T).p22;
    const balanced = scalarCase(alpha, eta, { balanceWeight: 1 }, 2 * T).p22;
    // unregularized: late log-slope = ln(1 − η·8α²/9) to 1% (D is conserved up to O(η²p²))
    const slope = Math.log(plain[T] / plain[T - 1]);
    expect(Math.abs(slope / Math.log(1 - (eta * 8 * alpha * alpha) / 9) - 1)).toBeLessThan(0.01);
    // regularized: D → 0, so f = g and p ← p(1 − ηp)² ⇒ p ≈ 1/(2ηt): doubling t halves p (±5%)
    expect(Math.abs(balanced[2 * T] / balanced[T] - 0.5)).toBeLessThan(0.025);
    expect(Math.abs(balanced[2 * T] * 2 * eta * 2 * T - 1)).toBeLessThan(0.1);
    // and it is orders of magnitude behind the unregularized run
    expect(balanced[T]).toBeGreaterThan(1e6 * plain[T]);
  });
});

describe("one-step rebalancing (F, G) ← (F P, G P⁻ᵀ), P = (FᵀF)^(−1/2)", () => {
  it("keeps the product, makes F orthonormal", () => {
    const rng = createRng(32);
    const F = zeros(7, 3),
      G = zeros(6, 3);
    rng.fillNormal(F.data);
    rng.fillNormal(G.data, 0.01);
    const before = matmulNT(F, G);
    rebalanceFactors(F, G);
    // products agree to rounding: ‖FPP⁻¹Gᵀ − FGᵀ‖ ≲ cond(FᵀF)^{1/2}·ε‖FGᵀ‖ ≈ 1e-15 here
    expect(frobeniusDistance(matmulNT(F, G), before) / frobeniusNorm(before)).toBeLessThan(1e-12);
    expect(frobeniusDistance(matmulTN(F, F), identity(3))).toBeLessThan(1e-12);
  });

  it("leaves the error unchanged at the step (1e-12) and makes the later rate ln(1 − η), independent of α", () => {
    const eta = 0.5;
    const slopes: number[] = [];
    for (const alpha of [0.1, 0.03]) {
      const reb = scalarCase(alpha, eta, { rebalanceBelowRelResidual: 1e-2 }, 60);
      const t0 = reb.gd.rebalancedAt!;
      expect(t0).toBeGreaterThan(0);
      expect(reb.gd.events).toEqual([{ iteration: t0, message: expect.stringMatching(new RegExp(`^rebalanced at iteration ${t0} `)) }]);
      const plain = scalarCase(alpha, eta, {}, 400).p22;
      // same point, rebalanced: the product (hence the error) is unchanged to 1e-12 relative
      expect(Math.abs(reb.p22[t0] - plain[t0])).toBeLessThanOrEqual(1e-12 * plain[t0]);
      // after: F₂₂ = 1, G₂₂ = p ⇒ p ← p(1 − η)(1 − ηp²) ≈ p(1 − η): slope ln(1 − η) to 1e-4
      const slope = Math.log(reb.p22[t0 + 10] / reb.p22[t0 + 9]);
      expect(Math.abs(slope / Math.log(1 - eta) - 1)).toBeLessThan(1e-4);
      slopes.push(slope);
      // without rebalancing the rate is ln(1 − η·8α²/9), α-dependent and far slower (10%: O(η²) drift of D)
      const plainSlope = Math.log(plain[300] / plain[299]);
      expect(Math.abs(plainSlope / Math.log(1 - (eta * 8 * alpha * alpha) / 9) - 1)).toBeLessThan(0.2);
    }
    expect(Math.abs(slopes[0] / slopes[1] - 1)).toBeLessThan(1e-4);
  });

  it("through matsense run: fires once at method.rebalanceAtIteration, error continuous there", () => {
    const base = {
      seed: 9,
      problem: { n: 8, rank: 2, truth: "general" as const },
      operator: { type: "gaussian" as const, m: 300 },
      model: { type: "asymmetric" as const, k: 4 },
      init: { alpha: 1e-2 },
      stop: { maxIterations: 120, targetRelError: 0 },
    };
    const plain = runConfig({ ...base, method: { name: "gd", stepSize: 0.3 } });
    const reb = runConfig({ ...base, method: { name: "gd", stepSize: 0.3, rebalanceAtIteration: 80 } });
    expect(reb.result.events.map((e) => e.message)).toEqual([expect.stringMatching(/^rebalanced at iteration 80 /)]);
    const a = plain.result.rows[80],
      b = reb.result.rows[80];
    // the relative error at the rebalanced point equals the plain run's (1e-12 relative)
    expect(Math.abs(a.rel_error - b.rel_error)).toBeLessThanOrEqual(1e-12 * a.rel_error);
    expect(b.imbalance_norm).not.toBeCloseTo(a.imbalance_norm, 3);
    // rows before the rebalancing are identical
    expect(reb.result.rows[79]).toEqual(plain.result.rows[79]);
  });
});
