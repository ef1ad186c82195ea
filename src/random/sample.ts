import type { Rng } from "./rng.js";

/**
 * `count` distinct indices drawn uniformly from [0, n) by Floyd's algorithm (one
 * `rng.integer` draw per index, for j = n − count … n − 1), returned in increasing order.
 * Requires 0 ≤ count ≤ n.
 */
export function sampleWithoutReplacement(rng: Rng, n: number, count: number): Int32Array {
  if (!Number.isInteger(count) || count < 0 || count > n) throw new RangeError(`sampleWithoutReplacement: count must be an integer in [0, ${n}], got ${count}`);
  const chosen = new Set<number>();
  for (let j = n - count; j < n; j++) {
    const t = rng.integer(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from(chosen).sort();
}
