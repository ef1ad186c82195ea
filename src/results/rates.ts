/**
 * Convergence-rate fitting of an error curve e(t) (recorded iterations t, errors e > 0).
 *
 * **Tail window.** Let T be the last recorded iteration whose error is above the floor
 * (default 1e-13, where rounding dominates). The tail window is t ∈ [T/2, T] (at least
 * the last 4 recorded points above the floor).
 *
 * **Fits** (least squares over the window):
 * - log-linear slope s = d ln e / d t. For linear convergence e ≈ C qᵗ this is ln q; we
 *   report `linearRate` λ = −s (decay per iteration) and `contraction` q = e^s.
 * - log-log slope p = d ln e / d ln t. For sublinear convergence e ≈ C t^p it is the
 *   exponent p (≈ −1 for the 1/t law).
 *
 * **Classification** (in this order):
 * 1. `diverged`: the run's status is "diverged", or the last error is not finite;
 * 2. `linear`: the error reached the floor (only linear convergence gets to ~1e-13 in the
 *    iteration budgets we use);
 * 3. `stalled`: over the window the error fell by less than 1% (ln(e(T/2)/e(T)) < 0.01),
 *    or it grew;
 * 4. otherwise compare the log-linear slopes s₁, s₂ of the first and second half of the
 *    window ([T/2, 3T/4] and [3T/4, T]): for e = C qᵗ they are equal (ratio 1); for
 *    e = C t^p the ratio s₂/s₁ = ln(4/3)/ln(3/2) ≈ 0.71. `sublinear` if s₂/s₁ < 0.85 (the
 *    midpoint, geometric mean of 1 and 0.71 ≈ 0.84);
 * 5. a shifted power law e = c(t + t₀)^−q with t₀ ≳ T passes step 4 (t₀ = T: s₂/s₁ ≈ 0.87), so
 *    the two slopes are also compared with the one such law through them: its local slope is
 *    s(t) = −q/(t + t₀), i.e. −1/s grows linearly with slope 1/q, so the halves give
 *    q̂ = (t̄₂ − t̄₁)/(1/|s₂| − 1/|s₁|) (t̄ᵢ the mean iteration of half i). For e = C qᵗ the
 *    slopes are equal and q̂ = ±∞. `linear` only if the slopes do not flatten (q̂ ≤ 0) or
 *    q̂ > {@link MAX_SUBLINEAR_EXPONENT} (no shifted power law of a plausible exponent fits),
 *    else `sublinear`.
 */
export type RateClass = "linear" | "sublinear" | "stalled" | "diverged";

export interface RateFit {
  /** Window [from, to] (iterations) the fits used. */
  from: number;
  to: number;
  /** Points in the window. */
  points: number;
  /** Least-squares slope of ln e against t (per iteration). */
  logLinearSlope: number;
  /** λ = −logLinearSlope: the linear decay rate per iteration. */
  linearRate: number;
  /** q = exp(logLinearSlope): contraction factor per iteration. */
  contraction: number;
  /** Least-squares slope of ln e against ln t (the sublinear exponent). */
  logLogSlope: number;
  /** s₂/s₁: ratio of the log-linear slopes of the second and first half of the window. */
  slopeRatio: number;
  /**
   * q̂ = (t̄₂ − t̄₁)/(1/|s₂| − 1/|s₁|): the exponent of the shifted power law c(t + t₀)^−q whose
   * local slopes −q/(t + t₀) match the halves' slopes (≤ 0 or ±∞ when the slopes do not flatten).
   */
  shiftedPowerExponent: number;
  classification: RateClass;
}

/** Errors at or below this are treated as the rounding floor. */
export const DEFAULT_ERROR_FLOOR = 1e-13;
/** Threshold on s₂/s₁ between linear (≈ 1) and sublinear (≈ 0.71). */
export const LINEAR_SLOPE_RATIO = 0.85;
/**
 * A curve whose halves' slopes fit a shifted power law c(t + t₀)^−q with q ≤ this is not called
 * linear. The sublinear laws measured here have q ≈ 0.8–1 (the 1/T law); 3 leaves a factor 3 of margin,
 * while an exact geometric curve has equal slopes (q̂ = ±∞).
 */
export const MAX_SUBLINEAR_EXPONENT = 3;
/** Minimal decrease ln(e(T/2)/e(T)) over the window for a run not to be "stalled". */
export const STALL_LOG_DECREASE = 0.01;

/** Least-squares slope of y on x (NaN with fewer than 2 distinct x). */
export function lsSlope(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx > 0 ? sxy / sxx : NaN;
}

/**
 * Fits rates to an error curve (see the module doc for the window and the rule).
 * `status` is the run's status (a "diverged" run is classified as such).
 */
export function fitRates(iterations: ArrayLike<number>, errors: ArrayLike<number>, opts: { status?: string; floor?: number } = {}): RateFit {
  const floor = opts.floor ?? DEFAULT_ERROR_FLOOR;
  const n = Math.min(iterations.length, errors.length);
  const nan: RateFit = {
    from: NaN,
    to: NaN,
    points: 0,
    logLinearSlope: NaN,
    linearRate: NaN,
    contraction: NaN,
    logLogSlope: NaN,
    slopeRatio: NaN,
    shiftedPowerExponent: NaN,
    classification: "stalled",
  };
  const lastErr = n > 0 ? errors[n - 1] : NaN;
  if (opts.status === "diverged" || (n > 0 && !Number.isFinite(lastErr))) return { ...nan, classification: "diverged" };
  // points with t ≥ 1 and a finite, positive error
  const ts: number[] = [],
    es: number[] = [];
  for (let i = 0; i < n; i++) {
    if (iterations[i] >= 1 && Number.isFinite(errors[i]) && errors[i] > 0) {
      ts.push(iterations[i]);
      es.push(errors[i]);
    }
  }
  if (ts.length < 2) return nan;
  const reachedFloor = es[es.length - 1] <= floor;
  let last = es.length - 1;
  while (last > 0 && es[last] <= floor) last--;
  const T = ts[last];
  let first = 0;
  while (first < last && ts[first] < T / 2) first++;
  first = Math.max(0, Math.min(first, last - 3));
  const wt = ts.slice(first, last + 1),
    we = es.slice(first, last + 1).map(Math.log);
  if (wt.length < 2) return { ...nan, classification: reachedFloor ? "linear" : "stalled" };
  const s = lsSlope(wt, we);
  const p = lsSlope(wt.map(Math.log), we);
  const from = wt[0],
    to = wt[wt.length - 1];
  const mid = (from + to) / 2;
  const i1 = wt.map((t, i) => (t <= mid ? i : -1)).filter((i) => i >= 0);
  const i2 = wt.map((t, i) => (t >= mid ? i : -1)).filter((i) => i >= 0);
  const s1 = lsSlope(
    i1.map((i) => wt[i]),
    i1.map((i) => we[i]),
  );
  const s2 = lsSlope(
    i2.map((i) => wt[i]),
    i2.map((i) => we[i]),
  );
  const ratio = s2 / s1;
  const mean = (idx: number[]) => idx.reduce((a, i) => a + wt[i], 0) / idx.length;
  const qHat = (mean(i2) - mean(i1)) / (1 / Math.abs(s2) - 1 / Math.abs(s1));
  const decrease = we[0] - we[we.length - 1];
  let classification: RateClass;
  if (reachedFloor) classification = "linear";
  else if (!(decrease >= STALL_LOG_DECREASE) || !(s < 0)) classification = "stalled";
  else if (!(Number.isFinite(ratio) && ratio >= LINEAR_SLOPE_RATIO)) classification = "sublinear";
  else classification = qHat > 0 && qHat <= MAX_SUBLINEAR_EXPONENT ? "sublinear" : "linear";
  return {
    from,
    to,
    points: wt.length,
    logLinearSlope: s,
    linearRate: -s,
    contraction: Math.exp(s),
    logLogSlope: p,
    slopeRatio: ratio,
    shiftedPowerExponent: qHat,
    classification,
  };
}

/**
 * The first recorded iteration at which the error is ≤ level (undefined if never).
 * With a log-spaced record schedule this is an upper bound within one recorded step.
 */
export function iterationsToLevel(iterations: ArrayLike<number>, errors: ArrayLike<number>, level: number): number | undefined {
  for (let i = 0; i < Math.min(iterations.length, errors.length); i++) if (errors[i] <= level) return iterations[i];
  return undefined;
}

/**
 * Least-squares slope of ln y against ln x over the points where both are finite and
 * positive — e.g. the exponent of the linear rate against α (2 for a rate ∝ α²).
 */
export function logLogFit(x: ArrayLike<number>, y: ArrayLike<number>): { slope: number; intercept: number; points: number } {
  const lx: number[] = [],
    ly: number[] = [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] > 0 && y[i] > 0 && Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      lx.push(Math.log(x[i]));
      ly.push(Math.log(y[i]));
    }
  }
  const slope = lsSlope(lx, ly);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  return { slope, intercept: my - slope * mx, points: lx.length };
}
