/*
 * The noise floor of the exact-rank least-squares model: the error ‖P − M*‖_F that a
 * rank-r fit of noisy measurements y = A(M*) + e, e ~ N(0, s² I_m), ends at. One formula
 * for the scientific warning, the `stop.noiseFloor` rule and the noise_floor_ratio column
 * of runs.csv. Pure: no I/O.
 */

/** The fields of a config the floor depends on (flat, so a resolved config and a config.json record both map to it). */
export interface NoiseFloorSetting {
  /** problem.noise: std s of the i.i.d. Gaussian noise on each y_i. */
  noise: number;
  n1: number;
  n2: number;
  rank: number;
  /** problem.truth: "psd" or "general". */
  truth: string;
  /** model.type: "symmetric" (XXᵀ) or "asymmetric" (FGᵀ). */
  model: string;
  /** operator.type. */
  operator: string;
  /** operator.m (n1·n2 for identity). */
  m: number;
}

/**
 * Degrees of freedom d of the fitted rank-r set at M* (the dimension of its tangent space):
 * r(2n − r + 1)/2 for XXᵀ with a PSD truth (or one from a file; symmetric matrices UYᵀ + YUᵀ), else r(n1 + n2 − r)
 * (FGᵀ fits a general rank-r matrix even when M* is PSD).
 */
export function modelDegreesOfFreedom(s: Pick<NoiseFloorSetting, "n1" | "n2" | "rank" | "truth" | "model">): { dof: number; formula: string } {
  const { rank: r, n1, n2 } = s;
  if ((s.truth === "psd" || s.truth === "file") && s.model === "symmetric") {
    return { dof: (r * (2 * n1 - r + 1)) / 2, formula: `r(2n − r + 1)/2 = ${r}·(2·${n1} − ${r} + 1)/2` };
  }
  return { dof: r * (n1 + n2 - r), formula: `r(n1 + n2 − r) = ${r}·(${n1} + ${n2} − ${r})` };
}

/** The floor, its ingredients and how it was computed. */
export interface NoiseFloorEstimate {
  /** s·√(d·inflation): the estimated ‖P − M*‖_F of the exact model at convergence. */
  abs: number;
  dof: number;
  /** m/(m − d − 1) for Gaussian sensing, 1 for the identity operator. */
  inflation: number;
  /** The formula with the numbers, e.g. "s·√(d·m/(m − d − 1)), d = r(n1 + n2 − r) = 2·(20 + 40 − 2)". */
  formula: string;
}

/**
 * The exact model's noise floor s·√(d·m/(m − d − 1)) (Gaussian or symmetric-Gaussian sensing) or s·√d (identity),
 * d = {@link modelDegreesOfFreedom}. Linearized at M*, the least-squares error is Δ = (BᵀB)⁻¹Bᵀe with B the
 * m×d matrix of the operator on an orthonormal basis of the tangent space. For A(Z)_i = ⟨A_i, Z⟩/√m with
 * N(0, 1) entries (or A_i = (B_i + B_iᵀ)/2 and a symmetric tangent space) B has i.i.d. N(0, 1/m) entries, so
 * E‖Δ‖² = s² E tr (BᵀB)⁻¹ = s²·d·m/(m − d − 1) (the inverse-Wishart mean); for the identity B is an isometry and
 * E‖Δ‖² = s²d. Undefined where no such estimate holds: no M* (problem.truth "none"), other operators, FGᵀ under symmetric A_i (the skew
 * part is invisible, so the error has no floor), or m ≤ d + 1. The value is for any s ≥ 0 (0 without noise).
 */
export function noiseFloorEstimate(s: NoiseFloorSetting): NoiseFloorEstimate | undefined {
  if (s.truth === "none") return undefined;
  const { dof: d, formula: dofFormula } = modelDegreesOfFreedom(s);
  if (s.operator === "identity") return { abs: s.noise * Math.sqrt(d), dof: d, inflation: 1, formula: `s·√d, d = ${dofFormula}` };
  const gaussian = s.operator === "gaussian" || (s.operator === "symmetric-gaussian" && s.model === "symmetric");
  if (!gaussian || !(s.m > d + 1)) return undefined;
  const inflation = s.m / (s.m - d - 1);
  return { abs: s.noise * Math.sqrt(d * inflation), dof: d, inflation, formula: `s·√(d·m/(m − d − 1)), d = ${dofFormula}, m = ${s.m}` };
}

/**
 * {@link NoiseFloorSetting} of a config record (a resolved config or a run's config.json), or undefined when
 * a field is missing. Defaults as the schema's: n2 = n, truth "psd", model "symmetric".
 */
export function noiseFloorSetting(config: Record<string, unknown> | undefined): NoiseFloorSetting | undefined {
  type Fields = {
    problem?: { noise?: number; n?: number; n2?: number; rank?: number; truth?: string };
    operator?: { type?: string; m?: number };
    model?: { type?: string };
  };
  const c = config as Fields | undefined;
  const p = c?.problem,
    n1 = p?.n,
    r = p?.rank,
    op = c?.operator?.type;
  if (!n1 || !r || !op) return undefined;
  const n2 = p?.n2 ?? n1;
  const m = op === "identity" ? n1 * n2 : c?.operator?.m;
  if (!m) return undefined;
  return { noise: p?.noise ?? 0, n1, n2, rank: r, truth: p?.truth ?? "psd", model: c?.model?.type ?? "symmetric", operator: op, m };
}

/** summary.json `noiseFloor`: what the `stop.noiseFloor` rule used (written whenever the rule is on). */
export interface NoiseStopRecord {
  /** stop.noiseFloor: the multiple c of the floor. */
  multiple: number;
  /** The estimated floor ‖P − M*‖_F (0 without noise: the rule is then inert). */
  floor: number;
  /** floor/‖M*‖_F. */
  relFloor: number;
  /** c·floor/‖M*‖_F: the run stops once rel_error ≤ this (never when 0). */
  stopRelError: number;
  dof: number;
  formula: string;
  /** True when this rule ended the run. */
  stopped?: boolean;
}
