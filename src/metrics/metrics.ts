import { type Matrix, frobeniusDistance, frobeniusNorm, matmulNT, matmulTN, norm2, symmetricPart, zeros } from "../linalg/matrix.js";
import { qr } from "../linalg/qr.js";
import { TSQR_BLOCK_ROWS, powerOfTwoScale, tsqrR } from "../linalg/tsqr.js";
import { type TsqrSide, WasmTsqrPair, metricKernelsAvailable, wasmGramUpper } from "../kernels/metricKernels.js";
import { symmetricEigenvalues } from "../linalg/eig.js";
import { singularValues } from "../linalg/svd.js";
import type { GroundTruth } from "../problem/truth.js";
import type { Factors } from "../problem/factors.js";
import { DENSE_ENTRIES_LIMIT } from "../linalg/limits.js";
import type { HeldOutEntries } from "../operators/completionFile.js";

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
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  const n = r.length,
    n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    const a = r[i],
      b = r[i + 1],
      c = r[i + 2],
      d = r[i + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (let i = n4; i < n; i++) s0 += r[i] * r[i];
  return s0 + s1 + (s2 + s3);
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
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  const n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    const a = (r[i] -= y[i]),
      b = (r[i + 1] -= y[i + 1]),
      c = (r[i + 2] -= y[i + 2]),
      d = (r[i + 3] -= y[i + 3]);
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (let i = n4; i < n; i++) {
    const a = (r[i] -= y[i]);
    s0 += a * a;
  }
  return blockedLoss(r, s0 + s1 + (s2 + s3));
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
  const maxA = maxAbs(A.data),
    maxB = maxAbs(B.data);
  return {
    A,
    B,
    maxA,
    maxB,
    wasm: metricKernelsAvailable() ? new WasmTsqrPair(A.rows, B.rows, A.data, B.data, A.cols, maxA, maxB) : null,
  };
}

/**
 * ‖F Gᵀ − A Bᵀ‖_F without forming an n1×n2 matrix: with W₁ = [A, F] = Q₁R₁ and
 * W₂ = [−B, G] = Q₂R₂, F Gᵀ − A Bᵀ = W₁W₂ᵀ = Q₁ (R₁R₂ᵀ) Q₂ᵀ, so the norm is ‖R₁R₂ᵀ‖_F.
 * R₁, R₂ come from the tall-skinny QR of src/linalg/tsqr.ts (one pass over each matrix; the
 * WASM kernel when available, bitwise the same, with A's and B's reflectors computed once per
 * target), A and F (B and G) scaled by exact powers of two to max |entry| ∈ [1, 2), which the
 * R blocks' columns then undo. Backward stable: no squared norms cancel, so the absolute
 * error is O((n1+n2)(k+r)·ε·(‖F‖‖G‖ + ‖A‖‖B‖)), as for the product formed entry by entry.
 * NaN when F or G holds a non-finite entry. O((n1+n2)(k+r)²).
 */
export function factoredDistance(F: Matrix, G: Matrix, A: Matrix, B: Matrix): number {
  const t = distanceTarget(A, B);
  try {
    return distanceTo(F, G, t);
  } finally {
    t.wasm?.dispose();
  }
}

function distanceTo(F: Matrix, G: Matrix, t: DistanceTarget): number {
  return distanceFactors(F, G, t).abs;
}

/** The c×c R (c = r + k) of [A | F] from its blocks, in the units of A and F (scales undone). */
function assembleR(side: TsqrSide, r: number, k: number): Float64Array {
  const c = r + k,
    R = new Float64Array(c * c);
  for (let i = 0; i < r; i++) {
    for (let j = i; j < r; j++) R[i * c + j] = side.Raa[i * r + j] / side.sa;
    for (let j = 0; j < k; j++) R[i * c + r + j] = side.Raf[i * k + j] / side.sf;
  }
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) R[(r + i) * c + r + j] = side.Rff[i * k + j] / side.sf;
  return R;
}

/** A side's blocks from the scalar reference: tsqrR of [sa·A | sf·F]. */
function referenceSide(A: Matrix, F: Matrix, sa: number, sf: number): TsqrSide {
  const r = A.cols,
    k = F.cols,
    c = r + k;
  const R = tsqrR(A.data, r, F.data, k, F.rows, sa, sf);
  const block = (i0: number, j0: number, rows: number, cols: number) => {
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = R[(i0 + i) * c + j0 + j];
    return out;
  };
  return { Raa: block(0, 0, r, r), Raf: block(0, r, r, k), Rff: block(r, r, k, k), sa, sf };
}

/**
 * The distance to t's A Bᵀ with the R factors behind it (of [A, F] and [−B, G], c×c, scales
 * undone); R null when F or G holds a non-finite entry (abs is then NaN).
 */
function distanceFactors(F: Matrix, G: Matrix, t: DistanceTarget): { abs: number; R: { R1: Float64Array; R2: Float64Array } | null } {
  const k = F.cols,
    r = t.A.cols,
    c = k + r;
  if (G.cols !== k || t.B.cols !== r || F.rows !== t.A.rows || G.rows !== t.B.rows) {
    throw new RangeError(`factoredDistance: F ${F.rows}×${k}, G ${G.rows}×${G.cols}, A ${t.A.rows}×${r}, B ${t.B.rows}×${t.B.cols} do not conform`);
  }
  let sides: [TsqrSide, TsqrSide];
  if (t.wasm) {
    const res = t.wasm.evaluate(F.data, G.data, k, TSQR_BLOCK_ROWS);
    if (!res) return { abs: NaN, R: null };
    sides = res;
  } else {
    const mf = maxAbs(F.data),
      mg = maxAbs(G.data);
    if (!Number.isFinite(mf) || !Number.isFinite(mg)) return { abs: NaN, R: null };
    const negB = { rows: t.B.rows, cols: r, data: t.B.data.map((v) => -v) };
    sides = [referenceSide(t.A, F, powerOfTwoScale(t.maxA), powerOfTwoScale(mf)), referenceSide(negB, G, powerOfTwoScale(t.maxB), powerOfTwoScale(mg))];
  }
  const R1 = assembleR(sides[0], r, k),
    R2 = assembleR(sides[1], r, k);
  const prod = matmulNT({ rows: c, cols: c, data: R1 }, { rows: c, cols: c, data: R2 });
  return { abs: frobeniusNorm(prod), R: { R1, R2 } };
}

/**
 * FᵀF − GᵀG from the trailing k columns of R₁ (of [A, F]) and R₂ (of [−B, G]):
 * FᵀF = R₁[:, r:]ᵀR₁[:, r:]. Householder QR is columnwise backward stable, so this is FᵀF up
 * to O(ε‖F‖²) — the Gram matrix's own accuracy, whatever the size of A.
 */
function imbalanceFromR(R1: Float64Array, R2: Float64Array, c: number, k: number): Matrix {
  const D = zeros(k, k),
    r = c - k;
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let f = 0,
        g = 0;
      for (let l = 0; l <= r + i; l++) {
        f += R1[l * c + r + i] * R1[l * c + r + j];
        g += R2[l * c + r + i] * R2[l * c + r + j];
      }
      D.data[i * k + j] = f - g;
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
  const n1 = truth.U.rows,
    n2 = truth.V.rows;
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
  return { abs: d.abs, imbalance: imbalanceFromR(d.R.R1, d.R.R2, k + t.A.cols, k) };
}

/**
 * ‖M*‖_F: densely for small problems (as before), ‖σ‖₂ from the factors (U, V orthonormal)
 * above {@link DENSE_ENTRIES_LIMIT} entries, so large problems never form M*.
 */
export function truthNorm(truth: GroundTruth): number {
  const n1 = truth.U.rows,
    n2 = truth.V.rows;
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
  const d = D.data,
    g = GtG.data;
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
  const d = D.data,
    k = D.rows;
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) d[j * k + i] = d[i * k + j];
  return D;
}

/** Eigenvalues of FᵀF − GᵀG in descending order (NaN when the factors overflowed). */
export function imbalanceEigenvalues(F: Matrix, G: Matrix): Float64Array {
  const D = imbalance(F, G);
  return D.data.every(Number.isFinite) ? symmetricEigenvalues(D) : new Float64Array(D.rows).fill(NaN);
}

/**
 * The top singular values of the product, from the factors: for FGᵀ with F = Q₁R₁ and
 * G = Q₂R₂, σ(FGᵀ) = σ(R₁R₂ᵀ) (k×k); for XXᵀ, σ = eigenvalues of XᵀX. Descending.
 */
export function productSingularValues(x: Factors): Float64Array {
  if (x.kind === "symmetric") {
    const XtX = matmulTN(x.X, x.X);
    if (!XtX.data.every(Number.isFinite)) return new Float64Array(XtX.rows).fill(NaN);
    const ev = symmetricEigenvalues(XtX);
    return ev.map((v) => Math.max(v, 0));
  }
  const { F, G } = x;
  if (F.cols > F.rows || G.cols > G.rows) return singularValues(matmulNT(F, G));
  return singularValues(matmulNT(qr(F).R, qr(G).R));
}

/** ‖P_T(P) − M_T‖_F / ‖M_T‖_F over held-out entries T, P = L Rᵀ from factors (L = R = X for XXᵀ) or a dense P. */
export function heldOutRelError(t: HeldOutEntries, L: Matrix, R: Matrix | null): number {
  let num = 0,
    den = 0;
  const k = L.cols,
    l = L.data;
  for (let e = 0; e < t.values.length; e++) {
    let p = 0;
    if (R) {
      const a = t.rows[e] * k,
        b = t.cols[e] * k,
        r = R.data;
      for (let c = 0; c < k; c++) p += l[a + c] * r[b + c];
    } else p = l[t.rows[e] * L.cols + t.cols[e]];
    const d = p - t.values[e];
    num += d * d;
    den += t.values[e] * t.values[e];
  }
  return Math.sqrt(num / den);
}

/**
 * The effective rank exp(H(p)) of singular values σ (Roy & Vetterli 2007; the `effrank` of
 * fawuuu/irmsmd): p_i = σ_i / Σ_j σ_j and H(p) = −Σ p_i log p_i (0·log 0 = 0). 1 for a rank-one
 * matrix, r for r equal singular values; 0 for the zero matrix (its rank; e.g. `svt`'s X₀ = 0, which a NaN
 * would have recorded as a divergence).
 */
export function effectiveRank(sigma: ArrayLike<number>): number {
  const total = nuclearNorm(sigma);
  let h = 0;
  for (let i = 0; i < sigma.length; i++) {
    const p = Math.abs(sigma[i]) / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return total > 0 ? Math.exp(h) : 0;
}

/**
 * The nuclear norm ‖P‖_* = Σ_i |σ_i| of a matrix with singular values σ (summed in the given
 * order, so the same σ always give the same bits). For a PSD P it equals tr P.
 */
export function nuclearNorm(sigma: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < sigma.length; i++) total += Math.abs(sigma[i]);
  return total;
}
