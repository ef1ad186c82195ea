import { type Matrix, matmul, matmulNT, matmulTN, zeros } from "../linalg/matrix.js";
import type { KernelBackend, StorageType, StoredMatrix } from "../kernels/types.js";
import type { Rng } from "../random/rng.js";
import type { SensingOperator } from "./types.js";

/** Bytes a dense m × n1 × n2 operator needs in the given storage. */
export function denseOperatorBytes(m: number, n1: number, n2: number, storage: StorageType = "float64"): number {
  return m * n1 * n2 * (storage === "float32" ? 4 : 8);
}

/**
 * A sensing operator given by an explicit stack of m matrices A_i (n1×n2), stored as an
 * m × (n1·n2) row-major matrix in a kernel backend:
 * A(Z)_i = scale·⟨A_i, Z⟩ (one GEMV), A*(z) = scale·Σ z_i A_i (one GEMVᵀ).
 *
 * In factored form the operator forms P = FGᵀ (n1·n2·k flops, small next to m·n1·n2) and
 * S = A*(z) once, then multiplies S by the factors.
 */
export class DenseSensingOperator implements SensingOperator {
  readonly m: number;
  readonly bytes: number;
  readonly backend: string;
  private readonly P: Matrix;
  private readonly S: Matrix;

  constructor(
    readonly type: string,
    readonly n1: number,
    readonly n2: number,
    private readonly stored: StoredMatrix,
    readonly scale: number,
    readonly symmetricMeasurements: boolean,
  ) {
    this.m = stored.rows;
    if (stored.cols !== n1 * n2) throw new RangeError(`stored operator has ${stored.cols} columns, expected n1·n2 = ${n1 * n2}`);
    this.bytes = stored.values.byteLength;
    this.backend = stored.backend;
    this.P = zeros(n1, n2);
    this.S = zeros(n1, n2);
  }

  apply(Z: Matrix, out?: Float64Array): Float64Array {
    if (Z.rows !== this.n1 || Z.cols !== this.n2) throw new RangeError(`apply: Z is ${Z.rows}×${Z.cols}, operator takes ${this.n1}×${this.n2}`);
    const y = out ?? new Float64Array(this.m);
    this.stored.multiply(Z.data, y);
    const s = this.scale;
    for (let i = 0; i < y.length; i++) y[i] *= s;
    return y;
  }

  adjoint(z: Float64Array, out?: Matrix): Matrix {
    if (z.length !== this.m) throw new RangeError(`adjoint: z has ${z.length} entries, operator has m = ${this.m}`);
    const S = out ?? zeros(this.n1, this.n2);
    this.stored.multiplyTranspose(z, S.data);
    const s = this.scale, d = S.data;
    for (let i = 0; i < d.length; i++) d[i] *= s;
    return S;
  }

  applyFactored(F: Matrix, G: Matrix, out: Float64Array): Float64Array {
    matmulNT(F, G, this.P);
    return this.apply(this.P, out);
  }

  adjointFactored(z: Float64Array, F: Matrix, G: Matrix, SG: Matrix | null, StF: Matrix | null): void {
    this.adjoint(z, this.S);
    if (SG) matmul(this.S, G, SG);
    if (StF) matmulTN(this.S, F, StF);
  }

  denseTensor(): Float64Array {
    const v = this.stored.values;
    return v instanceof Float64Array ? v.slice() : Float64Array.from(v);
  }

  dispose(): void {
    this.stored.dispose();
  }
}

/**
 * Gaussian sensing: A_i with i.i.d. N(0,1) entries, A(Z)_i = ⟨A_i, Z⟩/√m, so
 * E‖A(Z)‖² = ‖Z‖_F² for every Z. Entries are drawn in order (i, row, col) from `rng`;
 * with float32 storage each draw is rounded to float32 and that value *is* the entry.
 */
export function gaussianOperator(
  m: number, n1: number, n2: number, rng: Rng, backend: KernelBackend, storage: StorageType = "float64",
): DenseSensingOperator {
  const stored = backend.allocate(m, n1 * n2, storage);
  rng.fillNormal(stored.values);
  return new DenseSensingOperator("gaussian", n1, n2, stored, 1 / Math.sqrt(m), false);
}

/**
 * Symmetric Gaussian sensing: A_i = (B_i + B_iᵀ)/2 with B_i i.i.d. N(0,1) entries (drawn
 * in order (i, row, col)), A(Z)_i = ⟨A_i, Z⟩/√m, so E‖A(Z)‖² = ‖Z‖_F² for symmetric Z.
 * The stored A_i are exactly symmetric.
 */
export function symmetricGaussianOperator(
  m: number, n: number, rng: Rng, backend: KernelBackend, storage: StorageType = "float64",
): DenseSensingOperator {
  const nn = n * n;
  const stored = backend.allocate(m, nn, storage);
  const v = stored.values;
  const B = new Float64Array(nn);
  for (let i = 0; i < m; i++) {
    rng.fillNormal(B);
    const o = i * nn;
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        const s = 0.5 * (B[a * n + b] + B[b * n + a]);
        v[o + a * n + b] = s;
        v[o + b * n + a] = s;
      }
    }
  }
  return new DenseSensingOperator("symmetric-gaussian", n, n, stored, 1 / Math.sqrt(m), true);
}
