import { type Matrix, zeros } from "../linalg/matrix.js";
import { z } from "zod";
import { ConfigError, finite } from "../io/config-fields.js";
import type { Rng } from "../random/rng.js";
import { fdlibmLog, fdlibmLog1p } from "../random/log.js";
import { autoThreads, checkKernelBackend } from "../kernels/index.js";
import { WasmCompletionKernel, structuredKernelsAvailable } from "../kernels/structured.js";
import { defineOperator, kernelOptions } from "./operator.js";
import type { SensingOperator } from "./types.js";

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
 *
 * Backends: the factored paths run on the WASM SIMD kernels (src/kernels/structured.ts,
 * threads split Ω by rows for A(FGᵀ) and S·G and by columns for Sᵀ·F) unless
 * `backend: "ts"`; each output entry is summed in the same order as the loops below, so the
 * results are bitwise the same on both backends and for any thread count.
 */
export class CompletionOperator implements SensingOperator {
  readonly type = "completion";
  readonly m: number;
  readonly symmetricMeasurements = false;
  readonly backend: string;
  readonly bytes: number;
  /** 1/√p. */
  readonly scale: number;
  /** The WASM kernels (null on the ts backend); they own the index arrays. */
  private readonly kernel: WasmCompletionKernel | null = null;

  /**
   * @param rowIndex row of each observed entry (row-major order of (i, j))
   * @param colIndex column of each observed entry
   */
  constructor(
    readonly n1: number,
    readonly n2: number,
    readonly p: number,
    private rows: Int32Array,
    private cols: Int32Array,
    opts: CompletionBackendOptions = {},
  ) {
    const rowIndex = rows,
      colIndex = cols;
    if (!(p > 0 && p <= 1)) throw new RangeError(`completion: p must be in (0, 1], got ${p}`);
    if (rowIndex.length !== colIndex.length) throw new RangeError("completion: row and column index arrays differ in length");
    if (rowIndex.length === 0) throw new RangeError(`completion: no entry of the ${n1}×${n2} matrix was observed (p = ${p}); increase operator.p`);
    this.m = rowIndex.length;
    this.scale = 1 / Math.sqrt(p);
    this.bytes = rowIndex.byteLength + colIndex.byteLength;
    const name = opts.backend ?? "auto";
    checkKernelBackend("completion", name); // an unknown, unavailable or non-applicable backend is an error
    const threads = opts.threads ?? 0;
    if (name !== "ts" && structuredKernelsAvailable()) {
      const t = threads === 0 ? autoThreads(this.bytes, opts.threadCap) : threads;
      this.kernel = new WasmCompletionKernel(n1, n2, rowIndex, colIndex, t);
      // the kernel holds Ω in its memory; drop the JS copies
      this.rows = this.kernel.rowIndex;
      this.cols = this.kernel.colIndex;
      this.bytes += 8 * this.m;
      this.backend = this.kernel.threads > 1 ? `wasm-simd+${this.kernel.threads}threads` : "wasm-simd";
    } else {
      if (threads > 1) throw new RangeError(`completion: operator.threads = ${threads} needs the wasm backend`);
      this.backend = "ts";
    }
  }

  /** Row of each observed entry (row-major order of (i, j)). */
  get rowIndex(): Int32Array {
    return this.kernel ? this.kernel.rowIndex : this.rows;
  }

  /** Column of each observed entry. */
  get colIndex(): Int32Array {
    return this.kernel ? this.kernel.colIndex : this.cols;
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
    if (Z.rows !== this.n1 || Z.cols !== this.n2) throw new RangeError(`apply: Z is ${Z.rows}×${Z.cols}, operator takes ${this.n1}×${this.n2}`);
    const y = out ?? new Float64Array(this.m);
    const { rowIndex: ri, colIndex: ci, scale: s, n2 } = this;
    const z = Z.data;
    for (let e = 0; e < ri.length; e++) y[e] = s * z[ri[e] * n2 + ci[e]];
    return y;
  }

  adjoint(z: Float64Array, out?: Matrix): Matrix {
    if (z.length !== this.m) throw new RangeError(`adjoint: z has ${z.length} entries, operator has m = ${this.m}`);
    const S = out ?? zeros(this.n1, this.n2);
    const d = S.data,
      { rowIndex: ri, colIndex: ci, scale: s, n2 } = this;
    d.fill(0);
    for (let e = 0; e < ri.length; e++) d[ri[e] * n2 + ci[e]] = s * z[e];
    return S;
  }

  applyFactored(F: Matrix, G: Matrix, out: Float64Array): Float64Array {
    const k = F.cols;
    if (F.rows !== this.n1 || G.rows !== this.n2 || G.cols !== k)
      throw new RangeError(`applyFactored: factors ${F.rows}×${F.cols}, ${G.rows}×${G.cols} do not fit ${this.n1}×${this.n2}`);
    if (this.kernel) {
      this.kernel.apply(F.data, G.data, k, this.scale, out);
      return out;
    }
    const { rowIndex: ri, colIndex: ci, scale: s } = this;
    const f = F.data,
      g = G.data;
    for (let e = 0; e < ri.length; e++) {
      const fo = ri[e] * k,
        go = ci[e] * k;
      let acc = 0;
      for (let l = 0; l < k; l++) acc += f[fo + l] * g[go + l];
      out[e] = s * acc;
    }
    return out;
  }

  adjointFactored(z: Float64Array, F: Matrix, G: Matrix, SG: Matrix | null, StF: Matrix | null): void {
    const k = F.cols;
    if (this.kernel) {
      this.kernel.adjoint(z, F.data, G.data, k, this.scale, SG?.data ?? null, StF?.data ?? null);
      return;
    }
    const { rowIndex: ri, colIndex: ci, scale: s } = this;
    const f = F.data,
      g = G.data;
    const sg = SG?.data,
      stf = StF?.data;
    sg?.fill(0);
    stf?.fill(0);
    for (let e = 0; e < ri.length; e++) {
      const w = s * z[e];
      if (w === 0) continue;
      const fo = ri[e] * k,
        go = ci[e] * k;
      if (sg) for (let l = 0; l < k; l++) sg[fo + l] += w * g[go + l];
      if (stf) for (let l = 0; l < k; l++) stf[go + l] += w * f[fo + l];
    }
  }

  dispose(): void {
    this.kernel?.dispose();
  }
}

/** Kernel backend of a completion operator. */
export interface CompletionBackendOptions {
  /** "auto" (WASM SIMD when available, the default), "ts" or "wasm". */
  backend?: string;
  /** Threads of the WASM kernels (0 or absent = automatic, {@link autoThreads}). */
  threads?: number;
  /** Cap on the automatic thread count (the run context's `KernelTuning.threadCap`; default Infinity). */
  threadCap?: number;
}

/**
 * Draws Ω ⊂ {0..n1−1}×{0..n2−1} with each entry included independently with probability
 * p, in row-major order, in O(|Ω|) time: the gaps between consecutive observed linear
 * indices are i.i.d. Geometric(p) (number of failures before a success), drawn as
 * ⌊ln U / ln(1 − p)⌋ with U = 1 − uniform() ∈ (0, 1]. Exact for linear indices < 2^53.
 */
export function completionOperator(n1: number, n2: number, p: number, rng: Rng, opts: CompletionBackendOptions = {}): CompletionOperator {
  if (!(p > 0 && p <= 1)) throw new RangeError(`completion: p must be in (0, 1], got ${p}`);
  const total = n1 * n2;
  if (!Number.isSafeInteger(total)) throw new RangeError(`completion: n1·n2 = ${total} is too large`);
  let cap = completionCapacity(n1, n2, p);
  let rows = new Int32Array(cap);
  let cols = new Int32Array(cap);
  let count = 0;
  // the project's fixed logarithms (the same bits in every engine; equal to Node's Math.log/log1p)
  const logq = fdlibmLog1p(-p); // −∞ when p = 1 (every gap is 0)
  let idx = -1;
  for (;;) {
    const gap = p === 1 ? 0 : Math.floor(fdlibmLog(1 - rng.uniform()) / logq);
    idx += gap + 1;
    if (idx >= total) break;
    if (count === cap) {
      cap = Math.min(total, cap * 2);
      const r2 = new Int32Array(cap),
        c2 = new Int32Array(cap);
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
  // views, not copies: the WASM kernels copy Ω into their memory (and the ts backend keeps the
  // ≤ 6√mean + 16 spare entries of the buffers rather than a second transient copy of Ω)
  return new CompletionOperator(n1, n2, p, rows.subarray(0, count), cols.subarray(0, count), opts);
}

/**
 * Bytes a completion operator with rate p on an n1×n2 matrix holds on average: the indices
 * (8 bytes per observed entry) and the WASM kernels' float64 staging vector (8 more).
 */
export function completionOperatorBytes(n1: number, n2: number, p: number): number {
  return Math.ceil(p * n1 * n2) * 16;
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
    p: finite("operator.p")
      .pipe(z.number().gt(0, "operator.p must be > 0").max(1, "operator.p must be ≤ 1"))
      .default(0.3)
      .describe("completion: probability that an entry is observed"),
    ...kernelOptions,
  },
  takesM: false,
  measurements: (c) => Math.max(1, Math.round(c.operator.p * c.problem.n * c.problem.n2)),
  // the index arrays at their allocated capacity (8 bytes per entry) and the WASM kernels' staging vector (8 more)
  bytes: (c) => 16 * completionCapacity(c.problem.n, c.problem.n2, c.operator.p),
  explainBytes: () => ({
    formula: "two int32 index arrays and a float64 vector of about p·n1·n2 + 6σ entries",
    alternatives: [],
    sizeOptions: ["operator.p"],
  }),
  example: { options: { p: 0.5 }, square: false },
  build: (c, rng, kernels) => {
    try {
      const opts = { backend: c.operator.backend, threads: c.operator.threads, threadCap: kernels?.threadCap };
      return completionOperator(c.problem.n, c.problem.n2, c.operator.p, rng, opts);
    } catch (e) {
      // a tiny p·n1·n2 can leave Ω empty: a config problem, named by its field
      if (e instanceof RangeError && e.message.startsWith("completion: no entry")) {
        const { n, n2 } = c.problem,
          p = c.operator.p;
        throw new ConfigError([
          {
            path: "operator.p",
            value: p,
            message: `observes no entry of the ${n}×${n2} matrix with this seed (expected p·n1·n2 = ${+(p * n * n2).toPrecision(3)} entries); increase operator.p`,
          },
        ]);
      }
      throw e;
    }
  },
});
