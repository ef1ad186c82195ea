/**
 * Linear solves for small dense systems: Cholesky (SPD), LU with partial pivoting
 * (general square), inverses, and symmetric matrix functions A^(1/2), A^(−1/2) through
 * the symmetric eigendecomposition. Hand-written on flat arrays so that the k×k calls
 * made once per iteration (k ≲ 20) cost little beyond allocating their result.
 */
import { type Matrix, identity, matmulNT, zeros } from "./matrix.js";
import { checkedSymmetric, symmetricEigen } from "./eig.js";

const EPS = Number.EPSILON;

/** In-place Cholesky of the row-major n×n symmetric array `a` (lower triangle used). */
function choleskyInPlace(a: Float64Array, n: number, where: string): void {
  for (let j = 0; j < n; j++) {
    const oj = j * n;
    let d = a[oj + j];
    for (let k = 0; k < j; k++) d -= a[oj + k] * a[oj + k];
    if (!(d > 0)) {
      throw new RangeError(`${where}: matrix is not positive definite (pivot ${j} of the Cholesky factorization is ${d}, must be > 0)`);
    }
    const ljj = Math.sqrt(d);
    a[oj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const oi = i * n;
      let s = a[oi + j];
      for (let k = 0; k < j; k++) s -= a[oi + k] * a[oj + k];
      a[oi + j] = s * inv;
    }
    for (let k = j + 1; k < n; k++) a[oj + k] = 0;
  }
}

/**
 * Cholesky factor of a symmetric positive definite matrix: the lower-triangular L with
 * positive diagonal such that A = L Lᵀ.
 *
 * A is validated like {@link symmetricEigen} (square, finite, ‖A − Aᵀ‖_F ≤ 1e-8·‖A‖_F;
 * the symmetric part is factored). Throws RangeError naming the failing pivot if A is
 * not (numerically) positive definite. Backward stable: L Lᵀ = A + E, ‖E‖ ≲ n·ε·‖A‖.
 */
export function cholesky(A: Matrix): Matrix {
  const n = A.rows;
  const a = checkedSymmetric(A, "cholesky");
  choleskyInPlace(a, n, "cholesky");
  return { rows: n, cols: n, data: a };
}

/** Solves L Lᵀ X = B in place in x (n×q row-major), L lower triangular in `l`. */
function cholSolveInPlace(l: Float64Array, n: number, x: Float64Array, q: number): void {
  // forward: L Y = B
  for (let i = 0; i < n; i++) {
    const oi = i * q,
      li = i * n;
    for (let k = 0; k < i; k++) {
      const lik = l[li + k];
      if (lik === 0) continue;
      const ok = k * q;
      for (let c = 0; c < q; c++) x[oi + c] -= lik * x[ok + c];
    }
    const inv = 1 / l[li + i];
    for (let c = 0; c < q; c++) x[oi + c] *= inv;
  }
  // backward: Lᵀ X = Y
  for (let i = n - 1; i >= 0; i--) {
    const oi = i * q;
    for (let k = i + 1; k < n; k++) {
      const lki = l[k * n + i];
      if (lki === 0) continue;
      const ok = k * q;
      for (let c = 0; c < q; c++) x[oi + c] -= lki * x[ok + c];
    }
    const inv = 1 / l[i * n + i];
    for (let c = 0; c < q; c++) x[oi + c] *= inv;
  }
}

function assertRhs(A: Matrix, B: Matrix, where: string): void {
  if (B.rows !== A.rows) {
    throw new RangeError(`${where}: A is ${A.rows}×${A.cols} but B has ${B.rows} rows (expected ${A.rows})`);
  }
  for (let i = 0; i < B.data.length; i++) {
    if (!Number.isFinite(B.data[i])) throw new RangeError(`${where}: B has a non-finite entry ${B.data[i]}`);
  }
}

/**
 * X = A⁻¹ B for symmetric positive definite A (n×n) and B (n×q), via A = L Lᵀ and two
 * triangular solves. Throws RangeError if A is not SPD (see {@link cholesky}) or the
 * shapes do not match.
 */
export function solveSpd(A: Matrix, B: Matrix): Matrix {
  const n = A.rows;
  const l = checkedSymmetric(A, "solveSpd");
  assertRhs(A, B, "solveSpd");
  choleskyInPlace(l, n, "solveSpd");
  const X = { rows: n, cols: B.cols, data: B.data.slice() };
  cholSolveInPlace(l, n, X.data, B.cols);
  return X;
}

/**
 * X = A⁻¹ B for a general square A (n×n) and B (n×q), by LU factorization with partial
 * (row) pivoting, P A = L U.
 *
 * Throws RangeError if A is not square, has non-finite entries, or is (numerically)
 * singular: when a pivot satisfies |u_kk| ≤ n·ε·max_i |a_ik| (the k-th column of the
 * ORIGINAL A). This test is invariant to column scaling, so badly but legitimately
 * scaled matrices such as diag(1, 1e-20) are accepted, while exactly singular matrices
 * whose elimination leaves only rounding noise (e.g. [[1,2,3],[4,5,6],[7,8,9]]) throw.
 */
export function solve(A: Matrix, B: Matrix): Matrix {
  const n = A.rows;
  if (A.cols !== n) throw new RangeError(`solve: matrix is ${A.rows}×${A.cols}, not square`);
  assertRhs(A, B, "solve");
  const a = A.data.slice();
  const colMax = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = a[i * n + j];
      if (!Number.isFinite(v)) throw new RangeError(`solve: entry (${i}, ${j}) is ${v} (must be finite)`);
      const x = Math.abs(v);
      if (x > colMax[j]) colMax[j] = x;
    }
  }
  const q = B.cols;
  const x = B.data.slice();
  const tmpA = new Float64Array(n);
  const tmpX = new Float64Array(q);
  for (let k = 0; k < n; k++) {
    // pivot
    let piv = k,
      best = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (!(best > n * EPS * colMax[k])) {
      throw new RangeError(
        `solve: matrix is singular to working precision (pivot ${k} is ${best === 0 ? 0 : best.toExponential(3)}, ` +
          `column max ${colMax[k].toExponential(3)})`,
      );
    }
    if (piv !== k) {
      tmpA.set(a.subarray(k * n, k * n + n));
      a.copyWithin(k * n, piv * n, piv * n + n);
      a.set(tmpA, piv * n);
      tmpX.set(x.subarray(k * q, k * q + q));
      x.copyWithin(k * q, piv * q, piv * q + q);
      x.set(tmpX, piv * q);
    }
    const ok = k * n;
    const inv = 1 / a[ok + k];
    for (let i = k + 1; i < n; i++) {
      const oi = i * n;
      const f = a[oi + k] * inv;
      if (f === 0) continue;
      a[oi + k] = f;
      for (let j = k + 1; j < n; j++) a[oi + j] -= f * a[ok + j];
      const xi = i * q,
        xk = k * q;
      for (let c = 0; c < q; c++) x[xi + c] -= f * x[xk + c];
    }
  }
  // back substitution U X = Y
  for (let i = n - 1; i >= 0; i--) {
    const oi = i * n,
      xi = i * q;
    for (let k = i + 1; k < n; k++) {
      const uik = a[oi + k];
      if (uik === 0) continue;
      const xk = k * q;
      for (let c = 0; c < q; c++) x[xi + c] -= uik * x[xk + c];
    }
    const inv = 1 / a[oi + i];
    for (let c = 0; c < q; c++) x[xi + c] *= inv;
  }
  return { rows: n, cols: q, data: x };
}

/**
 * A⁻¹ of a symmetric positive definite matrix via Cholesky (throws like
 * {@link cholesky}); the result is exactly symmetric ((X + Xᵀ)/2 of the computed X).
 */
export function inverseSpd(A: Matrix): Matrix {
  const n = A.rows;
  const l = checkedSymmetric(A, "inverseSpd");
  choleskyInPlace(l, n, "inverseSpd");
  const X = identity(n);
  cholSolveInPlace(l, n, X.data, n);
  const x = X.data;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (x[i * n + j] + x[j * n + i]);
      x[i * n + j] = v;
      x[j * n + i] = v;
    }
  }
  return X;
}

/** V diag(f(λ)) Vᵀ = W Wᵀ with W = V diag(√f(λ)) (exactly symmetric by construction). */
function spectralFunction(V: Matrix, g: Float64Array): Matrix {
  const n = V.rows;
  const W = zeros(n, n);
  const v = V.data,
    w = W.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i * n + j] = v[i * n + j] * g[j];
  return matmulNT(W, W);
}

/**
 * A^(−1/2) = V diag(λ^(−1/2)) Vᵀ of a symmetric positive definite A = V diag(λ) Vᵀ
 * (the unique SPD inverse square root, so X A X = I). Uses {@link symmetricEigen}
 * (same validation); throws RangeError, quoting the value, if any eigenvalue is ≤ 0.
 * The result is exactly symmetric.
 */
export function invSqrtSpd(A: Matrix): Matrix {
  const { values, vectors } = symmetricEigen(A);
  const n = values.length;
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const l = values[i];
    if (!(l > 0)) {
      throw new RangeError(`invSqrtSpd: matrix is not positive definite (eigenvalue ${i} is ${l}, must be > 0)`);
    }
    g[i] = 1 / Math.sqrt(Math.sqrt(l)); // λ^(−1/4), so W Wᵀ has λ^(−1/2)
  }
  return spectralFunction(vectors, g);
}

/**
 * A^(1/2) = V diag(√λ) Vᵀ, the PSD square root of a symmetric positive semidefinite A.
 * Eigenvalues in [−τ, 0) with τ = 64·n·ε·max|λ| (rounding noise of a singular PSD
 * matrix) are treated as 0; a more negative eigenvalue throws RangeError quoting it.
 * The result is exactly symmetric.
 */
export function sqrtPsd(A: Matrix): Matrix {
  const { values, vectors } = symmetricEigen(A);
  const n = values.length;
  let lmax = 0;
  for (let i = 0; i < n; i++) lmax = Math.max(lmax, Math.abs(values[i]));
  const tau = 64 * n * EPS * lmax;
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const l = values[i];
    if (l < -tau) {
      throw new RangeError(`sqrtPsd: matrix is not positive semidefinite (eigenvalue ${i} is ${l}, below the tolerance −${tau.toExponential(3)})`);
    }
    g[i] = l > 0 ? Math.sqrt(Math.sqrt(l)) : 0;
  }
  return spectralFunction(vectors, g);
}
