import { z } from "zod";
import { finite } from "../io/config-fields.js";
import type { Matrix } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import type { Factors } from "../problem/factors.js";
import { defineMethod } from "./method.js";
import { FactoredStepper, type StepperState, restoreVector, saveVector } from "./stepper.js";

/**
 * Heavy-ball momentum gradient descent (Polyak 1964) on XXᵀ or FGᵀ, a common baseline for
 * the factored methods:
 *   X_{t+1} = X_t − η ∇f(X_t) + β (X_t − X_{t−1}),   X_{−1} = X₀,
 * with ∇f the exact gradient of f = ½‖A(P) − y‖² (symmetric: (S + Sᵀ)X; asymmetric: S G
 * and Sᵀ F, simultaneous). β = 0 is exactly `gd`. Near a minimizer with local condition
 * number κ, β ≈ (1 − 1/√κ)² with η ≈ 1/L contracts like 1 − 1/√κ per step instead of GD's
 * 1 − 1/κ.
 */
export class HeavyBallGradientDescent extends FactoredStepper {
  readonly method: string = "heavy-ball";
  private readonly gL: Matrix;
  private readonly gR: Matrix;
  private readonly prevL: Float64Array;
  private readonly prevR: Float64Array;

  constructor(
    operator: SensingOperator,
    y: Float64Array,
    x0: Factors,
    stepSize: number,
    readonly momentum: number,
  ) {
    super(operator, y, x0, stepSize);
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`heavy-ball: method.momentum must be in [0, 1), got ${momentum}`);
    const L = this.left,
      R = this.right;
    this.gL = { rows: L.rows, cols: L.cols, data: new Float64Array(L.data.length) };
    this.gR = { rows: R.rows, cols: R.cols, data: new Float64Array(R.data.length) };
    this.prevL = L.data.slice();
    this.prevR = x0.kind === "symmetric" ? this.prevL : R.data.slice();
  }

  protected update(): void {
    const eta = this.stepSize,
      beta = this.momentum;
    this.adjointProducts(this.gL, this.gR);
    if (this.x.kind === "symmetric") {
      const g = this.gL.data,
        h = this.gR.data;
      for (let i = 0; i < g.length; i++) g[i] += h[i];
      this.move(this.left.data, g, this.prevL, eta, beta);
      return;
    }
    this.move(this.left.data, this.gL.data, this.prevL, eta, beta);
    this.move(this.right.data, this.gR.data, this.prevR, eta, beta);
  }

  /** The factors and the previous iterate X_{t−1} (F_{t−1}, G_{t−1}) of the momentum term. */
  override saveState(): StepperState | null {
    const s = super.saveState();
    if (!s) return null;
    saveVector(s, "heavy_ball_prev_left", this.prevL);
    if (this.x.kind === "asymmetric") saveVector(s, "heavy_ball_prev_right", this.prevR);
    return s;
  }

  override restoreState(state: StepperState): void {
    super.restoreState(state);
    restoreVector(state, "heavy_ball_prev_left", this.prevL);
    if (this.x.kind === "asymmetric") restoreVector(state, "heavy_ball_prev_right", this.prevR);
  }

  /** x ← x − η g + β (x − prev), prev ← old x. */
  private move(x: Float64Array, g: Float64Array, prev: Float64Array, eta: number, beta: number): void {
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      x[i] = beta === 0 ? xi - eta * g[i] : xi - eta * g[i] + beta * (xi - prev[i]);
      prev[i] = xi;
    }
  }
}

/** `heavy-ball`: momentum GD. */
export const heavyBallMethod = defineMethod({
  name: "heavy-ball",
  summary: "heavy-ball momentum GD (Polyak 1964): X ← X − η∇f(X) + β(X − X_prev); β = 0 is gd",
  options: {
    momentum: finite("method.momentum")
      .pipe(z.number().min(0, "method.momentum must be ≥ 0").lt(1, "method.momentum must be < 1"))
      .default(0.5)
      .describe("heavy-ball: momentum β of X ← X − η∇f(X) + β(X − X_prev) (0 = plain gd)"),
  },
  // gradients and previous factors: two copies of all factor entries
  workspaceBytes: (c) => 2 * 8 * c.model.k * (c.problem.n + c.problem.n2),
  create: (c, operator, y, init) => new HeavyBallGradientDescent(operator, y, init, c.method.stepSize, c.method.momentum),
});
