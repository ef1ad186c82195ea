import { z } from "zod";
import { finite } from "../io/config-fields.js";
import { type Matrix, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import type { Factors } from "../problem/factors.js";
import { rightPrecondition } from "./precondition.js";
import { defineMethod } from "./method.js";
import { batchSizeOption, batchSizeRules, withMinibatches } from "./minibatch.js";
import { FactoredStepper } from "./stepper.js";

/**
 * Gradient descent with the right preconditioner (factor Gram matrix + λ_t I)⁻¹, shared by
 * ScaledGD (λ = 0), ScaledGD(λ) (fixed λ) and PrecGD (λ_t from the residual):
 *   symmetric:  X ← X − η ∇f(X) (XᵀX + λ_t I)⁻¹,             ∇f(X) = (S + Sᵀ)X;
 *   asymmetric: F ← F − η S G (GᵀG + λ_t I)⁻¹,  G ← G − η Sᵀ F (FᵀF + λ_t I)⁻¹,
 * S = A*(A(P) − y), simultaneous updates (both right-hand sides at the old point).
 * Subclasses choose λ_t by {@link damping}.
 */
export abstract class PreconditionedGradientDescent extends FactoredStepper {
  private readonly SG: Matrix;
  private readonly StF: Matrix;
  private readonly dF: Matrix;
  private readonly dG: Matrix;

  constructor(operator: SensingOperator, y: Float64Array, x0: Factors, stepSize: number) {
    super(operator, y, x0, stepSize);
    const L = this.left,
      R = this.right;
    this.SG = zeros(L.rows, L.cols);
    this.StF = zeros(R.rows, R.cols);
    this.dF = zeros(L.rows, L.cols);
    this.dG = zeros(R.rows, R.cols);
  }

  /** λ_t ≥ 0 at the current point (may use `this.residual()`). */
  protected abstract damping(): number;

  protected update(): void {
    const lambda = this.damping();
    const eta = this.stepSize;
    const F = this.left,
      G = this.right;
    this.gradientProducts(this.SG, this.StF);
    if (this.x.kind === "symmetric") {
      const g = this.SG.data,
        h = this.StF.data;
      for (let i = 0; i < g.length; i++) g[i] += h[i];
      rightPrecondition(this.SG, F, lambda, this.dF, this.method);
      const x = F.data,
        d = this.dF.data;
      for (let i = 0; i < x.length; i++) x[i] -= eta * d[i];
      return;
    }
    rightPrecondition(this.SG, G, lambda, this.dF, this.method);
    rightPrecondition(this.StF, F, lambda, this.dG, this.method);
    const f = F.data,
      g = G.data,
      df = this.dF.data,
      dg = this.dG.data;
    for (let i = 0; i < f.length; i++) f[i] -= eta * df[i];
    for (let i = 0; i < g.length; i++) g[i] -= eta * dg[i];
  }
}

/**
 * ScaledGD (Tong, Ma & Chi, "Accelerating ill-conditioned low-rank matrix estimation via
 * scaled gradient descent", JMLR 2021):
 *   F ← F − η ∇_F f (GᵀG)⁻¹,  G ← G − η ∇_G f (FᵀF)⁻¹;   symmetric X ← X − η ∇f (XᵀX)⁻¹.
 * Step size: the paper's loss for FGᵀ (there LRᵀ) is ½‖A(LRᵀ) − y‖², the same as here,
 * so its η is our η (it recommends η ≈ 0.5 with spectral init). A symmetric update written
 * X ← X − η_p A*(A(XXᵀ) − y) X (XᵀX)⁻¹ (loss ¼‖·‖²) is η = η_p/2 here, since our
 * ∇f = (S + Sᵀ)X = 2SX. Its iteration count to ε is independent of the condition number κ
 * of M*. Needs GᵀG and FᵀF invertible (k = r, or k > r without singular factors); a
 * singular Gram matrix stops the run with an error suggesting ScaledGD(λ).
 */
export class ScaledGradientDescent extends PreconditionedGradientDescent {
  readonly method: string = "scaled-gd";
  protected damping(): number {
    return 0;
  }
}

/**
 * ScaledGD(λ) (Xu, Shen, Chi & Ma, "The power of preconditioning in overparameterized
 * low-rank matrix sensing", ICML 2023): ScaledGD with the damped preconditioners
 *   (XᵀX + λI)⁻¹,  (GᵀG + λI)⁻¹,  (FᵀF + λI)⁻¹,  fixed λ = `method.lambda` > 0.
 * With small random init and k > r it converges fast — independently of κ — to an error
 * floor set by the init scale α and λ (the redundant components shrink only at the rate
 * ~η‖X_⊥‖²/λ per step, so they plateau near their size after the alignment phase, ∝ α²).
 * Step size: the paper (symmetric) writes X ← X − η_p A*(A(XXᵀ) − y) X (XᵀX + λI)⁻¹, the
 * gradient of ¼‖A(XXᵀ) − y‖²; that is η = η_p/2 here (our ∇f = 2SX).
 */
export class ScaledGradientDescentLambda extends PreconditionedGradientDescent {
  readonly method: string = "scaled-gd-lambda";
  constructor(
    operator: SensingOperator,
    y: Float64Array,
    x0: Factors,
    stepSize: number,
    readonly lambda: number,
  ) {
    super(operator, y, x0, stepSize);
    if (!(lambda > 0) || !Number.isFinite(lambda)) throw new RangeError(`scaled-gd-lambda: method.lambda must be a finite number > 0, got ${lambda}`);
  }
  protected damping(): number {
    return this.lambda;
  }
}

/** Work arrays of the preconditioned methods: SG, StF, dF, dG (two n1×k and two n2×k). */
export function preconditionedWorkspaceBytes(c: { problem: { n: number; n2: number }; model: { k: number } }): number {
  return 2 * 8 * c.model.k * (c.problem.n + c.problem.n2);
}

/** `scaled-gd`: ScaledGD (Tong, Ma & Chi 2021). */
export const scaledGdMethod = defineMethod({
  name: "scaled-gd",
  summary: "ScaledGD (Tong, Ma & Chi, JMLR 2021): GD preconditioned by (GᵀG)⁻¹ and (FᵀF)⁻¹",
  options: { batchSize: batchSizeOption },
  rules: (c) => {
    const k = c.model.k,
      { n, n2 } = c.problem;
    return k > Math.min(n, n2)
      ? [
          {
            path: "model.k",
            value: k,
            message:
              `scaled-gd preconditions with (GᵀG)⁻¹ and (FᵀF)⁻¹, which are singular for k > min(n1, n2) = ${Math.min(n, n2)}; use ` +
              `scaled-gd-lambda or precgd`,
          },
        ]
      : batchSizeRules(c);
  },
  workspaceBytes: preconditionedWorkspaceBytes,
  create: (c, operator, y, init) => withMinibatches(new ScaledGradientDescent(operator, y, init, c.method.stepSize), c.seed, c.method.batchSize, operator.m),
});

/** `scaled-gd-lambda`: ScaledGD(λ) (Xu, Shen, Chi & Ma 2023). */
export const scaledGdLambdaMethod = defineMethod({
  name: "scaled-gd-lambda",
  summary: "ScaledGD(λ) (Xu, Shen, Chi & Ma, ICML 2023): preconditioners (XᵀX + λI)⁻¹ with a fixed damping λ",
  live: ["lambda"],
  options: {
    lambda: finite("method.lambda")
      .pipe(z.number().positive("method.lambda must be > 0"))
      .default(0.01)
      .describe("scaled-gd-lambda: damping λ of the preconditioner (XᵀX + λI)⁻¹, in units of M* (σ₁ = 1 by default)"),
  },
  workspaceBytes: preconditionedWorkspaceBytes,
  create: (c, operator, y, init) => new ScaledGradientDescentLambda(operator, y, init, c.method.stepSize, c.method.lambda),
});
