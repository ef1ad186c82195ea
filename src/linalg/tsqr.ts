/**
 * The R factor of a tall-skinny matrix by a sequential (flat) tall-skinny Householder QR —
 * the scalar reference of the WASM kernel `tsqrR` (assembly/kernels.ts), which performs the
 * same operations in the same order on every entry (lanes over columns), so the two agree
 * bit for bit (tested).
 *
 * Written by hand: no npm package offers a cache-blocked QR of a 10⁵ × 20 matrix; the
 * unblocked Householder QR of ./qr.ts sweeps the whole matrix twice per column (≈ 1.5 GB of
 * memory traffic at that size), this one reads it once. Rows are taken in blocks of
 * {@link TSQR_BLOCK_ROWS}; each block is reduced against the running upper-triangular R (the
 * triangular-pentagonal update of LAPACK's dtpqrt: the reflector of column j involves R[j, j]
 * and column j of the block only). Backward stable like any Householder QR: the computed R is
 * the exact R of W + E with ‖E‖_F ≤ c·m·c·ε·‖W‖_F.
 *
 * The input is W = [sl·L | sr·Q] (L m×kl, Q m×kq, row-major), with sl and sr exact powers of
 * two (or their negatives) chosen by the caller so that max |W_ij| ∈ [1, 2): no column norm can
 * overflow, and columns whose squares underflow are below ε·‖W‖ anyway (their reflector is
 * skipped, a perturbation far below the backward error).
 */

/** Rows per block: 64 rows × ≤ 32 columns of float64 = 16 KiB, resident in the L1 cache. */
export const TSQR_BLOCK_ROWS = 64;

/** R (c×c, row-major, upper triangular; rows' signs not normalized) of W = [sl·L | sr·Q]. */
export function tsqrR(L: Float64Array, kl: number, Q: Float64Array, kq: number, m: number, sl: number, sr: number, out?: Float64Array): Float64Array {
  const c = kl + kq;
  const nb = TSQR_BLOCK_ROWS;
  const r = out ?? new Float64Array(c * c);
  r.fill(0);
  const x = new Float64Array(nb * c);
  const v = new Float64Array(nb);
  for (let row0 = 0; row0 < m; row0 += nb) {
    const bl = Math.min(nb, m - row0);
    for (let i = 0; i < bl; i++) {
      const li = (row0 + i) * kl,
        qi = (row0 + i) * kq,
        xi = i * c;
      for (let j = 0; j < kl; j++) x[xi + j] = sl * L[li + j];
      for (let j = 0; j < kq; j++) x[xi + kl + j] = sr * Q[qi + j];
    }
    for (let j = 0; j < c; j++) {
      // ssq = Σ_i x[i, j]² in four partial sums (i mod 4), combined (s0 + s1) + (s2 + s3)
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      const b4 = bl - (bl % 4);
      for (let i = 0; i < b4; i += 4) {
        const t0 = x[i * c + j],
          t1 = x[(i + 1) * c + j],
          t2 = x[(i + 2) * c + j],
          t3 = x[(i + 3) * c + j];
        s0 += t0 * t0;
        s1 += t1 * t1;
        s2 += t2 * t2;
        s3 += t3 * t3;
      }
      for (let i = b4; i < bl; i++) s0 += x[i * c + j] * x[i * c + j];
      const ssq = s0 + s1 + (s2 + s3);
      if (ssq === 0) continue; // the block's column j is zero: H = I
      const alpha = r[j * c + j];
      const xnorm = Math.sqrt(alpha * alpha + ssq);
      const beta = alpha >= 0 ? -xnorm : xnorm;
      const tau = (beta - alpha) / beta;
      const inv = 1 / (alpha - beta);
      r[j * c + j] = beta;
      for (let i = 0; i < bl; i++) v[i] = x[i * c + j] * inv;
      // w = R[j, j+1..c) + Σ_i v_i·x[i, j+1..c); w ·= τ; R[j, ..] −= w; x[i, ..] −= v_i·w
      for (let col = j + 1; col < c; col++) {
        let w = r[j * c + col];
        for (let i = 0; i < bl; i++) w += v[i] * x[i * c + col];
        w *= tau;
        r[j * c + col] -= w;
        for (let i = 0; i < bl; i++) x[i * c + col] -= v[i] * w;
      }
    }
  }
  return r;
}

/**
 * An exact power of two s with max |x|·s ∈ [1, 2) for a finite max |x| > 0 (for max |x| below
 * 2⁻¹⁰⁰⁰, s = 2¹⁰⁰⁰, so that s itself is finite); 1 for 0 or a non-finite max. Multiplying by
 * s is exact (barring subnormal results), so it rescales without rounding.
 */
export function powerOfTwoScale(maxAbs: number): number {
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs)) return 1;
  let e = Math.floor(Math.log2(maxAbs));
  // Math.log2 may round near a power of two: make 2^e ≤ maxAbs < 2^(e+1) hold exactly
  if (2 ** e > maxAbs) e--;
  else if (2 ** (e + 1) <= maxAbs) e++;
  return 2 ** -Math.max(e, -1000);
}
