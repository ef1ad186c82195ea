import { fastWalshHadamard } from "../kernels/index.js";

/**
 * Fast Walsh–Hadamard transform, in place and unnormalized: x ← H x with H the
 * 2^q × 2^q Sylvester–Hadamard matrix, H_ij = (−1)^popcount(i AND j) (entries ±1,
 * H symmetric, H² = 2^q·I). x.length must be a power of two. O(L log L) for L = x.length.
 *
 * The SRHT operator's transform. It runs on the kernels' implementation
 * ({@link fastWalshHadamard}: WASM SIMD when available, else the plain-TS reference
 * `fwhtReference`), so there is one reference loop in the code base.
 */
export function fwht(x: Float64Array): void {
  fastWalshHadamard(x);
}

/** The smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  if (!(n >= 1) || !Number.isSafeInteger(n)) throw new RangeError(`nextPowerOfTwo: n must be a positive integer, got ${n}`);
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
