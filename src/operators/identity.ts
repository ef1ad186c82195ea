import { type Matrix, matmul, matmulNT, matmulTN, zeros } from "../linalg/matrix.js";
import { MatrixSensingOperator } from "./base.js";
import { defineOperator } from "./operator.js";

/**
 * The identity operator ("pure factorization", the population limit): A(Z) = vec(Z)
 * (row-major), A*(z) = the n1×n2 matrix with entries z; m = n1·n2 and ‖A(Z)‖ = ‖Z‖_F exactly.
 */
export class IdentityOperator extends MatrixSensingOperator {
  readonly type = "identity";
  readonly m: number;
  readonly symmetricMeasurements = false;
  readonly backend = "ts";
  readonly bytes = 0;
  readonly scale = 1;

  constructor(n1: number, n2: number) {
    super(n1, n2, false);
    this.m = n1 * n2;
  }

  apply(Z: Matrix, out?: Float64Array): Float64Array {
    this.checkApply(Z);
    const y = out ?? new Float64Array(this.m);
    y.set(Z.data);
    return y;
  }

  adjoint(z: Float64Array, out?: Matrix): Matrix {
    this.checkAdjoint(z);
    const S = out ?? zeros(this.n1, this.n2);
    S.data.set(z);
    return S;
  }

  /** A(FGᵀ) = vec(FGᵀ), formed directly in `out` (no work matrix). */
  override applyFactored(F: Matrix, G: Matrix, out: Float64Array): Float64Array {
    matmulNT(F, G, { rows: this.n1, cols: this.n2, data: out });
    return out;
  }

  /** S = A*(z) is z viewed as an n1×n2 matrix (no copy). */
  override adjointFactored(z: Float64Array, F: Matrix, G: Matrix, SG: Matrix | null, StF: Matrix | null): void {
    const S: Matrix = { rows: this.n1, cols: this.n2, data: z };
    if (SG) matmul(S, G, SG);
    if (StF) matmulTN(S, F, StF);
  }

  dispose(): void {}
}

/** `identity`: pure factorization (the population limit); m = n1·n2, nothing stored. */
export const identityDescriptor = defineOperator({
  type: "identity",
  summary: "A = id (pure factorization, the population limit): A(Z) = vec(Z), m = n1·n2 (operator.m is ignored)",
  options: {},
  takesM: false,
  isometry: true,
  measurements: (c) => c.problem.n * c.problem.n2,
  bytes: () => 0,
  example: { options: {}, square: true },
  build: (c) => new IdentityOperator(c.problem.n, c.problem.n2),
});
