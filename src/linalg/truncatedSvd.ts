import { type Matrix, matmul, matmulTN, transpose, zeros } from "./matrix.js";
import { qr } from "./qr.js";
import { svd } from "./svd.js";

/** The random source used here (a seeded generator, e.g. src/random's Rng). */
interface Rng {
  fillNormal(out: Float64Array): unknown;
}

/** Options of {@link singularTripletsAbove}. */
export interface TruncatedSvdOptions {
  /** Seeded generator for the random start columns. */
  rng: Rng;
  /** Start basis (n2 × s₀, e.g. the previous call's V); padded with `step` random columns. */
  start?: Matrix | null;
  /** Columns added to the start basis, and added again whenever the guard asks for more (default 5). */
  step?: number;
  /** Convergence: ‖Y v_i − σ_i u_i‖₂ ≤ tol·σ₁ for every kept triplet and the guard (default 1e-10). */
  tol?: number;
  /** Most subspace iterations in total (default 300). */
  maxIterations?: number;
}

/** Result of {@link singularTripletsAbove}. */
export interface TruncatedSvd {
  /** n1 × q, n2 × q with orthonormal columns and the q singular values > τ, descending. */
  U: Matrix;
  s: Float64Array;
  V: Matrix;
  /** The right vectors of the kept triplets and the guard (n2 × min(s, q + 1)): a warm start for the next call. */
  basis: Matrix;
  iterations: number;
  converged: boolean;
}

function columns(A: Matrix, count: number): Matrix {
  const out = zeros(A.rows, count);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < count; j++) out.data[i * count + j] = A.data[i * A.cols + j];
  return out;
}

/** [A, random columns] with `cols` columns in total, orthonormalized. */
function padRandom(A: Matrix | null, rows: number, cols: number, rng: Rng): Matrix {
  const M = zeros(rows, cols);
  rng.fillNormal(M.data);
  const keep = A ? Math.min(A.cols, cols) : 0;
  for (let i = 0; i < rows && A; i++) for (let j = 0; j < keep; j++) M.data[i * cols + j] = A.data[i * A.cols + j];
  return qr(M).Q;
}

/**
 * The singular triplets of Y (n1 × n2) whose singular values exceed τ, without a full SVD:
 * block subspace iteration on a basis V of s columns (Q = orth(Y V), YᵀQ = V′R, Ritz triplets
 * from the s × s SVD of Rᵀ: U = Q a, V = V′b, σ — then Yᵀu_i = σ_i v_i exactly and the test is
 * ‖Y v_i − σ_i u_i‖ ≤ tol·σ₁), rank-adaptive: whenever the s-th Ritz value is > τ (a Ritz value
 * is a lower bound of the singular value of its index, so then σ_s > τ and more values may lie
 * above τ outside the basis), `step` columns are added and the iteration continues, so every
 * value above τ is found (the rule of Cai, Candès & Shen §5.1.1, made a guard).
 * Cost per iteration: two n1·n2·s products and QRs of n×s — O(n1 n2 s) instead of the
 * O(n1 n2 min(n1, n2)) of a full SVD.
 */
export function singularTripletsAbove(Y: Matrix, tau: number, opts: TruncatedSvdOptions): TruncatedSvd {
  const n1 = Y.rows,
    n2 = Y.cols,
    p = Math.min(n1, n2);
  const step = Math.max(1, opts.step ?? 5),
    tol = opts.tol ?? 1e-10,
    maxIterations = opts.maxIterations ?? 300;
  let s = Math.min(p, (opts.start?.cols ?? 0) + step);
  let V = padRandom(opts.start ?? null, n2, s, opts.rng);
  let Z = matmul(Y, V);
  let iterations = 0;
  for (;;) {
    iterations++;
    const Q = qr(Z).Q; // n1 × s
    const { Q: Vp, R } = qr(matmulTN(Y, Q)); // Yᵀ Q = V′ R
    const small = svd(transpose(R)); // Rᵀ = a diag(σ) bᵀ
    const U = matmul(Q, small.U),
      Vr = matmul(Vp, small.V),
      sig = small.s;
    Z = matmul(Y, Vr);
    const q = sig.findIndex((v) => !(v > tau));
    const kept = q < 0 ? s : q;
    if (kept === s && s < p) {
      // the guard: a Ritz value is a lower bound of the singular value of the same index
      // (interlacing), so σ_s ≥ σ̃_s > τ — there may be more above τ: widen the basis
      s = Math.min(p, s + step);
      V = padRandom(Vr, n2, s, opts.rng);
      Z = matmul(Y, V);
      continue;
    }
    // residuals ‖Y v_i − σ_i u_i‖ (a singular value lies within it of σ_i): the kept triplets
    // to tol·σ₁, the others (≤ τ) to within their distance below τ, or √tol·σ₁
    const res = (i: number) => {
      let r2 = 0;
      for (let a = 0; a < n1; a++) {
        const d = Z.data[a * s + i] - sig[i] * U.data[a * s + i];
        r2 += d * d;
      }
      return Math.sqrt(r2);
    };
    const top = Math.max(sig[0], Number.MIN_VALUE);
    let converged = true;
    for (let i = 0; i < s && converged; i++) converged = res(i) <= (i < kept ? tol * top : Math.max(Math.sqrt(tol) * top, tau - sig[i]));
    if (converged || iterations >= maxIterations) {
      return { U: columns(U, kept), s: sig.slice(0, kept), V: columns(Vr, kept), basis: columns(Vr, Math.min(s, kept + 1)), iterations, converged };
    }
  }
}
