import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { cholesky, fromRows, identity, inverseSpd, invSqrtSpd, matrix, solve, solveSpd, sqrtPsd } from "../../src/linalg/index.js";
import { FC, diff, fro, gaussian, naiveMul, naiveT, randomSpd } from "./helpers.js";
import { randn } from "../random-matrix.js";

// Test SPD matrices are B Bᵀ/n + I with B Gaussian: eigenvalues in [1, ~1 + (1+√1)²·…],
// condition number ≲ 10 for n ≤ 12, so solves are accurate to ≲ κ·n·ε ≈ 3e-14 and a
// 1e-12 relative tolerance has > 30× margin while any algebra error is O(1).
const REL = 1e-12;
const nArb = fc.integer({ min: 1, max: 12 });

describe("Cholesky and SPD solves", () => {
  it("factors the textbook matrix [[4,12,−16],[12,37,−43],[−16,−43,98]] exactly", () => {
    const L = cholesky(
      fromRows([
        [4, 12, -16],
        [12, 37, -43],
        [-16, -43, 98],
      ]),
    );
    expect(Array.from(L.data)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
  });

  it("property: L is lower triangular with positive diagonal and L Lᵀ = A", () => {
    fc.assert(
      fc.property(nArb, fc.integer(), (n, seed) => {
        const A = randomSpd(n, gaussian(seed));
        const L = cholesky(A);
        for (let i = 0; i < n; i++) {
          expect(L.data[i * n + i]).toBeGreaterThan(0);
          for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
        }
        expect(diff(naiveMul(L, naiveT(L)), A)).toBeLessThanOrEqual(REL * fro(A));
      }),
      FC,
    );
  });

  it("throws a clear error for indefinite, singular PSD, asymmetric or non-square input", () => {
    expect(() =>
      cholesky(
        fromRows([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(/not positive definite.*pivot 1/);
    expect(() =>
      cholesky(
        fromRows([
          [1, 1],
          [1, 1],
        ]),
      ),
    ).toThrow(/not positive definite/);
    expect(() =>
      cholesky(
        fromRows([
          [2, 1],
          [0, 2],
        ]),
      ),
    ).toThrow(/not symmetric/);
    expect(() => cholesky(matrix(2, 3))).toThrow(RangeError);
    expect(() => solveSpd(fromRows([[-1]]), fromRows([[1]]))).toThrow(/not positive definite/);
  });

  it("property: solveSpd residual ‖A X − B‖ ≤ 1e-12·‖A‖‖X‖ and inverseSpd(A)·A = I", () => {
    fc.assert(
      fc.property(nArb, fc.integer({ min: 1, max: 5 }), fc.integer(), (n, q, seed) => {
        const rnd = gaussian(seed);
        const A = randomSpd(n, rnd);
        const B = randn(n, q, rnd);
        const X = solveSpd(A, B);
        expect(diff(naiveMul(A, X), B)).toBeLessThanOrEqual(REL * fro(A) * fro(X));
        const Ai = inverseSpd(A);
        expect(diff(naiveMul(Ai, A), identity(n))).toBeLessThanOrEqual(REL * Math.sqrt(n) * 10);
        expect(diff(Ai, naiveT(Ai))).toBe(0);
      }),
      FC,
    );
  });
});

describe("general solve (LU with partial pivoting)", () => {
  it("solves a textbook system needing a pivot: [[0,1],[1,1]] x = [1, 3] ⇒ x = [2, 1]", () => {
    const x = solve(
      fromRows([
        [0, 1],
        [1, 1],
      ]),
      fromRows([[1], [3]]),
    );
    expect(Array.from(x.data)).toEqual([2, 1]);
  });

  it("property: residual ‖A X − B‖ ≤ 1e-12·‖A‖‖X‖ on random nonsymmetric matrices", () => {
    fc.assert(
      fc.property(nArb, fc.integer({ min: 1, max: 5 }), fc.integer(), (n, q, seed) => {
        const rnd = gaussian(seed);
        const A = randn(n, n, rnd);
        for (let i = 0; i < n; i++) A.data[i * n + i] += 2 * Math.sqrt(n); // keep κ moderate
        const B = randn(n, q, rnd);
        const X = solve(A, B);
        expect(diff(naiveMul(A, X), B)).toBeLessThanOrEqual(REL * fro(A) * fro(X));
      }),
      FC,
    );
  });

  it("throws on singular matrices (exact and rounding-level) but accepts badly scaled regular ones", () => {
    expect(() =>
      solve(
        fromRows([
          [1, 2],
          [2, 4],
        ]),
        fromRows([[1], [1]]),
      ),
    ).toThrow(/singular/);
    expect(() =>
      solve(
        fromRows([
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ]),
        identity(3),
      ),
    ).toThrow(/singular/);
    expect(() => solve(matrix(3, 3), identity(3))).toThrow(/singular/);
    const x = solve(
      fromRows([
        [1, 0],
        [0, 1e-20],
      ]),
      fromRows([[1], [1]]),
    );
    expect(x.data[1]).toBe(1e20);
    expect(() => solve(fromRows([[1, 2]]), fromRows([[1]]))).toThrow(RangeError);
    expect(() => solve(identity(2), fromRows([[1]]))).toThrow(RangeError);
  });
});

describe("matrix square roots", () => {
  it("invSqrtSpd and sqrtPsd of textbook matrices", () => {
    const D = invSqrtSpd(
      fromRows([
        [4, 0],
        [0, 9],
      ]),
    );
    expect(
      diff(
        D,
        fromRows([
          [0.5, 0],
          [0, 1 / 3],
        ]),
      ),
    ).toBeLessThan(1e-15);
    // [[2,1],[1,2]] = V diag(3, 1) Vᵀ, V = [1 1; 1 −1]/√2
    const a = 1 / Math.sqrt(3);
    const want = fromRows([
      [(a + 1) / 2, (a - 1) / 2],
      [(a - 1) / 2, (a + 1) / 2],
    ]);
    expect(
      diff(
        invSqrtSpd(
          fromRows([
            [2, 1],
            [1, 2],
          ]),
        ),
        want,
      ),
    ).toBeLessThan(1e-15);
    const S = sqrtPsd(
      fromRows([
        [2, 1],
        [1, 2],
      ]),
    );
    const r3 = Math.sqrt(3);
    expect(
      diff(
        S,
        fromRows([
          [(r3 + 1) / 2, (r3 - 1) / 2],
          [(r3 - 1) / 2, (r3 + 1) / 2],
        ]),
      ),
    ).toBeLessThan(1e-15);
  });

  it("property: X = invSqrtSpd(A) is symmetric and X A X = I on well-conditioned SPD inputs", () => {
    fc.assert(
      fc.property(nArb, fc.integer(), (n, seed) => {
        const A = randomSpd(n, gaussian(seed));
        const X = invSqrtSpd(A);
        expect(diff(X, naiveT(X))).toBe(0);
        expect(diff(naiveMul(naiveMul(X, A), X), identity(n))).toBeLessThanOrEqual(REL * Math.sqrt(n));
      }),
      FC,
    );
  });

  it("property: S = sqrtPsd(A) squares back to A, also for rank-deficient PSD A = B Bᵀ", () => {
    fc.assert(
      fc.property(nArb, fc.integer({ min: 0, max: 12 }), fc.integer(), (n, r0, seed) => {
        const rnd = gaussian(seed);
        const B = randn(n, Math.min(r0, n), rnd);
        const A = naiveMul(B, naiveT(B));
        const S = sqrtPsd(A);
        expect(diff(naiveMul(S, S), A)).toBeLessThanOrEqual(REL * (fro(A) + 1e-300));
        expect(diff(S, naiveT(S))).toBe(0);
      }),
      FC,
    );
  });

  it("invSqrtSpd throws with the offending eigenvalue; sqrtPsd rejects clearly negative eigenvalues", () => {
    expect(() =>
      invSqrtSpd(
        fromRows([
          [1, 0],
          [0, -2],
        ]),
      ),
    ).toThrow(/eigenvalue 1 is -2/);
    expect(() =>
      invSqrtSpd(
        fromRows([
          [1, 0],
          [0, 0],
        ]),
      ),
    ).toThrow(/eigenvalue 1 is 0/);
    expect(() =>
      sqrtPsd(
        fromRows([
          [1, 0],
          [0, -0.5],
        ]),
      ),
    ).toThrow(/-0.5/);
    expect(diff(sqrtPsd(matrix(2, 2)), matrix(2, 2))).toBe(0);
  });
});
