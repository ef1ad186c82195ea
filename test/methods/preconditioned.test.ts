import { describe, expect, it } from "vitest";
import { type Matrix, frobeniusDistance, frobeniusNorm, zeros } from "../../src/linalg/index.js";
import { GradientDescentSymmetric } from "../../src/algorithms/gd.js";
import { ScaledGradientDescentLambda } from "../../src/algorithms/scaledGd.js";
import { PreconditionedGradientDescentAdaptive } from "../../src/algorithms/precGd.js";
import type { Stepper } from "../../src/algorithms/stepper.js";
import { IdentityOperator } from "../../src/operators/identity.js";
import { psdTruth } from "../../src/problem/truth.js";
import type { Factors } from "../../src/problem/factors.js";
import { runConfig } from "../../src/run/run.js";
import { createRng } from "../../src/random/rng.js";

/** Iterations to reach `target` relative error through `matsense run`'s engine. */
function iterationsTo(method: string, kappa: number, target = 1e-8): number {
  const out = runConfig({
    seed: 3,
    problem: { n: 10, n2: 10, rank: 2, truth: "general", kappa },
    operator: { type: "gaussian", m: 300 },
    model: { type: "asymmetric" },
    init: { type: "spectral" },
    method: { name: method as "gd", stepSize: 0.5 },
    stop: { maxIterations: 5000, targetRelError: target },
    record: { every: 100000 },
  });
  expect(out.result.status).toBe("converged");
  return out.result.iterations;
}

describe("ScaledGD (Tong, Ma & Chi): iterations to ε do not depend on the condition number", () => {
  it("κ = 1 → 25 leaves ScaledGD's count unchanged while GD's grows ~κ-fold", () => {
    // GD's local rate is 1 − Θ(η σ_r) = 1 − Θ(η/κ), so its count grows ∝ κ (25× here; we ask ≥ 10×);
    // ScaledGD's rate is 1 − Θ(η) for every κ (its Theorem: (1 − 0.6η)^t), so the count stays within
    // a few iterations (we allow 20% + 5 for the different spectral-init errors).
    const gd1 = iterationsTo("gd", 1),
      gd25 = iterationsTo("gd", 25);
    const s1 = iterationsTo("scaled-gd", 1),
      s25 = iterationsTo("scaled-gd", 25);
    expect(gd25).toBeGreaterThan(10 * gd1);
    expect(s25).toBeLessThanOrEqual(1.2 * s1 + 5);
    expect(s25).toBeLessThan(gd25 / 10);
  });
});

/**
 * Pure factorization (identity operator), symmetric, k > r: the redundant part E of X (its
 * component outside range(M*)) evolves in its own k − r directions as
 *   GD:            e ← e(1 − 2ηe²)                    ⇒ e² ≈ 1/(4ηt),  ‖EEᵀ‖_F ≈ √(k−r)/(4ηt);
 *   ScaledGD(λ):   e ← e(1 − 2ηe²/(e² + λ))           ⇒ fast (factor 1 − 2η) while e² ≫ λ, then
 *                  e ← e(1 − 2ηe²/λ), i.e. GD with step η/λ ⇒ ‖EEᵀ‖_F ≈ λ√(k−r)/(4ηt);
 *                  and if e² starts below λ it hardly moves: a plateau at the init level ∝ α²;
 *   PrecGD:        λ_t = ‖XXᵀ − M*‖_F ≈ √(k−r)e² ⇒ e ← e(1 − 2η/(1 + √(k−r))), linear to machine precision.
 */
describe("over-parameterized symmetric sensing: ScaledGD(λ) and PrecGD versus sublinear GD", () => {
  const n = 10,
    r = 2,
    k = 4,
    eta = 0.25;
  const truth = psdTruth(n, Float64Array.from([1, 0.5]), createRng(21));
  const op = new IdentityOperator(n, n);
  const y = truth.Mstar.data.slice();
  const normM = frobeniusNorm(truth.Mstar);
  const init = (alpha: number): Matrix => {
    const X = zeros(n, k);
    createRng(22).fillNormal(X.data, alpha);
    return X;
  };
  const sym = (X: Matrix): Factors => ({ kind: "symmetric", X });
  const relErrorAfter = (s: Stepper, T: number): number => {
    while (s.iteration < T) s.step();
    return frobeniusDistance(s.product(), truth.Mstar) / normM;
  };
  const T = 400;
  // the 1/t laws hold up to an O(1/(ηt)) offset from the transient and log corrections: ≤ 5% at 4ηT = 400
  const lawTolerance = 0.05;

  it("GD follows the sublinear law ‖XXᵀ − M*‖_F ≈ √(k−r)/(4ηt)", () => {
    const err = relErrorAfter(new GradientDescentSymmetric(op, y, init(0.3), eta), T) * normM;
    expect(Math.abs((err * 4 * eta * T) / Math.sqrt(k - r) - 1)).toBeLessThan(lawTolerance);
  });

  it("ScaledGD(λ) is fast down to a λ-set level: error ≈ λ√(k−r)/(4ηt), ∝ λ", () => {
    for (const lambda of [1e-2, 1e-3]) {
      const err = relErrorAfter(new ScaledGradientDescentLambda(op, y, sym(init(0.3)), eta, lambda), T) * normM;
      expect(Math.abs((err * 4 * eta * T) / (lambda * Math.sqrt(k - r)) - 1)).toBeLessThan(lawTolerance);
    }
  });

  it("ScaledGD(λ) with a tiny init plateaus at a level ∝ α² (when α² ≪ λ)", () => {
    const lambda = 1e-2;
    const e1 = relErrorAfter(new ScaledGradientDescentLambda(op, y, sym(init(1e-4)), eta, lambda), T);
    const s2 = new ScaledGradientDescentLambda(op, y, sym(init(1e-5)), eta, lambda);
    const e2 = relErrorAfter(s2, T);
    const e2late = relErrorAfter(s2, 2 * T);
    // e² ~ α²·n ≪ λ/(4ηt): e ← e(1 − 2ηe²/λ) changes e² by a relative 4ηte²/λ ~ 1e-6 over 2T: flat
    expect(Math.abs(e2late / e2 - 1)).toBeLessThan(1e-3);
    // the plateau is the init's redundant part, which scales exactly with α² (same random draw):
    // ratio 100 up to the 1e-3 drift above and the O(α²) coupling with the signal part
    expect(Math.abs(e1 / e2 / 100 - 1)).toBeLessThan(0.01);
    // far above machine precision: a floor, not convergence
    expect(e2).toBeGreaterThan(1e-12);
  });

  it("PrecGD converges linearly to machine precision from the same init", () => {
    const s = new PreconditionedGradientDescentAdaptive(op, y, sym(init(0.3)), eta, { dampingScale: 1, dampingFloor: 1e-15 });
    const err = relErrorAfter(s, 150);
    // the relative error of a computed XXᵀ cannot go below ~n·ε ≈ 1e-15; 1e-13 is "machine precision"
    expect(err).toBeLessThan(1e-13);
  });
});

describe("PrecGD (Zhang, Fattahi & Zhang) on Gaussian sensing, over-parameterized, small init", () => {
  it("reaches relative error near machine precision where GD is still at 1e-4-ish", () => {
    const base = {
      seed: 4,
      problem: { n: 10, rank: 2, truth: "psd" as const, kappa: 2 },
      operator: { type: "gaussian" as const, m: 400 },
      model: { type: "symmetric" as const, k: 4 },
      init: { type: "small-random" as const, alpha: 1e-3 },
      stop: { maxIterations: 300, targetRelError: 0 },
      record: { every: 100 },
    };
    const pre = runConfig({ ...base, method: { name: "precgd", stepSize: 0.25 } });
    const gd = runConfig({ ...base, method: { name: "gd", stepSize: 0.25 } });
    // exact measurements: the global minimizer is M*, so only rounding limits PrecGD (~1e-15)
    expect(pre.result.final.rel_error).toBeLessThan(1e-13);
    expect(pre.result.final.extra.damping).toBeLessThan(1e-12);
    expect(gd.result.final.rel_error).toBeGreaterThan(1e-6);
  });
});
