import { z } from "zod";
import { finite } from "../io/config-fields.js";
import { norm2 } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import type { Factors } from "../problem/factors.js";
import { defineMethod } from "./method.js";
import { PreconditionedGradientDescent, preconditionedWorkspaceBytes } from "./scaledGd.js";

/** Options of PrecGD's damping λ_t = max(floor, scale·‖A(P_t) − y‖₂). */
export interface PrecGdOptions {
  /** `method.dampingScale` (default 1). */
  dampingScale: number;
  /** `method.dampingFloor` (default 1e-15). */
  dampingFloor: number;
}

/**
 * PrecGD (Zhang, Fattahi & Zhang, "Preconditioned gradient descent for over-parameterized
 * nonconvex matrix factorization", NeurIPS 2021):
 *   X ← X − η ∇f(X) (XᵀX + λ_t I)⁻¹,   λ_t = max(dampingFloor, dampingScale·‖A(XXᵀ) − y‖₂),
 * and for FGᵀ (our extension, the same rule on each factor, simultaneous):
 *   F ← F − η S G (GᵀG + λ_t I)⁻¹,  G ← G − η Sᵀ F (FᵀF + λ_t I)⁻¹.
 * The damping shrinks with the residual, so the redundant directions of an
 * over-parameterized X (where XᵀX → 0) are preconditioned by ≈ 1/λ_t and converge
 * linearly, unlike GD (sublinear) and ScaledGD(λ) (stuck at a floor); the paper's choice
 * is λ_t ∝ √f(X) = ‖A(XXᵀ) − y‖/√2 here, i.e. a scale constant of order 1.
 * The tiny floor only keeps the k×k Cholesky solve well posed when the residual is
 * exactly 0 and XᵀX singular; it does not limit accuracy (PrecGD reaches relative
 * errors near machine precision with the default 1e-15).
 * Step size: an update written X ← X − η_p A*(A(XXᵀ) − y) X (XᵀX + λI)⁻¹ is η = η_p/2
 * here (our ∇f = 2SX); one written with the gradient of ½‖A(XXᵀ) − y‖² is η = η_p.
 */
export class PreconditionedGradientDescentAdaptive extends PreconditionedGradientDescent {
  readonly method: string = "precgd";
  constructor(
    operator: SensingOperator,
    y: Float64Array,
    x0: Factors,
    stepSize: number,
    readonly options: PrecGdOptions,
  ) {
    super(operator, y, x0, stepSize);
    const { dampingScale: s, dampingFloor: f } = options;
    if (!(s >= 0) || !Number.isFinite(s)) throw new RangeError(`precgd: method.dampingScale must be a finite number ≥ 0, got ${s}`);
    if (!(f > 0) || !Number.isFinite(f)) throw new RangeError(`precgd: method.dampingFloor must be a finite number > 0, got ${f}`);
  }

  protected damping(): number {
    return Math.max(this.options.dampingFloor, this.options.dampingScale * norm2(this.residual()));
  }

  diagnostics(): Record<string, number> {
    return { damping: this.damping() };
  }
}

/** `precgd`: PrecGD (Zhang, Fattahi & Zhang 2021). */
export const precGdMethod = defineMethod({
  name: "precgd",
  summary: "PrecGD (Zhang, Fattahi & Zhang, NeurIPS 2021): preconditioners (XᵀX + λ_t I)⁻¹ with λ_t from the residual",
  live: ["dampingScale", "dampingFloor"],
  options: {
    dampingScale: finite("method.dampingScale")
      .pipe(z.number().min(0, "method.dampingScale must be ≥ 0"))
      .default(1)
      .describe("precgd: λ_t = max(dampingFloor, dampingScale·‖A(P_t) − y‖₂)"),
    dampingFloor: finite("method.dampingFloor")
      .pipe(z.number().positive("method.dampingFloor must be > 0"))
      .default(1e-15)
      .describe("precgd: lower bound of λ_t (keeps the k×k solve well posed at convergence; too small to limit accuracy)"),
  },
  workspaceBytes: preconditionedWorkspaceBytes,
  create: (c, operator, y, init) =>
    new PreconditionedGradientDescentAdaptive(operator, y, init, c.method.stepSize, {
      dampingScale: c.method.dampingScale,
      dampingFloor: c.method.dampingFloor,
    }),
});
