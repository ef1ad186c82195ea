import { type Matrix, matmul, matmulTN, zeros } from "../linalg/matrix.js";
import type { Rng } from "../random/rng.js";
import { MatrixSensingOperator, drawRowsPerBlock } from "./base.js";
import { type Steps, runSteps } from "../io/turns.js";
import { defaultMeasurements, defineOperator } from "./operator.js";

/**
 * Rank-one projections.
 * - general: A_i = a_i b_iᵀ, a_i ∈ ℝ^{n1}, b_i ∈ ℝ^{n2} i.i.d. N(0, I), A(Z)_i = a_iᵀ Z b_i/√m, so
 *   E‖A(Z)‖² = ‖Z‖_F² for every Z;
 * - symmetric: A_i = a_i a_iᵀ/√2, A(Z)_i = a_iᵀ Z a_i/√(2m). For symmetric Z,
 *   E(aᵀZa)² = 2‖Z‖_F² + tr(Z)², so E‖A(Z)‖² = ‖Z‖_F² + tr(Z)²/2: exactly isometric on
 *   trace-free symmetric Z, and no scalar normalization can do better (the tr(Z)² term
 *   is the known bias of a_i a_iᵀ measurements).
 *
 * The A_i are never formed: only a (m×n1) and b (m×n2) are stored, and
 *   A(FGᵀ)_i = s·(a_iᵀF)·(b_iᵀG)            O(m(n1+n2)k)
 *   A*(z)G = s·Σ_i z_i a_i (b_iᵀG),  A*(z)ᵀF = s·Σ_i z_i b_i (a_iᵀF),
 * s = 1/√m (1/√(2m) symmetric). Draw order from the rng: for each i, a_i then (general) b_i.
 */
export class RankOneOperator extends MatrixSensingOperator {
  readonly type = "rank-one";
  readonly backend = "ts";
  readonly bytes: number;
  /** 1/√m, the scale of ⟨A_i, Z⟩ (A(Z)_i = ⟨A_i, Z⟩/√m) with A_i = a_i b_iᵀ or a_i a_iᵀ/√2. */
  readonly scale: number;
  readonly symmetricMeasurements: boolean;
  /** The factor applied to a_iᵀ Z b_i: 1/√m, or 1/√(2m) for a_i a_iᵀ/√2. */
  private readonly coef: number;

  /**
   * @param a m×n1 row-major (row i = a_i)
   * @param b m×n2 row-major (row i = b_i), or null for the symmetric a_i a_iᵀ operator
   */
  constructor(
    readonly m: number,
    n1: number,
    n2: number,
    readonly a: Float64Array,
    readonly b: Float64Array | null,
  ) {
    super(n1, n2, false);
    if (a.length !== m * n1) throw new RangeError(`rank-one: a has ${a.length} entries, expected m·n1 = ${m * n1}`);
    if (b && b.length !== m * n2) throw new RangeError(`rank-one: b has ${b.length} entries, expected m·n2 = ${m * n2}`);
    if (!b && n1 !== n2) throw new RangeError(`rank-one: symmetric a_i a_iᵀ needs n1 = n2, got ${n1}×${n2}`);
    this.symmetricMeasurements = b === null;
    this.scale = 1 / Math.sqrt(m);
    this.coef = b ? this.scale : this.scale * Math.SQRT1_2;
    this.bytes = a.byteLength + (b ? b.byteLength : 0);
  }

  private get bb(): Float64Array {
    return this.b ?? this.a;
  }

  /** The m×k matrix V·M whose rows are v_iᵀM (V = the m×n matrix with rows v_i). */
  private project(vecs: Float64Array, M: Matrix): Matrix {
    return matmul({ rows: this.m, cols: M.rows, data: vecs }, M);
  }

  apply(Z: Matrix, out?: Float64Array): Float64Array {
    this.checkApply(Z);
    const y = out ?? new Float64Array(this.m);
    const { m, n1, n2, a, coef: s } = this,
      b = this.bb,
      z = Z.data;
    const Zb = new Float64Array(n1);
    for (let i = 0; i < m; i++) {
      const bo = i * n2;
      for (let r = 0; r < n1; r++) {
        let acc = 0;
        const zo = r * n2;
        for (let c = 0; c < n2; c++) acc += z[zo + c] * b[bo + c];
        Zb[r] = acc;
      }
      let acc = 0;
      const ao = i * n1;
      for (let r = 0; r < n1; r++) acc += a[ao + r] * Zb[r];
      y[i] = s * acc;
    }
    return y;
  }

  adjoint(z: Float64Array, out?: Matrix): Matrix {
    this.checkAdjoint(z);
    const S = out ?? zeros(this.n1, this.n2);
    const { m, n1, n2, a, coef: s } = this,
      b = this.bb,
      d = S.data;
    d.fill(0);
    for (let i = 0; i < m; i++) {
      const w = s * z[i];
      if (w === 0) continue;
      const ao = i * n1,
        bo = i * n2;
      for (let r = 0; r < n1; r++) {
        const c0 = w * a[ao + r];
        const so = r * n2;
        for (let c = 0; c < n2; c++) d[so + c] += c0 * b[bo + c];
      }
    }
    return S;
  }

  override applyFactored(F: Matrix, G: Matrix, out: Float64Array): Float64Array {
    const k = F.cols;
    const AF = this.project(this.a, F).data;
    const BG = this.b || F !== G ? this.project(this.bb, G).data : AF;
    const s = this.coef;
    for (let i = 0; i < this.m; i++) {
      let acc = 0;
      const o = i * k;
      for (let l = 0; l < k; l++) acc += AF[o + l] * BG[o + l];
      out[i] = s * acc;
    }
    return out;
  }

  override adjointFactored(z: Float64Array, F: Matrix, G: Matrix, SG: Matrix | null, StF: Matrix | null): void {
    if (SG) this.accumulate(z, this.a, this.project(this.bb, G), SG);
    if (StF) this.accumulate(z, this.bb, this.project(this.a, F), StF);
  }

  /** out = s·Σ_i z_i v_i W_iᵀ = Vᵀ·diag(s·z)·W (v_i = rows of `vecs`, W is m×k, overwritten). */
  private accumulate(z: Float64Array, vecs: Float64Array, W: Matrix, out: Matrix): void {
    const k = W.cols,
      w = W.data,
      s = this.coef;
    for (let i = 0; i < this.m; i++) {
      const c = s * z[i];
      for (let l = 0; l < k; l++) w[i * k + l] *= c;
    }
    matmulTN({ rows: this.m, cols: out.rows, data: vecs }, W, out);
  }

  /** The m×n1×n2 tensor of the A_i (a_i b_iᵀ, or a_i a_iᵀ/√2), without the 1/√m (for `--save-instance`). */
  denseTensor(): Float64Array {
    const { m, n1, n2, a } = this,
      b = this.bb;
    const c0 = this.b ? 1 : Math.SQRT1_2;
    const T = new Float64Array(m * n1 * n2);
    for (let i = 0; i < m; i++) {
      for (let r = 0; r < n1; r++) {
        const ar = c0 * a[i * n1 + r],
          o = (i * n1 + r) * n2;
        for (let c = 0; c < n2; c++) T[o + c] = ar * b[i * n2 + c];
      }
    }
    return T;
  }

  dispose(): void {}
}

/**
 * Rank-one projection operator with Gaussian vectors drawn from `rng`: symmetric
 * (A_i = a_i a_iᵀ/√2, needs n1 = n2) or general (A_i = a_i b_iᵀ).
 */
export function rankOneOperator(m: number, n1: number, n2: number, symmetric: boolean, rng: Rng): RankOneOperator {
  return runSteps(rankOneOperatorSteps(m, n1, n2, symmetric, rng));
}

/** {@link rankOneOperator} in steps: the same draws, yielding after every block of about {@link DRAW_BLOCK_ENTRIES} draws (whole i). */
export function* rankOneOperatorSteps(m: number, n1: number, n2: number, symmetric: boolean, rng: Rng): Steps<RankOneOperator> {
  const a = new Float64Array(m * n1);
  const b = symmetric ? null : new Float64Array(m * n2);
  const block = drawRowsPerBlock(symmetric ? n1 : n1 + n2);
  for (let i = 0; i < m; i++) {
    if (i > 0 && i % block === 0) yield;
    rng.fillNormal(a.subarray(i * n1, (i + 1) * n1));
    if (b) rng.fillNormal(b.subarray(i * n2, (i + 1) * n2));
  }
  return new RankOneOperator(m, n1, n2, a, b);
}

/** Bytes a rank-one operator stores: 8·m·(n1 + n2) (general) or 8·m·n1 (symmetric). */
export function rankOneOperatorBytes(m: number, n1: number, n2: number, symmetric: boolean): number {
  return 8 * m * (symmetric ? n1 : n1 + n2);
}

/** `rank-one`: A_i = a_i b_iᵀ (a_i a_iᵀ/√2 for the symmetric model XXᵀ). */
export const rankOneDescriptor = defineOperator({
  type: "rank-one",
  summary: "rank-one projections A_i = a_i b_iᵀ (a_i a_iᵀ/√2 for the symmetric model), Gaussian vectors; only a and b are stored",
  options: {},
  // a_i a_iᵀ for the symmetric model XXᵀ
  symmetricMeasurements: (c) => c.model.type === "symmetric",
  measurements: defaultMeasurements,
  bytes: (c) => rankOneOperatorBytes(c.operator.m, c.problem.n, c.problem.n2, c.model.type === "symmetric"),
  explainBytes: (c) => ({ formula: c.model.type === "symmetric" ? "m·n1·8 (the vectors a_i)" : "m·(n1 + n2)·8 (the vectors a_i, b_i)", alternatives: [] }),
  // a_i a_iᵀ for the symmetric model XXᵀ, a_i b_iᵀ for FGᵀ
  example: { options: { m: 300 }, square: false },
  build: (c, rng) => rankOneOperator(c.operator.m, c.problem.n, c.problem.n2, c.model.type === "symmetric", rng),
  buildSteps: (c, rng) => rankOneOperatorSteps(c.operator.m, c.problem.n, c.problem.n2, c.model.type === "symmetric", rng),
});
