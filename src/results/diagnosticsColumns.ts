import { predictedImbalanceRate, predictedRestrictedRate } from "../metrics/diagnostics.js";
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
 *   spurious_norm and signal_error (tail window [T/2, T]), each only where it means something:
 *   the slope only when spurious_norm's own fit is sublinear, the rate only when
 *   signal_error's is linear (else NaN, shown blank);
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
 * - `operator_factor`: the median over the error fit window of ‖A(Δ)‖²/‖Δ‖²_F (1 for the identity);
 * - `slow_mode_norm2`: the median over the fit window of the slow mode's quantity q = σ_min(F)²
 *   (≈ ‖U⊥ᵀF w‖², w spanning the null space of V*ᵀG; σ_min(X)² for XXᵀ; see `slowModeNorm2`),
 *   recorded for k > r;
 * - `imbalance_min_eig`: the median of |λ_min(FᵀF − GᵀG)| over the fit window — the
 *   convergence theorem's lower-bound quantity — and, for k > r and a run classified linear,
 *   `imbalance_bound_rate` = −ln(1 − η|λ_min|);
 * - for FGᵀ with k > r and a run classified linear, `predicted_rate` = −ln(1 − η q) (exact for
 *   the identity operator once the factors have converged) with `rate_over_predicted` =
 *   linear_rate / predicted_rate: under sensing this ratio is the operator's factor on the slow
 *   mode, measured (docs/diagnostics.md). For k = r the rate is set by σ_r, not by q.
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
  const rel = data.rel_error?.[last] ?? NaN,
    loss = data.loss?.[last] ?? NaN;
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
  // fits and their window on the fit's axis: iterations, or the flow's time t for the gradient flow
  const axis = data.flow_time ?? it;
  const spuriousFit = fitRates(axis, data.spurious_norm),
    signalFit = fitRates(axis, data.signal_error);
  out.spurious_loglog_slope = spuriousFit.classification === "sublinear" ? spuriousFit.logLogSlope : NaN;
  out.signal_linear_rate = signalFit.classification === "linear" ? signalFit.linearRate : NaN;
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
  const inWindow = (col: number[]) => medianOf(col.filter((_, i) => axis[i] >= fit.from && axis[i] <= fit.to));
  // rate predictions: compared only where the fit found linear convergence, for k > r
  const predict = overParameterized && stepSize !== undefined && fit.classification === "linear";
  if (data.operator_factor?.length) out.operator_factor = inWindow(data.operator_factor);
  if (data.slow_mode_norm2?.length) out.slow_mode_norm2 = inWindow(data.slow_mode_norm2);
  if (data.imbalance_min_eig?.length) {
    const lam = inWindow(data.imbalance_min_eig);
    out.imbalance_min_eig = lam;
    if (predict) out.imbalance_bound_rate = predictedImbalanceRate(stepSize, lam);
    // the slow mode's prediction (FGᵀ only: for XXᵀ the redundant column shrinks itself, no linear rate)
    if (predict && data.slow_mode_norm2?.length) {
      const pred = predictedRestrictedRate(stepSize, out.slow_mode_norm2);
      out.predicted_rate = pred;
      out.rate_over_predicted = fit.linearRate / pred;
    }
  }
  return out;
}
