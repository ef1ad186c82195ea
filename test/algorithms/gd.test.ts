import { describe, expect, it } from "vitest";
import { type Matrix, dot, fromRows, frobeniusDistance, frobeniusNorm, matmul, matmulNT, matmulTN, norm2, zeros } from "../../src/linalg/index.js";
import { GradientDescentAsymmetric, GradientDescentSymmetric } from "../../src/algorithms/gd.js";
import { gaussianOperator, symmetricGaussianOperator } from "../../src/operators/gaussian.js";
import { IdentityOperator } from "../../src/operators/identity.js";
import type { SensingOperator } from "../../src/operators/types.js";
import { tsBackend } from "../../src/kernels/index.js";
import { createRng, type Rng } from "../../src/random/rng.js";
import { psdTruth, generalTruth, spectrum } from "../../src/problem/truth.js";
import { imbalance } from "../../src/metrics/metrics.js";
import { randn } from "../random-matrix.js";

const copy = (M: Matrix): Matrix => ({ rows: M.rows, cols: M.cols, data: M.data.slice() });

/** f = ½‖A(FGᵀ) − y‖², evaluated from scratch. */
function loss(A: SensingOperator, y: Float64Array, F: Matrix, G: Matrix): number {
  const r = A.apply(matmulNT(F, G));
  for (let i = 0; i < r.length; i++) r[i] -= y[i];
  return 0.5 * dot(r, r);
}

describe("exact gradients of the ½-loss (finite-difference check)", () => {
  // Central differences have error h²·f'''/6; with h = 1e-5 and O(1) derivatives that is
  // ~1e-10 relative, far below the 1e-6 tolerance, while a factor-2 error (the classic
  // symmetric-gradient bug) or a missing transpose shows up as O(1).
  const h = 1e-5;

  it("symmetric model: ∇_X f = (S + Sᵀ)X, also for a non-symmetric (general Gaussian) operator", () => {
    const rng = createRng(1);
    for (const A of [gaussianOperator(80, 6, 6, rng, tsBackend), symmetricGaussianOperator(80, 6, rng, tsBackend)]) {
      const truth = psdTruth(6, spectrum(2, 2), rng);
      const y = A.apply(truth.Mstar);
      const X = randn(6, 3, rng, 0.5);
      const gd = new GradientDescentSymmetric(A, y, X, 0.1);
      const grad = gd.gradient(zeros(6, 3));
      for (let trial = 0; trial < 4; trial++) {
        const V = randn(6, 3, rng);
        const Xp = copy(X),
          Xm = copy(X);
        for (let i = 0; i < V.data.length; i++) {
          Xp.data[i] += h * V.data[i];
          Xm.data[i] -= h * V.data[i];
        }
        const fd = (loss(A, y, Xp, Xp) - loss(A, y, Xm, Xm)) / (2 * h);
        expect(Math.abs(fd - dot(grad.data, V.data))).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it("asymmetric model: ∇_F f = SG and ∇_G f = SᵀF", () => {
    const rng = createRng(2);
    const A = gaussianOperator(90, 5, 7, rng, tsBackend);
    const truth = generalTruth(5, 7, spectrum(2, 3), rng);
    const y = A.apply(truth.Mstar);
    const F = randn(5, 3, rng, 0.5),
      G = randn(7, 3, rng, 0.5);
    const gd = new GradientDescentAsymmetric(A, y, F, G, 0.1);
    const gF = zeros(5, 3),
      gG = zeros(7, 3);
    gd.gradient(gF, gG);
    for (let trial = 0; trial < 4; trial++) {
      const VF = randn(5, 3, rng),
        VG = randn(7, 3, rng);
      const Fp = copy(F),
        Fm = copy(F),
        Gp = copy(G),
        Gm = copy(G);
      for (let i = 0; i < VF.data.length; i++) {
        Fp.data[i] += h * VF.data[i];
        Fm.data[i] -= h * VF.data[i];
      }
      for (let i = 0; i < VG.data.length; i++) {
        Gp.data[i] += h * VG.data[i];
        Gm.data[i] -= h * VG.data[i];
      }
      const fd = (loss(A, y, Fp, Gp) - loss(A, y, Fm, Gm)) / (2 * h);
      const an = dot(gF.data, VF.data) + dot(gG.data, VG.data);
      expect(Math.abs(fd - an)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
  });

  it("one GD step is exactly X − η∇f(X)", () => {
    const rng = createRng(3);
    const A = gaussianOperator(60, 5, 5, rng, tsBackend);
    const y = A.apply(psdTruth(5, spectrum(2, 1), rng).Mstar);
    const X = randn(5, 3, rng, 0.3);
    const X0 = copy(X);
    const gd = new GradientDescentSymmetric(A, y, X, 0.07);
    const g = gd.gradient(zeros(5, 3));
    gd.step();
    for (let i = 0; i < X.data.length; i++) expect(X.data[i]).toBeCloseTo(X0.data[i] - 0.07 * g.data[i], 14);
  });
});

describe("simultaneous updates on FGᵀ", () => {
  it("change the imbalance by exactly η²(G₀ᵀSᵀSG₀ − F₀ᵀSSᵀF₀)", () => {
    const rng = createRng(4);
    const A = gaussianOperator(120, 6, 5, rng, tsBackend);
    const y = A.apply(generalTruth(6, 5, spectrum(2, 2), rng).Mstar);
    const F0 = randn(6, 3, rng, 0.7),
      G0 = randn(5, 3, rng, 0.7);
    const eta = 0.3;
    const D0 = imbalance(F0, G0);
    const r = A.apply(matmulNT(F0, G0));
    for (let i = 0; i < r.length; i++) r[i] -= y[i];
    const S = A.adjoint(r);
    const SG = matmul(S, G0),
      StF = matmulTN(S, F0);
    const predicted = zeros(3, 3);
    const a = matmulTN(SG, SG).data,
      b = matmulTN(StF, StF).data;
    for (let i = 0; i < 9; i++) predicted.data[i] = D0.data[i] + eta * eta * (a[i] - b[i]);

    const F = copy(F0),
      G = copy(G0);
    new GradientDescentAsymmetric(A, y, F, G, eta).step();
    const D1 = imbalance(F, G);
    // rounding: D is a difference of O(‖F‖²) Gram matrices, so ~1e-15·‖F₀‖²·few; allow 1e-12 of the scale
    const scale = frobeniusNorm(matmulTN(F0, F0)) + frobeniusNorm(matmulTN(G0, G0));
    const change = frobeniusDistance(D1, D0);
    expect(change).toBeGreaterThan(1e-4 * scale); // the η² term is really there
    expect(frobeniusDistance(D1, predicted)).toBeLessThan(1e-12 * scale);

    // An alternating (Gauss–Seidel) update breaks the identity: it is not what we run.
    const Fa = copy(F0);
    for (let i = 0; i < Fa.data.length; i++) Fa.data[i] -= eta * SG.data[i];
    const Ga = copy(G0),
      StFa = matmulTN(S, Fa);
    for (let i = 0; i < Ga.data.length; i++) Ga.data[i] -= eta * StFa.data[i];
    expect(frobeniusDistance(imbalance(Fa, Ga), predicted)).toBeGreaterThan(1e-6 * scale);
  });
});

describe("the fused residual-and-adjoint pass in the steppers", () => {
  /** The same operator with the fused pass hidden, so the stepper takes the two-pass path. */
  const twoPass = (A: SensingOperator): SensingOperator => new Proxy(A, { get: (t, p) => (p === "residualAndAdjoint" ? undefined : Reflect.get(t, p, t)) });

  it("follows the two-pass trajectory of GD on FGᵀ and XXᵀ to rounding over 300 steps, and is really used", () => {
    for (const model of ["asymmetric", "symmetric"] as const) {
      const rng = createRng(8);
      const A = gaussianOperator(150, 6, 6, rng, tsBackend);
      const y = A.apply(psdTruth(6, spectrum(2, 1), rng).Mstar);
      const X0 = randn(6, 3, rng, 0.1),
        Y0 = randn(6, 3, rng, 0.05);
      let calls = 0;
      const counted = new Proxy(A, {
        get: (t, p) =>
          p === "residualAndAdjoint" ? (...a: unknown[]) => (calls++, (t.residualAndAdjoint as (...b: unknown[]) => void)(...a)) : Reflect.get(t, p, t),
      });
      const make = (op: SensingOperator) =>
        model === "asymmetric" ? new GradientDescentAsymmetric(op, y, copy(X0), copy(Y0), 0.2) : new GradientDescentSymmetric(op, y, copy(X0), 0.1);
      const fusedRun = make(counted),
        plainRun = make(twoPass(A));
      for (let t = 0; t < 300; t++) {
        fusedRun.step();
        plainRun.step();
      }
      // every step measures r through the fused pass (nothing asked for r before the first)
      expect(calls).toBe(300);
      const Pf = fusedRun.product(),
        Pp = plainRun.product();
      // GD is a contraction near the solution here: per-step rounding differences (~1e-16
      // relative) stay at that level instead of growing; 1e-12 leaves a wide margin
      expect(frobeniusDistance(Pf, Pp)).toBeLessThanOrEqual(1e-12 * frobeniusNorm(Pp));
      expect(Array.from(fusedRun.residual()).every(Number.isFinite)).toBe(true);
    }
  });
});

describe("pure factorization (identity operator), symmetric, k > r", () => {
  // Derivation (DESIGN §2: ∇_X f = (S+Sᵀ)X = 2SX here): once the signal block has
  // converged, the block of X in the orthogonal complement of range(M*), X₂, follows
  // X₂ ← X₂ − 2η X₂X₂ᵀX₂, so each of its k − r nonzero singular values s obeys
  // s ← s(1 − 2ηs²) and λ = s² obeys λ ← λ(1 − 2ηλ)² = λ − 4ηλ² + O(η²λ³), i.e.
  // 1/λ_t = 4ηt + c + O(η log t) and λ_t ~ 1/(4ηt). The error is ‖X₂X₂ᵀ‖_F = √(k−r)·λ_t, so
  //   t·‖X_tX_tᵀ − M*‖_F·4η/√(k−r) → 1,   with 1 − ratio ≈ (c + 3η ln t)/(4ηt) = O(1/t).
  it("has error ~ √(k−r)/(4ηt): t·‖XXᵀ − M*‖·4η/√(k−r) → 1", () => {
    const n = 8,
      r = 2,
      k = 4,
      eta = 0.1;
    const rng = createRng(5);
    const truth = psdTruth(n, spectrum(r, 2), rng);
    const A = new IdentityOperator(n, n);
    const X = randn(n, k, rng, 0.3);
    const gd = new GradientDescentSymmetric(A, A.apply(truth.Mstar), X, eta);
    const ratioAt = (T: number) => {
      while (gd.iteration < T) gd.step();
      return (T * frobeniusDistance(gd.product(), truth.Mstar) * 4 * eta) / Math.sqrt(k - r);
    };
    const r1 = ratioAt(10_000);
    const r2 = ratioAt(100_000);
    // O(1/t) approach: the gap shrinks about 10× per decade; at t = 1e5 it is below 1%
    // (c ≤ 1/λ₀ ~ 1/(0.3²·n) and 3η ln t/(4ηt) ~ 1e-4).
    expect(Math.abs(r2 - 1)).toBeLessThan(0.01);
    expect(Math.abs(r2 - 1)).toBeLessThan(Math.abs(r1 - 1) / 5);
  });
});

describe("the scalar worst case of Xiong, Ding & Du", () => {
  // Identity operator, M* = diag(1, 0), k = 2, F₀ = αI, G₀ = (α/3)I. Everything stays
  // diagonal; the second coordinate (f, g) has target 0 and imbalance
  // d = f² − g² = 8α²/9, conserved up to O(η²p²) terms. Late, g → 0 and f² → d, so
  // g ← g(1 − ηf²) and p₂₂ = fg decays at rate 1 − η·8α²/9.
  it("has late log-slope of |(FGᵀ)₂₂| equal to ln(1 − η·8α²/9) to 0.1%", () => {
    const alpha = 0.1,
      eta = 0.5;
    const A = new IdentityOperator(2, 2);
    const y = A.apply(
      fromRows([
        [1, 0],
        [0, 0],
      ]),
    );
    const F = fromRows([
      [alpha, 0],
      [0, alpha],
    ]);
    const G = fromRows([
      [alpha / 3, 0],
      [0, alpha / 3],
    ]);
    const gd = new GradientDescentAsymmetric(A, y, F, G, eta);
    const p22 = () => Math.abs(gd.product().data[3]);
    while (gd.iteration < 2000) gd.step();
    const a = p22();
    while (gd.iteration < 4000) gd.step();
    const b = p22();
    const slope = Math.log(b / a) / 2000;
    const predicted = Math.log(1 - (eta * 8 * alpha * alpha) / 9);
    expect(Math.abs(slope / predicted - 1)).toBeLessThan(1e-3);
    // the first coordinate has long converged
    expect(Math.abs(gd.product().data[0] - 1)).toBeLessThan(1e-12);
  });
});

describe("exact parameterization k = r", () => {
  it("converges linearly to machine precision (symmetric Gaussian sensing), while k > r does not", () => {
    const rng = createRng(6);
    const n = 10,
      r = 2,
      m = 400,
      eta = 0.05;
    const A = symmetricGaussianOperator(m, n, rng, tsBackend);
    const truth = psdTruth(n, spectrum(r, 2), rng);
    const y = A.apply(truth.Mstar);
    const init = randn(n, r + 1, rng, 1e-2);
    const firstColumns = zeros(n, r);
    for (let i = 0; i < n; i++) for (let j = 0; j < r; j++) firstColumns.data[i * r + j] = init.data[i * (r + 1) + j];
    const exact = new GradientDescentSymmetric(A, y, firstColumns, eta);
    const norm = frobeniusNorm(truth.Mstar);
    const errs: number[] = [];
    for (let t = 0; t <= 1200; t++) {
      if (t % 50 === 0) errs.push(frobeniusDistance(exact.product(), truth.Mstar) / norm);
      exact.step();
    }
    // machine precision: ‖M*‖ = O(1) entries computed with O(n·k) roundings each
    expect(errs[errs.length - 1]).toBeLessThan(1e-13);
    // linear: between t = 200 and t = 800 (after the alignment phase, before the rounding
    // floor) every 50 iterations divide the error by a nearly constant factor
    const logRatios: number[] = [];
    for (let i = 4; i < 16; i++) logRatios.push(Math.log(errs[i + 1] / errs[i]));
    for (const q of logRatios) expect(q).toBeLessThan(-1.5);
    expect(Math.max(...logRatios) / Math.min(...logRatios)).toBeGreaterThan(0.8); // not slowing down like 1/t
    // same data and init with one more column: stuck far above machine precision
    const over = new GradientDescentSymmetric(A, y, copy(init), eta);
    for (let t = 0; t < 1200; t++) over.step();
    expect(frobeniusDistance(over.product(), truth.Mstar) / norm).toBeGreaterThan(1e-6);
  });
});
