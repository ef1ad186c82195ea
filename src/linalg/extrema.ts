/**
 * Smallest and largest value of an array by a loop: `Math.min(...a)` passes every element
 * as an argument and overflows the call stack beyond ~10⁵ elements.
 */

/** min_i a_i (NaN if some a_i is NaN; +∞ for an empty array, like `Math.min()`). */
export function minOf(a: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (Number.isNaN(v)) return NaN;
    if (v < m || (v === 0 && m === 0 && Object.is(v, -0))) m = v;
  }
  return m;
}

/** max_i a_i (NaN if some a_i is NaN; −∞ for an empty array, like `Math.max()`). */
export function maxOf(a: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (Number.isNaN(v)) return NaN;
    if (v > m || (v === 0 && m === 0 && Object.is(m, -0))) m = v;
  }
  return m;
}
