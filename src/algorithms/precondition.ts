import { type Matrix, matmulTN, transpose } from "../linalg/matrix.js";
import { solveSpd } from "../linalg/cholesky.js";
import { assertFinite } from "./guards.js";

/**
 * B (M + λI)⁻¹ for B (n×k) and M = WᵀW (k×k, the Gram matrix of a factor W), by a
 * Cholesky solve of the k×k system: (M + λI)⁻¹ Bᵀ, transposed back. The right
 * preconditioner of ScaledGD (λ = 0), ScaledGD(λ) and PrecGD. Written into `out`.
 * Throws RangeError naming `method` when M + λI is not positive definite (e.g. ScaledGD
 * with λ = 0 on a rank-deficient factor).
 */
export function rightPrecondition(B: Matrix, W: Matrix, lambda: number, out: Matrix, method: string): Matrix {
  const M = matmulTN(W, W);
  // an overflowed factor is a divergence (the driver stops "diverged"), not a solver failure
  assertFinite(M.data, `${method}: the k×k Gram matrix WᵀW of the preconditioner`);
  const k = M.rows;
  for (let i = 0; i < k; i++) M.data[i * k + i] += lambda;
  let X: Matrix;
  try {
    X = solveSpd(M, transpose(B));
  } catch (err) {
    throw new RangeError(
      `${method}: the k×k preconditioner WᵀW + λI (λ = ${lambda}) is not positive definite — a factor has become rank-deficient` +
        `${lambda === 0 ? '; use method.name = "scaled-gd-lambda" (method.lambda > 0) or "precgd" for over-parameterized runs' : ""} ` +
        `(${err instanceof Error ? err.message : String(err)})`,
    );
  }
  return transpose(X, out);
}
