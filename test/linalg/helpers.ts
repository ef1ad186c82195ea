import fc from "fast-check";
import { randn } from "../random-matrix.js";
import { type Matrix, matrix } from "../../src/linalg/index.js";

export const EPS = Number.EPSILON;
export const FC = { seed: 42, numRuns: 100 } as const;

/** Naive C = A B with plain triple loops (independent of the kernels under test). */
export function naiveMul(A: Matrix, B: Matrix): Matrix {
  const C = matrix(A.rows, B.cols);
  for (let i = 0; i < A.rows; i++)
    for (let j = 0; j < B.cols; j++) {
      let s = 0;
      for (let l = 0; l < A.cols; l++) s += A.data[i * A.cols + l] * B.data[l * B.cols + j];
      C.data[i * B.cols + j] = s;
    }
  return C;
}

export function naiveT(A: Matrix): Matrix {
  const T = matrix(A.cols, A.rows);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) T.data[j * A.rows + i] = A.data[i * A.cols + j];
  return T;
}

/** Plain sqrt(Σ x²) (only for well-scaled data). */
export function fro(A: Matrix): number {
  let s = 0;
  for (const v of A.data) s += v * v;
  return Math.sqrt(s);
}

export function diff(A: Matrix, B: Matrix): number {
  if (A.rows !== B.rows || A.cols !== B.cols) throw new Error(`shape ${A.rows}×${A.cols} vs ${B.rows}×${B.cols}`);
  let s = 0;
  for (let i = 0; i < A.data.length; i++) s += (A.data[i] - B.data[i]) ** 2;
  return Math.sqrt(s);
}

/** ‖QᵀQ − I‖_F computed naively. */
export function orthoError(Q: Matrix): number {
  const G = naiveMul(naiveT(Q), Q);
  let s = 0;
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < G.cols; j++) s += (G.data[i * G.cols + j] - (i === j ? 1 : 0)) ** 2;
  return Math.sqrt(s);
}

/** U diag(s) Vᵀ. */
export function usv(U: Matrix, s: ArrayLike<number>, V: Matrix): Matrix {
  const US = matrix(U.rows, U.cols);
  for (let i = 0; i < U.rows; i++) for (let j = 0; j < U.cols; j++) US.data[i * U.cols + j] = U.data[i * U.cols + j] * s[j];
  return naiveMul(US, naiveT(V));
}

/** Small deterministic PRNG (mulberry32) + Box–Muller, for inputs built inside properties. */
export function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u1 = u() || 1e-12;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u());
  };
}

const entry = fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true });

/** An r×c matrix of fast-check doubles in [−100, 100] (includes 0, −0, subnormals, bounds). */
export function matrixArb(r: number, c: number): fc.Arbitrary<Matrix> {
  return fc.array(entry, { minLength: r * c, maxLength: r * c }).map((xs) => matrix(r, c, Float64Array.from(xs)));
}

export type Kind = "full" | "lowrank" | "zero";

/**
 * Random m×n matrices, m, n ∈ 1..12: "full" (arbitrary entries), "lowrank" (X Yᵀ with
 * X m×r, Y n×r, r < min(m, n), so rank ≤ r) and "zero".
 */
export const anyMatrixArb: fc.Arbitrary<{ A: Matrix; kind: Kind }> = fc
  .record({ m: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 1, max: 12 }), kind: fc.constantFrom<Kind>("full", "full", "lowrank", "zero") })
  .chain(({ m, n, kind }) => {
    if (kind === "zero") return fc.constant({ A: matrix(m, n), kind });
    if (kind === "full") return matrixArb(m, n).map((A) => ({ A, kind }));
    const p = Math.min(m, n);
    return fc
      .integer({ min: 0, max: Math.max(0, p - 1) })
      .chain((r) => fc.tuple(matrixArb(m, r), matrixArb(n, r)))
      .map(([X, Y]) => ({ A: naiveMul(X, naiveT(Y)), kind }));
  });

/** Random well-conditioned SPD n×n: B Bᵀ/n + I with B n×n Gaussian. */
export function randomSpd(n: number, rnd: () => number, shift = 1): Matrix {
  const B = randn(n, n, rnd);
  const S = naiveMul(B, naiveT(B));
  for (let i = 0; i < S.data.length; i++) S.data[i] /= n;
  for (let i = 0; i < n; i++) S.data[i * n + i] += shift;
  return S;
}
