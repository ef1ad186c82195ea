import { type Matrix, matmul, matmulTN } from "../linalg/matrix.js";
import { invSqrtSpd, sqrtPsd } from "../linalg/cholesky.js";

/**
 * One-step rebalancing of an asymmetric factorization (Xiong, Ding & Du, ICLR 2024, §5):
 *   (F, G) ← (F P, G P⁻ᵀ),  P = (FᵀF)^(−1/2)  (so P⁻ᵀ = (FᵀF)^(1/2)),
 * in place. The product is unchanged, F P P⁻¹ Gᵀ = FGᵀ, and afterwards FᵀF = I: the
 * imbalance FᵀF − GᵀG in the redundant directions of an over-parameterized run, which
 * small init makes of order α², becomes of order 1, so the later linear rate no longer
 * depends on α.
 *
 * The paper's exact formula (5.1) was not available in any text we could check; this is
 * the product-preserving reconstruction that makes F orthonormal, as the paper describes
 * it. Needs FᵀF positive definite (F of full column rank, k ≤ n1); throws RangeError
 * otherwise. Returns the k×k matrix P that was applied.
 */
export function rebalanceFactors(F: Matrix, G: Matrix): Matrix {
  const FtF = matmulTN(F, F);
  let P: Matrix, Pinvt: Matrix;
  try {
    P = invSqrtSpd(FtF);
    Pinvt = sqrtPsd(FtF);
  } catch (err) {
    throw new RangeError(`rebalancing needs FᵀF positive definite (F of full column rank): ${err instanceof Error ? err.message : String(err)}`);
  }
  F.data.set(matmul(F, P).data);
  G.data.set(matmul(G, Pinvt).data);
  return P;
}
