import { flattenRow } from "../../src/algorithms/driver.js";
import { describe, expect, it } from "vitest";
import { type Matrix, matmul, matmulNT, matmulTN, zeros } from "../../src/linalg/matrix.js";
import { qr } from "../../src/linalg/qr.js";
import { singularValues } from "../../src/linalg/svd.js";
import { symmetricEigenvalues } from "../../src/linalg/eig.js";
import { createRng, streamRng } from "../../src/random/rng.js";
import { runConfig } from "../../src/run/run.js";
import { resolveConfig } from "../../src/config/schema.js";
import { buildInstance } from "../../src/catalogue/instance.js";
import { IdentityOperator } from "../../src/operators/identity.js";
import type { GroundTruth } from "../../src/problem/truth.js";
import type { Factors } from "../../src/problem/factors.js";
import {
  alignmentSin,
  alignmentSinPrefixes,
  bidiagonalNorm,
  denseMap,
  errorDecomposition,
  imbalanceMinAbsEigenvalue,
  operatorFactor,
  perturbationRatio,
  predictedImbalanceRate,
  predictedRestrictedRate,
  ripDeviation,
  slowModeNorm2,
  spectralNorm,
} from "../../src/metrics/diagnostics.js";

const fro = (A: Matrix) => Math.hypot(...A.data);

/** [Q | Q⊥]: an orthonormal basis of ℝⁿ whose first r columns span Q's columns. */
function completeBasis(Q: Matrix, seed: number): Matrix {
  const n = Q.rows,
    r = Q.cols;
  const W = zeros(n, n);
  const rng = createRng(seed);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W.data[i * n + j] = j < r ? Q.data[i * r + j] : rng.normal();
  return qr(W).Q;
}

function columns(A: Matrix, from: number, to: number): Matrix {
  const c = to - from;
  const out = zeros(A.rows, c);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < c; j++) out.data[i * c + j] = A.data[i * A.cols + from + j];
  return out;
}

/** Dense reference: the four blocks of Δ in the complete bases, the way a NumPy script would. */
function denseDecomposition(P: Matrix, truth: GroundTruth) {
  const r = truth.sigma.length;
  const Ub = completeBasis(truth.U, 1),
    Vb = completeBasis(truth.V, 2);
  const D = zeros(P.rows, P.cols);
  for (let i = 0; i < D.data.length; i++) D.data[i] = P.data[i] - truth.Mstar.data[i];
  const B = matmul(matmulTN(Ub, D), Vb); // n1×n2 in the complete bases
  const block = (i0: number, i1: number, j0: number, j1: number) => {
    let s = 0;
    for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) s += B.data[i * B.cols + j] ** 2;
    return Math.sqrt(s);
  };
  return {
    signal: block(0, r, 0, r),
    spurious: block(r, B.rows, r, B.cols),
    cross: Math.hypot(block(0, r, r, B.cols), block(r, B.rows, 0, r)),
    total: fro(D),
  };
}

function gaussianPoint(n1: number, n2: number, k: number, seed: number): { F: Matrix; G: Matrix } {
  const rng = createRng(seed);
  const F = zeros(n1, k),
    G = zeros(n2, k);
  rng.fillNormal(F.data, 0.5);
  rng.fillNormal(G.data, 0.5);
  return { F, G };
}

describe("signal / spurious / cross decomposition", () => {
  it("equals the dense block norms in complete orthonormal bases, and the squares add up to ‖Δ‖²_F", () => {
    const config = resolveConfig({
      seed: 5,
      problem: { n: 9, n2: 7, rank: 2, truth: "general" },
      operator: { type: "identity" },
      model: { type: "asymmetric", k: 4 },
    });
    const { truth } = buildInstance(config);
    const { F, G } = gaussianPoint(9, 7, 4, 11);
    const got = errorDecomposition({ kind: "asymmetric", F, G }, truth);
    const want = denseDecomposition(matmulNT(F, G), truth);
    // both are backward-stable O(n) flop computations of norms of size ~‖Δ‖: agree to ~1e-14 relative
    const tol = 1e-12 * want.total;
    expect(Math.abs(got.signal - want.signal)).toBeLessThan(tol);
    expect(Math.abs(got.spurious - want.spurious)).toBeLessThan(tol);
    expect(Math.abs(got.cross - want.cross)).toBeLessThan(tol);
    expect(Math.hypot(got.signal, got.spurious, got.cross)).toBeCloseTo(want.total, 12);
    // each block is a genuine, non-negligible part here (so the test would see a swapped block)
    for (const v of [want.signal, want.spurious, want.cross]) expect(v).toBeGreaterThan(0.05 * want.total);
  });

  it("symmetric XXᵀ: the cross blocks are transposes, the spurious part is ‖U⊥ᵀX‖²_F-sized", () => {
    const config = resolveConfig({ seed: 2, problem: { n: 8, rank: 2 }, operator: { type: "identity" }, model: { type: "symmetric", k: 3 } });
    const { truth } = buildInstance(config);
    const X = gaussianPoint(8, 8, 3, 4).F;
    const got = errorDecomposition({ kind: "symmetric", X }, truth);
    const want = denseDecomposition(matmulNT(X, X), truth);
    expect(got.signal).toBeCloseTo(want.signal, 13);
    expect(got.spurious).toBeCloseTo(want.spurious, 13);
    expect(got.cross).toBeCloseTo(want.cross, 13);
  });
});

describe("alignment (sin of the largest principal angle)", () => {
  it("recovers constructed angles, including tiny ones to full relative precision", () => {
    // U* = [e1, e2]; F's top-2 left singular vectors are cos θ1 e1 + sin θ1 e3 and cos θ2 e2 + sin θ2 e4
    const n = 6;
    const U = zeros(n, 2);
    U.data[0 * 2 + 0] = 1;
    U.data[1 * 2 + 1] = 1;
    for (const [t1, t2] of [
      [0.3, 0.7],
      [1e-7, 2e-9],
      [0, 0],
    ]) {
      const F = zeros(n, 3);
      F.data[0 * 3 + 0] = 3 * Math.cos(t1);
      F.data[2 * 3 + 0] = 3 * Math.sin(t1);
      F.data[1 * 3 + 1] = 2 * Math.cos(t2);
      F.data[3 * 3 + 1] = 2 * Math.sin(t2);
      F.data[4 * 3 + 2] = 0.1; // a weak third direction, outside the top-2 subspace
      const want = Math.sin(Math.max(t1, t2));
      const got = alignmentSin(U, F);
      if (want === 0) expect(got).toBeLessThan(1e-15);
      else expect(Math.abs(got - want) / want).toBeLessThan(1e-8);
    }
  });

  it("top-i version: the first direction's angle alone, then the largest over the top two", () => {
    const n = 6,
      t1 = 0.05,
      t2 = 0.4;
    const U = zeros(n, 2);
    U.data[0] = 1;
    U.data[1 * 2 + 1] = 1;
    const F = zeros(n, 3);
    F.data[0 * 3 + 0] = 3 * Math.cos(t1);
    F.data[2 * 3 + 0] = 3 * Math.sin(t1);
    F.data[1 * 3 + 1] = 2 * Math.cos(t2);
    F.data[3 * 3 + 1] = 2 * Math.sin(t2);
    F.data[4 * 3 + 2] = 0.1;
    const [a1, a2] = alignmentSinPrefixes(U, F);
    expect(a1).toBeCloseTo(Math.sin(t1), 12);
    expect(a2).toBeCloseTo(Math.sin(t2), 12);
  });

  it("is 1 when k < r and when F's top subspace is orthogonal to U*", () => {
    const U = zeros(4, 2);
    U.data[0] = 1;
    U.data[3] = 1;
    expect(alignmentSin(U, zeros(4, 1))).toBe(1);
    const F = zeros(4, 2);
    F.data[2 * 2 + 0] = 1;
    F.data[3 * 2 + 1] = 1; // span{e3, e4} ⟂ span{e1, e2}
    expect(alignmentSin(U, F)).toBeCloseTo(1, 14);
  });
});

describe("spectral norm by Golub–Kahan–Lanczos", () => {
  it("σ₁ of a bidiagonal matrix (bisection on the Golub–Kahan tridiagonal) equals the dense SVD's", () => {
    const rng = createRng(4);
    for (const j of [1, 2, 7, 40]) {
      const a = Array.from({ length: j }, () => Math.abs(rng.normal()) + 1e-3);
      const b = Array.from({ length: j - 1 }, () => Math.abs(rng.normal()));
      const B = zeros(j, j);
      for (let i = 0; i < j; i++) {
        B.data[i * j + i] = a[i];
        if (i + 1 < j) B.data[i * j + i + 1] = b[i];
      }
      const want = singularValues(B)[0];
      expect(Math.abs(bidiagonalNorm(a, b) - want) / want).toBeLessThan(1e-14);
    }
    expect(bidiagonalNorm([0, 0], [0])).toBe(0);
  });

  it("equals the largest singular value of a dense matrix", () => {
    const A = zeros(30, 20);
    createRng(9).fillNormal(A.data);
    expect(spectralNorm(denseMap(A))).toBeCloseTo(singularValues(A)[0], 11);
  });
});

/** S = Σ_i ⟨A_i, Δ⟩ A_i / m straight from the stored tensor (the textbook formula). */
function textbookAdjointApply(tensor: Float64Array, m: number, D: Matrix): Matrix {
  const n1 = D.rows,
    n2 = D.cols,
    N = n1 * n2;
  const S = zeros(n1, n2);
  for (let i = 0; i < m; i++) {
    let ip = 0;
    for (let j = 0; j < N; j++) ip += tensor[i * N + j] * D.data[j];
    for (let j = 0; j < N; j++) S.data[j] += (ip * tensor[i * N + j]) / m;
  }
  return S;
}

describe("perturbation ratio ‖A*A(Δ) − Δ‖₂ / ‖Δ‖_F", () => {
  const config = resolveConfig({
    seed: 1,
    problem: { n: 7, n2: 6, rank: 2, truth: "general" },
    operator: { type: "gaussian", m: 150, backend: "ts" },
    model: { type: "asymmetric", k: 3 },
  });
  const inst = buildInstance(config);
  const { F, G } = gaussianPoint(7, 6, 3, 21);
  const x: Factors = { kind: "asymmetric", F, G };
  const P = matmulNT(F, G);
  const D = zeros(7, 6);
  for (let i = 0; i < D.data.length; i++) D.data[i] = P.data[i] - inst.truth.Mstar.data[i];
  const AD = inst.operator.apply(D);

  it("matches the textbook dense computation, by the dense and by the factored path", () => {
    const S = textbookAdjointApply(inst.operator.denseTensor!(), 150, D);
    const E = zeros(7, 6);
    for (let i = 0; i < E.data.length; i++) E.data[i] = S.data[i] - D.data[i];
    const want = singularValues(E)[0] / fro(D);
    const dense = perturbationRatio(x, inst.truth, { operator: inst.operator, measuredError: AD, adjoint: null, product: P, errorNorm: fro(D) });
    const factored = perturbationRatio(x, inst.truth, { operator: inst.operator, measuredError: AD, adjoint: null, product: null, errorNorm: fro(D) });
    // Lanczos runs min(n1, n2) = 6 steps here, so both are exact up to rounding
    expect(dense).toBeCloseTo(want, 11);
    expect(factored).toBeCloseTo(want, 11);
    expect(want).toBeGreaterThan(0.1); // m = 150 for 42 unknowns: a visibly imperfect isometry
  });

  it("for XXᵀ uses the symmetric part of A*A(Δ) (the gradient (S + Sᵀ)X only sees it), on both paths", () => {
    const cfg = resolveConfig({
      seed: 2,
      problem: { n: 6, rank: 2 },
      operator: { type: "gaussian", m: 80, backend: "ts" },
      model: { type: "symmetric", k: 3 },
    });
    const ins = buildInstance(cfg);
    const X = gaussianPoint(6, 6, 3, 8).F;
    const PX = matmulNT(X, X);
    const DX = zeros(6, 6);
    for (let i = 0; i < 36; i++) DX.data[i] = PX.data[i] - ins.truth.Mstar.data[i];
    const S = textbookAdjointApply(ins.operator.denseTensor!(), 80, DX);
    const E = zeros(6, 6);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) E.data[i * 6 + j] = 0.5 * (S.data[i * 6 + j] + S.data[j * 6 + i]) - DX.data[i * 6 + j];
    const want = singularValues(E)[0] / fro(DX);
    const inputs = { operator: ins.operator, measuredError: ins.operator.apply(DX), adjoint: null, errorNorm: fro(DX) };
    const xs: Factors = { kind: "symmetric", X };
    expect(perturbationRatio(xs, ins.truth, { ...inputs, product: PX })).toBeCloseTo(want, 11);
    expect(perturbationRatio(xs, ins.truth, { ...inputs, product: null })).toBeCloseTo(want, 11);
  });

  it("is exactly 0 for the identity operator along a whole run (dense path)", () => {
    for (const model of ["symmetric", "asymmetric"] as const) {
      const { result } = runConfig({
        seed: 3,
        problem: { n: 8, rank: 2 },
        operator: { type: "identity" },
        model: { type: model, k: 3 },
        init: { alpha: 0.1 },
        stop: { maxIterations: 50 },
        record: { diagnostics: true },
      });
      for (const row of result.rows.map(flattenRow)) expect(row.perturbation_ratio).toBe(0);
    }
  });

  it("is 0 to rounding for the identity operator on the factored path", () => {
    const op = new IdentityOperator(7, 6);
    const r = perturbationRatio(x, inst.truth, { operator: op, measuredError: op.apply(D), adjoint: null, product: null, errorNorm: fro(D) });
    expect(r).toBeLessThan(1e-14);
  });
});

describe("imbalance and its predicted rate", () => {
  it("min |eig| of FᵀF − GᵀG matches a direct eigen-decomposition", () => {
    const { F, G } = gaussianPoint(10, 8, 4, 3);
    const D = matmulTN(F, F);
    const GtG = matmulTN(G, G);
    for (let i = 0; i < D.data.length; i++) D.data[i] -= GtG.data[i];
    const want = Math.min(...Array.from(symmetricEigenvalues(D), Math.abs));
    expect(imbalanceMinAbsEigenvalue(F, G)).toBeCloseTo(want, 13);
  });

  it("−ln(1 − η|λ|) is the exact asymptotic rate of the scalar problem ½(fg)² (fg → 0)", () => {
    const eta = 0.1;
    let f = 1.2,
      g = 0.3;
    let prev = f * g,
      ratio = 0;
    for (let t = 0; t < 400; t++) {
      [f, g] = [f - eta * f * g * g, g - eta * g * f * f];
      ratio = (f * g) / prev;
      prev = f * g;
    }
    // fg has decayed to ~1e-25, so the imbalance f² − g² has stopped moving
    expect(-Math.log(ratio)).toBeCloseTo(predictedImbalanceRate(eta, f * f - g * g), 12);
    expect(predictedImbalanceRate(1, 2)).toBeNaN();
  });
});

describe("the slow mode's restricted quantity and its rate", () => {
  it("is ‖U⊥ᵀF w‖² = σ_min(F)² for a constructed point whose redundant column w is known", () => {
    const n = 9,
      r = 2,
      k = 3,
      rng = createRng(11);
    const U = columns(completeBasis(qr(gaussianPoint(n, n, r, 5).F).Q, 3), 0, r),
      V = columns(completeBasis(qr(gaussianPoint(n, n, r, 6).F).Q, 4), 0, r);
    const Ub = completeBasis(U, 7),
      Vb = completeBasis(V, 8);
    const w = new Float64Array([1, 2, -2]).map((v) => v / 3);
    // F = U*A + b wᵀ, G = V*C + d w′ᵀ with A w = C w = 0, b ⊥ U*, d ⊥ V* and d small (G's redundant column has decayed)
    const A = zeros(r, k),
      C = zeros(r, k);
    rng.fillNormal(A.data);
    rng.fillNormal(C.data);
    for (const M of [A, C]) {
      for (let i = 0; i < r; i++) {
        let c = 0;
        for (let j = 0; j < k; j++) c += M.data[i * k + j] * w[j];
        for (let j = 0; j < k; j++) M.data[i * k + j] = 3 * (M.data[i * k + j] - c * w[j]);
      }
    }
    const b = new Float64Array(n),
      d = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = r; j < n; j++) b[i] += (Ub.data[i * n + j] * 0.01 * (j - r + 1)) / n;
    for (let i = 0; i < n; i++) d[i] = 1e-3 * Vb.data[i * n + r];
    const F = matmul(U, A),
      G = matmul(V, C);
    const wp = [0.6, 0, 0.8];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < k; j++) {
        F.data[i * k + j] += b[i] * w[j];
        G.data[i * k + j] += d[i] * wp[j];
      }
    const truth = { U, V, sigma: new Float64Array([1, 1]) } as unknown as GroundTruth;
    // FᵀF = AᵀA + ‖b‖² wwᵀ: w is an eigenvector, and ‖b‖² (≈ 1.7e-4) is far below AᵀA's eigenvalues on w⊥
    const b2 = b.reduce((a, v) => a + v * v, 0);
    expect(Math.min(...Array.from(symmetricEigenvalues(matmulTN(A, A))).filter((v) => v > 1e-9))).toBeGreaterThan(10 * b2);
    expect(Math.abs(slowModeNorm2({ kind: "asymmetric", F, G }, truth) / b2 - 1)).toBeLessThan(1e-12);
    // the surviving side: the same factors with the roles swapped give the same value
    expect(Math.abs(slowModeNorm2({ kind: "asymmetric", F: G, G: F }, truth) / b2 - 1)).toBeLessThan(1e-12);
    expect(Math.abs(slowModeNorm2({ kind: "symmetric", X: F }, truth) / b2 - 1)).toBeLessThan(1e-12);
    // k = r: no redundant column
    expect(slowModeNorm2({ kind: "asymmetric", F: columns(F, 0, r), G: columns(G, 0, r) }, truth)).toBeNaN();
    expect(predictedRestrictedRate(0.5, 0.02)).toBeCloseTo(-Math.log(1 - 0.01), 15);
    expect(predictedRestrictedRate(0.5, 0.02, 0.5)).toBeCloseTo(-Math.log(1 - 0.005), 15);
    expect(predictedRestrictedRate(1, 2)).toBeNaN();
    expect(operatorFactor(new Float64Array([3, 4]), 10)).toBeCloseTo(0.25, 15);
  });

  it("predicts the late rate of FGᵀ (k = r + 1) under the identity operator exactly; |λ_min| does not", () => {
    // identity: V⊥ᵀG ← V⊥ᵀG (I − η FᵀF) exactly, so once F has converged the error contracts by
    // 1 − η σ_min(F)² per step. Over the 20 steps before 1e-9 the faster modes are down by
    // e^{−(λ₂ − λ₁)t} < 1e-8 and F still moves by O(error) ≈ 1e-9 relative: 1e-6 is a wide margin.
    const eta = 0.5;
    for (const seed of [1, 2]) {
      const rows = runConfig({
        seed,
        problem: { n: 10, rank: 2, truth: "general" },
        operator: { type: "identity" },
        model: { type: "asymmetric", k: 3 },
        init: { type: "small-random", alpha: 0.1, ratio: 3 },
        method: { name: "gd", stepSize: eta },
        stop: { maxIterations: 20000, targetRelError: 1e-10 },
        record: { every: 1, diagnostics: true },
      }).result.rows.map(flattenRow);
      // the per-step contraction over the last 20 steps above 1e-9 against 1 − η q at that point
      const j = rows.findIndex((row) => row.rel_error < 1e-9);
      const fitted = Math.log(rows[j - 20].rel_error / rows[j].rel_error) / 20;
      const predicted = predictedRestrictedRate(eta, rows[j].slow_mode_norm2);
      expect(Math.abs(fitted / predicted - 1)).toBeLessThan(1e-6);
      expect(rows[j].operator_factor).toBeCloseTo(1, 6);
      // the theorem's lower-bound quantity is a different number (off by > 5 % on these seeds)
      expect(Math.abs(fitted / predictedImbalanceRate(eta, rows[j].imbalance_min_eig) - 1)).toBeGreaterThan(0.05);
    }
  });
});

describe("recording diagnostics", () => {
  const base = {
    seed: 4,
    problem: { n: 10, rank: 2 },
    model: { type: "asymmetric" as const, k: 3 },
    init: { alpha: 0.01 },
    method: { name: "gd" as const, stepSize: 0.2 },
    stop: { maxIterations: 120 },
    record: { every: 7 },
  };
  for (const operator of [
    { type: "gaussian" as const, m: 300 },
    { type: "completion" as const, p: 0.6 },
    { type: "symmetric-gaussian" as const, m: 300 },
  ]) {
    it(`leaves the trajectory bitwise unchanged (${operator.type})`, () => {
      const plain = runConfig({ ...base, operator }).result.rows.map(flattenRow);
      const diag = runConfig({ ...base, operator, record: { every: 7, diagnostics: true } }).result.rows.map(flattenRow);
      expect(diag.length).toBe(plain.length);
      for (let i = 0; i < plain.length; i++) {
        for (const [key, v] of Object.entries(plain[i])) expect(diag[i][key]).toBe(v);
        expect(Number.isFinite(diag[i].perturbation_ratio)).toBe(true);
        // the three parts of the error add up (in squares) to the error
        const { signal_error: s, spurious_norm: p, cross_error: c } = diag[i];
        expect(Math.hypot(s, p, c)).toBeCloseTo(diag[i].rel_error, 12);
      }
    });
  }

  it("records the top-i alignment columns only where σ_i > σ_{i+1}", () => {
    const distinct = runConfig({
      ...base,
      problem: { n: 10, rank: 3, singularValues: [1, 1, 0.5] },
      operator: { type: "gaussian", m: 300 },
      record: { every: 50, diagnostics: true },
    }).result.rows.map(flattenRow)[0];
    expect(Object.keys(distinct).filter((c) => c.startsWith("alignment_F"))).toEqual(["alignment_F", "alignment_F_2"]);
  });

  it("above the dense threshold never forms M* (factored path), and the parts still add up", () => {
    const cfg = resolveConfig({
      seed: 1,
      problem: { n: 2100, n2: 2000, rank: 2, truth: "general" },
      operator: { type: "completion", p: 0.003 },
      model: { type: "asymmetric", k: 3 },
      init: { alpha: 0.01 },
      method: { name: "gd", stepSize: 0.2 },
      stop: { maxIterations: 3 },
      record: { diagnostics: true },
    });
    const built = buildInstance(cfg);
    const { kind, U, V, sigma } = built.truth;
    const truth = Object.defineProperty({ kind, U, V, sigma }, "Mstar", {
      get() {
        throw new Error("M* was formed densely");
      },
    }) as GroundTruth;
    const rows = runConfig(cfg, {}, { ...built, truth }).result.rows.map(flattenRow);
    for (const row of rows) {
      expect(row.perturbation_ratio).toBeGreaterThan(0);
      // ‖(P_Ω/p − I)Δ‖₂ ≤ max(1/p − 1, 1)·‖Δ‖_F: a finite, sane value
      expect(row.perturbation_ratio).toBeLessThanOrEqual(1 / 0.003);
      expect(Math.abs(Math.hypot(row.signal_error, row.spurious_norm, row.cross_error) - row.rel_error) / row.rel_error).toBeLessThan(1e-10);
    }
    expect(rows[rows.length - 1].rel_error).toBeLessThan(1.5);
  });

  it("says so (a warning) when the method has no factors to diagnose (SVT)", () => {
    const out = runConfig({
      seed: 0,
      problem: { n: 8, rank: 2, truth: "general" },
      operator: { type: "completion", p: 0.6 },
      model: { type: "asymmetric", k: 2 },
      method: { name: "svt", stepSize: 1.2 },
      stop: { maxIterations: 3 },
      record: { diagnostics: true },
    });
    expect(out.warnings.join(" ")).toMatch(/record\.diagnostics is ignored for method\.name "svt"/);
    expect(out.result.rows.map(flattenRow)[0].signal_error).toBeUndefined();
  });

  it("without the option, no diagnostics columns are written", () => {
    const row = runConfig({ ...base, operator: { type: "gaussian", m: 300 } }).result.rows.map(flattenRow)[0];
    expect(row.signal_error).toBeUndefined();
  });
});

describe("Monte-Carlo RIP estimate", () => {
  it("is 0 (to rounding) for the identity operator", () => {
    const est = ripDeviation(new IdentityOperator(8, 6), 2, 20, createRng(1));
    expect(est.max).toBeLessThan(1e-13);
  });

  it("for Gaussian sensing, the mean deviation is E|χ²_m/m − 1| ≈ 2/√(πm)", () => {
    const config = resolveConfig({
      seed: 0,
      problem: { n: 10, rank: 2, truth: "general" },
      operator: { type: "gaussian", m: 400 },
      model: { type: "asymmetric", k: 2 },
    });
    const op = buildInstance(config).operator;
    const est = ripDeviation(op, 2, 300, streamRng(0, "rip"));
    const want = 2 / Math.sqrt(Math.PI * 400); // 0.0564; sample-mean std ≈ 0.06·√(1 − 2/π)/√300 ≈ 0.002
    // ±0.015: the Monte-Carlo spread (≈7σ) plus the operator's own fixed draw
    expect(Math.abs(est.mean - want)).toBeLessThan(0.015);
    expect(est.max).toBeGreaterThanOrEqual(est.q99);
  });
});
