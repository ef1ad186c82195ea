import { type Matrix, matmulTN, zeros } from "../linalg/matrix.js";
import { orthonormalColumns } from "../linalg/qr.js";
import { symmetricEigen } from "../linalg/eig.js";
import { svd } from "../linalg/svd.js";
import type { SensingOperator } from "../operators/types.js";
import type { Rng } from "../random/rng.js";
import type { Factors } from "./factors.js";

/** Above this max(n1, n2), spectral init uses randomized subspace iteration. */
export const SPECTRAL_DENSE_LIMIT = 300;

export interface SpectralOptions {
  /** Use the dense decomposition when max(n1, n2) ≤ this (default {@link SPECTRAL_DENSE_LIMIT}). */
  denseLimit?: number;
  /** Extra columns of the randomized subspace (default 10). */
  oversample?: number;
  /** Subspace (power) iterations (default 8). */
  powerIterations?: number;
}

/**
 * Spectral initialization from Y = A*(y) (scaled as in ScaledGD, Tong, Ma & Chi 2021):
 * - symmetric: with sym(Y) = (Y + Yᵀ)/2 = Σ λ_i v_i v_iᵀ (λ descending), X₀ = V_k diag(√max(λ_i, 0)),
 *   so X₀X₀ᵀ is the best rank-k PSD approximation of sym(Y) (columns with λ_i ≤ 0 are 0);
 * - asymmetric: with Y = Σ s_i u_i v_iᵀ, F₀ = U_k diag(√s), G₀ = V_k diag(√s) (balanced).
 * Since E[A*(A(M*))] = M* for isometric operators, P₀ ≈ the rank-k truncation of M* + noise.
 * Columns beyond min(n1, n2) are zero.
 *
 * For max(n1, n2) ≤ denseLimit, Y is formed and fully decomposed. Otherwise Y is never
 * formed: randomized subspace iteration (Halko, Martinsson & Tropp 2011) with l = k + 10
 * columns works through the operator's factored adjoint (A*(y)·W and A*(y)ᵀ·W), so a
 * completion operator with n = 10⁵ stays O(|Ω|·l) per iteration; the Gaussian test matrix
 * comes from `rng`.
 */
export function spectralInit(
  operator: SensingOperator,
  y: Float64Array,
  kind: "symmetric" | "asymmetric",
  k: number,
  rng: Rng,
  options: SpectralOptions = {},
): Factors {
  const { n1, n2 } = operator;
  if (kind === "symmetric" && n1 !== n2) throw new RangeError(`spectral init: the symmetric model needs a square operator, got ${n1}×${n2}`);
  const dense = Math.max(n1, n2) <= (options.denseLimit ?? SPECTRAL_DENSE_LIMIT);
  const p = Math.min(n1, n2);
  const kk = Math.min(k, p);
  if (dense) {
    const Y = operator.adjoint(y);
    if (kind === "symmetric") {
      const { values, vectors } = symmetricEigen(symmetrize(Y));
      return { kind, X: scaledColumns(vectors, values, k, true) };
    }
    const { U, s, V } = svd(Y);
    return { kind, F: scaledColumns(U, s, k, false), G: scaledColumns(V, s, k, false) };
  }
  const l = Math.min(kk + (options.oversample ?? 10), p);
  const q = options.powerIterations ?? 8;
  const W0 = zeros(n2, l);
  rng.fillNormal(W0.data);
  const A1 = zeros(n1, l),
    A2 = zeros(n2, l);
  if (kind === "symmetric") {
    // Q ← orth(sym(Y)·Q), starting from a Gaussian Q
    const symTimes = (Q: Matrix): Matrix => {
      operator.adjointFactored(y, Q, Q, A1, A2);
      const out = zeros(n1, l);
      for (let i = 0; i < out.data.length; i++) out.data[i] = 0.5 * (A1.data[i] + A2.data[i]);
      return out;
    };
    let Q = orthonormalColumns(symTimes(W0));
    for (let it = 0; it < q; it++) Q = orthonormalColumns(symTimes(Q));
    const T = symmetrize(matmulTN(Q, symTimes(Q)));
    const { values, vectors } = symmetricEigen(T);
    const X = zeros(n1, k);
    const Z = scaledColumns(vectors, values, kk, true); // l×kk
    multiplyInto(Q, Z, X);
    return { kind, X };
  }
  // range finder for Y (n1×n2): Q ← orth(Y W), W ← orth(Yᵀ Q)
  const dummy1 = zeros(n1, l);
  const times = (W: Matrix): Matrix => {
    operator.adjointFactored(y, dummy1, W, A1, null);
    return orthonormalColumns(A1);
  };
  const timesT = (Q: Matrix): Matrix => {
    operator.adjointFactored(y, Q, W0, null, A2);
    return A2;
  };
  let Q = times(W0);
  for (let it = 0; it < q; it++) Q = times(orthonormalColumns(timesT(Q)));
  // Yᵀ Q = U_w diag(s) V_wᵀ  ⇒  Y ≈ Q Qᵀ Y = (Q V_w) diag(s) U_wᵀ
  const { U: Uw, s, V: Vw } = svd(timesT(Q));
  const F = zeros(n1, k),
    G = zeros(n2, k);
  multiplyInto(Q, scaledColumns(Vw, s, kk, false), F);
  const Gs = scaledColumns(Uw, s, kk, false);
  for (let i = 0; i < n2; i++) for (let c = 0; c < kk; c++) G.data[i * k + c] = Gs.data[i * kk + c];
  return { kind, F, G };
}

function symmetrize(Y: Matrix): Matrix {
  const n = Y.rows,
    d = Y.data,
    S = zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S.data[i * n + j] = 0.5 * (d[i * n + j] + d[j * n + i]);
  return S;
}

/** The first min(k, cols) columns of V scaled by √w (√max(w, 0) when clamp), as a rows×k matrix. */
function scaledColumns(V: Matrix, w: Float64Array, k: number, clamp: boolean): Matrix {
  const out = zeros(V.rows, k);
  const c = Math.min(k, V.cols, w.length);
  for (let l = 0; l < c; l++) {
    const s = Math.sqrt(clamp ? Math.max(w[l], 0) : w[l]);
    for (let i = 0; i < V.rows; i++) out.data[i * k + l] = s * V.data[i * V.cols + l];
  }
  return out;
}

/** out[:, 0:Z.cols] = Q·Z (out may have more columns, left 0). */
function multiplyInto(Q: Matrix, Z: Matrix, out: Matrix): void {
  const n = Q.rows,
    l = Q.cols,
    c = Z.cols,
    k = out.cols;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      let acc = 0;
      for (let t = 0; t < l; t++) acc += Q.data[i * l + t] * Z.data[t * c + j];
      out.data[i * k + j] = acc;
    }
  }
}
