import { describe, expect, it } from "vitest";
import { type Matrix, dot, frobeniusNorm, matmul, matmulNT, matmulTN, norm2, zeros } from "../../src/linalg/index.js";
import { CompletionOperator, completionOperator } from "../../src/operators/completion.js";
import { rankOneOperator } from "../../src/operators/rankOne.js";
import { SrhtOperator, srhtOperator } from "../../src/operators/srht.js";
import { fwht, nextPowerOfTwo } from "../../src/operators/fwht.js";
import type { SensingOperator } from "../../src/operators/types.js";
import { createRng, type Rng } from "../../src/random/rng.js";
import { randn } from "../random-matrix.js";

function symmetricRandn(n: number, rng: Rng): Matrix {
  const Z = randn(n, n, rng);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) Z.data[j * n + i] = Z.data[i * n + j];
  return Z;
}

const makers: [string, (rng: Rng) => SensingOperator][] = [
  ["completion (6×9, p = 0.4)", (rng) => completionOperator(6, 9, 0.4, rng)],
  ["rank-one general (5×7)", (rng) => rankOneOperator(200, 5, 7, false, rng)],
  ["rank-one symmetric (6×6)", (rng) => rankOneOperator(200, 6, 6, true, rng)],
  ["srht (5×7, L = 64)", (rng) => srhtOperator(40, 5, 7, rng)],
  ["srht (4×4, all rows)", (rng) => srhtOperator(16, 4, 4, rng)],
];

describe.each(makers)("the %s operator", (_name, make) => {
  it("satisfies the adjoint identity ⟨A(Z), z⟩ = ⟨Z, A*(z)⟩ to 1e-12 relative", () => {
    const rng = createRng(11);
    const A = make(rng);
    for (let trial = 0; trial < 5; trial++) {
      const Z = randn(A.n1, A.n2, rng);
      const z = new Float64Array(A.m);
      rng.fillNormal(z);
      const Az = A.apply(Z);
      const lhs = dot(Az, z);
      const rhs = dot(Z.data, A.adjoint(z).data);
      // both sides are sums of O(m·n1·n2) rounded products: |error| ≲ 1e-15·‖A(Z)‖‖z‖, 1e-12 leaves room
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * norm2(Az) * norm2(z));
    }
  });

  it("computes A(FGᵀ), A*(z)G and A*(z)ᵀF in factored form exactly as the dense definition (also F = G)", () => {
    const rng = createRng(12);
    const A = make(rng);
    const k = 3;
    const F = randn(A.n1, k, rng);
    for (const G of [randn(A.n2, k, rng), ...(A.n1 === A.n2 ? [F] : [])]) {
      const dense = A.apply(matmulNT(F, G));
      const fact = A.applyFactored(F, G, new Float64Array(A.m));
      // same sums in a different order: rounding ~1e-15 relative to the vector norm
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
    }
  });
});

describe("--save-instance tensors", () => {
  it.each([
    ["rank-one general", (rng: Rng) => rankOneOperator(30, 4, 5, false, rng)],
    ["rank-one symmetric", (rng: Rng) => rankOneOperator(30, 4, 4, true, rng)],
    ["srht", (rng: Rng) => srhtOperator(30, 4, 5, rng)],
  ])("%s: A(Z)_i = scale·⟨T_i, Z⟩ with the saved tensor T (1e-12)", (_name, make) => {
    const rng = createRng(13);
    const A = make(rng);
    const T = A.denseTensor!();
    const Z = randn(A.n1, A.n2, rng);
    const y = A.apply(Z);
    const N = A.n1 * A.n2;
    for (let i = 0; i < A.m; i++) {
      let acc = 0;
      for (let j = 0; j < N; j++) acc += T[i * N + j] * Z.data[j];
      expect(Math.abs(A.scale * acc - y[i])).toBeLessThanOrEqual(1e-12 * norm2(y));
    }
  });
});

describe("completion sampling and normalization", () => {
  it("observes each entry with probability p: |Ω| ~ Binomial(n1·n2, p), in row-major order", () => {
    const rng = createRng(3);
    const n1 = 300,
      n2 = 200,
      p = 0.05,
      N = n1 * n2;
    const A = completionOperator(n1, n2, p, rng);
    // 5 standard deviations of the binomial
    expect(Math.abs(A.m - p * N)).toBeLessThanOrEqual(5 * Math.sqrt(N * p * (1 - p)));
    for (let e = 1; e < A.m; e++) expect(A.rowIndex[e] * n2 + A.colIndex[e]).toBeGreaterThan(A.rowIndex[e - 1] * n2 + A.colIndex[e - 1]);
    // each row is hit Binomial(n2, p) times; the row counts' mean is p·n2 (5 sd of the mean)
    const perRow = new Float64Array(n1);
    for (const i of A.rowIndex) perRow[i]++;
    const mean = perRow.reduce((a, b) => a + b, 0) / n1;
    expect(Math.abs(mean - p * n2)).toBeLessThanOrEqual(5 * Math.sqrt((n2 * p * (1 - p)) / n1));
    const all = completionOperator(3, 4, 1, rng);
    expect(Array.from(all.rowIndex)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  });

  it("is isometric in expectation: E‖P_Ω(Z)/√p‖² = ‖Z‖²_F", () => {
    // ‖A(Z)‖² = Σ_ij Z_ij² B_ij/p, B_ij ~ Bernoulli(p): mean ‖Z‖², variance Σ Z_ij⁴ (1 − p)/p.
    // Averaged over T independent masks: 5 standard deviations of the mean.
    const rng = createRng(4);
    const n1 = 12,
      n2 = 15,
      p = 0.3,
      T = 200;
    const Z = randn(n1, n2, rng);
    const z2 = frobeniusNorm(Z) ** 2;
    let z4 = 0;
    for (const v of Z.data) z4 += v ** 4;
    let sum = 0;
    for (let t = 0; t < T; t++) sum += norm2(completionOperator(n1, n2, p, rng).apply(Z)) ** 2;
    expect(Math.abs(sum / T - z2)).toBeLessThanOrEqual(5 * Math.sqrt((z4 * (1 - p)) / p / T));
  });

  it("never forms an n1×n2 matrix in the factored paths (n = 10⁵, k = 10)", () => {
    // An n×n float64 matrix would need 80 GB; the factored paths only touch Ω and the factors.
    const rng = createRng(5);
    const n = 100_000,
      k = 10,
      p = 2e-5;
    const A = completionOperator(n, n, p, rng);
    const F = randn(n, k, rng),
      G = randn(n, k, rng);
    const y = A.applyFactored(F, G, new Float64Array(A.m));
    const e = A.m >> 1;
    let direct = 0;
    for (let l = 0; l < k; l++) direct += F.data[A.rowIndex[e] * k + l] * G.data[A.colIndex[e] * k + l];
    expect(y[e]).toBeCloseTo(direct / Math.sqrt(p), 10);
    const SG = zeros(n, k);
    A.adjointFactored(y, F, G, SG, null);
    // ⟨A*(y)G, F⟩ = ⟨A*(y), FGᵀ⟩ = ⟨y, A(FGᵀ)⟩ = ‖y‖²
    expect(dot(SG.data, F.data)).toBeCloseTo(dot(y, y), 6 - Math.round(Math.log10(dot(y, y))));
  });
});

describe("rank-one normalization", () => {
  it("general a_i b_iᵀ: E‖A(Z)‖² = ‖Z‖²_F", () => {
    // (aᵀZb)² has mean ‖Z‖² and variance 2‖Z‖⁴ + 6‖ZᵀZ‖²_F (Gaussian fourth moments);
    // ‖A(Z)‖² is the mean of m such terms; averaged over T operators: 5 sd of the mean.
    const rng = createRng(6);
    const n1 = 5,
      n2 = 8,
      m = 400,
      T = 20;
    const Z = randn(n1, n2, rng);
    const z2 = frobeniusNorm(Z) ** 2,
      ztz = frobeniusNorm(matmulTN(Z, Z)) ** 2;
    let sum = 0;
    for (let t = 0; t < T; t++) sum += norm2(rankOneOperator(m, n1, n2, false, rng).apply(Z)) ** 2;
    const sd = Math.sqrt((2 * z2 * z2 + 6 * ztz) / (m * T));
    expect(Math.abs(sum / T - z2)).toBeLessThanOrEqual(5 * sd);
  });

  it("symmetric a_i a_iᵀ/√2: E‖A(Z)‖² = ‖Z‖²_F + tr(Z)²/2 for symmetric Z", () => {
    // q = aᵀZa = Σ λ_j g_j² has cumulants κ_n = 2^{n−1}(n−1)! Σλ_j^n; ‖A(Z)‖² = (1/2m) Σ_i q_i².
    const rng = createRng(7);
    const n = 6,
      m = 400,
      T = 20;
    const Z = symmetricRandn(n, rng);
    for (let i = 0; i < n; i++) Z.data[i * n + i] += 1; // a clearly nonzero trace
    let tr = 0;
    for (let i = 0; i < n; i++) tr += Z.data[i * n + i];
    const z2 = frobeniusNorm(Z) ** 2;
    const p2 = z2,
      p3 = dot(matmul(Z, Z).data, Z.data),
      p4 = frobeniusNorm(matmul(Z, Z)) ** 2; // Σλ², Σλ³, Σλ⁴
    const k1 = tr,
      k2 = 2 * p2,
      k3 = 8 * p3,
      k4 = 48 * p4;
    const Eq2 = k2 + k1 * k1;
    const Eq4 = k4 + 4 * k3 * k1 + 3 * k2 * k2 + 6 * k2 * k1 * k1 + k1 ** 4;
    let sum = 0;
    for (let t = 0; t < T; t++) sum += norm2(rankOneOperator(m, n, n, true, rng).apply(Z)) ** 2;
    const expected = z2 + (tr * tr) / 2;
    expect(Eq2 / 2).toBeCloseTo(expected, 10);
    const sd = Math.sqrt((Eq4 - Eq2 * Eq2) / (4 * m * T));
    expect(Math.abs(sum / T - expected)).toBeLessThanOrEqual(5 * sd);
    // and the bias is real: ‖Z‖² alone is many standard deviations away
    expect(Math.abs(sum / T - z2)).toBeGreaterThan(10 * sd);
  });
});

describe("SRHT", () => {
  it("the FWHT equals multiplication by H_ij = (−1)^popcount(i AND j)", () => {
    const rng = createRng(8);
    const L = 32;
    const x = new Float64Array(L);
    rng.fillNormal(x);
    const y = x.slice();
    fwht(y);
    for (let i = 0; i < L; i++) {
      let acc = 0;
      for (let j = 0; j < L; j++) {
        let b = i & j,
          c = 0;
        while (b) {
          b &= b - 1;
          c++;
        }
        acc += (c & 1 ? -1 : 1) * x[j];
      }
      expect(Math.abs(y[i] - acc)).toBeLessThanOrEqual(1e-12 * norm2(x));
    }
    expect(nextPowerOfTwo(35)).toBe(64);
    expect(nextPowerOfTwo(64)).toBe(64);
  });

  it("with all L rows, A = HD/√L restricted to the data is an exact isometry", () => {
    // HᵀH = L·I, so ‖(1/√L) H D pad(x)‖ = ‖x‖ — to rounding (1e-13)
    const rng = createRng(9);
    const A = srhtOperator(64, 5, 7, rng); // N = 35, L = 64
    const Z = randn(5, 7, rng);
    expect(Math.abs(norm2(A.apply(Z)) ** 2 / frobeniusNorm(Z) ** 2 - 1)).toBeLessThanOrEqual(1e-13);
  });

  it("with m < L sampled rows, E_R‖A(Z)‖² = ‖Z‖²_F", () => {
    // For fixed signs, the population is w_j = (HDx)_j², j < L, with mean ‖x‖² (exact isometry);
    // ‖A(Z)‖² = (1/m)Σ_i w_{R_i} is the mean of m draws without replacement, variance
    // (σ_w²/m)(L − m)/(L − 1). We check the average over T row draws (5 sd) for fixed signs.
    const rng = createRng(10);
    const n1 = 6,
      n2 = 10,
      N = n1 * n2,
      L = nextPowerOfTwo(N),
      m = 16,
      T = 300;
    const base = srhtOperator(m, n1, n2, rng);
    const Z = randn(n1, n2, rng);
    const w = new Float64Array(L);
    for (let j = 0; j < N; j++) w[j] = base.signs[j] * Z.data[j];
    fwht(w);
    let mu = 0,
      s2 = 0;
    for (let j = 0; j < L; j++) mu += (w[j] * w[j]) / L;
    for (let j = 0; j < L; j++) s2 += (w[j] * w[j] - mu) ** 2 / L;
    expect(mu).toBeCloseTo(frobeniusNorm(Z) ** 2, 10);
    let sum = 0;
    for (let t = 0; t < T; t++) {
      const rows = new Set<number>();
      while (rows.size < m) rows.add(rng.integer(L));
      sum += norm2(new SrhtOperator(n1, n2, base.signs, Int32Array.from(rows).sort()).apply(Z)) ** 2;
    }
    const sd = Math.sqrt(((s2 / m) * (L - m)) / (L - 1) / T);
    expect(Math.abs(sum / T - mu)).toBeLessThanOrEqual(5 * sd);
  });

  it("rejects more rows than the padded length", () => {
    expect(() => srhtOperator(65, 5, 7, createRng(1))).toThrow(/m must be an integer in \[1, 64\]/);
  });
});

describe("CompletionOperator validation", () => {
  it("refuses an empty sample", () => {
    expect(() => new CompletionOperator(3, 3, 0.1, new Int32Array(0), new Int32Array(0))).toThrow(/no entry/);
  });
});
