/**
 * Symmetric eigendecomposition of small dense matrices: Householder tridiagonalization
 * followed by the implicit QL algorithm (EISPACK tred2/tql2, as in JAMA and ml-matrix),
 * re-implemented on flat `Float64Array`s so that k×k calls inside iteration loops do not
 * allocate wrapper objects. The algorithm is backward stable: the computed eigenvalues
 * λ̂ satisfy |λ̂_i − λ_i| ≤ c·n·ε·‖A‖₂ and the eigenvectors are orthogonal to O(n·ε).
 */
import { type Matrix, zeros } from "./matrix.js";

/** Relative asymmetry tolerance of {@link checkedSymmetric}: ‖A − Aᵀ‖_F ≤ 1e-8·‖A‖_F. */
export const SYMMETRY_TOLERANCE = 1e-8;

/**
 * Validates a square, finite, (numerically) symmetric matrix and returns its symmetric
 * part (A + Aᵀ)/2 as a fresh row-major array.
 *
 * Throws RangeError if A is not square, has a non-finite entry, or if
 * ‖A − Aᵀ‖_F > {@link SYMMETRY_TOLERANCE}·‖A‖_F (a relative test, so it is invariant to
 * scaling A; asymmetry at rounding level, e.g. from forming XᵀX in floating point, is
 * removed silently). `where` names the caller in messages.
 */
export function checkedSymmetric(A: Matrix, where: string): Float64Array {
  const n = A.rows;
  if (A.cols !== n) throw new RangeError(`${where}: matrix is ${A.rows}×${A.cols}, not square`);
  const a = A.data;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) {
      throw new RangeError(`${where}: entry (${Math.floor(i / n)}, ${i % n}) is ${v} (must be finite)`);
    }
    const x = Math.abs(v);
    if (x > maxAbs) maxAbs = x;
  }
  const s = new Float64Array(n * n);
  if (maxAbs === 0) return s;
  // scaled sums of squares (entries / maxAbs ≤ 1: no overflow, no harmful underflow)
  const inv = 1 / maxAbs;
  let ssqA = 0,
    ssqD = 0;
  for (let i = 0; i < n; i++) {
    const ii = a[i * n + i];
    s[i * n + i] = ii;
    ssqA += ii * inv * (ii * inv);
    for (let j = i + 1; j < n; j++) {
      const x = a[i * n + j],
        y = a[j * n + i];
      const d = x * inv - y * inv;
      ssqD += 2 * d * d;
      ssqA += x * inv * (x * inv) + y * inv * (y * inv);
      const v = 0.5 * x + 0.5 * y;
      s[i * n + j] = v;
      s[j * n + i] = v;
    }
  }
  const asym = Math.sqrt(ssqD),
    normA = Math.sqrt(ssqA);
  if (asym > SYMMETRY_TOLERANCE * normA) {
    throw new RangeError(`${where}: matrix is not symmetric: ‖A − Aᵀ‖_F / ‖A‖_F = ${(asym / normA).toExponential(3)} > ${SYMMETRY_TOLERANCE}`);
  }
  return s;
}

function hypot2(a: number, b: number): number {
  const x = Math.abs(a),
    y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y !== 0) {
    const r = x / y;
    return y * Math.sqrt(1 + r * r);
  }
  return 0;
}

/**
 * tred2 on W, the TRANSPOSE of the JAMA working matrix V (W[j*n+i] = V(i, j)), so the
 * hot loops scan rows. On exit d = diagonal, e = subdiagonal (e[0] = 0) of the
 * tridiagonal T, and W holds the transpose of the accumulated orthogonal transform.
 */
function tred2(n: number, e: Float64Array, d: Float64Array, W: Float64Array): void {
  let f: number, g: number, h: number, hh: number, scale: number;
  for (let j = 0; j < n; j++) d[j] = W[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    scale = 0;
    h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = W[j * n + i - 1];
        W[j * n + i] = 0;
        W[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      f = d[i - 1];
      g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        W[i * n + j] = f;
        const wj = j * n;
        g = e[j] + W[wj + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += W[wj + k] * d[k];
          e[k] += W[wj + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const wj = j * n;
        for (let k = j; k <= i - 1; k++) W[wj + k] -= f * e[k] + g * d[k];
        d[j] = W[wj + i - 1];
        W[wj + i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    W[i * n + n - 1] = W[i * n + i];
    W[i * n + i] = 1;
    h = d[i + 1];
    const wi1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = W[wi1 + k] / h;
      for (let j = 0; j <= i; j++) {
        const wj = j * n;
        g = 0;
        for (let k = 0; k <= i; k++) g += W[wi1 + k] * W[wj + k];
        for (let k = 0; k <= i; k++) W[wj + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) W[wi1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = W[j * n + n - 1];
    W[j * n + n - 1] = 0;
  }
  W[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL on the tridiagonal (d, e), rotating the rows of W (eigenvector j ends up
 * in row j of W). Eigenvalues are left UNSORTED. Throws if an eigenvalue fails to
 * converge within 30·n + 30 iterations (only possible for non-finite data).
 */
function tql2(n: number, e: Float64Array, d: Float64Array, W: Float64Array, vectors: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  // Deflation threshold ε·max_l(|d_l| + |e_l|) over the WHOLE tridiagonal (JAMA uses a
  // running max, which lets rotations be built from subnormal numbers when leading
  // entries are tiny; those rotations are not orthogonal). Backward stable: every
  // neglected e is ≤ ε‖T‖.
  let tst1 = 0;
  for (let l = 0; l < n; l++) tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
  const eps = Number.EPSILON;
  const maxIter = 30 * n + 30;
  for (let l = 0; l < n; l++) {
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > maxIter) throw new Error(`symmetricEigen: QL iteration did not converge for eigenvalue ${l}`);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot2(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1,
          c2 = c,
          c3 = c;
        const el1 = e[l + 1];
        let s = 0,
          s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot2(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (vectors) {
            const wi = i * n,
              wi1 = (i + 1) * n;
            for (let k = 0; k < n; k++) {
              const t = W[wi1 + k];
              W[wi1 + k] = s * W[wi + k] + c * t;
              W[wi + k] = c * W[wi + k] - s * t;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0;
  }
}

/**
 * Scales the array in place by an exact power of two so that max |w| ∈ [1, 2] and
 * returns the exponent e such that multiplying by 2^e undoes it (0: nothing was done).
 * Exact: no rounding unless an entry is ~1e290 times smaller than the largest.
 */
function scaleToUnit(w: Float64Array): number {
  let mx = 0;
  for (let i = 0; i < w.length; i++) {
    const x = Math.abs(w[i]);
    if (x > mx) mx = x;
  }
  if (mx === 0) return 0;
  const ex = Math.floor(Math.log2(mx));
  if (ex === 0) return 0;
  const u1 = 2 ** Math.trunc(-ex / 2),
    u2 = 2 ** (-ex - Math.trunc(-ex / 2));
  for (let i = 0; i < w.length; i++) w[i] = w[i] * u1 * u2;
  return ex;
}

function unscale(values: Float64Array, ex: number): void {
  if (ex === 0) return;
  const d1 = 2 ** Math.trunc(ex / 2),
    d2 = 2 ** (ex - Math.trunc(ex / 2));
  for (let i = 0; i < values.length; i++) values[i] = values[i] * d1 * d2;
}

/** Indices of d sorted by value, descending. */
function descendingOrder(d: Float64Array): number[] {
  const idx = Array.from({ length: d.length }, (_, i) => i);
  idx.sort((i, j) => d[j] - d[i]);
  return idx;
}

/**
 * Eigendecomposition of a real symmetric n×n matrix: A = V diag(λ) Vᵀ.
 *
 * Returns `values` λ₁ ≥ λ₂ ≥ … ≥ λ_n (DESCENDING) and `vectors` = V (n×n, orthogonal),
 * whose column i is the unit eigenvector of λ_i (sign arbitrary).
 *
 * Input is validated by {@link checkedSymmetric}: throws RangeError if A is not square
 * or not finite, or if ‖A − Aᵀ‖_F > 1e-8·‖A‖_F; otherwise (A + Aᵀ)/2 is decomposed.
 * Accuracy (Householder tridiagonalization + implicit QL): |λ̂_i − λ_i| ≲ n·ε·‖A‖₂,
 * ‖VᵀV − I‖ ≲ n·ε, ‖A − V diag(λ) Vᵀ‖ ≲ n·ε·‖A‖.
 */
export function symmetricEigen(A: Matrix): { values: Float64Array; vectors: Matrix } {
  const n = A.rows;
  const W = checkedSymmetric(A, "symmetricEigen"); // symmetric, so W = Wᵀ as required
  const ex = scaleToUnit(W);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tred2(n, e, d, W);
    tql2(n, e, d, W, true);
  }
  unscale(d, ex);
  const order = descendingOrder(d);
  const values = new Float64Array(n);
  const V = zeros(n, n);
  const v = V.data;
  for (let c = 0; c < n; c++) {
    const j = order[c];
    values[c] = d[j];
    const wj = j * n;
    for (let i = 0; i < n; i++) v[i * n + c] = W[wj + i];
  }
  return { values, vectors: V };
}

/**
 * Eigenvalues of a real symmetric matrix in DESCENDING order (same validation and
 * accuracy as {@link symmetricEigen}; eigenvector rotations are skipped).
 */
export function symmetricEigenvalues(A: Matrix): Float64Array {
  const n = A.rows;
  const W = checkedSymmetric(A, "symmetricEigenvalues");
  const ex = scaleToUnit(W);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tred2(n, e, d, W);
    tql2(n, e, d, W, false);
  }
  unscale(d, ex);
  const out = d.slice().sort().reverse();
  return out;
}
