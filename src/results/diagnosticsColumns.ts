import { predictedImbalanceRate } from "../metrics/diagnostics.js";
import { maxOf, minOf } from "../linalg/extrema.js";
import { type RateFit, fitRates } from "./rates.js";

/** sin θ_max at or below which a factor counts as aligned with the truth's subspace. */
export const ALIGNED_SIN = 0.1;

/** rel_error at or below which the product counts as having grown (left the small-init plateau). */
export const GROWN_REL_ERROR = 0.9;

/** Final relative error below which a run counts as having recovered M*. */
export const RECOVERED_BELOW = 1e-6;
/** A run "interpolates" when its final loss is below this (the loss has converged) … */
export const INTERPOLATED_LOSS_BELOW = 1e-12;
/** … while its relative error is not below {@link RECOVERED_BELOW} and is frozen: |ln(e(T)/e(T/2))| below this. */
export const FROZEN_LOG_CHANGE = 0.01;

/**
 * ln(v(t)/v(T)) with t the first recorded iteration ≥ T/2: how much a column fell over the second half of
 * the run (negative when it grew; NaN without two points).
 */
export function secondHalfLogDecrease(iterations: number[], values: number[]): number {
  const last = iterations.length - 1;
  if (last < 1) return NaN;
  const j = iterations.findIndex((t) => t >= iterations[last] / 2);
  return j < 0 || j === last ? NaN : Math.log(values[j] / values[last]);
}

/** |{@link secondHalfLogDecrease}| of the error: below {@link FROZEN_LOG_CHANGE} the error is frozen. */
export function errorLogChange(iterations: number[], errors: number[]): number {
  return Math.abs(secondHalfLogDecrease(iterations, errors));
}

/** Median of the finite values (NaN when none). */
export function medianOf(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const h = (v.length - 1) / 2;
  return 0.5 * (v[Math.floor(h)] + v[Math.ceil(h)]);
}

/**
 * runs.csv columns derived from the `record.diagnostics` columns of one run's metrics
 * (none when the run did not record them); see docs/diagnostics.md:
 * - `final_signal_error`, `final_spurious_norm`, `final_cross_error`, `signal_over_spurious`
 *   (final signal_error / spurious_norm);
 * - `spurious_loglog_slope`, `signal_linear_rate`: the rate fits of docs/experiments.md on
 *   spurious_norm and signal_error (tail window [T/2, T]);
 * - `alignment_iters`: first recorded iteration at which every alignment column is
 *   ≤ {@link ALIGNED_SIN} (the end of the alignment phase; NaN if never);
 * - `alignment_first_iters`: the same for the top singular direction alone (alignment_*_1,
 *   recorded when σ₁ > σ₂), and `growth_iters`: first recorded iteration with rel_error ≤
 *   {@link GROWN_REL_ERROR} (the product has started to fit M*), and
 *   `alignment_first_at_growth`: the top direction's sin θ at that iteration — the alignment
 *   phase of a small init ends before the growth;
 * - `perturbation_ratio_min` / `_median` / `_max` over the recorded points with t ≥ 1;
 * - `recovered` (1 when the final rel_error < {@link RECOVERED_BELOW}), `interpolated` (1 when the loss has
 *   converged — final loss < {@link INTERPOLATED_LOSS_BELOW} — while rel_error ≥ {@link RECOVERED_BELOW} is
 *   frozen, `error_log_change` = |ln(e(T)/e(T/2))| < {@link FROZEN_LOG_CHANGE}: another matrix fits the
 *   measurements and more iterations will not change that), `undecided` = 1 − recovered − interpolated (the
 *   loss has not converged within the budget); `loss_over_error_decrease` = ln(loss(T/2)/loss(T)) / ln(e(T/2)/e(T)),
 *   ≈ 2 on a path to M* (loss ∝ error²), ≫ 2 when the loss falls while the error freezes (toward an interpolant);
 * - completion runs: `final_error_column_share` = max_j ‖Δe_j‖²/‖Δ‖²_F, `final_error_column` (j) and
 *   `final_error_column_observed` (observed entries of column j) next to `observed_per_column` = |Ω|/n2;
 * - `imbalance_min_eig`: the median of |λ_min(FᵀF − GᵀG)| over the error fit window, and
 *   for k > r and a run classified linear, `predicted_rate` = −ln(1 − η|λ_min|) with `rate_over_predicted` = linear_rate /
 *   predicted_rate (for k = r the rate is set by σ_r, not by the imbalance).
 */
export function diagnosticsColumns(data: Record<string, number[]> | undefined, fit: RateFit, config: Record<string, unknown>): Record<string, number> {
  const c = config as { method?: { stepSize?: number }; model?: { k?: number }; problem?: { rank?: number } };
  const stepSize = c.method?.stepSize;
  const overParameterized = (c.model?.k ?? 0) > (c.problem?.rank ?? Infinity);
  const out: Record<string, number> = {};
  if (!data?.signal_error?.length) return out;
  const it = data.iteration;
  const last = it.length - 1;
  for (const c of ["signal_error", "spurious_norm", "cross_error"]) out[`final_${c}`] = data[c][last];
  out.signal_over_spurious = data.signal_error[last] / data.spurious_norm[last];
  const rel = data.rel_error?.[last] ?? NaN, loss = data.loss?.[last] ?? NaN;
  out.recovered = rel < RECOVERED_BELOW ? 1 : 0;
  if (data.rel_error) out.error_log_change = errorLogChange(it, data.rel_error);
  // a run converging to M* has loss ∝ error², so the ratio is ≈ 2; ≫ 2: the loss falls but the error does not follow
  if (data.rel_error && data.loss) out.loss_over_error_decrease = secondHalfLogDecrease(it, data.loss) / secondHalfLogDecrease(it, data.rel_error);
  out.interpolated = loss < INTERPOLATED_LOSS_BELOW && rel >= RECOVERED_BELOW && out.error_log_change < FROZEN_LOG_CHANGE ? 1 : 0;
  out.undecided = 1 - out.recovered - out.interpolated;
  if (data.error_column_share?.length) {
    out.final_error_column_share = data.error_column_share[last];
    out.final_error_column = data.error_column[last];
    out.final_error_column_observed = data.error_column_observed[last];
    out.observed_per_column = data.observed_per_column[last];
  }
  out.spurious_loglog_slope = fitRates(it, data.spurious_norm).logLogSlope;
  out.signal_linear_rate = fitRates(it, data.signal_error).linearRate;
  const aligns = ["alignment_X", "alignment_F", "alignment_G"].filter((c) => data[c]?.length);
  if (aligns.length) {
    const j = it.findIndex((_, i) => aligns.every((c) => data[c][i] <= ALIGNED_SIN));
    out.alignment_iters = j < 0 ? NaN : it[j];
  }
  // the top direction: alignment_X_1 or alignment_F_1 and alignment_G_1 (when σ₁ > σ₂)
  const firsts = ["alignment_X_1", "alignment_F_1", "alignment_G_1"].filter((c) => data[c]?.length);
  if (firsts.length) {
    const j = it.findIndex((_, i) => firsts.every((c) => data[c][i] <= ALIGNED_SIN));
    out.alignment_first_iters = j < 0 ? NaN : it[j];
    const g = data.rel_error ? it.findIndex((_, i) => data.rel_error[i] <= GROWN_REL_ERROR) : -1;
    out.growth_iters = g < 0 ? NaN : it[g];
    out.alignment_first_at_growth = g < 0 ? NaN : Math.max(...firsts.map((c) => data[c][g]));
  }
  if (data.perturbation_ratio?.length) {
    const v = data.perturbation_ratio.filter((_, i) => it[i] >= 1 && Number.isFinite(data.perturbation_ratio[i]));
    out.perturbation_ratio_min = v.length ? minOf(v) : NaN;
    out.perturbation_ratio_median = medianOf(v);
    out.perturbation_ratio_max = v.length ? maxOf(v) : NaN;
  }
  if (data.imbalance_min_eig?.length) {
    const lam = medianOf(data.imbalance_min_eig.filter((_, i) => it[i] >= fit.from && it[i] <= fit.to));
    out.imbalance_min_eig = lam;
    // a linear-rate prediction: compared only where the fit found linear convergence
    if (overParameterized && stepSize !== undefined && fit.classification === "linear") {
      const pred = predictedImbalanceRate(stepSize, lam);
      out.predicted_rate = pred;
      out.rate_over_predicted = fit.linearRate / pred;
    }
  }
  return out;
}
