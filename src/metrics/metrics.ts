import {
  type Matrix, frobeniusDistance, frobeniusNorm, matmulNT, matmulTN, norm2, symmetricPart, zeros,
} from "../linalg/matrix.js";
import { qr, qrRUnsignedWith } from "../linalg/qr.js";
import { wasmReflectorKernel } from "../kernels/structured.js";
import { symmetricEigenvalues } from "../linalg/eig.js";
import { singularValues } from "../linalg/svd.js";
import type { GroundTruth } from "../problem/truth.js";
import type { Factors } from "../problem/instance.js";

/** The loss f = ½‖r‖² of a residual r = A(P) − y (overflow-safe). */
export function lossOf(residual: Float64Array): number {
  const n = norm2(residual);
  return 0.5 * n * n;
}

/** Side-by-side columns [A | B] of two matrices with the same number of rows. */
function hconcat(A: Matrix, B: Matrix): Matrix {
  const C = zeros(A.rows, A.cols + B.cols);
  for (let i = 0; i < A.rows; i++) {
    C.data.set(A.data.subarray(i * A.cols, (i + 1) * A.cols), i * C.cols);
    C.data.set(B.data.subarray(i * B.cols, (i + 1) * B.cols), i * C.cols + A.cols);
  }
  return C;
}

/** WASM reflector updates for the factored distance (bitwise the TS loops; null without WASM). */
const reflectorKernel = wasmReflectorKernel();

/**
 * ‖F Gᵀ − A Bᵀ‖_F without forming an n1×n2 matrix: with W₁ = [F, A] = Q₁R₁ and
 * W₂ = [G, −B] = Q₂R₂, F Gᵀ − A Bᵀ = W₁W₂ᵀ = Q₁ (R₁R₂ᵀ) Q₂ᵀ, so the norm is ‖R₁R₂ᵀ‖_F.
 * Backward stable (no cancellation of squared norms), O((n1+n2)(k+r)²).
 */
export function factoredDistance(F: Matrix, G: Matrix, A: Matrix, B: Matrix): number {
  const W1 = hconcat(F, A);
  const negB = { rows: B.rows, cols: B.cols, data: B.data.map((v) => -v) };
  const W2 = hconcat(G, negB);
  // R only (no Q formed: half the flops); its rows' signs do not change ‖R₁R₂ᵀ‖_F, which is
  // bitwise that of the sign-normalized factors (negation is exact)
  const R1 = qrRUnsignedWith(W1, reflectorKernel);
  const R2 = qrRUnsignedWith(W2, reflectorKernel);
  return frobeniusNorm(matmulNT(R1, R2));
}

/** Above this many entries of P, errors are computed from the factors instead of densely. */
export const DENSE_ERROR_LIMIT = 4_000_000;

/** ‖P − M*‖_F for the current factors (dense when small, {@link factoredDistance} when large). */
export function absoluteError(x: Factors, P: () => Matrix, truth: GroundTruth): number {
  const n1 = truth.U.rows, n2 = truth.V.rows;
  const F = x.kind === "symmetric" ? x.X : x.F;
  const G = x.kind === "symmetric" ? x.X : x.G;
  if (n1 * n2 <= DENSE_ERROR_LIMIT || F.cols + truth.sigma.length > Math.min(n1, n2)) {
    return frobeniusDistance(P(), truth.Mstar);
  }
  const US = zeros(truth.U.rows, truth.U.cols);
  for (let i = 0; i < US.rows; i++) for (let l = 0; l < US.cols; l++) US.data[i * US.cols + l] = truth.U.data[i * US.cols + l] * truth.sigma[l];
  return factoredDistance(F, G, US, truth.V);
}

/**
 * ‖M*‖_F: densely for small problems (as before), ‖σ‖₂ from the factors (U, V orthonormal)
 * above {@link DENSE_ERROR_LIMIT} entries, so large problems never form M*.
 */
export function truthNorm(truth: GroundTruth): number {
  const n1 = truth.U.rows, n2 = truth.V.rows;
  return n1 * n2 <= DENSE_ERROR_LIMIT ? frobeniusNorm(truth.Mstar) : norm2(truth.sigma);
}

/** ‖sym(P) − sym(M*)‖_F / ‖sym(M*)‖_F: the error of the part a symmetric operator can see. */
export function symmetricPartRelError(P: Matrix, Mstar: Matrix): number {
  const sp = symmetricPart(P);
  const sm = symmetricPart(Mstar);
  return frobeniusDistance(sp, sm) / frobeniusNorm(sm);
}

/** The imbalance D = FᵀF − GᵀG (k×k, symmetric). */
export function imbalance(F: Matrix, G: Matrix, out?: Matrix): Matrix {
  const D = matmulTN(F, F, out);
  const GtG = matmulTN(G, G);
  const d = D.data, g = GtG.data;
  for (let i = 0; i < d.length; i++) d[i] -= g[i];
  // exact symmetry (the two triangles are computed in the same order, but be explicit)
  const k = D.rows;
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
