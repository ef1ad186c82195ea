import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { frobeniusNorm, gemv, gemvT, matmul, matmulNT, matmulTN, matrix, norm2, transpose, frobeniusDistance } from "../../src/linalg/index.js";
import { FC, diff, fro, matrixArb, naiveMul, naiveT } from "./helpers.js";

const dims = fc.record({
  n: fc.integer({ min: 1, max: 9 }),
  p: fc.integer({ min: 1, max: 9 }),
  q: fc.integer({ min: 1, max: 9 }),
});

// Each product entry is a sum of ≤ 9 products of entries ≤ 100; any summation order is
// within 9·ε·Σ|a||b| of the naive loop, so 1e-13·(‖A‖‖B‖ + 1) is a safe bound.
const tol = (A: { data: Float64Array }, B: { data: Float64Array }) => 1e-13 * (fro(A as never) * fro(B as never) + 1);

describe("matrix kernels agree with naive loops", () => {
  it("matmul(A, B) = naive A B", () => {
    fc.assert(
      fc.property(
        dims.chain(({ n, p, q }) => fc.tuple(matrixArb(n, p), matrixArb(p, q))),
        ([A, B]) => {
          expect(diff(matmul(A, B), naiveMul(A, B))).toBeLessThanOrEqual(tol(A, B));
        },
      ),
      FC,
    );
  });
  it("matmulTN(A, B) = naive Aᵀ B", () => {
    fc.assert(
      fc.property(
        dims.chain(({ n, p, q }) => fc.tuple(matrixArb(p, n), matrixArb(p, q))),
        ([A, B]) => {
          const C = matmulTN(A, B);
          expect([C.rows, C.cols]).toEqual([A.cols, B.cols]);
          expect(diff(C, naiveMul(naiveT(A), B))).toBeLessThanOrEqual(tol(A, B));
        },
      ),
      FC,
    );
  });
  it("matmulNT(A, B) = naive A Bᵀ", () => {
    fc.assert(
      fc.property(
        dims.chain(({ n, p, q }) => fc.tuple(matrixArb(n, p), matrixArb(q, p))),
        ([A, B]) => {
          const C = matmulNT(A, B);
          expect([C.rows, C.cols]).toEqual([A.rows, B.rows]);
          expect(diff(C, naiveMul(A, naiveT(B)))).toBeLessThanOrEqual(tol(A, B));
        },
      ),
      FC,
    );
  });
  it("gemv(A, x) = naive A x and gemvT(A, z) = naive Aᵀ z", () => {
    fc.assert(
      fc.property(
        dims.chain(({ n, p }) => fc.tuple(matrixArb(n, p), matrixArb(p, 1), matrixArb(n, 1))),
        ([A, x, z]) => {
          const y = gemv(A, x.data);
          expect(diff(matrix(A.rows, 1, y), naiveMul(A, x))).toBeLessThanOrEqual(tol(A, x));
          const w = gemvT(A, z.data);
          expect(diff(matrix(A.cols, 1, w), naiveMul(naiveT(A), z))).toBeLessThanOrEqual(tol(A, z));
        },
      ),
      FC,
    );
  });
  it("transpose swaps indices", () => {
    const A = matrix(2, 3, Float64Array.from([1, 2, 3, 4, 5, 6]));
    expect(Array.from(transpose(A).data)).toEqual([1, 4, 2, 5, 3, 6]);
  });
  it("kernels reject mismatched shapes", () => {
    expect(() => matmul(matrix(2, 3), matrix(2, 3))).toThrow(RangeError);
    expect(() => gemv(matrix(2, 3), new Float64Array(2))).toThrow(RangeError);
  });
});

describe("norms are overflow- and underflow-safe", () => {
  it("norm2 of entries 1e300 does not overflow", () => {
    expect(norm2([1e300, 1e300])).toBeCloseTo(Math.SQRT2 * 1e300, -287);
    expect(Math.abs(norm2([1e300, 1e300]) / (Math.SQRT2 * 1e300) - 1)).toBeLessThan(4 * Number.EPSILON);
    expect(Math.abs(norm2([3e300, 4e300]) / 5e300 - 1)).toBeLessThan(4 * Number.EPSILON);
  });
  it("norm2 of entries 1e-300 does not underflow", () => {
    const r = norm2([1e-300, 1e-300, 1e-300, 1e-300]);
    expect(Math.abs(r / 2e-300 - 1)).toBeLessThan(4 * Number.EPSILON);
    expect(Math.abs(norm2([3e-300, 4e-300]) / 5e-300 - 1)).toBeLessThan(4 * Number.EPSILON);
  });
  it("frobeniusNorm and frobeniusDistance at extreme scales", () => {
    const big = matrix(2, 2, Float64Array.from([1e300, -1e300, 1e300, 1e300]));
    expect(Math.abs(frobeniusNorm(big) / 2e300 - 1)).toBeLessThan(4 * Number.EPSILON);
    const tiny = matrix(2, 2, Float64Array.from([1e-300, -1e-300, 1e-300, 1e-300]));
    expect(Math.abs(frobeniusNorm(tiny) / 2e-300 - 1)).toBeLessThan(4 * Number.EPSILON);
    expect(Math.abs(frobeniusDistance(big, matrix(2, 2)) / 2e300 - 1)).toBeLessThan(4 * Number.EPSILON);
  });
  it("norm2 matches the plain formula on moderate data and handles NaN/Infinity", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { maxLength: 30 }), (xs) => {
        // (the plain formula squares subnormals to 0, hence the absolute floor)
        const plain = Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
        expect(Math.abs(norm2(xs) - plain)).toBeLessThanOrEqual(1e-14 * plain + 1e-150);
      }),
      FC,
    );
    expect(norm2([1, NaN])).toBeNaN();
    expect(norm2([1, -Infinity])).toBe(Infinity);
    expect(norm2([])).toBe(0);
  });
});
