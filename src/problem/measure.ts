import { DENSE_ENTRIES_LIMIT } from "../linalg/limits.js";
import type { SensingOperator } from "../operators/types.js";
import type { Rng } from "../random/rng.js";
import { sampleWithoutReplacement } from "../random/sample.js";
import type { GroundTruth } from "./truth.js";

/** A(M*): densely for small problems, as A((U diag σ) Vᵀ) through the factored path above {@link DENSE_ENTRIES_LIMIT} entries. */
export function measureTruth(operator: SensingOperator, truth: GroundTruth): Float64Array {
  const n1 = truth.U.rows,
    n2 = truth.V.rows;
  if (n1 * n2 <= DENSE_ENTRIES_LIMIT) return operator.apply(truth.Mstar);
  const US = { rows: n1, cols: truth.U.cols, data: truth.U.data.slice() };
  const r = US.cols;
  for (let i = 0; i < n1; i++) for (let l = 0; l < r; l++) US.data[i * r + l] *= truth.sigma[l];
  return operator.applyFactored(US, truth.V, new Float64Array(operator.m));
}

/**
 * Gross outliers: round(fraction·m) measurements, chosen uniformly without replacement
 * (Floyd's algorithm) from `rng`, get outlierScale·rms(yClean)·N(0, 1) added, drawn in
 * increasing index order. Returns the corrupted indices (increasing).
 */
export function addOutliers(y: Float64Array, yClean: Float64Array, fraction: number, outlierScale: number, rng: Rng): Int32Array {
  const m = y.length;
  const idx = sampleWithoutReplacement(rng, m, Math.round(fraction * m));
  let ss = 0;
  for (let i = 0; i < m; i++) ss += yClean[i] * yClean[i];
  const amp = outlierScale * Math.sqrt(ss / m);
  for (const i of idx) y[i] += amp * rng.normal();
  return idx;
}
