/**
 * Closed forms drawn beside the measured curves (always labelled "theory"). Pure module.
 *
 * - Symmetric GD with k > r (Xiong, Ding & Du 2024): the error falls like 1/T; drawn as
 *   the reference line e(t) = e(T)·T/t through the run's last point.
 * - The scalar worst case (identity operator, FGᵀ, F₀ = αI, G₀ = (α/ρ)I, k > r): the
 *   imbalance d = α²(1 − 1/ρ²) in the null direction is conserved, so late in the run
 *   the error decays like (1 − η·d)ᵗ: rate λ = −ln(1 − η·α²(1 − 1/ρ²)) (= 8α²/9·η… for ρ = 3).
 * - Rate versus α for over-parameterized asymmetric GD: λ ∝ α² (the exact λ(α) above in
 *   the worst case).
 */
import type { ResolvedConfig } from "../../src/core.js";

export interface TheoryPoint {
  iteration: number;
  value: number;
}

export interface TheoryCurve {
  label: string;
  points: TheoryPoint[];
}

/** True when the symmetric 1/T law applies: GD on XXᵀ with k > r. */
export function oneOverTApplies(c: ResolvedConfig): boolean {
  return c.method.name === "gd" && c.model.type === "symmetric" && c.model.k > c.problem.rank && c.operator.type !== "completion";
}

/** True for the scalar worst-case instance of Xiong, Ding & Du (the closed-form rate applies). */
export function worstCaseApplies(c: ResolvedConfig): boolean {
  return (
    c.method.name === "gd" &&
    c.model.type === "asymmetric" &&
    c.operator.type === "identity" &&
    c.init.type === "scaled-identity" &&
    c.model.k > c.problem.rank &&
    c.method.balanceWeight === 0 &&
    c.method.rebalanceAtIteration === undefined &&
    c.method.rebalanceBelowRelResidual === undefined &&
    c.problem.noise === 0
  );
}

/** λ = −ln(1 − η·α²(1 − 1/ρ²)): the worst-case linear rate per iteration (NaN when 1 − η·d ≤ 0). */
export function worstCaseRate(stepSize: number, alpha: number, ratio: number): number {
  const q = 1 - stepSize * alpha * alpha * (1 - 1 / (ratio * ratio));
  return q > 0 ? -Math.log(q) : NaN;
}

/** Label of the worst-case law (written with the 8α²/9 of ρ = 3 when that is the ratio). */
export function worstCaseLabel(ratio: number): string {
  return ratio === 3 ? "theory: (1 − η·8α²/9)ᵗ" : `theory: (1 − η·α²(1 − 1/ρ²))ᵗ, ρ = ${ratio}`;
}

/**
 * Theory curves for one run's error chart, anchored at its last recorded point (T, e_T):
 * the 1/T line over [T/10, T] and the worst-case exponential over [T/2, T].
 */
export function theoryCurves(c: ResolvedConfig, last: TheoryPoint | undefined): TheoryCurve[] {
  if (!last || !(last.value > 0) || !Number.isFinite(last.value) || last.iteration < 10) return [];
  const T = last.iteration,
    eT = last.value;
  const out: TheoryCurve[] = [];
  const grid = (from: number, n = 40) => Array.from({ length: n + 1 }, (_, i) => Math.round(from * Math.pow(T / from, i / n)));
  if (oneOverTApplies(c)) {
    out.push({ label: "theory: ∝ 1/T", points: grid(Math.max(1, T / 10)).map((t) => ({ iteration: t, value: (eT * T) / t })) });
  }
  if (worstCaseApplies(c)) {
    const lam = worstCaseRate(c.method.stepSize, c.init.alpha, c.init.ratio);
    if (Number.isFinite(lam)) {
      out.push({ label: worstCaseLabel(c.init.ratio), points: grid(Math.max(1, T / 2)).map((t) => ({ iteration: t, value: eT * Math.exp(-lam * (t - T)) })) });
    }
  }
  return out;
}

/**
 * The α² law through measured rates: λ(α) = C·α² with C the least-squares constant in log
 * space (geometric mean of λ_i/α_i²), over the α range. For the worst case, the exact λ(α).
 */
export function alphaLaw(
  points: { alpha: number; rate: number }[],
  exact?: (alpha: number) => number,
): { label: string; points: { alpha: number; rate: number }[] } | null {
  const good = points.filter((p) => p.alpha > 0 && p.rate > 0 && Number.isFinite(p.rate));
  if (good.length < 2) return null;
  const lo = Math.min(...good.map((p) => p.alpha)),
    hi = Math.max(...good.map((p) => p.alpha));
  const as = Array.from({ length: 21 }, (_, i) => lo * Math.pow(hi / lo, i / 20));
  if (exact) return { label: "theory: λ = −ln(1 − η·α²(1 − 1/ρ²))", points: as.map((alpha) => ({ alpha, rate: exact(alpha) })) };
  const logC = good.reduce((s, p) => s + Math.log(p.rate / (p.alpha * p.alpha)), 0) / good.length;
  const C = Math.exp(logC);
  return { label: "theory: λ ∝ α² (constant fitted)", points: as.map((alpha) => ({ alpha, rate: C * alpha * alpha })) };
}
