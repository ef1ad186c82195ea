import { type Matrix, matmul, matmulNT, matmulTN, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "./types.js";

/**
 * The identity operator ("pure factorization", the population limit): A(Z) = vec(Z)
 * (row-major), A*(z) = the n1×n2 matrix with entries z; m = n1·n2 and ‖A(Z)‖ = ‖Z‖_F exactly.
 */
export class IdentityOperator implements SensingOperator {
  readonly type = "identity";
  readonly m: number;
  readonly symmetricMeasurements = false;
  readonly backend = "ts";
  readonly bytes = 0;
  readonly scale = 1;
  private readonly P: Matrix;

  constructor(readonly n1: number, readonly n2: number) {
    this.m = n1 * n2;
    this.P = zeros(n1, n2);
  }

  apply(Z: Matrix, out?: Float64Array): Float64Array {
    if (Z.rows !== this.n1 || Z.cols !== this.n2) throw new RangeError(`apply: Z is ${Z.rows}×${Z.cols}, operator takes ${this.n1}×${this.n2}`);
    const y = out ?? new Float64Array(this.m);
    y.set(Z.data);
    return y;
  }

  adjoint(z: Float64Array, out?: Matrix): Matrix {
    if (z.length !== this.m) throw new RangeError(`adjoint: z has ${z.length} entries, operator has m = ${this.m}`);
    const S = out ?? zeros(this.n1, this.n2);
    S.data.set(z);
    return S;
  }

  applyFactored(F: Matrix, G: Matrix, out: Float64Array): Float64Array {
    matmulNT(F, G, this.P);
    out.set(this.P.data);
    return out;
  }

  adjointFactored(z: Float64Array, F: Matrix, G: Matrix, SG: Matrix | null, StF: Matrix | null): void {
    const S: Matrix = { rows: this.n1, cols: this.n2, data: z };
    if (SG) matmul(S, G, SG);
    if (StF) matmulTN(S, F, StF);
  }

  dispose(): void {}
}
