import { type Matrix, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import { defineMethod } from "./method.js";
import { rightPrecondition } from "./precondition.js";
import { preconditionedWorkspaceBytes } from "./scaledGd.js";
import { FactoredStepper } from "./stepper.js";

/**
 * Approximated Gauss–Newton, AGN (Jia, Feng, Meng & Sun, "Globally Q-linear Gauss–Newton
 * method for overparameterized non-convex matrix sensing", NeurIPS 2024 — the authors' AGN.py /
 * AGN.m, github.com/hsijiaxidian/AGN) on FGᵀ: alternating
 * least-squares steps, each a fresh S = A*(A(FGᵀ) − y) at the current point,
 *   ΔF = argmin_D ‖G Dᵀ − Sᵀ‖_F = S G (GᵀG)⁻¹,     F ← F − η ΔF,
 *   ΔG = argmin_D ‖F Dᵀ − S‖_F  = Sᵀ F (FᵀF)⁻¹,    G ← G − η ΔG   (S recomputed after F moved),
 * i.e. `Delta_L = lstsq(R, Zᵀ)`, `L -= η Delta_Lᵀ`, then `Delta_R = lstsq(L, Z)`, `R -= η Delta_Rᵀ`
 * (the authors' last line omits the transpose, which only runs when k = n). One iteration
 * costs two residual and adjoint evaluations. The least-squares solutions are unique when G
 * and F have full column rank (k ≤ min(n1, n2)); they are computed by a Cholesky solve of the
 * k×k normal equations.
 */
export class ApproximateGaussNewton extends FactoredStepper {
  readonly method: string = "agn";
  private readonly SG: Matrix;
  private readonly StF: Matrix;
  private readonly dF: Matrix;
  private readonly dG: Matrix;

  constructor(operator: SensingOperator, y: Float64Array, F0: Matrix, G0: Matrix, stepSize: number) {
    super(operator, y, { kind: "asymmetric", F: F0, G: G0 }, stepSize);
    this.SG = zeros(F0.rows, F0.cols);
    this.StF = zeros(G0.rows, G0.cols);
    this.dF = zeros(F0.rows, F0.cols);
    this.dG = zeros(G0.rows, G0.cols);
  }

  protected update(): void {
    const F = this.left,
      G = this.right,
      eta = this.stepSize;
    this.adjointProducts(this.SG, null);
    rightPrecondition(this.SG, G, 0, this.dF, this.method);
    const f = F.data,
      df = this.dF.data;
    for (let i = 0; i < f.length; i++) f[i] -= eta * df[i];
    this.invalidate(); // the G step sees S at the new F
    this.adjointProducts(null, this.StF);
    rightPrecondition(this.StF, F, 0, this.dG, this.method);
    const g = G.data,
      dg = this.dG.data;
    for (let i = 0; i < g.length; i++) g[i] -= eta * dg[i];
  }
}

/** `agn`: approximated Gauss–Newton on FGᵀ (Jia et al. 2024). */
export const agnMethod = defineMethod({
  name: "agn",
  summary:
    "approximated Gauss–Newton (Jia, Feng, Meng & Sun, NeurIPS 2024; FGᵀ only): alternating F ← F − η S G (GᵀG)⁻¹, then G ← G − η Sᵀ F (FᵀF)⁻¹ with S " +
    "at the new F",
  options: {},
  rules: (c) => {
    const k = c.model.k,
      { n, n2 } = c.problem;
    if (c.model.type !== "asymmetric") return [{ path: "model.type", value: c.model.type, message: 'agn is defined on FGᵀ: use model.type "asymmetric"' }];
    return k > Math.min(n, n2)
      ? [{ path: "model.k", value: k, message: `agn solves least squares with GᵀG and FᵀF, singular for k > min(n1, n2) = ${Math.min(n, n2)}` }]
      : [];
  },
  workspaceBytes: preconditionedWorkspaceBytes,
  create: (c, operator, y, init) => {
    if (init.kind !== "asymmetric") throw new RangeError('agn needs model.type "asymmetric"');
    return new ApproximateGaussNewton(operator, y, init.F, init.G, c.method.stepSize);
  },
});
