import type { Matrix } from "../linalg/matrix.js";

/**
 * Factors of a factored method: the symmetric X (P = XXᵀ) or the asymmetric pair (F, G)
 * (P = FGᵀ). A deep product P = W_N⋯W_1 (model.type "deep") is the pair F = W_N, G = W_1ᵀ
 * with `middle` = [W_2, …, W_{N−1}] (k×k; empty for depth 2) — only as an initial point: a
 * deep stepper reports its current point as the pair (W_N⋯W_2, W_1ᵀ) without `middle`.
 */
export type Factors = { kind: "symmetric"; X: Matrix } | { kind: "asymmetric"; F: Matrix; G: Matrix; middle?: Matrix[] };

/** Copies factors (e.g. so a saved initial point is not overwritten by the iterates). */
export function copyFactors(x: Factors): Factors {
  return x.kind === "symmetric"
    ? { kind: "symmetric", X: { ...x.X, data: x.X.data.slice() } }
    : {
        kind: "asymmetric",
        F: { ...x.F, data: x.F.data.slice() },
        G: { ...x.G, data: x.G.data.slice() },
        ...(x.middle ? { middle: x.middle.map((W) => ({ ...W, data: W.data.slice() })) } : {}),
      };
}
