import { z } from "zod";
import { finite, posInt } from "../io/config-fields.js";
import { type Matrix, matmul, matmulTN, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import type { Factors } from "../problem/factors.js";
import { defineMethod } from "./method.js";
import { FactoredStepper, type StepperState, finiteScalar } from "./stepper.js";

/**
 * Gauss–Newton / Levenberg–Marquardt for the composite loss f = h(c(x)), h(P) = ½‖A(P) − y‖²,
 * c the factorization map (c(X) = XXᵀ, c(F, G) = FGᵀ), as in Labassi et al.'s code
 * (github.com/aglabassi/LM_composite_optimization: methods.py `LM_subgradient_method`,
 * gauss_newton_actions.py `GN_action_matrix_tensor`, utils.py `cg_solve`): only c is
 * linearized, so the Gauss–Newton matrix is J_cᵀJ_c of the factorization map,
 *   FGᵀ:  J_cᵀJ_c(D_F, D_G) = (D_F GᵀG + F D_Gᵀ G,  D_G FᵀF + G D_Fᵀ F),
 *   XXᵀ:  J_cᵀJ_c(D) = 2 D XᵀX + 2 X Dᵀ X,
 * and one step is
 *   x ← x − η d,   (J_cᵀJ_c + λ I) d = ∇f(x) = J_cᵀ(S),  S = A*(A(c(x)) − y),
 * solved by conjugate gradients from d = 0 (the reference's `cg_solve`) until
 * ‖residual‖ ≤ `cgTolerance`·‖∇f‖ or `cgMaxIterations` steps. λ = 0 is Gauss–Newton (for
 * k > r J_cᵀJ_c is singular, but ∇f lies in its range and CG from 0 returns the minimum-norm
 * solution); λ > 0 is Levenberg–Marquardt with a fixed damping. The step size η is
 * `method.stepSize` (the reference also offers Polyak-type steps; matsense keeps η constant).
 */
export class GaussNewtonFactored extends FactoredStepper {
  readonly method: string;
  private readonly gL: Matrix;
  private readonly gR: Matrix;
  /** CG vectors over the concatenated factors [L; R] (R absent for XXᵀ). */
  private readonly d: Float64Array;
  private readonly res: Float64Array;
  private readonly p: Float64Array;
  private readonly Ap: Float64Array;
  /** CG steps of the last solve (a diagnostic). */
  private lastCgSteps = 0;

  constructor(
    operator: SensingOperator,
    y: Float64Array,
    x0: Factors,
    stepSize: number,
    readonly damping: number,
    readonly cgTolerance: number,
    readonly cgMaxIterations: number,
    name: string,
  ) {
    super(operator, y, x0, stepSize);
    this.method = name;
    if (!(damping >= 0) || !Number.isFinite(damping)) throw new RangeError(`${name}: method.damping must be a finite number ≥ 0, got ${damping}`);
    const L = this.left,
      R = this.right;
    this.gL = zeros(L.rows, L.cols);
    this.gR = zeros(R.rows, R.cols);
    const size = x0.kind === "symmetric" ? L.data.length : L.data.length + R.data.length;
    this.d = new Float64Array(size);
    this.res = new Float64Array(size);
    this.p = new Float64Array(size);
    this.Ap = new Float64Array(size);
  }

  /** LᵀL and RᵀR at the current factors (set once per update, used by every CG step). */
  private grams: { LL: Matrix; RR: Matrix } | null = null;

  /** out = (J_cᵀJ_c + λI) v at the current factors. */
  private gramAction(v: Float64Array, out: Float64Array): void {
    const L = this.left,
      R = this.right,
      k = L.cols,
      nl = L.data.length;
    const { LL, RR } = this.grams!;
    const lam = this.damping;
    if (this.x.kind === "symmetric") {
      const D: Matrix = { rows: L.rows, cols: k, data: v.subarray(0, nl) };
      const a = matmul(D, LL).data,
        b = matmul(L, matmulTN(D, L)).data;
      for (let i = 0; i < nl; i++) out[i] = 2 * a[i] + 2 * b[i] + lam * v[i];
      return;
    }
    const DF: Matrix = { rows: L.rows, cols: k, data: v.subarray(0, nl) };
    const DG: Matrix = { rows: R.rows, cols: k, data: v.subarray(nl) };
    const fa = matmul(DF, RR).data,
      fb = matmul(L, matmulTN(DG, R)).data;
    const ga = matmul(DG, LL).data,
      gb = matmul(R, matmulTN(DF, L)).data;
    for (let i = 0; i < nl; i++) out[i] = fa[i] + fb[i] + lam * v[i];
    for (let i = 0; i < ga.length; i++) out[nl + i] = ga[i] + gb[i] + lam * v[nl + i];
  }

  protected update(): void {
    this.adjointProducts(this.gL, this.gR);
    const nl = this.gL.data.length;
    const b = this.res; // the CG residual, b − A·0 = b at the start
    if (this.x.kind === "symmetric") {
      const g = this.gL.data,
        h = this.gR.data;
      for (let i = 0; i < nl; i++) b[i] = g[i] + h[i];
    } else {
      b.set(this.gL.data, 0);
      b.set(this.gR.data, nl);
    }
    const LL = matmulTN(this.left, this.left);
    this.grams = { LL, RR: this.x.kind === "symmetric" ? LL : matmulTN(this.right, this.right) };
    const { d, p, Ap } = this;
    d.fill(0);
    p.set(b);
    let rs = 0;
    for (let i = 0; i < b.length; i++) rs += b[i] * b[i];
    const stop = this.cgTolerance * this.cgTolerance * rs;
    let steps = 0;
    while (steps < this.cgMaxIterations && rs > stop) {
      this.gramAction(p, Ap);
      let pAp = 0;
      for (let i = 0; i < p.length; i++) pAp += p[i] * Ap[i];
      if (!(pAp > 0)) break; // p in the null space of a singular J_cᵀJ_c (λ = 0): the solution is complete
      const alpha = rs / pAp;
      let rsNew = 0;
      for (let i = 0; i < d.length; i++) {
        d[i] += alpha * p[i];
        b[i] -= alpha * Ap[i];
        rsNew += b[i] * b[i];
      }
      steps++;
      const beta = rsNew / rs;
      for (let i = 0; i < p.length; i++) p[i] = b[i] + beta * p[i];
      rs = rsNew;
    }
    this.lastCgSteps = steps;
    const eta = this.stepSize,
      l = this.left.data;
    for (let i = 0; i < nl; i++) l[i] -= eta * d[i];
    if (this.x.kind === "asymmetric") {
      const g = this.right.data;
      for (let i = 0; i < g.length; i++) g[i] -= eta * d[nl + i];
    }
  }

  diagnostics(): Record<string, number> {
    return { cg_steps: this.lastCgSteps };
  }

  /** The factors and the CG steps of the last step (the `cg_steps` column of the checkpoint's row). */
  override saveState(): StepperState | null {
    const s = super.saveState();
    if (s) s.scalars.cg_steps = this.lastCgSteps;
    return s;
  }

  override restoreState(state: StepperState): void {
    super.restoreState(state);
    // absent in checkpoints of earlier versions: the resumed run's re-measured row then names the column
    this.lastCgSteps = state.scalars.cg_steps === undefined ? 0 : finiteScalar(state, "cg_steps");
  }
}

/** CG options shared by `gauss-newton` and `levenberg-marquardt` (one schema object each). */
const cgOptions = {
  cgTolerance: finite("method.cgTolerance")
    .pipe(z.number().positive("method.cgTolerance must be > 0").lt(1, "method.cgTolerance must be < 1"))
    .default(1e-10)
    .describe("gauss-newton, levenberg-marquardt: CG stops when ‖(J_cᵀJ_c + λI)d − ∇f‖ ≤ cgTolerance·‖∇f‖"),
  cgMaxIterations: posInt("method.cgMaxIterations")
    .default(100)
    .describe(
      "gauss-newton, levenberg-marquardt: at most this many CG steps per iteration (the reference's max_iter = 100); column cg_steps records the " +
        "steps taken",
    ),
};

// CG vectors (4 × all factor entries) and the two gradient blocks
const workspace = (c: { problem: { n: number; n2: number }; model: { k: number } }) => 6 * 8 * c.model.k * (c.problem.n + c.problem.n2);

/** `gauss-newton`: λ = 0. */
export const gaussNewtonMethod = defineMethod({
  name: "gauss-newton",
  summary: "Gauss–Newton on the factorization map (Labassi et al.'s LM_composite_optimization): x ← x − η d, J_cᵀJ_c d = ∇f by CG",
  options: cgOptions,
  workspaceBytes: workspace,
  create: (c, operator, y, init) =>
    new GaussNewtonFactored(operator, y, init, c.method.stepSize, 0, c.method.cgTolerance, c.method.cgMaxIterations, "gauss-newton"),
});

/** `levenberg-marquardt`: fixed damping λ > 0. */
export const levenbergMarquardtMethod = defineMethod({
  name: "levenberg-marquardt",
  summary: "Levenberg–Marquardt on the factorization map: x ← x − η d, (J_cᵀJ_c + λI) d = ∇f by CG, fixed damping λ = method.damping",
  options: {
    ...cgOptions,
    damping: finite("method.damping")
      .pipe(z.number().positive("method.damping must be > 0"))
      .default(1e-4)
      .describe("levenberg-marquardt: damping λ of (J_cᵀJ_c + λI), in units of σ₁(M*)"),
  },
  workspaceBytes: workspace,
  create: (c, operator, y, init) =>
    new GaussNewtonFactored(operator, y, init, c.method.stepSize, c.method.damping, c.method.cgTolerance, c.method.cgMaxIterations, "levenberg-marquardt"),
});
