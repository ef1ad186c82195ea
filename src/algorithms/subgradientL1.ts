import { z } from "zod";
import { finite } from "../io/config-fields.js";
import { type Matrix, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import type { Factors } from "../problem/factors.js";
import { defineMethod } from "./method.js";
import { FactoredStepper } from "./stepper.js";

/**
 * Subgradient method for the robust ℓ1 loss h(P) = (1/√m)‖A(P) − y‖₁, P = XXᵀ or FGᵀ, with
 * geometrically decaying steps η_t = η·q^t (`method.stepSize`, `method.decay`):
 *   S₁ = A*(sign(A(P) − y))/√m  (a subgradient of h at P; sign(0) = 0),
 *   symmetric  X ← X − η_t (S₁ + S₁ᵀ) X;   asymmetric  F ← F − η_t S₁ G,  G ← G − η_t S₁ᵀ F
 * (simultaneous). With A(Z)_i = ⟨A_i, Z⟩/√m, h(P) = (1/m) Σ_i |⟨A_i, P⟩ − √m·y_i|, the
 * normalization of Li, Zhu, So & Vidal ("Nonconvex robust low-rank matrix recovery",
 * SIAM J. Optim. 2020), whose subgradient method with geometrically diminishing steps
 * μ_t = μ₀ q^t recovers M* exactly from measurements with a constant fraction of
 * arbitrary outliers; there U ← U − μ_t ∂h(U) for the symmetric model with ∂h(U) =
 * (1/m)Σ sign(·)(A_i + A_iᵀ)U, which is exactly our (S₁ + S₁ᵀ)X, so μ_t = η_t. (Rank
 * over-specified k > r with small init: Ding, Jiang, Chen, Qu & Zhu 2021.)
 * The `l1_loss` column records h; `loss` stays ½‖A(P) − y‖² as for every method.
 */
export class SubgradientL1 extends FactoredStepper {
  readonly method: string = "subgradient-l1";
  readonly adaptiveStep = true;
  private readonly sgn: Float64Array;
  private readonly SG: Matrix;
  private readonly StF: Matrix;

  constructor(
    operator: SensingOperator,
    y: Float64Array,
    x0: Factors,
    stepSize: number,
    readonly decay: number,
  ) {
    super(operator, y, x0, stepSize);
    if (!(decay > 0 && decay <= 1)) throw new RangeError(`subgradient-l1: method.decay must be in (0, 1], got ${decay}`);
    const L = this.left,
      R = this.right;
    this.sgn = new Float64Array(operator.m);
    this.SG = zeros(L.rows, L.cols);
    this.StF = zeros(R.rows, R.cols);
  }

  /** η_t = stepSize·decay^t for the next step. */
  currentStep(): number {
    return this.stepSize * Math.pow(this.decay, this.iteration);
  }

  protected update(): void {
    const r = this.residual(),
      sgn = this.sgn,
      c = 1 / Math.sqrt(this.operator.m);
    for (let i = 0; i < r.length; i++) sgn[i] = r[i] > 0 ? c : r[i] < 0 ? -c : 0;
    const F = this.left,
      G = this.right;
    this.operator.adjointFactored(sgn, F, G, this.SG, this.StF);
    const eta = this.currentStep();
    const a = this.SG.data,
      b = this.StF.data;
    if (this.x.kind === "symmetric") {
      const x = F.data;
      for (let i = 0; i < x.length; i++) x[i] -= eta * (a[i] + b[i]);
      return;
    }
    const f = F.data,
      g = G.data;
    for (let i = 0; i < f.length; i++) f[i] -= eta * a[i];
    for (let i = 0; i < g.length; i++) g[i] -= eta * b[i];
  }

  diagnostics(): Record<string, number> {
    const r = this.residual();
    let s = 0;
    for (let i = 0; i < r.length; i++) s += Math.abs(r[i]);
    return { l1_loss: s / Math.sqrt(this.operator.m), step: this.currentStep() };
  }
}

/** `subgradient-l1`: subgradient method for the robust ℓ1 loss. */
export const subgradientL1Method = defineMethod({
  name: "subgradient-l1",
  summary: "subgradient method for the robust ℓ1 loss (1/√m)‖A(P) − y‖₁ with geometrically decaying steps (Li, Zhu, So & Vidal 2020)",
  live: ["decay"],
  options: {
    decay: finite("method.decay")
      .pipe(z.number().gt(0, "method.decay must be > 0").max(1, "method.decay must be ≤ 1"))
      .default(0.98)
      .describe("subgradient-l1: steps η_t = stepSize·decay^t"),
  },
  workspaceBytes: (c) => 8 * (c.operator.m + c.model.k * (c.problem.n + c.problem.n2)),
  create: (c, operator, y, init) => new SubgradientL1(operator, y, init, c.method.stepSize, c.method.decay),
});
