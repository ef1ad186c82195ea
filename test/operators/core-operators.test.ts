import { describe, expect, it } from "vitest";
import { dot, frobeniusNorm, matmul, matmulNT, matmulTN, norm2, symmetricPart, zeros } from "../../src/linalg/index.js";
import { gaussianOperator, symmetricGaussianOperator } from "../../src/operators/gaussian.js";
import { IdentityOperator } from "../../src/operators/identity.js";
import type { SensingOperator } from "../../src/operators/types.js";
import { tsBackend } from "../../src/kernels/index.js";
import { createRng, type Rng } from "../../src/random/rng.js";
import { randn } from "../random-matrix.js";

const makers: [string, (rng: Rng) => SensingOperator][] = [
  ["gaussian (general, 5×7)", (rng) => gaussianOperator(300, 5, 7, rng, tsBackend)],
  ["symmetric-gaussian (6×6)", (rng) => symmetricGaussianOperator(300, 6, rng, tsBackend)],
  ["identity (4×9)", () => new IdentityOperator(4, 9)],
];

describe.each(makers)("the %s operator", (_name, make) => {
  it("satisfies the adjoint identity ⟨A(Z), z⟩ = ⟨Z, A*(z)⟩ to 1e-12 relative", () => {
    const rng = createRng(1);
    const A = make(rng);
    for (let trial = 0; trial < 5; trial++) {
      const Z = randn(A.n1, A.n2, rng);
      const z = new Float64Array(A.m);
      rng.fillNormal(z);
      const lhs = dot(A.apply(Z), z);
      const rhs = dot(Z.data, A.adjoint(z).data);
      // both sides are sums of m·n1·n2 products of O(1) terms; rounding is ~1e-16·√(mn²)·scale
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * (norm2(A.apply(Z)) * norm2(z)));
    }
  });

  it("computes A(FGᵀ), A*(z)G and A*(z)ᵀF in factored form exactly as the dense definition", () => {
    const rng = createRng(2);
    const A = make(rng);
    const k = 3;
    const F = randn(A.n1, k, rng),
      G = randn(A.n2, k, rng);
    const dense = A.apply(matmulNT(F, G));
    const fact = A.applyFactored(F, G, new Float64Array(A.m));
    for (let i = 0; i < A.m; i++) expect(Math.abs(fact[i] - dense[i])).toBeLessThanOrEqual(1e-12 * norm2(dense));
    const z = new Float64Array(A.m);
    rng.fillNormal(z);
    const S = A.adjoint(z);
    const SG = zeros(A.n1, k),
      StF = zeros(A.n2, k);
    A.adjointFactored(z, F, G, SG, StF);
    const SGd = matmul(S, G),
      StFd = matmulTN(S, F);
    for (let i = 0; i < SG.data.length; i++) expect(Math.abs(SG.data[i] - SGd.data[i])).toBeLessThanOrEqual(1e-12 * frobeniusNorm(SGd));
    for (let i = 0; i < StF.data.length; i++) expect(Math.abs(StF.data[i] - StFd.data[i])).toBeLessThanOrEqual(1e-12 * frobeniusNorm(StFd));
  });
});

describe("operator normalization (DESIGN §2)", () => {
  // For a fixed Z, A(Z)_i = ⟨A_i, Z⟩/√m with ⟨A_i, Z⟩ ~ N(0, ‖Z‖²) i.i.d., so
  // ‖A(Z)‖²/‖Z‖² ~ χ²_m/m: mean 1, standard deviation √(2/m). Averaging over T
  // independent operators and Z gives sd √(2/(mT)); we allow 5 sd.
  const m = 2000,
    T = 10;
  const tol = 5 * Math.sqrt(2 / (m * T));

  it("gaussian: E‖A(Z)‖² = ‖Z‖_F² for every Z", () => {
    const rng = createRng(10);
    let acc = 0;
    for (let t = 0; t < T; t++) {
      const A = gaussianOperator(m, 4, 5, rng, tsBackend);
      const Z = randn(4, 5, rng);
      acc += norm2(A.apply(Z)) ** 2 / frobeniusNorm(Z) ** 2;
    }
    expect(Math.abs(acc / T - 1)).toBeLessThan(tol);
  });

  it("symmetric-gaussian: E‖A(Z)‖² = ‖Z‖_F² for symmetric Z, and only the symmetric part is seen", () => {
    const rng = createRng(11);
    let accSym = 0,
      accSkew = 0;
    for (let t = 0; t < T; t++) {
      const A = symmetricGaussianOperator(m, 5, rng, tsBackend);
      const Z = symmetricPart(randn(5, 5, rng));
      accSym += norm2(A.apply(Z)) ** 2 / frobeniusNorm(Z) ** 2;
      // a general W: ⟨A_i, W⟩ = ⟨A_i, sym(W)⟩ exactly, so ‖A(W)‖² tracks ‖sym(W)‖², not ‖W‖²
      const W = randn(5, 5, rng);
      accSkew += norm2(A.apply(W)) ** 2 / frobeniusNorm(symmetricPart(W)) ** 2;
      const skew = zeros(5, 5);
      for (let i = 0; i < 25; i++) skew.data[i] = W.data[i] - symmetricPart(W).data[i];
      expect(norm2(A.apply(skew))).toBeLessThan(1e-13 * frobeniusNorm(W) * Math.sqrt(m));
    }
    expect(Math.abs(accSym / T - 1)).toBeLessThan(tol);
    expect(Math.abs(accSkew / T - 1)).toBeLessThan(tol);
  });

  it("identity: ‖A(Z)‖ = ‖Z‖_F exactly", () => {
    const A = new IdentityOperator(3, 4);
    const Z = randn(3, 4, createRng(12));
    expect(norm2(A.apply(Z))).toBe(frobeniusNorm(Z));
  });

  it("symmetric-gaussian stores exactly symmetric A_i = (B + Bᵀ)/2 with entry variance 1 (diag) and 1/2 (off-diag)", () => {
    const n = 4,
      mm = 20000;
    const A = symmetricGaussianOperator(mm, n, createRng(13), tsBackend);
    const t = A.denseTensor();
    let d2 = 0,
      o2 = 0;
    for (let i = 0; i < mm; i++) {
      const o = i * n * n;
      for (let a = 0; a < n; a++)
        for (let b = 0; b < n; b++) {
          expect(t[o + a * n + b]).toBe(t[o + b * n + a]);
        }
      d2 += t[o] * t[o];
      o2 += t[o + 1] * t[o + 1];
    }
    // sample variances of mm draws: sd √(2/mm)·σ² ≈ 0.01·σ²; allow 5 sd
    expect(Math.abs(d2 / mm - 1)).toBeLessThan(0.05);
    expect(Math.abs(o2 / mm - 0.5)).toBeLessThan(0.025);
  });
});
