/**
 * Reference in-place unnormalized fast Walsh–Hadamard transform x ← H x in natural
 * (Hadamard) order, H_ij = (−1)^popcount(i & j); x.length must be a power of 2.
 * n·log₂n additions; H² = n·I.
 */
export function fwhtReference(x: Float64Array): Float64Array {
  const n = x.length;
  if (n === 0 || (n & (n - 1)) !== 0) throw new RangeError(`fwht needs a power-of-2 length, got ${n}`);
  for (let h = 1; h < n; h <<= 1) {
    for (let q = 0; q < n; q += h << 1) {
      for (let j = q; j < q + h; j++) {
        const a = x[j],
          b = x[j + h];
        x[j] = a + b;
        x[j + h] = a - b;
      }
    }
  }
  return x;
}
