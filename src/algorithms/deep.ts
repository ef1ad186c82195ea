import { type Matrix, matmul, matmulTN, matmulNT, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import { FactoredStepper, type StepperState } from "./stepper.js";

/**
 * Gradient descent on a deep factorization P = W_N ⋯ W_1 (Arora, Cohen, Hu & Luo, "Implicit
 * regularization in deep matrix factorization", NeurIPS 2019): W_1 is k×n2 (held as its
 * transpose G = W_1ᵀ, n2×k), W_2 … W_{N−1} are k×k, W_N is n1×k. With S = A*(A(P) − y),
 *   ∇_{W_j} f = (W_N⋯W_{j+1})ᵀ S (W_{j−1}⋯W_1)ᵀ,
 * so with F̄ = W_N⋯W_2 (n1×k) and the two products S G and Sᵀ F̄ of one operator pass:
 *   ∇_G = Sᵀ F̄,   ∇_{W_N} = (S G)(W_{N−1}⋯W_2)ᵀ,   ∇_{W_j} = (W_N⋯W_{j+1})ᵀ (S G)(W_{j−1}⋯W_2)ᵀ,
 * all at the old point, then W_j ← W_j − η ∇_{W_j} (simultaneous). The stepper's factors are the
 * pair (F̄, G), so every FGᵀ metric applies to P = F̄ Gᵀ; for depth 2, F̄ = W_2 and the
 * arithmetic is exactly that of `gd` on FGᵀ (F = W_2, G = W_1ᵀ: bit for bit, tested).
 */
export class DeepGradientDescent extends FactoredStepper {
  readonly method: string = "gd";
  /** W_N (n1×k); the same object as F̄ for depth 2. */
  private readonly WN: Matrix;
  /** W_2 … W_{N−1} (k×k). */
  private readonly middle: Matrix[];
  private readonly SG: Matrix;
  private readonly StF: Matrix;

  constructor(operator: SensingOperator, y: Float64Array, WN: Matrix, G: Matrix, middle: Matrix[], stepSize: number) {
    const Fbar = middle.length === 0 ? WN : zeros(WN.rows, WN.cols);
    super(operator, y, { kind: "asymmetric", F: Fbar, G }, stepSize);
    this.WN = WN;
    this.middle = middle;
    for (const W of middle)
      if (W.rows !== G.cols || W.cols !== G.cols) throw new RangeError(`deep: middle factors must be ${G.cols}×${G.cols}, got ` + `${W.rows}×${W.cols}`);
    this.SG = zeros(WN.rows, WN.cols);
    this.StF = zeros(G.rows, G.cols);
    this.formProduct();
  }

  /** The depth N. */
  get depth(): number {
    return this.middle.length + 2;
  }

  /** F̄ = W_N W_{N−1} ⋯ W_2 (nothing to do for depth 2: F̄ is W_N). */
  private formProduct(): void {
    if (this.middle.length === 0) return;
    let P = this.WN;
    for (let j = this.middle.length - 1; j >= 0; j--) P = matmul(P, this.middle[j]);
    this.left.data.set(P.data);
  }

  protected update(): void {
    const eta = this.stepSize,
      G = this.right,
      mid = this.middle,
      q = mid.length;
    this.adjointProducts(this.SG, this.StF);
    if (q === 0) {
      this.descend([this.WN.data, G.data], [this.SG.data, this.StF.data], eta);
      return;
    }
    // right[j] = W_{j+1}⋯W_2 for middle index j (W_{j+2} is mid[j]); right[-1] = I; left products from W_N down
    const below: Matrix[] = []; // below[j] = mid[j−1]⋯mid[0] = W_{j+1}⋯W_2 (k×k), below[0] = null → identity
    let acc: Matrix | null = null;
    for (let j = 0; j < q; j++) {
      below.push(acc as Matrix);
      acc = acc ? matmul(mid[j], acc) : mid[j];
    }
    const belowN = acc!; // W_{N−1}⋯W_2
    const gradN = matmulNT(this.SG, belowN);
    const grads: Matrix[] = new Array(q);
    let above: Matrix = this.WN; // W_N⋯W_{j+3} for middle index j, from the top
    for (let j = q - 1; j >= 0; j--) {
      const T = matmulTN(above, this.SG); // (W_N⋯W_{j+3})ᵀ S G
      grads[j] = below[j] ? matmulNT(T, below[j]) : T;
      above = matmul(above, mid[j]);
    }
    this.descend([this.WN.data, G.data, ...mid.map((W) => W.data)], [gradN.data, this.StF.data, ...grads.map((d) => d.data)], eta);
    this.formProduct();
  }

  /** Moves the parameters [W_N, W_1ᵀ, W_2, …, W_{N−1}] along their gradients: w ← w − η g (subclasses: other rules). */
  protected descend(params: Float64Array[], grads: Float64Array[], eta: number): void {
    params.forEach((w, p) => {
      const g = grads[p];
      for (let i = 0; i < w.length; i++) w[i] -= eta * g[i];
    });
  }

  override saveState(): StepperState | null {
    const s = super.saveState();
    if (!s) return null;
    s.arrays.W_N = { rows: this.WN.rows, cols: this.WN.cols, data: this.WN.data.slice() };
    this.middle.forEach((W, j) => (s.arrays[`W_${j + 2}`] = { rows: W.rows, cols: W.cols, data: W.data.slice() }));
    return s;
  }

  override restoreState(state: StepperState): void {
    super.restoreState(state);
    const put = (name: string, W: Matrix) => {
      const a = state.arrays[name];
      if (!a || a.rows !== W.rows || a.cols !== W.cols)
        throw new RangeError(`checkpoint factor ${name} is ${a ? `${a.rows}×${a.cols}` : "missing"}, the ` + `model needs ${W.rows}×${W.cols}`);
      W.data.set(a.data);
    };
    put("W_N", this.WN);
    this.middle.forEach((W, j) => put(`W_${j + 2}`, W));
    this.formProduct();
    this.invalidate();
  }
}
