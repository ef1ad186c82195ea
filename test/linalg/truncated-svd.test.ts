import { describe, expect, it } from "vitest";
import { type Matrix, frobeniusDistance, frobeniusNorm, matmul, matmulNT, zeros } from "../../src/linalg/index.js";
import { qr } from "../../src/linalg/qr.js";
import { svd } from "../../src/linalg/svd.js";
import { singularTripletsAbove } from "../../src/linalg/truncatedSvd.js";
import { singularValueShrink } from "../../src/algorithms/svt.js";
import { createRng } from "../../src/random/rng.js";

/** Y = U diag(σ) Vᵀ with random orthonormal U, V. */
function withSpectrum(n1: number, n2: number, sigma: number[], seed: number): Matrix {
  const rng = createRng(seed),
    p = sigma.length;
  const A = zeros(n1, p),
    B = zeros(n2, p);
  rng.fillNormal(A.data);
  rng.fillNormal(B.data);
  const U = qr(A).Q,
    V = qr(B).Q;
  for (let i = 0; i < n1; i++) for (let l = 0; l < p; l++) U.data[i * p + l] *= sigma[l];
  return matmulNT(U, V);
}

describe("singularTripletsAbove (rank-adaptive truncated SVD)", () => {
  it("finds exactly the singular values above τ and D_τ(Y) of the full SVD to 1e-9 relative", () => {
    // 12 values well above τ = 1, a tail below it (a low-rank signal plus a small full-rank part)
    const sigma = Array.from({ length: 80 }, (_, i) => (i < 12 ? 40 - 3 * i : 0.9 * 0.97 ** i));
    const Y = withSpectrum(120, 90, sigma, 1);
    const full = svd(Y);
    const t = singularTripletsAbove(Y, 1, { rng: createRng(2) });
    expect(t.converged).toBe(true);
    expect(t.s.length).toBe(full.s.filter((v) => v > 1).length);
    for (let i = 0; i < t.s.length; i++) expect(Math.abs(t.s[i] - full.s[i])).toBeLessThan(1e-9 * full.s[0]);
    const dense = singularValueShrink(Y, 1).X;
    const X = zeros(120, 90);
    const q = t.s.length;
    const US = zeros(120, q);
    for (let i = 0; i < 120; i++) for (let l = 0; l < q; l++) US.data[i * q + l] = t.U.data[i * q + l] * (t.s[l] - 1);
    matmulNT(US, t.V, X);
    expect(frobeniusDistance(X, dense) / frobeniusNorm(dense)).toBeLessThan(1e-9);
  });

  it("widens its basis (the guard) until the last value is ≤ τ: 23 values above τ from a 5-column start", () => {
    const sigma = Array.from({ length: 60 }, (_, i) => (i < 23 ? 10 + i : 0.5));
    const Y = withSpectrum(70, 65, sigma, 3);
    const t = singularTripletsAbove(Y, 2, { rng: createRng(4), step: 5 });
    expect(t.s.length).toBe(23);
    expect(t.basis.cols).toBeGreaterThan(23);
    // the returned vectors are singular vectors: Y v_i = σ_i u_i
    const YV = matmul(Y, t.V);
    for (let i = 0; i < 23; i++) for (let a = 0; a < 70; a += 7) expect(YV.data[a * 23 + i]).toBeCloseTo(t.s[i] * t.U.data[a * 23 + i], 8);
  });

  it("returns nothing when every value is ≤ τ, and everything when τ is below all of them", () => {
    const Y = withSpectrum(
      40,
      30,
      Array.from({ length: 30 }, (_, i) => 1 + i / 30),
      5,
    );
    expect(singularTripletsAbove(Y, 5, { rng: createRng(1) }).s.length).toBe(0);
    expect(singularTripletsAbove(Y, 0.5, { rng: createRng(1) }).s.length).toBe(30);
  });
});

describe("SVT above the full-SVD size", () => {
  it("takes the truncated path and follows the full-SVD iteration to 1e-8 relative (n = 210 completion, 4 steps)", async () => {
    const { SingularValueThresholding, SVT_FULL_SVD_LIMIT } = await import("../../src/algorithms/svt.js");
    const { completionOperator } = await import("../../src/operators/completion.js");
    const n = SVT_FULL_SVD_LIMIT + 10,
      rng = createRng(7);
    const M = withSpectrum(n, n, [3, 2, 1], 8);
    const A = completionOperator(n, n, 0.3, rng);
    const y = A.apply(M);
    const svt = new SingularValueThresholding(A, y, 1.2, 5);
    // the same iteration by hand with the dense shrink
    const Y = zeros(n, n);
    let X = zeros(n, n);
    for (let t = 0; t < 4; t++) {
      svt.step();
      const r = A.apply(X);
      for (let i = 0; i < r.length; i++) r[i] -= y[i];
      const g = A.adjoint(r);
      for (let i = 0; i < Y.data.length; i++) Y.data[i] -= 1.2 * g.data[i];
      X = singularValueShrink(Y, svt.tau).X;
      expect(frobeniusDistance(svt.product(), X)).toBeLessThanOrEqual(1e-8 * Math.max(frobeniusNorm(X), 1e-300));
    }
    expect(svt.diagnostics().rank).toBeGreaterThan(0);
  });
});
