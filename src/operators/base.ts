import { type Matrix, matmul, matmulNT, matmulTN, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "./types.js";

/**
 * Random draws per block of an operator build in steps (whole rows; see gaussianOperatorSteps): 2¹⁶ normal
 * draws take about 7 ms (113 ns a draw, the fastest of 30 blocks of 2¹⁸ measured here under load), well
 * under the 50 ms between two polls of a stop request.
 */
export const DRAW_BLOCK_ENTRIES = 1 << 16;

/** Rows of `rowEntries` draws per block of a build in steps: about {@link DRAW_BLOCK_ENTRIES} draws, at least one row. */
export function drawRowsPerBlock(rowEntries: number): number {
  return Math.max(1, Math.floor(DRAW_BLOCK_ENTRIES / Math.max(1, rowEntries)));
}

/** Bytes of the two dense n1×n2 float64 work matrices (P = FGᵀ and S = A*(z)) of {@link MatrixSensingOperator}. */
export function denseWorkBytes(n1: number, n2: number): number {
  return 2 * 8 * n1 * n2;
}

/**
 * What every operator shares: shape checks of `apply` / `adjoint` inputs and the factored
 * products through the dense work matrices P = FGᵀ (n1·n2·k flops, small next to a pass
 * over the operator) and S = A*(z), formed once and multiplied by the factors. Operators
 * with a cheaper factored path (completion, rank-one, identity) override them.
 *
 * Normalization (every operator): A(Z)_i = ⟨A_i, Z⟩/√m, A*(z) = Σ_i z_i A_i/√m, so
 * E‖A(Z)‖² = ‖Z‖_F² (completion: P_Ω(Z)/√p).
 */
export abstract class MatrixSensingOperator implements SensingOperator {
  abstract readonly type: string;
  abstract readonly m: number;
  abstract readonly bytes: number;
  abstract readonly backend: string;
  abstract readonly scale: number;
  abstract readonly symmetricMeasurements: boolean;
  private work: { P: Matrix; S: Matrix } | null = null;

  /** @param denseWork allocate P and S now (counted in `workBytes`) */
  constructor(
    readonly n1: number,
    readonly n2: number,
    denseWork = true,
  ) {
    if (denseWork) this.work = { P: zeros(n1, n2), S: zeros(n1, n2) };
  }

  /** Bytes of the work matrices P and S (0 when the operator has its own factored path). */
  get workBytes(): number {
    return this.work ? denseWorkBytes(this.n1, this.n2) : 0;
  }

  /** The n1×n2 work matrix P (FGᵀ). */
  protected get P(): Matrix {
    this.work ??= { P: zeros(this.n1, this.n2), S: zeros(this.n1, this.n2) };
    return this.work.P;
  }

  /** The n1×n2 work matrix S (A*(z)). */
  protected get S(): Matrix {
    this.work ??= { P: zeros(this.n1, this.n2), S: zeros(this.n1, this.n2) };
    return this.work.S;
  }

  abstract apply(Z: Matrix, out?: Float64Array): Float64Array;
  abstract adjoint(z: Float64Array, out?: Matrix): Matrix;
  abstract dispose(): void;

  protected checkApply(Z: Matrix): void {
    if (Z.rows !== this.n1 || Z.cols !== this.n2) throw new RangeError(`apply: Z is ${Z.rows}×${Z.cols}, operator takes ${this.n1}×${this.n2}`);
  }

  protected checkAdjoint(z: Float64Array): void {
    if (z.length !== this.m) throw new RangeError(`adjoint: z has ${z.length} entries, operator has m = ${this.m}`);
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
}
