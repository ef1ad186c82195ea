/**
 * Fast Walsh–Hadamard transform, in place and unnormalized: x ← H x with H the
 * 2^q × 2^q Sylvester–Hadamard matrix (H = [[1, 1], [1, −1]] ⊗ … ⊗ [[1, 1], [1, −1]],
 * entries ±1, H Hᵀ = 2^q I, H symmetric). x.length must be a power of two.
 * Cost: q·2^(q−1) additions and as many subtractions (O(L log L) for L = x.length).
 *
 * This is the plain-TS reference; a faster kernel may replace it behind this signature
 * and must agree with it (the transform is exact in integer arithmetic, and in floating
 * point every output is a sum of L terms in the same butterfly order).
 */
export function fwht(x: Float64Array): void {
  const n = x.length;
  if (n === 0 || (n & (n - 1)) !== 0) throw new RangeError(`fwht: length must be a power of two, got ${n}`);
  for (let h = 1; h < n; h <<= 1) {
    const step = h << 1;
    for (let i = 0; i < n; i += step) {
      for (let j = i, end = i + h; j < end; j++) {
        const a = x[j], b = x[j + h];
        x[j] = a + b;
        x[j + h] = a - b;
      }
    }
  }
}

/** The smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  if (!(n >= 1) || !Number.isSafeInteger(n)) throw new RangeError(`nextPowerOfTwo: n must be a positive integer, got ${n}`);
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
