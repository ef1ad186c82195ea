import type { Matrix } from "../linalg/matrix.js";

/**
 * A linear sensing operator A: ℝ^{n1×n2} → ℝ^m with the normalization used throughout
 * (so that E‖A(Z)‖² = ‖Z‖_F² for Gaussian A_i):
 * A(Z)_i = ⟨A_i, Z⟩/√m and A*(z) = Σ_i z_i A_i/√m (completion: P_Ω(Z)/√p).
 *
 * Methods never need the n1×n2 matrix S = A*(z) itself, only the products S·G and Sᵀ·F
 * and the measurement of a factored product A(FGᵀ); each operator computes those in its
 * cheapest way. The dense `apply` / `adjoint` stay available for tests, spectral
 * initialization and small problems.
 */
export interface SensingOperator {
  /** The `operator.type` this was built from. */
  readonly type: string;
  /** Number of measurements. */
  readonly m: number;
  readonly n1: number;
  readonly n2: number;
  /**
   * True when every A_i is symmetric, so ⟨A_i, Z⟩ only sees the symmetric part of Z
   * (the skew part of an asymmetric FGᵀ is then unidentifiable).
   */
  readonly symmetricMeasurements: boolean;
  /** Kernel backend used for the hot loop (recorded in results). */
  readonly backend: string;
  /** Bytes of memory held by the operator's stored data. */
  readonly bytes: number;

  /** A(Z) for a dense n1×n2 Z; writes into `out` (length m) if given. */
  apply(Z: Matrix, out?: Float64Array): Float64Array;
  /** A*(z) as a dense n1×n2 matrix; writes into `out` if given. */
  adjoint(z: Float64Array, out?: Matrix): Matrix;
  /** A(F Gᵀ) for F n1×k and G n2×k; writes into `out` (length m). */
  applyFactored(F: Matrix, G: Matrix, out: Float64Array): Float64Array;
  /**
   * With S = A*(z): SG ← S·G (n1×k) and StF ← Sᵀ·F (n2×k). Either output may be null when
   * not needed. Inputs are not modified.
   */
  adjointFactored(z: Float64Array, F: Matrix, G: Matrix, SG: Matrix | null, StF: Matrix | null): void;
  /**
   * Optional fused path for operators that stream a stored tensor: r ← A(FGᵀ) − y and
   * S ← A*(r) (dense n1×n2) in one pass over the stored data instead of two (`applyFactored`
   * then `adjointFactored`). r is bitwise what `applyFactored` minus y gives; S agrees with
   * `adjoint(r)` up to rounding (another summation order). Steppers that need A*(r) at the
   * point where they measure r use it when present.
   */
  residualAndAdjoint?(F: Matrix, G: Matrix, y: Float64Array, r: Float64Array, S: Matrix): void;
  /**
   * The measurement tensor A_i (unscaled, without the 1/√m), m × n1 × n2 in C order, exactly
   * as used — for `--save-instance`. Operators with no stored tensor may omit it.
   */
  denseTensor?(): Float64Array;
  /**
   * Arrays that define an operator with no dense tensor, for `--save-instance`
   * (e.g. completion's observed entries), keyed by file stem.
   */
  instanceArrays?(): Record<string, { shape: number[]; data: Float64Array | Float32Array | Int32Array }>;
  /**
   * Measurements that come with the operator (observed entries from a file): y, used in
   * place of A(M*) + noise, and held-out entries for `test_rel_error`.
   */
  observations?(): { y: Float64Array; heldOut?: { rows: Int32Array; cols: Int32Array; values: Float64Array } };
  /** The scale that multiplies ⟨A_i, Z⟩ (1/√m for Gaussian operators). */
  readonly scale: number;
  /** Frees backend memory. */
  dispose(): void;
}
