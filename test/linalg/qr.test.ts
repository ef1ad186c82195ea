import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fromRows, matrix, orthonormalColumns, qr } from "../../src/linalg/index.js";
import { EPS, FC, anyMatrixArb, diff, fro, naiveMul, orthoError } from "./helpers.js";

// Householder QR backward error is ≤ c·m·n·ε‖A‖ with a modest c; for m, n ≤ 12 that is
// ≤ c·144·2.2e-16 ≈ c·3e-14, so 1e-12 relative leaves a ~30× margin while an algorithmic
// error (wrong reflector, missing sign flip) produces O(1) residuals.
const REL = 1e-12;

describe("Householder QR", () => {
  it("factors a textbook 3×3 matrix (Trefethen & Bau style example)", () => {
    const A = fromRows([
      [12, -51, 4],
      [6, 167, -68],
      [-4, 24, -41],
    ]);
    const { Q, R } = qr(A);
    // exact answer: R = [[14, 21, −14], [0, 175, −70], [0, 0, 35]]
    const Rexp = fromRows([
      [14, 21, -14],
      [0, 175, -70],
      [0, 0, 35],
    ]);
    expect(diff(R, Rexp)).toBeLessThan(1e-12 * 200);
    const Qexp = fromRows([
      [6 / 7, -69 / 175, -58 / 175],
      [3 / 7, 158 / 175, 6 / 175],
      [-2 / 7, 6 / 35, -33 / 35],
    ]);
    expect(diff(Q, Qexp)).toBeLessThan(1e-14);
  });

  it("gives a thin Q for a tall matrix and a square Q with trapezoidal R for a wide one", () => {
    const tall = qr(matrix(5, 2, Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])));
    expect([tall.Q.rows, tall.Q.cols, tall.R.rows, tall.R.cols]).toEqual([5, 2, 2, 2]);
    const wide = qr(matrix(2, 5, Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])));
    expect([wide.Q.rows, wide.Q.cols, wide.R.rows, wide.R.cols]).toEqual([2, 2, 2, 5]);
  });

  it("property: A = QR, QᵀQ = I, R upper triangular with diag(R) ≥ 0 (random, low-rank and zero inputs)", () => {
    fc.assert(
      fc.property(anyMatrixArb, ({ A }) => {
        const { Q, R } = qr(A);
        const m = A.rows,
          n = A.cols,
          p = Math.min(m, n);
        expect([Q.rows, Q.cols, R.rows, R.cols]).toEqual([m, p, p, n]);
        expect(diff(naiveMul(Q, R), A)).toBeLessThanOrEqual(REL * fro(A));
        expect(orthoError(Q)).toBeLessThanOrEqual(1e-12);
        for (let i = 0; i < p; i++) {
          expect(R.data[i * n + i]).toBeGreaterThanOrEqual(0);
          for (let j = 0; j < Math.min(i, n); j++) expect(R.data[i * n + j]).toBe(0);
        }
      }),
      FC,
    );
  });

  it("property: full-column-rank R is unique, so |R_ii| equals the Gram–Schmidt lengths", () => {
    // For A = [a1 a2], R_11 = ‖a1‖ and R_22 = ‖a2 − (q1·a2) q1‖ (independent check)
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 24, maxLength: 24 }), (m, xs) => {
        const A = matrix(m, 2, Float64Array.from(xs.slice(0, 2 * m)));
        const a1 = Array.from({ length: m }, (_, i) => A.data[2 * i]);
        const a2 = Array.from({ length: m }, (_, i) => A.data[2 * i + 1]);
        const n1 = Math.hypot(...a1);
        fc.pre(n1 > 1e-3);
        const q1 = a1.map((x) => x / n1);
        const c = q1.reduce((s, x, i) => s + x * a2[i], 0);
        const r22 = Math.hypot(...a2.map((x, i) => x - c * q1[i]));
        fc.pre(r22 > 1e-3);
        const { R } = qr(A);
        expect(Math.abs(R.data[0] - n1)).toBeLessThanOrEqual(1e-13 * n1);
        expect(Math.abs(R.data[1] - c)).toBeLessThanOrEqual(1e-13 * Math.hypot(...a2));
        expect(Math.abs(R.data[3] - r22)).toBeLessThanOrEqual(1e-12 * Math.hypot(...a2));
      }),
      FC,
    );
  });

  it("is safe for entries near 1e300 and 1e-300", () => {
    for (const s of [1e300, 1e-300]) {
      const A = fromRows([
        [3 * s, 1 * s],
        [4 * s, 2 * s],
      ]);
      const { Q, R } = qr(A);
      expect(Math.abs(R.data[0] / (5 * s) - 1)).toBeLessThan(1e-14);
      expect(orthoError(Q)).toBeLessThan(1e-14);
    }
  });

  it("orthonormalColumns returns the Q factor and rejects non-finite input", () => {
    const A = matrix(4, 2, Float64Array.from([1, 0, 1, 1, 1, 2, 1, 3]));
    expect(diff(orthonormalColumns(A), qr(A).Q)).toBe(0);
    expect(() => qr(matrix(1, 2, Float64Array.from([1, NaN])))).toThrow(RangeError);
    expect(EPS).toBeGreaterThan(0);
  });
});
