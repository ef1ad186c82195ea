import { type Matrix, zeros } from "../linalg/matrix.js";
import { z } from "zod";
import { ConfigError, finite } from "../io/config-fields.js";
import type { Rng } from "../random/rng.js";
import { MatrixSensingOperator } from "./base.js";
import { defineOperator } from "./operator.js";

/**
 * Matrix completion: each entry (i, j) of an n1×n2 matrix is observed independently with
 * probability p (uniform Bernoulli sampling, the set Ω), and
 *   A(Z) = P_Ω(Z)/√p  (the vector of observed entries, row-major order, times 1/√p),
 *   A*(z) = the n1×n2 matrix with z_e/√p at the observed positions and 0 elsewhere,
 * so E‖A(Z)‖² = ‖Z‖_F² for every Z (E over Ω) and m = |Ω| (random, mean p·n1·n2).
 * A_e = e_i e_jᵀ is not symmetric, so for a PSD truth both (i, j) and (j, i) are sampled
 * independently.
 *
 * Ω is stored as two index arrays (8 bytes per observed entry); the factored paths cost
 * O(|Ω|·k) and never form an n1×n2 matrix:
 *   A(FGᵀ)_e = ⟨F_i, G_j⟩/√p,   (A*(z) G)_i = Σ_{e=(i,j)} z_e G_j/√p,   (A*(z)ᵀ F)_j = Σ z_e F_i/√p.
 * Only the explicit dense `apply` / `adjoint` touch n1×n2 matrices.
 */
export class CompletionOperator extends MatrixSensingOperator {
  readonly type = "completion";
  readonly m: number;
  readonly symmetricMeasurements = false;
  readonly backend = "ts";
  readonly bytes: number;
  /** 1/√p. */
  readonly scale: number;

  /**
   * @param rowIndex row of each observed entry (row-major order of (i, j))
   * @param colIndex column of each observed entry
   */
  constructor(
    n1: number,
    n2: number,
    readonly p: number,
    readonly rowIndex: Int32Array,
    readonly colIndex: Int32Array,
  ) {
    super(n1, n2, false);
    if (!(p > 0 && p <= 1)) throw new RangeError(`completion: p must be in (0, 1], got ${p}`);
    if (rowIndex.length !== colIndex.length) throw new RangeError("completion: row and column index arrays differ in length");
    if (rowIndex.length === 0) throw new RangeError(`completion: no entry of the ${n1}×${n2} matrix was observed (p = ${p}); increase operator.p`);
    this.m = rowIndex.length;
    this.scale = 1 / Math.sqrt(p);
    this.bytes = rowIndex.byteLength + colIndex.byteLength;
  }

  /** The observed set Ω as an |Ω| × 2 array of (row, column) indices, for `--save-instance` (omega.npy). */
  instanceArrays(): Record<string, { shape: number[]; data: Int32Array }> {
    const omega = new Int32Array(2 * this.m);
    for (let i = 0; i < this.m; i++) {
      omega[2 * i] = this.rowIndex[i];
      omega[2 * i + 1] = this.colIndex[i];
    }
    return { omega: { shape: [this.m, 2], data: omega } };
  }

  apply(Z: Matrix, out?: Float64Array): Float64Array {
    this.checkApply(Z);
    const y = out ?? new Float64Array(this.m);
    const { rowIndex: ri, colIndex: ci, scale: s, n2 } = this;
    const z = Z.data;
    for (let e = 0; e < ri.length; e++) y[e] = s * z[ri[e] * n2 + ci[e]];
    return y;
  }

  adjoint(z: Float64Array, out?: Matrix): Matrix {
    this.checkAdjoint(z);
    const S = out ?? zeros(this.n1, this.n2);
    const d = S.data, { rowIndex: ri, colIndex: ci, scale: s, n2 } = this;
    d.fill(0);
    for (let e = 0; e < ri.length; e++) d[ri[e] * n2 + ci[e]] = s * z[e];
    return S;
  }

  override applyFactored(F: Matrix, G: Matrix, out: Float64Array): Float64Array {
    const k = F.cols;
    if (F.rows !== this.n1 || G.rows !== this.n2 || G.cols !== k) throw new RangeError(`applyFactored: factors ${F.rows}×${F.cols}, ${G.rows}×${G.cols} do not fit ${this.n1}×${this.n2}`);
    const { rowIndex: ri, colIndex: ci, scale: s } = this;
    const f = F.data, g = G.data;
    for (let e = 0; e < ri.length; e++) {
      const fo = ri[e] * k, go = ci[e] * k;
      let acc = 0;
      for (let l = 0; l < k; l++) acc += f[fo + l] * g[go + l];
      out[e] = s * acc;
    }
    return out;
  }

  override adjointFactored(z: Float64Array, F: Matrix, G: Matrix, SG: Matrix | null, StF: Matrix | null): void {
    const k = F.cols;
    const { rowIndex: ri, colIndex: ci, scale: s } = this;
    const f = F.data, g = G.data;
    const sg = SG?.data, stf = StF?.data;
    sg?.fill(0);
    stf?.fill(0);
    for (let e = 0; e < ri.length; e++) {
      const w = s * z[e];
      if (w === 0) continue;
      const fo = ri[e] * k, go = ci[e] * k;
      if (sg) for (let l = 0; l < k; l++) sg[fo + l] += w * g[go + l];
      if (stf) for (let l = 0; l < k; l++) stf[go + l] += w * f[fo + l];
    }
  }

  dispose(): void {}
}

/**
 * Draws Ω ⊂ {0..n1−1}×{0..n2−1} with each entry included independently with probability
 * p, in row-major order, in O(|Ω|) time: the gaps between consecutive observed linear
 * indices are i.i.d. Geometric(p) (number of failures before a success), drawn as
 * ⌊ln U / ln(1 − p)⌋ with U = 1 − uniform() ∈ (0, 1]. Exact for linear indices < 2^53.
 */
export function completionOperator(n1: number, n2: number, p: number, rng: Rng): CompletionOperator {
  if (!(p > 0 && p <= 1)) throw new RangeError(`completion: p must be in (0, 1], got ${p}`);
  const total = n1 * n2;
  if (!Number.isSafeInteger(total)) throw new RangeError(`completion: n1·n2 = ${total} is too large`);
  let cap = completionCapacity(n1, n2, p);
  let rows = new Int32Array(cap);
  let cols = new Int32Array(cap);
  let count = 0;
  const logq = Math.log1p(-p); // −∞ when p = 1 (every gap is 0)
  let idx = -1;
  for (;;) {
    const gap = p === 1 ? 0 : Math.floor(Math.log(1 - rng.uniform()) / logq);
    idx += gap + 1;
    if (idx >= total) break;
    if (count === cap) {
      cap = Math.min(total, cap * 2);
      const r2 = new Int32Array(cap), c2 = new Int32Array(cap);
      r2.set(rows);
      c2.set(cols);
      rows = r2;
      cols = c2;
    }
    const i = Math.floor(idx / n2);
    rows[count] = i;
    cols[count] = idx - i * n2;
    count++;
  }
  return new CompletionOperator(n1, n2, p, rows.slice(0, count), cols.slice(0, count));
}

/** Bytes a completion operator with rate p on an n1×n2 matrix holds on average (indices only). */
export function completionOperatorBytes(n1: number, n2: number, p: number): number {
  return Math.ceil(p * n1 * n2) * 8;
}

/**
 * Entries of the index arrays `completionOperator` allocates for n1·n2 entries observed
 * with rate p: the mean plus six standard deviations (and 16), at most n1·n2 — |Ω| exceeds
 * it with probability far below 10⁻⁸, and then the arrays grow.
 */
export function completionCapacity(n1: number, n2: number, p: number): number {
  const mean = p * n1 * n2;
  return Math.min(n1 * n2, Math.ceil(mean + 6 * Math.sqrt(mean) + 16));
}

/** `completion`: entries observed with rate p. */
export const completionDescriptor = defineOperator({
  type: "completion",
  summary: "matrix completion: each entry observed with probability operator.p, A(Z) = P_Ω(Z)/√p (m = |Ω|, resolved to its mean)",
  options: {
    p: finite("operator.p").pipe(z.number().gt(0, "operator.p must be > 0").max(1, "operator.p must be ≤ 1")).default(0.3).describe("completion: probability that an entry is observed (ignored by other operators)"),
  },
  measurements: (c) => Math.max(1, Math.round(c.operator.p * c.problem.n * c.problem.n2)),
  bytes: (c) => 2 * 4 * completionCapacity(c.problem.n, c.problem.n2, c.operator.p),
  explainBytes: (c) => ({ formula: "two int32 index arrays of about p·n1·n2 + 6σ entries", alternatives: [] }),
  build: (c, rng) => {
    try {
      return completionOperator(c.problem.n, c.problem.n2, c.operator.p, rng);
    } catch (e) {
      // a tiny p·n1·n2 can leave Ω empty: a config problem, named by its field
      if (e instanceof RangeError && e.message.startsWith("completion: no entry")) {
        const { n, n2 } = c.problem, p = c.operator.p;
        throw new ConfigError([{ path: "operator.p", value: p, message: `observes no entry of the ${n}×${n2} matrix with this seed (expected p·n1·n2 = ${+(p * n * n2).toPrecision(3)} entries); increase operator.p` }]);
      }
      throw e;
    }
  },
});
