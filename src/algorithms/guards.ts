/**
 * Numerical guards of the driver loop: naming what blew up when a run diverges, turning a
 * step that fails on non-finite input into a divergence, and warning when the loss keeps
 * increasing (a step size above the stable one).
 */
import type { Stepper } from "./stepper.js";

/** Thrown by a step that met non-finite (or overflowing) values; the driver ends the run "diverged". */
export class NonFiniteError extends RangeError {
  constructor(readonly quantity: string) {
    super(`non-finite value: ${quantity}`);
  }
}

function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * Names the first non-finite quantity at the stepper's point: a factor entry (X, F or G
 * with its row and column), else a metric column of `row` (loss, rel_error, …).
 */
export function nonFiniteQuantity(stepper: Stepper, row: Record<string, number>): string {
  const x = stepper.factors();
  if (x) {
    const mats = x.kind === "symmetric" ? [["X", x.X] as const] : [["F", x.F] as const, ["G", x.G] as const];
    for (const [name, M] of mats) {
      const i = firstNonFinite(M.data);
      if (i >= 0) return `${name}[${Math.floor(i / M.cols)}, ${i % M.cols}] = ${M.data[i]} (iterate)`;
    }
  }
  for (const [k, v] of Object.entries(row)) if (!Number.isFinite(v)) return `${k} = ${v}`;
  return "a non-finite metric";
}

/** Consecutive loss increases after which {@link LossWatch} warns. */
export const LOSS_INCREASE_STREAK = 20;

/**
 * Watches the loss at every iteration; after {@link LOSS_INCREASE_STREAK} consecutive
 * increases, a warning with a suggested step size. Model: along the unstable direction
 * of a quadratic the residual is multiplied by (1 − ηλ) per step, so the loss by
 * g = (1 − ηλ)²; a growth g > 1 means ηλ = 1 + √g, the stable bound is η < 2/λ = 2η/(1 + √g),
 * and the suggestion is half of it, η/(1 + √g) (g measured at the first increase of the
 * streak, where the linearization holds best).
 */
export class LossWatch {
  warning: string | undefined;
  private last = NaN;
  private streak = 0;
  private streakStart = NaN;
  private streakFrom = 0;

  /** `stableStep`: an estimate of the largest stable step (when known); the suggestion is at most that. */
  constructor(
    private readonly stepper: Stepper,
    private readonly stableStep = Infinity,
  ) {}

  observe(iteration: number, loss: number): void {
    if (this.warning !== undefined || !Number.isFinite(loss)) return;
    if (loss > this.last) {
      if (this.streak === 0) {
        this.streakStart = this.last;
        this.streakFrom = iteration - 1;
        this.firstGrowth = loss / this.last;
      }
      this.streak++;
      this.lastLoss = loss;
      this.lastIteration = iteration;
      if (this.streak >= LOSS_INCREASE_STREAK) this.warn();
    } else this.streak = 0;
    this.last = loss;
  }

  /**
   * Called when the run diverged: a divergence preceded by ≥ {@link DIVERGED_STREAK}
   * consecutive loss increases is a step size above the stable one — warn with the suggestion.
   */
  diverged(): void {
    if (this.warning === undefined && this.streak >= DIVERGED_STREAK) this.warn();
  }

  private lastLoss = NaN;
  private firstGrowth = NaN;
  private lastIteration = 0;

  private warn(): void {
    if (this.stepper.adaptiveStep) return; // its step is not a fixed η the user chose: no step-size advice
    const eta = this.stepper.stepSize,
      loss = this.lastLoss;
    // the growth of the first increase: nearest to the linearization where the instability starts
    // (later steps grow faster once the iterate is far away: the loss is quartic in the factors)
    const g = Number.isFinite(this.firstGrowth) && this.firstGrowth > 0 ? this.firstGrowth : 1;
    const fromGrowth = suggestedStepSize(eta, g);
    const capped = this.stableStep < fromGrowth;
    const shown = roundDown2(capped ? this.stableStep : fromGrowth);
    this.warning =
      `the loss increased at ${this.streak} consecutive iterations (${this.streakFrom} to ${this.lastIteration}, from ${this.streakStart.toExponential(3)} ` +
      `to ${loss.toExponential(3)}, ×${g.toPrecision(4)} at the first of them): the step size η = ${eta} is probably above the stable one; ` +
      `try method.stepSize = ${shown} (` +
      (capped
        ? `the estimated largest stable step ${this.stableStep.toPrecision(3)}; η/(1 + √growth) = ${fromGrowth.toPrecision(2)} is larger)`
        : "η/(1 + √growth), half the stable bound of a quadratic with that growth)");
  }
}

/** x rounded down to 2 significant digits (a printed step size never above the bound it comes from). */
function roundDown2(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return x;
  const p = Math.pow(10, Math.floor(Math.log10(x)) - 1);
  return Number((Math.floor(x / p) * p).toPrecision(2));
}

/** Consecutive loss increases before a divergence for which {@link LossWatch} still warns. */
export const DIVERGED_STREAK = 3;

/** η/(1 + √g): half the stable step of a quadratic whose loss grows by g > 1 per step at step η (see {@link LossWatch}). */
export function suggestedStepSize(eta: number, growth: number): number {
  return eta / (1 + Math.sqrt(Math.max(1, growth)));
}

/** Throws NonFiniteError naming `what` when a small matrix (e.g. a Gram matrix) has a non-finite entry. */
export function assertFinite(a: ArrayLike<number>, what: string): void {
  const i = firstNonFinite(a);
  if (i >= 0) throw new NonFiniteError(`${what} has the non-finite entry ${a[i]} (the factors overflowed)`);
}
