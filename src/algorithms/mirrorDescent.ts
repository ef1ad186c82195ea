import { z } from "zod";
import { finite } from "../io/config-fields.js";
import { type Matrix, zeros } from "../linalg/matrix.js";
import { symmetricEigen } from "../linalg/eig.js";
import type { SensingOperator } from "../operators/types.js";
import { defineMethod } from "./method.js";
import { MatrixVariableStepper } from "./matrixStepper.js";
import { SVT_MAX_ENTRIES } from "./svt.js";

/**
 * Mirror descent with the spectral entropy mirror map Φ(X) = tr(X log X − X) on PSD matrices
 * (Wu & Rebeschini, "Implicit regularization in matrix sensing via mirror descent", NeurIPS
 * 2021; the `md` function of github.com/fawuuu/irmsmd algorithms.py, psd branch):
 *   ∇Φ(X₀) = log X₀,  X₀ = α I;   ∇Φ(X_{t+1}) = ∇Φ(X_t) − η sym(S_t),   X_{t+1} = exp(∇Φ(X_{t+1})),
 * with S_t = A*(A(X_t) − y) the gradient of f = ½‖A(X) − y‖² (the reference's
 * `grad = einsum(A, residual)/m` with y unscaled is the same matrix) and sym(S) = (S + Sᵀ)/2 its
 * part in the symmetric matrices (S itself for symmetric A_i). exp is taken by a symmetric
 * eigendecomposition (the reference uses scipy's expm / logm). The iterate stays symmetric
 * positive definite; its trace is not constrained.
 */
export class MirrorDescentPsd extends MatrixVariableStepper {
  readonly method = "mirror-descent";
  /** ∇Φ(X) = log X (symmetric). */
  private readonly phi: Matrix;

  constructor(
    operator: SensingOperator,
    y: Float64Array,
    stepSize: number,
    readonly alpha: number,
  ) {
    super(operator, y, stepSize);
    const n = operator.n1;
    if (operator.n2 !== n) throw new RangeError(`mirror-descent needs a square problem, the operator is ${operator.n1}×${operator.n2}`);
    if (!(alpha > 0) || !Number.isFinite(alpha)) throw new RangeError(`mirror-descent: method.initScale must be a finite number > 0, got ${alpha}`);
    this.phi = zeros(n, n);
    const la = Math.log(alpha);
    for (let i = 0; i < n; i++) {
      this.phi.data[i * n + i] = la;
      this.X.data[i * n + i] = alpha;
    }
  }

  step(): void {
    this.operator.adjoint(this.residual(), this.grad);
    const n = this.phi.rows,
      p = this.phi.data,
      g = this.grad.data,
      eta = this.stepSize;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const s = 0.5 * (g[i * n + j] + g[j * n + i]);
        p[i * n + j] -= eta * s;
        if (j !== i) p[j * n + i] = p[i * n + j];
      }
    }
    this.X = symmetricExp(this.phi);
    this.iteration++;
    this.residualValid = false;
  }

  diagnostics(): Record<string, number> {
    let tr = 0;
    for (let i = 0; i < this.X.rows; i++) tr += this.X.data[i * this.X.rows + i];
    return { trace: tr };
  }
}

/** exp(Φ) = V diag(e^λ) Vᵀ for symmetric Φ = V diag(λ) Vᵀ (exactly symmetric: the upper triangle is mirrored). */
export function symmetricExp(phi: Matrix): Matrix {
  const n = phi.rows;
  const { values, vectors } = symmetricEigen(phi);
  const e = Float64Array.from(values, Math.exp);
  const X = zeros(n, n),
    v = vectors.data,
    x = X.data;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let acc = 0;
      for (let l = 0; l < n; l++) acc += v[i * n + l] * e[l] * v[j * n + l];
      x[i * n + j] = acc;
      x[j * n + i] = acc;
    }
  }
  return X;
}

/** `mirror-descent`: spectral-entropy mirror descent on a PSD matrix variable. */
export const mirrorDescentMethod = defineMethod({
  name: "mirror-descent",
  summary:
    "mirror descent with the spectral entropy mirror map on a PSD matrix variable (Wu & Rebeschini, NeurIPS 2021): log X ← log X − η sym(S), X₀ = α I " +
    "(ignores the init and model.k)",
  options: {
    initScale: finite("method.initScale")
      .pipe(z.number().positive("method.initScale must be > 0"))
      .default(1e-3)
      .describe("mirror-descent: X₀ = initScale·I (the reference's alpha; small = strong implicit low-rank bias)"),
  },
  rules: (c) => {
    const { n, n2 } = c.problem;
    if (n2 !== n)
      return [{ path: "problem.n2", value: n2, message: `mirror-descent works on a PSD n×n matrix variable: problem.n2 must equal problem.n = ${n}` }];
    return n * n2 > SVT_MAX_ENTRIES
      ? [
          {
            path: "method.name",
            value: "mirror-descent",
            message: `mirror-descent takes a dense n×n eigendecomposition every iteration; n² = ${n * n2} ` + `exceeds ${SVT_MAX_ENTRIES}`,
          },
        ]
      : [];
  },
  // Φ, X, the gradient, the eigenvectors (n×n each) and r (m)
  workspaceBytes: (c) => 8 * (4 * c.problem.n * c.problem.n + c.operator.m),
  create: (c, operator, y) => new MirrorDescentPsd(operator, y, c.method.stepSize, c.method.initScale),
});
