/**
 * Closed forms drawn beside measured curves in the CLI figures and reports (always labelled
 * "theory"). Pure module: configs in, numbers out.
 *
 * **Population 1/T law** (symmetric GD, identity operator, k > r, f = ½‖XXᵀ − M*‖², step
 * X ← X − 2η(XXᵀ − M*)X). Write X's component outside the column space of M* as E = U⊥ᵀX.
 * Once the signal block has converged, the cross terms vanish and E ← E − 2η(EEᵀ)E, so each
 * nonzero eigenvalue μ of EEᵀ follows μ ← μ(1 − 2ημ)² = μ − 4ημ² + O(η²μ³), i.e.
 * dμ/dt = −4ημ² and μ(t) = 1/(4η(t + t₀)). EEᵀ has min(k, n) − r such eigenvalues (the
 * redundant columns), all on the same curve, so the error is
 * ‖XXᵀ − M*‖_F ≈ ‖EEᵀ‖_F = √(min(k, n) − r) / (4η(t + t₀)) → √(k − r)/(4ηt).
 * Measured (n = 20, r = 2, α = 0.01, seed 1): abs_error·4ηt/√(k − r) = 0.97 / 0.98 / 0.96 at
 * t = 82 102 for k = 3 / 4 / 6 (η = 0.1, 0.1, 0.05), rising to 1 like t/(t + t₀), t₀ ≈ 2 300.
 *
 * The law is drawn on abs_error, rel_error (÷ ‖M*‖_F) and the diagnostics' spurious_norm
 * (‖U⊥ᵀXXᵀU⊥‖_F/‖M*‖_F = ‖EEᵀ‖_F/‖M*‖_F, the quantity of the derivation).
 *
 * **Rate against α** for over-parameterized asymmetric GD (Xiong, Ding & Du 2024): λ ∝ α²;
 * drawn as C·α² with C fitted in log space to the linear points (geometric mean of λᵢ/αᵢ²); in
 * the scalar worst case (below) the exact λ(α) = −ln(1 − η·α²(1 − 1/ρ²)), nothing fitted.
 */

import { spectrum } from "../problem/truth.js";
import { type Series, THEORY_COLOR, THEORY_DASH } from "./figure.js";
import { maxOf, minOf } from "../linalg/extrema.js";

/** The config fields the theory lines read (a resolved config has them all). */
export interface TheoryConfig {
  problem?: { n?: number; n2?: number; rank?: number; noise?: number; kappa?: number; spectrum?: "linspace" | "geomspace"; singularValues?: number[] };
  operator?: { type?: string };
  model?: { type?: string; k?: number };
  method?: { name?: string; stepSize?: number; balanceWeight?: number; rebalanceAtIteration?: number; rebalanceBelowRelResidual?: number };
  init?: { type?: string; alpha?: number; ratio?: number };
}

/**
 * True for the scalar worst case of Xiong, Ding & Du (identity operator, FGᵀ, F₀ = αI,
 * G₀ = (α/ρ)I, k > r, plain GD, no noise): the imbalance α²(1 − 1/ρ²) in the null direction is
 * conserved, so the late error decays exactly like (1 − η·α²(1 − 1/ρ²))ᵗ.
 */
export function worstCaseApplies(c: TheoryConfig): boolean {
  const k = c.model?.k ?? c.problem?.rank ?? 0;
  const m = c.method ?? {};
  return (
    m.name === "gd" &&
    c.model?.type === "asymmetric" &&
    c.operator?.type === "identity" &&
    c.init?.type === "scaled-identity" &&
    k > (c.problem?.rank ?? 0) &&
    !m.balanceWeight &&
    m.rebalanceAtIteration === undefined &&
    m.rebalanceBelowRelResidual === undefined &&
    !c.problem?.noise
  );
}

/** λ = −ln(1 − η·α²(1 − 1/ρ²)): the worst case's linear rate per iteration (NaN when 1 − η·α²(1 − 1/ρ²) ≤ 0). */
export function worstCaseRate(stepSize: number, alpha: number, ratio: number): number {
  const q = 1 - stepSize * alpha * alpha * (1 - 1 / (ratio * ratio));
  return q > 0 ? -Math.log(q) : NaN;
}

/** The worst case's late exponential e(T)·e^(−λ(t − T)) through a curve's last point (T, e(T)), over [T/2, T]; on a time axis t = x/η. */
export function worstCaseSeries(config: TheoryConfig, xs: number[], ys: number[], timeAxis: boolean): Series[] {
  if (!worstCaseApplies(config)) return [];
  const eta = config.method!.stepSize!,
    ratio = config.init?.ratio ?? 3;
  const lam = worstCaseRate(eta, config.init?.alpha ?? NaN, ratio);
  let i = ys.length - 1;
  while (i >= 0 && !(ys[i] > 0 && Number.isFinite(ys[i]))) i--;
  if (!Number.isFinite(lam) || i < 0 || !(xs[i] > 0)) return [];
  const T = xs[i],
    eT = ys[i];
  const x = Array.from({ length: 41 }, (_, j) => T / 2 + (T / 2) * (j / 40));
  const label = ratio === 3 ? "theory: (1 − η·8α²/9)ᵗ (worst case)" : `theory: (1 − η·α²(1 − 1/ρ²))ᵗ, ρ = ${ratio} (worst case)`;
  return [{ label, x, y: x.map((v) => eT * Math.exp(-lam * ((timeAxis ? v / eta : v) - (timeAxis ? T / eta : T)))), color: THEORY_COLOR, dash: THEORY_DASH }];
}

/** True when the population 1/T law applies: plain GD on XXᵀ with k > r, identity operator, no noise. */
export function populationLawApplies(c: TheoryConfig): boolean {
  const k = c.model?.k ?? c.problem?.rank ?? 0,
    r = c.problem?.rank ?? 0;
  return c.method?.name === "gd" && c.model?.type === "symmetric" && c.operator?.type === "identity" && k > r && !c.problem?.noise;
}

/** √(min(k, n) − r)/(4η): the constant C of the population law ‖XXᵀ − M*‖_F ≈ C/t (t in iterations). */
export function populationLawConstant(c: TheoryConfig): number {
  const r = c.problem?.rank ?? 0,
    n = c.problem?.n ?? Infinity,
    k = c.model?.k ?? r;
  return Math.sqrt(Math.min(k, n) - r) / (4 * (c.method?.stepSize ?? NaN));
}

/** True when λ ∝ α² is the theory of a rate-vs-α figure: asymmetric GD with k > r. */
export function alphaSquaredApplies(c: TheoryConfig): boolean {
  const k = c.model?.k ?? c.problem?.rank ?? 0;
  return c.method?.name === "gd" && c.model?.type === "asymmetric" && k > (c.problem?.rank ?? 0);
}

/** C of λ = C·α², fitted in log space: exp(mean ln(λᵢ/αᵢ²)) over the points with α, λ > 0 (NaN with none). */
export function fitAlphaSquared(alpha: number[], rate: number[]): number {
  const logs: number[] = [];
  alpha.forEach((a, i) => {
    if (a > 0 && rate[i] > 0 && Number.isFinite(rate[i])) logs.push(Math.log(rate[i] / (a * a)));
  });
  return logs.length ? Math.exp(logs.reduce((s, v) => s + v, 0) / logs.length) : NaN;
}

/** n points log-spaced over [lo, hi]. */
export function logSpace(lo: number, hi: number, n = 21): number[] {
  return Array.from({ length: n }, (_, i) => lo * Math.pow(hi / lo, i / (n - 1)));
}

/** A legend label marked as theory ("theory: …"), unless it already is. */
export function theoryLabel(label: string): string {
  return /^theory\b/i.test(label) ? label : `theory: ${label}`;
}

/** ‖M*‖_F = ‖σ‖₂ of a config's truth (its singular values, or the spectrum from rank and κ). */
export function truthFrobenius(c: TheoryConfig): number {
  const p = c.problem ?? {};
  const sigma = p.singularValues ?? (p.rank ? Array.from(spectrum(p.rank, p.kappa ?? 1, p.spectrum ?? "linspace")) : []);
  return Math.hypot(...sigma);
}

/** Columns the population law is drawn on: the absolute error, and the errors relative to ‖M*‖_F. */
const POPULATION_LAW_METRICS: Record<string, "abs" | "rel"> = { abs_error: "abs", rel_error: "rel", spurious_norm: "rel" };

/**
 * The population 1/T law √(k − r)/(4ηt) beside a curve of abs_error (divided by ‖M*‖_F for
 * rel_error and the diagnostics' spurious_norm = ‖U⊥ᵀXXᵀU⊥‖/‖M*‖_F, the very ‖EEᵀ‖ of the
 * derivation) over the last two decades of its x range, when the config is one the law is
 * derived for. On a time axis (t = η·iteration) the iteration is x/η.
 */
export function populationLawSeries(config: TheoryConfig, metric: string, xs: number[], timeAxis: boolean): Series[] {
  const kind = POPULATION_LAW_METRICS[metric];
  if (!kind || !populationLawApplies(config)) return [];
  const xEnd = maxOf(xs.filter(Number.isFinite));
  const xStart = Math.max(minOf(xs.filter((x) => x > 0)), xEnd / 100);
  if (!(xEnd > xStart)) return [];
  const eta = config.method!.stepSize!;
  const C = populationLawConstant(config) / (kind === "rel" ? truthFrobenius(config) : 1);
  const x = logSpace(xStart, xEnd);
  return [{ label: "theory: √(k − r)/(4ηt) (population 1/T law)", x, y: x.map((v) => C / (timeAxis ? v / eta : v)), color: THEORY_COLOR, dash: THEORY_DASH }];
}
