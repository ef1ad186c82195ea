/**
 * Thin singular value decomposition of small dense matrices by one-sided (Hestenes)
 * Jacobi, preconditioned by Householder QR for tall inputs. One-sided Jacobi computes
 * singular values to high relative accuracy and keeps U and V orthonormal to O(n·ε)
 * even for rank-deficient inputs; wide inputs are handled by factoring Aᵀ.
 */
import { type Matrix, scaledNorm, transpose, zeros } from "./matrix.js";
import { qr, qrRUnsigned } from "./qr.js";

const EPS = Number.EPSILON;
const MAX_SWEEPS = 100;

interface Core {
  s: Float64Array;
  U?: Matrix;
  V?: Matrix;
}

/** Overflow-safe Euclidean norm of row r (length n) of a row-major array. */
function rowNorm(g: Float64Array, r: number, n: number): number {
  const o = r * n;
  return scaledNorm(n, (k) => g[o + k]);
}

/**
 * SVD of a tall-or-square m×n matrix (m ≥ n ≥ 1) whose entries are finite and scaled to
 * max |a_ij| ∈ [1, 2).
 */
function svdTall(A: Matrix, wantVectors: boolean): Core {
  const m = A.rows,
    n = A.cols;
  // Precondition: A = Q R (tall) so Jacobi works on n×n; for square A work on A itself.
  let Q: Matrix | undefined;
  let R: Matrix;
  if (m > n) {
    if (wantVectors) ({ Q, R } = qr(A));
    else R = qrRUnsigned(A);
  } else {
    R = A;
  }
  // G = Rᵀ: row j of G is column j of R (rotations act on contiguous rows).
  const G = transpose(R).data;
  const Vt = wantVectors ? new Float64Array(n * n) : undefined;
  if (Vt) for (let i = 0; i < n; i++) Vt[i * n + i] = 1;
  const tol = Math.max(n, 4) * EPS;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let i = 0; i < n - 1; i++) {
      const oi = i * n;
      for (let j = i + 1; j < n; j++) {
        const oj = j * n;
        let a = 0,
          b = 0,
          c = 0;
        for (let k = 0; k < n; k++) {
          const x = G[oi + k],
            y = G[oj + k];
          a += x * x;
          b += y * y;
          c += x * y;
        }
        if (a === 0 || b === 0 || Math.abs(c) <= tol * Math.sqrt(a) * Math.sqrt(b)) continue;
        rotated = true;
        const zeta = (b - a) / (2 * c);
        const az = Math.abs(zeta);
        const t = az > 1e150 ? 0.5 / zeta : (zeta >= 0 ? 1 : -1) / (az + Math.sqrt(1 + az * az));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        for (let k = 0; k < n; k++) {
          const x = G[oi + k],
            y = G[oj + k];
          G[oi + k] = cs * x - sn * y;
          G[oj + k] = sn * x + cs * y;
        }
        if (Vt) {
          for (let k = 0; k < n; k++) {
            const x = Vt[oi + k],
              y = Vt[oj + k];
            Vt[oi + k] = cs * x - sn * y;
            Vt[oj + k] = sn * x + cs * y;
          }
        }
      }
    }
    if (!rotated) break;
  }
  const sUnsorted = new Float64Array(n);
  for (let j = 0; j < n; j++) sUnsorted[j] = rowNorm(G, j, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => sUnsorted[j] - sUnsorted[i]);
  const s = new Float64Array(n);
  for (let c = 0; c < n; c++) s[c] = sUnsorted[order[c]];
  if (!Vt) return { s };

  // Ur (n×n): column c = g_{order[c]} / s_c; columns with (numerically) zero s are
  // left empty and completed to an orthonormal set below.
  const Ur = zeros(n, n);
  const ur = Ur.data;
  const V = zeros(n, n);
  const vv = V.data;
  const missing: number[] = [];
  for (let c = 0; c < n; c++) {
    const j = order[c];
    for (let k = 0; k < n; k++) vv[k * n + c] = Vt[j * n + k];
    const sc = s[c];
    // (s is in units where max |a_ij| ∈ [1, 2), so σ₁ ≥ 1: below 1e-150 the Jacobi sums of
    // squares underflow and the direction is unreliable; such columns are completed.)
    if (sc < 1e-150) {
      missing.push(c);
      continue;
    }
    const inv = 1 / sc;
    for (let k = 0; k < n; k++) ur[k * n + c] = G[j * n + k] * inv;
  }
  completeColumns(Ur, missing);
  let U: Matrix;
  if (Q) {
    // U = Q Ur (m×n)
    U = zeros(m, n);
    const q = Q.data,
      u = U.data;
    for (let i = 0; i < m; i++) {
      for (let l = 0; l < n; l++) {
        const qil = q[i * n + l];
        if (qil === 0) continue;
        for (let c = 0; c < n; c++) u[i * n + c] += qil * ur[l * n + c];
      }
    }
  } else {
    U = Ur;
  }
  return { s, U, V };
}

/**
 * Fills the listed columns of M (m×p, the other columns orthonormal) with unit vectors
 * orthogonal to all other columns, by twice-repeated Gram–Schmidt of the coordinate
 * vectors e_1, e_2, … (a candidate is kept when ≥ 1/2 of it survives projection).
 */
function completeColumns(M: Matrix, missing: number[]): void {
  if (missing.length === 0) return;
  const m = M.rows,
    p = M.cols,
    d = M.data;
  const filled = new Uint8Array(p).fill(1);
  for (const c of missing) filled[c] = 0;
  const v = new Float64Array(m);
  let cand = 0;
  for (const c of missing) {
    for (; cand < m; cand++) {
      v.fill(0);
      v[cand] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < p; j++) {
          if (!filled[j]) continue;
          let dotv = 0;
          for (let i = 0; i < m; i++) dotv += d[i * p + j] * v[i];
          for (let i = 0; i < m; i++) v[i] -= dotv * d[i * p + j];
        }
      }
      let nv = 0;
      for (let i = 0; i < m; i++) nv += v[i] * v[i];
      nv = Math.sqrt(nv);
      if (nv > 0.5) {
        for (let i = 0; i < m; i++) d[i * p + c] = v[i] / nv;
        filled[c] = 1;
        cand++;
        break;
      }
    }
    if (!filled[c]) throw new Error("svd: internal error completing an orthonormal basis");
  }
}

/** max |a_ij|, throwing on non-finite entries. */
function maxAbsFinite(A: Matrix, where: string): number {
  let mx = 0;
  const a = A.data;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i]);
    if (!(x <= Number.MAX_VALUE)) {
      throw new RangeError(`${where}: entry (${Math.floor(i / A.cols)}, ${i % A.cols}) is ${a[i]} (must be finite)`);
    }
    if (x > mx) mx = x;
  }
  return mx;
}

function svdAny(A: Matrix, wantVectors: boolean, where: string): Core {
  const m = A.rows,
    n = A.cols,
    p = Math.min(m, n);
  const mx = maxAbsFinite(A, where);
  if (p === 0) {
    return { s: new Float64Array(0), U: zeros(m, 0), V: zeros(n, 0) };
  }
  if (mx === 0) {
    const U = zeros(m, p),
      V = zeros(n, p);
    for (let i = 0; i < p; i++) {
      U.data[i * p + i] = 1;
      V.data[i * p + i] = 1;
    }
    return { s: new Float64Array(p), U, V };
  }
  // exact power-of-two scaling to max |a| ∈ [1, 2): avoids overflow/underflow in the
  // Jacobi sums of squares without any rounding.
  const e = Math.floor(Math.log2(mx));
  // 2^-e split in two factors so that neither over- nor underflows for any finite mx.
  const up1 = 2 ** Math.trunc(-e / 2),
    up2 = 2 ** (-e - Math.trunc(-e / 2));
  const wide = m < n;
  const B = wide ? transpose(A) : zeros(m, n);
  const b = B.data;
  const src = wide ? b : A.data;
  for (let i = 0; i < b.length; i++) b[i] = src[i] * up1 * up2;
  const core = svdTall(B, wantVectors);
  const down1 = 2 ** Math.trunc(e / 2),
    down2 = 2 ** (e - Math.trunc(e / 2));
  for (let i = 0; i < p; i++) core.s[i] = core.s[i] * down1 * down2;
  if (wide) return { s: core.s, U: core.V, V: core.U };
  return core;
}

/**
 * Thin SVD A = U diag(s) Vᵀ of an m×n matrix, p = min(m, n): U is m×p and V is n×p,
 * both with orthonormal columns, s (length p) is DESCENDING and ≥ 0.
 *
 * Works for tall, wide (via Aᵀ), rank-deficient and zero matrices: singular vectors
 * belonging to zero singular values are completed to an orthonormal set (they are any
 * orthonormal basis of the corresponding null space complement; not unique).
 * Method: Householder QR (for m > n) then one-sided Jacobi with the relative
 * orthogonality threshold max(n, 4)·ε; inputs are first scaled by an exact power of
 * two, so entries near 1e±300 are safe. Accuracy: ‖A − U S Vᵀ‖_F ≲ p²·ε·‖A‖_F,
 * ‖UᵀU − I‖, ‖VᵀV − I‖ ≲ p·ε. Throws RangeError on non-finite entries.
 */
export function svd(A: Matrix): { U: Matrix; s: Float64Array; V: Matrix } {
  const r = svdAny(A, true, "svd");
  return { U: r.U as Matrix, s: r.s, V: r.V as Matrix };
}

/** Singular values σ₁ ≥ … ≥ σ_p ≥ 0 of A (p = min(m, n)); see {@link svd}. */
export function singularValues(A: Matrix): Float64Array {
  return svdAny(A, false, "singularValues").s;
}
