import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Matrix as MlMatrix, SingularValueDecomposition } from "ml-matrix";
import { fromRows, matrix, qr, singularValues, svd } from "../../src/linalg/index.js";
import { FC, anyMatrixArb, diff, fro, gaussian, naiveMul, naiveT, orthoError, usv } from "./helpers.js";
import { randn } from "../random-matrix.js";

// Tolerances. QR (m > n) plus one-sided Jacobi on an n×n matrix (n ≤ 12) has backward
// error ≲ c·(sweeps·n)·ε‖A‖ ≈ c·1e-14 for these sizes; 1e-12 relative keeps ~30× margin.
// Orthogonality: V accumulates ≤ 100 rotations per column pair, each exactly orthogonal
// to ε; U is orthogonal to the Jacobi threshold max(n, 4)·ε ≤ 2.7e-15 per pair.
const REL = 1e-12;

function checkSvd(A: ReturnType<typeof matrix>): void {
  const { U, s, V } = svd(A);
  const m = A.rows,
    n = A.cols,
    p = Math.min(m, n);
  expect([U.rows, U.cols, V.rows, V.cols, s.length]).toEqual([m, p, n, p, p]);
  expect(diff(usv(U, s, V), A)).toBeLessThanOrEqual(REL * fro(A));
  expect(orthoError(U)).toBeLessThanOrEqual(1e-12);
  expect(orthoError(V)).toBeLessThanOrEqual(1e-12);
  for (let i = 0; i < p; i++) {
    expect(s[i]).toBeGreaterThanOrEqual(0);
    if (i > 0) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
  }
}

describe("thin SVD", () => {
  it("diagonal matrix: singular values are the sorted |d_i| with signed unit vectors", () => {
    const A = fromRows([
      [0, 0, 0],
      [0, -5, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    const { U, s, V } = svd(A);
    expect(Array.from(s)).toEqual([5, 2, 0]);
    // column 0 of U and V: ±e2 with U_{1,0} V_{1,0} = −1 (the sign of −5)
    expect(Math.abs(U.data[1 * 3 + 0])).toBe(1);
    expect(U.data[1 * 3 + 0] * V.data[1 * 3 + 0]).toBe(-1);
    expect(U.data[2 * 3 + 1] * V.data[2 * 3 + 1]).toBe(1);
    checkSvd(A);
  });

  it("textbook 2×2: [[3, 0], [4, 5]] has σ = 3√5, √5", () => {
    const s = singularValues(
      fromRows([
        [3, 0],
        [4, 5],
      ]),
    );
    expect(Math.abs(s[0] - 3 * Math.sqrt(5))).toBeLessThan(1e-14 * 7);
    expect(Math.abs(s[1] - Math.sqrt(5))).toBeLessThan(1e-14 * 7);
  });

  it("rank-one outer product u vᵀ has σ₁ = ‖u‖‖v‖ and σ₂ = 0 (wide and tall)", () => {
    const u = [1, 2, 2]; // ‖u‖ = 3
    const v = [3, 4]; // ‖v‖ = 5
    const A = matrix(3, 2, Float64Array.from(u.flatMap((x) => v.map((y) => x * y))));
    for (const M of [A, naiveT(A)]) {
      const s = singularValues(M);
      expect(Math.abs(s[0] - 15)).toBeLessThan(1e-13);
      expect(s[1]).toBeLessThan(1e-14);
      checkSvd(M);
    }
  });

  it("zero matrices give s = 0 and orthonormal U, V in every shape", () => {
    for (const [m, n] of [
      [1, 1],
      [3, 1],
      [1, 4],
      [5, 3],
      [3, 5],
      [4, 4],
    ]) {
      const { U, s, V } = svd(matrix(m, n));
      expect(Array.from(s).every((x) => x === 0)).toBe(true);
      expect(orthoError(U)).toBe(0);
      expect(orthoError(V)).toBe(0);
    }
  });

  it("property: A = U diag(s) Vᵀ with orthonormal U, V and s descending ≥ 0 (tall, wide, low-rank, zero)", () => {
    fc.assert(
      fc.property(anyMatrixArb, ({ A }) => checkSvd(A)),
      FC,
    );
  });

  it("property: low-rank X Yᵀ has exactly r singular values above 1e-12·σ₁", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 11 }), fc.integer(), (m, n, r0, seed) => {
        const r = Math.min(r0, Math.min(m, n));
        const rnd = gaussian(seed);
        const A = naiveMul(randn(m, r, rnd), naiveT(randn(n, r, rnd)));
        const s = singularValues(A);
        const big = Array.from(s).filter((x) => x > 1e-12 * (s[0] || 1)).length;
        expect(big).toBe(r);
        checkSvd(A);
      }),
      FC,
    );
  });

  it("property: recovers planted singular values U₀ diag(σ) V₀ᵀ to 1e-13·σ_max", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer(),
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 12, maxLength: 12 }),
        (m, n, seed, sig) => {
          const p = Math.min(m, n);
          const rnd = gaussian(seed);
          const U0 = qr(randn(m, p, rnd)).Q,
            V0 = qr(randn(n, p, rnd)).Q;
          const sigma = sig.slice(0, p);
          const A = usv(U0, sigma, V0);
          const s = singularValues(A);
          const want = [...sigma].sort((a, b) => b - a);
          const smax = Math.max(1, ...sigma);
          for (let i = 0; i < p; i++) expect(Math.abs(s[i] - want[i])).toBeLessThanOrEqual(1e-13 * smax);
        },
      ),
      FC,
    );
  });

  it("agrees with ml-matrix's SVD (autoTranspose) on tall and wide Gaussian matrices", () => {
    const rnd = gaussian(3);
    for (const [m, n] of [
      [8, 3],
      [3, 8],
      [6, 6],
      [12, 1],
      [1, 12],
    ]) {
      const A = randn(m, n, rnd);
      const rows = Array.from({ length: m }, (_, i) => Array.from(A.data.subarray(i * n, i * n + n)));
      const ref = new SingularValueDecomposition(new MlMatrix(rows), { autoTranspose: true }).diagonal;
      const s = singularValues(A);
      for (let i = 0; i < Math.min(m, n); i++) expect(Math.abs(s[i] - ref[i])).toBeLessThan(1e-13 * s[0]);
    }
  });

  it("singularValues matches svd(A).s", () => {
    const rnd = gaussian(11);
    const A = randn(7, 4, rnd);
    const s = svd(A).s;
    expect(diff(matrix(1, 4, singularValues(A)), matrix(1, 4, s))).toBeLessThan(1e-14 * s[0]);
  });

  it("is safe at extreme scales and rejects non-finite input", () => {
    for (const sc of [1e300, 1e-300, 1e-320]) {
      const A = fromRows([
        [3 * sc, 0],
        [4 * sc, 5 * sc],
      ]);
      const { U, s, V } = svd(A);
      const ref = sc === 1e-320 ? 1e-2 : 1e-14; // 1e-320 is subnormal: only ~3 digits exist
      expect(Math.abs(s[0] / (3 * Math.sqrt(5) * sc) - 1)).toBeLessThan(ref);
      expect(orthoError(U)).toBeLessThan(1e-14);
      expect(orthoError(V)).toBeLessThan(1e-14);
    }
    expect(() => svd(fromRows([[1, Infinity]]))).toThrow(RangeError);
  });

  it("handles empty shapes", () => {
    const r = svd(matrix(3, 0));
    expect([r.U.rows, r.U.cols, r.V.rows, r.V.cols, r.s.length]).toEqual([3, 0, 0, 0, 0]);
  });
});
