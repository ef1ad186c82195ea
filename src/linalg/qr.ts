/**
 * Householder QR factorization of small dense matrices (row-major {@link Matrix}).
 *
 * Reflectors follow LAPACK `dlarfg` (H = I − τ v vᵀ with v₀ = 1), each computed from its
 * column scaled by an exact power of two, so inputs with entries near 1e±300 (or
 * subnormal) factor without overflow and with orthogonal reflectors. Backward error:
 * the computed factors satisfy ‖A − QR‖_F ≤ c·min(m,n)·max(m,n)·ε·‖A‖_F with a small c,
 * and ‖QᵀQ − I‖ = O(m·ε).
 */
import { type Matrix, zeros } from "./matrix.js";

/** Householder reflectors of A (m×n) applied in place to a row-major copy. */
interface Householder {
  /** The reduced matrix: R in the upper triangle/trapezoid, reflector tails below. */
  work: Float64Array;
  /** τ_k of each reflector (0 ⇒ H_k = I). */
  tau: Float64Array;
  m: number;
  n: number;
  p: number;
}

function householder(A: Matrix): Householder {
  const m = A.rows,
    n = A.cols,
    p = Math.min(m, n);
  for (let i = 0; i < A.data.length; i++) {
    if (!Number.isFinite(A.data[i])) throw new RangeError(`qr: entry ${i} of the ${m}×${n} input is ${A.data[i]} (must be finite)`);
  }
  const a = A.data.slice();
  const tau = new Float64Array(p);
  const w = new Float64Array(n);
  for (let k = 0; k < p; k++) {
    // dlarfg on x = a[k:, k], computed on x·2^-e with max |x_i|·2^-e ∈ [1, 2]: v and τ are
    // invariant under scaling x, and the exact power-of-two scaling keeps subnormal or
    // huge columns from producing a non-orthogonal reflector (or 1/0, ∞·0).
    let tailMax = 0;
    for (let i = k + 1; i < m; i++) {
      const x = Math.abs(a[i * n + k]);
      if (x > tailMax) tailMax = x;
    }
    if (tailMax === 0) {
      tau[k] = 0; // already reduced; sign fixed by the caller
      continue;
    }
    const cmax = Math.max(tailMax, Math.abs(a[k * n + k]));
    const ex = Math.floor(Math.log2(cmax));
    const u1 = 2 ** Math.trunc(-ex / 2),
      u2 = 2 ** (-ex - Math.trunc(-ex / 2));
    const alpha = a[k * n + k] * u1 * u2;
    let ssq = alpha * alpha;
    for (let i = k + 1; i < m; i++) {
      const x = a[i * n + k] * u1 * u2;
      a[i * n + k] = x;
      ssq += x * x;
    }
    const xnorm = Math.sqrt(ssq);
    const beta = alpha >= 0 ? -xnorm : xnorm;
    const t = (beta - alpha) / beta;
    const denom = alpha - beta; // |denom| = |alpha| + ‖x‖ ≥ 1: no overflow in v
    for (let i = k + 1; i < m; i++) a[i * n + k] /= denom;
    const d1 = 2 ** Math.trunc(ex / 2),
      d2 = 2 ** (ex - Math.trunc(ex / 2));
    a[k * n + k] = beta * d1 * d2;
    tau[k] = t;
    // apply H = I − τ v vᵀ (v₀ = 1, v_i = a[i, k]) to columns k+1..n−1
    if (k + 1 < n) {
      for (let j = k + 1; j < n; j++) w[j] = a[k * n + j];
      for (let i = k + 1; i < m; i++) {
        const vi = a[i * n + k];
        if (vi === 0) continue;
        const o = i * n;
        for (let j = k + 1; j < n; j++) w[j] += vi * a[o + j];
      }
      for (let j = k + 1; j < n; j++) w[j] *= t;
      for (let j = k + 1; j < n; j++) a[k * n + j] -= w[j];
      for (let i = k + 1; i < m; i++) {
        const vi = a[i * n + k];
        if (vi === 0) continue;
        const o = i * n;
        for (let j = k + 1; j < n; j++) a[o + j] -= vi * w[j];
      }
    }
  }
  return { work: a, tau, m, n, p };
}

/** Q (m×p) = H₀ H₁ ⋯ H_{p−1} applied to the first p columns of I_m (backward accumulation). */
function formQ(h: Householder): Matrix {
  const { work: a, tau, m, n, p } = h;
  const Q = zeros(m, p);
  const q = Q.data;
  for (let i = 0; i < p; i++) q[i * p + i] = 1;
  const w = new Float64Array(p);
  for (let k = p - 1; k >= 0; k--) {
    const t = tau[k];
    if (t === 0) continue;
    // w = vᵀ Q[k:, k:], Q[k:, k:] −= τ v wᵀ
    for (let j = k; j < p; j++) w[j] = q[k * p + j];
    for (let i = k + 1; i < m; i++) {
      const vi = a[i * n + k];
      if (vi === 0) continue;
      const o = i * p;
      for (let j = k; j < p; j++) w[j] += vi * q[o + j];
    }
    for (let j = k; j < p; j++) w[j] *= t;
    for (let j = k; j < p; j++) q[k * p + j] -= w[j];
    for (let i = k + 1; i < m; i++) {
      const vi = a[i * n + k];
      if (vi === 0) continue;
      const o = i * p;
      for (let j = k; j < p; j++) q[o + j] -= vi * w[j];
    }
  }
  return Q;
}

/** R (p×n): the upper triangle / trapezoid of the reduced matrix. */
function extractR(h: Householder): Matrix {
  const { work: a, n, p } = h;
  const R = zeros(p, n);
  for (let i = 0; i < p; i++) for (let j = i; j < n; j++) R.data[i * n + j] = a[i * n + j];
  return R;
}

/**
 * Householder QR: A = Q R for an m×n matrix A, with p = min(m, n).
 *
 * - m ≥ n (thin QR): Q is m×n with orthonormal columns (QᵀQ = I_n), R is n×n upper
 *   triangular.
 * - m < n: Q is m×m orthogonal, R is m×n upper trapezoidal (R_ij = 0 for i > j).
 *
 * Sign convention: diag(R) ≥ 0 (row k of R and column k of Q are negated where the
 * reflector produced R_kk < 0), so for full-column-rank A the factorization is unique.
 * Throws RangeError on non-finite entries.
 */
export function qr(A: Matrix): { Q: Matrix; R: Matrix } {
  const h = householder(A);
  const Q = formQ(h);
  const R = extractR(h);
  const { m, n, p } = h;
  for (let k = 0; k < p; k++) {
    if (R.data[k * n + k] < 0) {
      for (let j = k; j < n; j++) R.data[k * n + j] = -R.data[k * n + j];
      for (let i = 0; i < m; i++) Q.data[i * p + k] = -Q.data[i * p + k];
    }
  }
  return { Q, R };
}

/**
 * An orthonormal basis of the column space (for full-column-rank A): the Q factor of the
 * thin QR A = Q R with diag(R) ≥ 0 (see {@link qr}). Q is m×min(m, n) and QᵀQ = I.
 * For rank-deficient A the columns are still orthonormal but span a superset of range(A).
 */
export function orthonormalColumns(A: Matrix): Matrix {
  return qr(A).Q;
}

/**
 * The R factor only (p×n, upper triangular/trapezoidal, p = min(m, n)), without forming
 * Q; signs are NOT normalized (|R| matches {@link qr} row by row). For internal use by
 * the SVD when only singular values are needed.
 */
export function qrRUnsigned(A: Matrix): Matrix {
  return extractR(householder(A));
}
