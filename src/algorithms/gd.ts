import { type Matrix, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import { FactoredStepper } from "./stepper.js";

/**
 * Gradient descent on the symmetric factorization, f(X) = ½‖A(XXᵀ) − y‖²:
 *   X ← X − η (S + Sᵀ) X,  S = A*(A(XXᵀ) − y)
 * (the exact gradient; equals 2ηSX when S is symmetric). A paper that writes
 * X ← X − η A*A(XXᵀ − M*) X uses step 2η in this convention.
 */
export class GradientDescentSymmetric extends FactoredStepper {
  readonly method: string = "gd";
  private readonly SX: Matrix;
  private readonly StX: Matrix;

  constructor(operator: SensingOperator, y: Float64Array, X0: Matrix, stepSize: number) {
    super(operator, y, { kind: "symmetric", X: X0 }, stepSize);
    if (X0.rows !== operator.n1 || operator.n1 !== operator.n2) throw new RangeError(`X₀ has ${X0.rows} rows; the operator is ${operator.n1}×${operator.n2}`);
    this.SX = zeros(X0.rows, X0.cols);
    this.StX = zeros(X0.rows, X0.cols);
  }

  /** ∇f(X) = (S + Sᵀ)X at the current point, written into `out`. */
  gradient(out: Matrix): Matrix {
    const X = this.left;
    this.operator.adjointFactored(this.residual(), X, X, this.SX, this.StX);
    const a = this.SX.data, b = this.StX.data, o = out.data;
    for (let i = 0; i < o.length; i++) o[i] = a[i] + b[i];
    return out;
  }

  protected update(): void {
    const X = this.left;
    this.operator.adjointFactored(this.residual(), X, X, this.SX, this.StX);
    const eta = this.stepSize, x = X.data, a = this.SX.data, b = this.StX.data;
    for (let i = 0; i < x.length; i++) x[i] -= eta * (a[i] + b[i]);
  }
}

/**
 * Gradient descent on the asymmetric factorization, f(F, G) = ½‖A(FGᵀ) − y‖², with
 * simultaneous (Jacobi) updates:
 *   F ← F − η S G,  G ← G − η Sᵀ F,  S = A*(A(FGᵀ) − y),
 * both right-hand sides evaluated at the old (F, G).
 */
export class GradientDescentAsymmetric extends FactoredStepper {
  readonly method: string = "gd";
  protected readonly SG: Matrix;
  protected readonly StF: Matrix;

  constructor(operator: SensingOperator, y: Float64Array, F0: Matrix, G0: Matrix, stepSize: number) {
    super(operator, y, { kind: "asymmetric", F: F0, G: G0 }, stepSize);
    if (F0.rows !== operator.n1 || G0.rows !== operator.n2 || F0.cols !== G0.cols) {
      throw new RangeError(`factors ${F0.rows}×${F0.cols} and ${G0.rows}×${G0.cols} do not fit the ${operator.n1}×${operator.n2} operator`);
    }
    this.SG = zeros(F0.rows, F0.cols);
    this.StF = zeros(G0.rows, G0.cols);
  }

  /** (∇_F f, ∇_G f) = (S G, Sᵀ F) at the current point, written into the outputs. */
  gradient(outF: Matrix, outG: Matrix): void {
    this.operator.adjointFactored(this.residual(), this.left, this.right, outF, outG);
  }

  protected update(): void {
    const F = this.left, G = this.right;
    this.operator.adjointFactored(this.residual(), F, G, this.SG, this.StF);
    const eta = this.stepSize;
    const f = F.data, g = G.data, sg = this.SG.data, stf = this.StF.data;
    for (let i = 0; i < f.length; i++) f[i] -= eta * sg[i];
    for (let i = 0; i < g.length; i++) g[i] -= eta * stf[i];
  }
}
