import { z } from "zod";
import { finite, nonNegInt } from "../io/config-fields.js";
import { type Matrix, matmul, norm2, zeros } from "../linalg/matrix.js";
import { imbalance } from "../metrics/metrics.js";
import type { SensingOperator } from "../operators/types.js";
import { rebalanceFactors } from "./rebalance.js";
import { defineMethod } from "./method.js";
import { batchSizeOption, batchSizeRules, withMinibatches } from "./minibatch.js";
import { DeepGradientDescent } from "./deep.js";
import { FactoredStepper, type StepperState } from "./stepper.js";

/** Options of GD on FGᵀ beyond the step size (all off by default: plain GD). */
export interface AsymmetricGdOptions {
  /**
   * μ ≥ 0 (`method.balanceWeight`): adds the balancing regularizer (μ/4)‖FᵀF − GᵀG‖²_F to
   * the loss, i.e. the gradients gain μ F D and −μ G D with D = FᵀF − GᵀG. Default 0.
   */
  balanceWeight?: number;
  /** `method.rebalanceAtIteration`: one-step rebalancing at this iteration (0 = the init). */
  rebalanceAtIteration?: number;
  /**
   * `method.rebalanceBelowRelResidual`: one-step rebalancing the first time
   * ‖A(FGᵀ) − y‖/‖y‖ drops below this (whichever trigger comes first fires; once only).
   */
  rebalanceBelowRelResidual?: number;
}

/**
 * Gradient descent on the symmetric factorization, f(X) = ½‖A(XXᵀ) − y‖²:
 *   X ← X − η (S + Sᵀ) X,  S = A*(A(XXᵀ) − y)
 * (the exact gradient; the step is 2ηSX when S is symmetric). A paper that writes
 * X ← X − η′ A*A(XXᵀ − M*) X takes the step η = η′/2 in this convention.
 */
export class GradientDescentSymmetric extends FactoredStepper {
  readonly method: string = "gd";
  private readonly SX: Matrix;
  private readonly StX: Matrix;

  constructor(operator: SensingOperator, y: Float64Array, X0: Matrix, stepSize: number) {
    super(operator, y, { kind: "symmetric", X: X0 }, stepSize);
    this.SX = zeros(X0.rows, X0.cols);
    this.StX = zeros(X0.rows, X0.cols);
  }

  /** ∇f(X) = (S + Sᵀ)X at the current point, written into `out`. */
  gradient(out: Matrix): Matrix {
    this.adjointProducts(this.SX, this.StX);
    const a = this.SX.data,
      b = this.StX.data,
      o = out.data;
    for (let i = 0; i < o.length; i++) o[i] = a[i] + b[i];
    return out;
  }

  protected update(): void {
    const X = this.left;
    this.gradientProducts(this.SX, this.StX);
    const eta = this.stepSize,
      x = X.data,
      a = this.SX.data,
      b = this.StX.data;
    for (let i = 0; i < x.length; i++) x[i] -= eta * (a[i] + b[i]);
  }
}

/**
 * Gradient descent on the asymmetric factorization, f(F, G) = ½‖A(FGᵀ) − y‖², with
 * simultaneous (Jacobi) updates:
 *   F ← F − η S G,  G ← G − η Sᵀ F,  S = A*(A(FGᵀ) − y),
 * both right-hand sides evaluated at the old (F, G).
 *
 * Options (see {@link AsymmetricGdOptions}):
 * - balancing regularizer μ (Tu et al. 2016, Park et al. 2017 style): F ← F − η(S G + μ F D),
 *   G ← G − η(Sᵀ F − μ G D), D = FᵀF − GᵀG at the old point — the gradient of
 *   f + (μ/4)‖D‖²_F;
 * - one-step rebalancing (Xiong, Ding & Du, ICLR 2024, §5; see {@link rebalanceFactors}):
 *   once, right after the iteration where it triggers, (F, G) ← (F P, G P⁻ᵀ) with
 *   P = (FᵀF)^(−1/2); the recorded point of that iteration is the rebalanced one (same
 *   product). The event "rebalanced at iteration t" is recorded in `events`.
 */
export class GradientDescentAsymmetric extends FactoredStepper {
  readonly method: string = "gd";
  protected readonly SG: Matrix;
  protected readonly StF: Matrix;
  readonly balanceWeight: number;
  readonly rebalanceAtIteration?: number;
  readonly rebalanceBelowRelResidual?: number;
  /** Iteration at which rebalancing fired, if it did. */
  rebalancedAt?: number;
  private readonly normY: number;

  constructor(operator: SensingOperator, y: Float64Array, F0: Matrix, G0: Matrix, stepSize: number, options: AsymmetricGdOptions = {}) {
    super(operator, y, { kind: "asymmetric", F: F0, G: G0 }, stepSize);
    this.SG = zeros(F0.rows, F0.cols);
    this.StF = zeros(G0.rows, G0.cols);
    const mu = options.balanceWeight ?? 0;
    if (!(mu >= 0) || !Number.isFinite(mu)) throw new RangeError(`method.balanceWeight must be a finite number ≥ 0, got ${mu}`);
    this.balanceWeight = mu;
    const at = options.rebalanceAtIteration;
    if (at !== undefined && (!Number.isInteger(at) || at < 0)) throw new RangeError(`method.rebalanceAtIteration must be an integer ≥ 0, got ${at}`);
    const below = options.rebalanceBelowRelResidual;
    if (below !== undefined && !(below > 0)) throw new RangeError(`method.rebalanceBelowRelResidual must be > 0, got ${below}`);
    this.rebalanceAtIteration = at;
    this.rebalanceBelowRelResidual = below;
    this.normY = norm2(y);
    this.maybeRebalance();
  }

  /** (∇_F f, ∇_G f) = (S G, Sᵀ F) at the current point, written into the outputs. */
  gradient(outF: Matrix, outG: Matrix): void {
    this.adjointProducts(outF, outG);
  }

  protected update(): void {
    const F = this.left,
      G = this.right;
    this.gradientProducts(this.SG, this.StF);
    const eta = this.stepSize;
    const f = F.data,
      g = G.data,
      sg = this.SG.data,
      stf = this.StF.data;
    if (this.balanceWeight > 0) {
      // ∇ of (μ/4)‖D‖²: μ F D for F, −μ G D for G (D at the old point; added to S G, Sᵀ F)
      const D = imbalance(F, G);
      const FD = matmul(F, D).data,
        GD = matmul(G, D).data,
        mu = this.balanceWeight;
      for (let i = 0; i < sg.length; i++) sg[i] += mu * FD[i];
      for (let i = 0; i < stf.length; i++) stf[i] -= mu * GD[i];
    }
    for (let i = 0; i < f.length; i++) f[i] -= eta * sg[i];
    for (let i = 0; i < g.length; i++) g[i] -= eta * stf[i];
  }

  override step(): void {
    super.step();
    this.maybeRebalance();
  }

  override saveState(): StepperState | null {
    const s = super.saveState();
    if (s) s.scalars.rebalancedAt = this.rebalancedAt ?? null;
    return s;
  }

  override restoreState(state: StepperState): void {
    super.restoreState(state);
    const at = state.scalars.rebalancedAt;
    this.rebalancedAt = at === null || at === undefined ? undefined : at;
  }

  /** Rebalances once when a trigger fires at the current point. */
  private maybeRebalance(): void {
    if (this.rebalancedAt !== undefined) return;
    const t = this.iteration;
    let why: string | undefined;
    if (this.rebalanceAtIteration !== undefined && t >= this.rebalanceAtIteration) why = `method.rebalanceAtIteration = ${this.rebalanceAtIteration}`;
    else if (this.rebalanceBelowRelResidual !== undefined) {
      const rel = norm2(this.residual()) / this.normY;
      if (rel < this.rebalanceBelowRelResidual) why = `relative residual ${rel.toExponential(3)} < ${this.rebalanceBelowRelResidual}`;
    }
    if (!why) return;
    rebalanceFactors(this.left, this.right);
    this.invalidate();
    this.rebalancedAt = t;
    this.events.push({ iteration: t, message: `rebalanced at iteration ${t} (${why})` });
  }
}

/** `gd`: gradient descent on XXᵀ or FGᵀ, with the balancing and rebalancing options of FGᵀ. */
export const gdMethod = defineMethod({
  name: "gd",
  summary: "gradient descent on XXᵀ or FGᵀ (simultaneous updates), optionally balanced or rebalanced once (FGᵀ)",
  gdStepRule: true,
  live: ["balanceWeight", "rebalanceAtIteration", "rebalanceBelowRelResidual"],
  options: {
    balanceWeight: finite("method.balanceWeight")
      .pipe(z.number().min(0, "method.balanceWeight must be ≥ 0"))
      .default(0)
      .describe("gd on FGᵀ: weight μ of the balancing regularizer (μ/4)‖FᵀF − GᵀG‖²_F added to the loss (0 = off)"),
    rebalanceAtIteration: nonNegInt("method.rebalanceAtIteration")
      .optional()
      .describe("gd on FGᵀ: one-step rebalancing (F, G) ← (F P, G P⁻ᵀ), P = (FᵀF)^(−1/2), right after this iteration (0 = at the init; unset = off)"),
    batchSize: batchSizeOption,
    rebalanceBelowRelResidual: finite("method.rebalanceBelowRelResidual")
      .pipe(z.number().positive("method.rebalanceBelowRelResidual must be > 0"))
      .optional()
      .describe("gd on FGᵀ: one-step rebalancing the first time ‖A(FGᵀ) − y‖/‖y‖ < this (unset = off)"),
  },
  rules: (c) => {
    const m = c.method,
      k = c.model.k,
      n1 = c.problem.n;
    const batch = batchSizeRules(c);
    if (batch.length) return batch;
    if (c.model.type === "deep") {
      const set = (["balanceWeight", "rebalanceAtIteration", "rebalanceBelowRelResidual", "batchSize"] as const).find((o) => m[o] !== undefined && m[o] !== 0);
      if (set) return [{ path: `method.${set}`, value: m[set], message: 'is not available with model.type "deep" (plain gradient descent on W_N⋯W_1)' }];
    }
    if (c.model.type === "asymmetric" && (m.rebalanceAtIteration !== undefined || m.rebalanceBelowRelResidual !== undefined) && k > n1) {
      return [
        {
          path: m.rebalanceAtIteration !== undefined ? "method.rebalanceAtIteration" : "method.rebalanceBelowRelResidual",
          value: m.rebalanceAtIteration ?? m.rebalanceBelowRelResidual,
          message: `one-step rebalancing needs FᵀF invertible, impossible for model.k = ${k} > n1 = ${n1}`,
        },
      ];
    }
    return [];
  },
  workspaceBytes: (c) => 8 * c.model.k * (c.problem.n + c.problem.n2),
  deep: true,
  create: (c, operator, y, init) =>
    init.kind === "asymmetric" && c.model.type === "deep"
      ? new DeepGradientDescent(operator, y, init.F, init.G, init.middle ?? [], c.method.stepSize)
      : withMinibatches(
          init.kind === "symmetric"
            ? new GradientDescentSymmetric(operator, y, init.X, c.method.stepSize)
            : new GradientDescentAsymmetric(operator, y, init.F, init.G, c.method.stepSize, {
                balanceWeight: c.method.balanceWeight,
                rebalanceAtIteration: c.method.rebalanceAtIteration,
                rebalanceBelowRelResidual: c.method.rebalanceBelowRelResidual,
              }),
          c.seed,
          c.method.batchSize,
          operator.m,
        ),
});
