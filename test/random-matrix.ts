import { type Matrix, zeros } from "../src/linalg/matrix.js";
import type { Rng } from "../src/random/rng.js";

/**
 * A rows×cols matrix of i.i.d. N(0, std²) entries, row-major, drawn from a seeded `Rng`
 * (its `fillNormal`), or from any sampler `() => number` (each entry std·sample()).
 * The one random-matrix helper of the tests.
 */
export function randn(rows: number, cols: number, rng: Rng | (() => number), std = 1): Matrix {
  const M = zeros(rows, cols);
  if (typeof rng === "function") for (let i = 0; i < M.data.length; i++) M.data[i] = std * rng();
  else rng.fillNormal(M.data, std);
  return M;
}
