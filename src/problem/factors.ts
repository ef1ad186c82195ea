import type { Matrix } from "../linalg/matrix.js";

/** Factors of a factored method: the symmetric X (P = XXᵀ) or the asymmetric pair (F, G) (P = FGᵀ). */
export type Factors = { kind: "symmetric"; X: Matrix } | { kind: "asymmetric"; F: Matrix; G: Matrix };

/** Copies factors (e.g. so a saved initial point is not overwritten by the iterates). */
export function copyFactors(x: Factors): Factors {
  return x.kind === "symmetric"
    ? { kind: "symmetric", X: { ...x.X, data: x.X.data.slice() } }
    : { kind: "asymmetric", F: { ...x.F, data: x.F.data.slice() }, G: { ...x.G, data: x.G.data.slice() } };
}
