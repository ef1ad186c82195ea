import {
  type Matrix, frobeniusDistance, frobeniusNorm, matmulNT, matmulTN, norm2, symmetricPart, zeros,
} from "../linalg/matrix.js";
import { qr } from "../linalg/qr.js";
import { TSQR_BLOCK_ROWS, powerOfTwoScale, tsqrR } from "../linalg/tsqr.js";
import { WasmTsqrPair, metricKernelsAvailable, wasmGramUpper } from "../kernels/metricKernels.js";
import { symmetricEigenvalues } from "../linalg/eig.js";
import { singularValues } from "../linalg/svd.js";
import type { GroundTruth } from "../problem/truth.js";
import type { Factors } from "../problem/factors.js";
import { DENSE_ENTRIES_LIMIT } from "../linalg/limits.js";

/**
 * The loss f = ½‖r‖² of a residual r = A(P) − y (overflow-safe). Residuals longer than
 * {@link DENSE_ENTRIES_LIMIT} are summed in one pass with four interleaved partial sums of
 * r_i² (a fixed order: deterministic, and ≈ 4× faster than the scaled sum, whose every step
 * waits on the previous one); when that sum overflows, underflows (< 2⁻⁹⁶⁰) or is NaN the
 * scaled sum of LAPACK's dnrm2 is used, as it is below the limit.
 */
export function lossOf(residual: Float64Array): number {
  return residual.length > DENSE_ENTRIES_LIMIT ? blockedLoss(residual, sumOfSquares(residual)) : scaledLoss(residual);
}

function scaledLoss(residual: Float64Array): number {
  const n = norm2(residual);
  return 0.5 * n * n;
}

/** ½·s when the blocked sum s of r's squares is safe to use, else the scaled sum's loss. */
function blockedLoss(r: Float64Array, s: number): number {
  return s >= 2 ** -960 && s < Infinity ? 0.5 * s : scaledLoss(r);
}

/** Σ r_i² with four partial sums (i mod 4), combined as (s₀ + s₁) + (s₂ + s₃). */
function sumOfSquares(r: Float64Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = r.length, n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    const a = r[i], b = r[i + 1], c = r[i + 2], d = r[i + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (let i = n4; i < n; i++) s0 += r[i] * r[i];
  return (s0 + s1) + (s2 + s3);
}

/**
 * r ← r − y in place. For r longer than {@link DENSE_ENTRIES_LIMIT} returns lossOf(r), bitwise,
 * computed in the same pass (the subtraction streams r anyway; the squares ride along);
 * undefined otherwise.
 */
export function subtractResidual(r: Float64Array, y: Float64Array): number | undefined {
  const n = r.length;
  if (n <= DENSE_ENTRIES_LIMIT) {
    for (let i = 0; i < n; i++) r[i] -= y[i];
    return undefined;
  }
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    const a = (r[i] -= y[i]), b = (r[i + 1] -= y[i + 1]), c = (r[i + 2] -= y[i + 2]), d = (r[i + 3] -= y[i + 3]);
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (let i = n4; i < n; i++) {
    const a = (r[i] -= y[i]);
    s0 += a * a;
  }
  return blockedLoss(r, (s0 + s1) + (s2 + s3));
}

/** max |x_i| (NaN if any x_i is NaN). */
function maxAbs(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a !== a) return NaN;
    if (a > m) m = a;
  }
  return m;
}

/** The fixed right-hand blocks A (n1×r) and B (n2×r) of a factored distance, with their max |·| and WASM copies. */
interface DistanceTarget {
  A: Matrix;
  B: Matrix;
  maxA: number;
  maxB: number;
  wasm: WasmTsqrPair | null;
}

function distanceTarget(A: Matrix, B: Matrix): DistanceTarget {
  return {
    A, B, maxA: maxAbs(A.data), maxB: maxAbs(B.data),
    wasm: metricKernelsAvailable() ? new WasmTsqrPair(A.rows, B.rows, A.data, B.data, A.cols) : null,
  };
}

/**
 * ‖F Gᵀ − A Bᵀ‖_F without forming an n1×n2 matrix: with W₁ = [F, A] = Q₁R₁ and
 * W₂ = [G, −B] = Q₂R₂, F Gᵀ − A Bᵀ = W₁W₂ᵀ = Q₁ (R₁R₂ᵀ) Q₂ᵀ, so the norm is ‖R₁R₂ᵀ‖_F.
 * R₁, R₂ come from the tall-skinny QR of src/linalg/tsqr.ts (one pass over each matrix; the
 * WASM kernel when available, bitwise the same), after scaling W₁ and W₂ by exact powers of
 * two to max |entry| ∈ [1, 2). Backward stable: no squared norms cancel, so the absolute error
 * is O((n1+n2)(k+r)·ε·‖F‖‖G‖), as for the product formed entry by entry. NaN when F or G holds
 * a non-finite entry. O((n1+n2)(k+r)²).
 */
export function factoredDistance(F: Matrix, G: Matrix, A: Matrix, B: Matrix): number {
  return distanceTo(F, G, distanceTarget(A, B));
}

function distanceTo(F: Matrix, G: Matrix, t: DistanceTarget): number {
  return distanceFactors(F, G, t).abs;
}

/**
 * The distance to t's A Bᵀ with the R factors behind it: R₁ of s₁·[F, A] and R₂ of s₂·[G, −B]
 * (c×c, c = k + r; s₁, s₂ the exact powers of two that bring max |entry| into [1, 2)); R null
 * when F or G holds a non-finite entry (abs is then NaN).
 */
function distanceFactors(F: Matrix, G: Matrix, t: DistanceTarget): { abs: number; R: { R1: Float64Array; R2: Float64Array; s1: number; s2: number } | null } {
  const k = F.cols, r = t.A.cols, c = k + r, nb = TSQR_BLOCK_ROWS;
  if (G.cols !== k || t.B.cols !== r || F.rows !== t.A.rows || G.rows !== t.B.rows) {
    throw new RangeError(`factoredDistance: F ${F.rows}×${k}, G ${G.rows}×${G.cols}, A ${t.A.rows}×${r}, B ${t.B.rows}×${t.B.cols} do not conform`);
  }
  let R1: Float64Array, R2: Float64Array, s1: number, s2: number;
  if (t.wasm) {
    const res = t.wasm.evaluate(F.data, G.data, k, nb, t.maxA, t.maxB);
    if (!res) return { abs: NaN, R: null };
    ({ R1, R2, s1, s2 } = res);
  } else {
    const mf = maxAbs(F.data), mg = maxAbs(G.data);
    if (!Number.isFinite(mf) || !Number.isFinite(mg)) return { abs: NaN, R: null };
    s1 = powerOfTwoScale(Math.max(mf, t.maxA));
    s2 = powerOfTwoScale(Math.max(mg, t.maxB));
    R1 = tsqrR(F.data, k, t.A.data, r, F.rows, s1, s1);
    R2 = tsqrR(G.data, k, t.B.data, r, G.rows, s2, -s2);
  }
  const prod = matmulNT({ rows: c, cols: c, data: R1 }, { rows: c, cols: c, data: R2 });
  return { abs: frobeniusNorm(prod) / s1 / s2, R: { R1, R2, s1, s2 } };
}

/**
 * FᵀF − GᵀG from the leading k×k blocks of R₁ (of s₁·[F, A]) and R₂ (of s₂·[G, −B]):
 * FᵀF = R₁₁ᵀR₁₁ / s₁². R₁₁ is the R of F alone (the reflectors of the first k columns never
 * see A), and Householder QR is backward stable, so this is FᵀF up to O(ε‖F‖²) — the Gram
 * matrix's own accuracy, whatever the size of A.
 */
function imbalanceFromR(R1: Float64Array, R2: Float64Array, c: number, k: number, s1: number, s2: number): Matrix {
  const D = zeros(k, k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let f = 0, g = 0;
      for (let l = 0; l <= i; l++) {
        f += R1[l * c + i] * R1[l * c + j];
        g += R2[l * c + i] * R2[l * c + j];
      }
      D.data[i * k + j] = f / s1 / s1 - g / s2 / s2;
    }
  }
  return symmetrize(D);
}

/** Per ground truth: U·Σ and V with their WASM copies, made once (a truth never changes). */
const truthTargets = new WeakMap<GroundTruth, DistanceTarget>();

function truthTarget(truth: GroundTruth): DistanceTarget {
  let t = truthTargets.get(truth);
  if (!t) {
    const US = zeros(truth.U.rows, truth.U.cols);
    for (let i = 0; i < US.rows; i++) for (let l = 0; l < US.cols; l++) US.data[i * US.cols + l] = truth.U.data[i * US.cols + l] * truth.sigma[l];
    t = distanceTarget(US, truth.V);
    truthTargets.set(truth, t);
  }
  return t;
}

/** Whether ‖P − M*‖_F is computed from the factors (large problems) rather than densely. */
function factoredPath(F: Matrix, truth: GroundTruth): boolean {
  const n1 = truth.U.rows, n2 = truth.V.rows;
  return n1 * n2 > DENSE_ENTRIES_LIMIT && F.cols + truth.sigma.length <= Math.min(n1, n2);
}

/** ‖P − M*‖_F for the current factors (dense when small, {@link factoredDistance} when large). */
export function absoluteError(x: Factors, P: () => Matrix, truth: GroundTruth): number {
  const F = x.kind === "symmetric" ? x.X : x.F;
  const G = x.kind === "symmetric" ? x.X : x.G;
  return factoredPath(F, truth) ? distanceTo(F, G, truthTarget(truth)) : frobeniusDistance(P(), truth.Mstar);
}

/**
 * {@link absoluteError} and, for asymmetric factors, the imbalance FᵀF − GᵀG. Small problems:
 * bitwise {@link imbalance}. Large ones (the factored distance): from the R factors the
 * distance has just computed (k³ work instead of two passes over F and G), which agrees with
 * the Gram matrices of {@link imbalance} to O(ε(‖F‖² + ‖G‖²)), not bit for bit.
 */
export function errorAndImbalance(x: Factors, P: () => Matrix, truth: GroundTruth): { abs: number; imbalance: Matrix | null } {
  if (x.kind === "symmetric") return { abs: absoluteError(x, P, truth), imbalance: null };
  if (!factoredPath(x.F, truth)) return { abs: frobeniusDistance(P(), truth.Mstar), imbalance: imbalance(x.F, x.G) };
  const t = truthTarget(truth);
  const d = distanceFactors(x.F, x.G, t);
  const k = x.F.cols;
  if (!d.R) return { abs: d.abs, imbalance: { rows: k, cols: k, data: new Float64Array(k * k).fill(NaN) } };
  return { abs: d.abs, imbalance: imbalanceFromR(d.R.R1, d.R.R2, k + t.A.cols, k, d.R.s1, d.R.s2) };
}

/**
 * ‖M*‖_F: densely for small problems (as before), ‖σ‖₂ from the factors (U, V orthonormal)
 * above {@link DENSE_ENTRIES_LIMIT} entries, so large problems never form M*.
 */
export function truthNorm(truth: GroundTruth): number {
  const n1 = truth.U.rows, n2 = truth.V.rows;
  return n1 * n2 <= DENSE_ENTRIES_LIMIT ? frobeniusNorm(truth.Mstar) : norm2(truth.sigma);
}

/** ‖sym(P) − sym(M*)‖_F / ‖sym(M*)‖_F: the error of the part a symmetric operator can see. */
export function symmetricPartRelError(P: Matrix, Mstar: Matrix): number {
  const sp = symmetricPart(P);
  const sm = symmetricPart(Mstar);
  return frobeniusDistance(sp, sm) / frobeniusNorm(sm);
}

/**
 * The imbalance D = FᵀF − GᵀG (k×k, symmetric). From 4096 entries of F and G on, the Grams'
 * upper triangles come from the WASM kernel (bitwise those of matmulTN, tested).
 */
export function imbalance(F: Matrix, G: Matrix, out?: Matrix): Matrix {
  const k = F.cols;
  const big = G.cols === k && F.rows * k >= 4096 && G.rows * k >= 4096;
  const gf = big ? wasmGramUpper(F.data, F.rows, k) : null;
  const gg = gf ? wasmGramUpper(G.data, G.rows, k) : null;
  if (gf && gg) return imbalanceFromGrams(gf, gg, k, out);
  const D = matmulTN(F, F, out);
  const GtG = matmulTN(G, G);
  const d = D.data, g = GtG.data;
  for (let i = 0; i < d.length; i++) d[i] -= g[i];
  return symmetrize(D);
}

/** D = FᵀF − GᵀG from the Grams' upper triangles (k×k row-major). */
function imbalanceFromGrams(gf: Float64Array, gg: Float64Array, k: number, out?: Matrix): Matrix {
  const D = out ?? zeros(k, k);
  if (D.rows !== k || D.cols !== k) throw new RangeError(`imbalance: out is ${D.rows}×${D.cols}, expected ${k}×${k}`);
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) D.data[i * k + j] = gf[i * k + j] - gg[i * k + j];
  return symmetrize(D);
}

/** Exact symmetry: the lower triangle becomes the upper one. */
function symmetrize(D: Matrix): Matrix {
  const d = D.data, k = D.rows;
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) d[j * k + i] = d[i * k + j];
  return D;
}

/** Eigenvalues of FᵀF − GᵀG in descending order. */
export function imbalanceEigenvalues(F: Matrix, G: Matrix): Float64Array {
  return symmetricEigenvalues(imbalance(F, G));
}

/**
 * The top singular values of the product, from the factors: for FGᵀ with F = Q₁R₁ and
 * G = Q₂R₂, σ(FGᵀ) = σ(R₁R₂ᵀ) (k×k); for XXᵀ, σ = eigenvalues of XᵀX. Descending.
 */
export function productSingularValues(x: Factors): Float64Array {
  if (x.kind === "symmetric") {
    const ev = symmetricEigenvalues(matmulTN(x.X, x.X));
    return ev.map((v) => Math.max(v, 0));
  }
  const { F, G } = x;
  if (F.cols > F.rows || G.cols > G.rows) return singularValues(matmulNT(F, G));
  return singularValues(matmulNT(qr(F).R, qr(G).R));
}
