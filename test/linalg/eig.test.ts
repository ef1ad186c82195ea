import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EigenvalueDecomposition, Matrix as MlMatrix } from "ml-matrix";
import { fromRows, matrix, qr, symmetricEigen, symmetricEigenvalues } from "../../src/linalg/index.js";
import { FC, anyMatrixArb, diff, fro, gaussian, naiveMul, naiveT, orthoError, usv } from "./helpers.js";
import { randn } from "../random-matrix.js";

describe("symmetric eigendecomposition", () => {
  it("solves the textbook tridiagonal [2 −1; −1 2 −1; −1 2] exactly", () => {
    const A = fromRows([
      [2, -1, 0],
      [-1, 2, -1],
      [0, -1, 2],
    ]);
    const { values, vectors } = symmetricEigen(A);
    const expected = [2 + Math.SQRT2, 2, 2 - Math.SQRT2];
    for (let i = 0; i < 3; i++) expect(Math.abs(values[i] - expected[i])).toBeLessThan(1e-15 * 4);
    // eigenvectors (up to sign): (1, −√2, 1)/2, (1, 0, −1)/√2, (1, √2, 1)/2
    const vecs = [
      [0.5, -Math.SQRT1_2, 0.5],
      [Math.SQRT1_2, 0, -Math.SQRT1_2],
      [0.5, Math.SQRT1_2, 0.5],
    ];
    for (let c = 0; c < 3; c++) {
      const v = [0, 1, 2].map((i) => vectors.data[i * 3 + c]);
      const dotv = v.reduce((s, x, i) => s + x * vecs[c][i], 0);
      expect(Math.abs(Math.abs(dotv) - 1)).toBeLessThan(1e-14);
    }
  });

  it("handles diagonal, 1×1, 0×0 and repeated-eigenvalue matrices", () => {
    const D = symmetricEigen(
      fromRows([
        [1, 0, 0],
        [0, -3, 0],
        [0, 0, 2],
      ]),
    );
    expect(Array.from(D.values)).toEqual([2, 1, -3]);
    expect(Array.from(symmetricEigen(fromRows([[-7]])).values)).toEqual([-7]);
    expect(symmetricEigen(matrix(0, 0)).values.length).toBe(0);
    const I = symmetricEigen(
      fromRows([
        [5, 0],
        [0, 5],
      ]),
    );
    expect(Array.from(I.values)).toEqual([5, 5]);
    expect(orthoError(I.vectors)).toBeLessThan(1e-15);
  });

  it("property: recovers a planted spectrum Q diag(λ) Qᵀ to 1e-13·max|λ| (n ≤ 12)", () => {
    // Weyl: |λ̂ − λ| ≤ ‖E‖₂ where the backward error ‖E‖ ≲ n·ε‖A‖ ≈ 12·2.2e-16 plus the
    // rounding in forming Q diag(λ) Qᵀ (another ~n·ε). 1e-13 leaves ≥ 10× margin.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer(),
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 12, maxLength: 12 }),
        (n, seed, lam) => {
          const rnd = gaussian(seed);
          const Q = qr(randn(n, n, rnd)).Q;
          const l = lam.slice(0, n);
          const A = usv(Q, l, Q);
          const { values, vectors } = symmetricEigen(A);
          const sorted = [...l].sort((a, b) => b - a);
          const scale = Math.max(1, ...l.map(Math.abs));
          for (let i = 0; i < n; i++) expect(Math.abs(values[i] - sorted[i])).toBeLessThanOrEqual(1e-13 * scale);
          expect(orthoError(vectors)).toBeLessThanOrEqual(1e-12);
        },
      ),
      FC,
    );
  });

  it("property: A = V diag(λ) Vᵀ, VᵀV = I, λ descending, on random symmetric, low-rank and zero inputs", () => {
    fc.assert(
      fc.property(anyMatrixArb, ({ A: B }) => {
        // S = B + Bᵀ (square from B's first min(m,n) rows/cols) and G = B Bᵀ (PSD, low rank)
        const p = Math.min(B.rows, B.cols);
        const S = matrix(p, p);
        for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) S.data[i * p + j] = B.data[i * B.cols + j] + B.data[j * B.cols + i];
        const G = naiveMul(B, naiveT(B));
        for (const A of [S, G]) {
          const { values, vectors } = symmetricEigen(A);
          const n = A.rows;
          expect(diff(usv(vectors, values, vectors), A)).toBeLessThanOrEqual(1e-12 * fro(A));
          expect(orthoError(vectors)).toBeLessThanOrEqual(1e-12);
          for (let i = 1; i < n; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
          const only = symmetricEigenvalues(A);
          for (let i = 0; i < n; i++) expect(Math.abs(only[i] - values[i])).toBeLessThanOrEqual(1e-13 * fro(A));
        }
      }),
      FC,
    );
  });

  it("agrees with ml-matrix's JAMA EigenvalueDecomposition", () => {
    const rnd = gaussian(7);
    for (const n of [2, 5, 9]) {
      const B = randn(n, n, rnd);
      const A = naiveMul(B, naiveT(B));
      const rows = Array.from({ length: n }, (_, i) => Array.from(A.data.subarray(i * n, i * n + n)));
      const ref = new EigenvalueDecomposition(new MlMatrix(rows), { assumeSymmetric: true }).realEigenvalues.sort((a, b) => b - a);
      const ours = symmetricEigenvalues(A);
      for (let i = 0; i < n; i++) expect(Math.abs(ours[i] - ref[i])).toBeLessThan(1e-13 * fro(A));
    }
  });

  it("symmetrizes rounding-level asymmetry and rejects real asymmetry, non-square and non-finite input", () => {
    const A = fromRows([
      [2, 1 + 1e-15],
      [1, 2],
    ]);
    const { values } = symmetricEigen(A);
    expect(Math.abs(values[0] - 3)).toBeLessThan(1e-14);
    expect(() =>
      symmetricEigen(
        fromRows([
          [2, 1],
          [0, 2],
        ]),
      ),
    ).toThrow(/not symmetric/);
    expect(() => symmetricEigen(matrix(2, 3))).toThrow(RangeError);
    expect(() => symmetricEigenvalues(fromRows([[NaN]]))).toThrow(RangeError);
  });

  it("keeps eigenvectors orthogonal for a graded matrix with entries from 1e-290 to 1e-34 (regression)", () => {
    const B = matrix(
      7,
      3,
      Float64Array.from([
        0, 1.4239626183826977e-290, 0, -7.646286875958092e-189, 5.204479803013309e-34, 0, 1.0289029578868621e-171, 0, 0, -3.013921317466267e-107, 0, 0, 0, 0, 0,
        -5.481562276485039e-93, -1.233946237819113e-262, 0, 0, -1.4239626183826977e-290, 0,
      ]),
    );
    const G = naiveMul(B, naiveT(B));
    const { values, vectors } = symmetricEigen(G);
    expect(orthoError(vectors)).toBeLessThan(1e-14);
    expect(diff(usv(vectors, values, vectors), G)).toBeLessThan(1e-14 * fro(G));
    expect(Math.abs(values[0] / 5.204479803013309e-34 ** 2 - 1)).toBeLessThan(1e-14);
  });

  it("works at extreme scales (1e±300)", () => {
    for (const s of [1e300, 1e-300]) {
      const A = fromRows([
        [2 * s, -s],
        [-s, 2 * s],
      ]);
      const v = symmetricEigenvalues(A);
      expect(Math.abs(v[0] / (3 * s) - 1)).toBeLessThan(1e-14);
      expect(Math.abs(v[1] / s - 1)).toBeLessThan(1e-14);
    }
  });
});
