import { type Matrix, matmul, matmulNT, matmulTN, zeros } from "../linalg/matrix.js";
import type { Rng } from "../random/rng.js";
import { sampleWithoutReplacement } from "../random/sample.js";
import { fwht, nextPowerOfTwo } from "./fwht.js";
import { autoThreads, checkKernelBackend } from "../kernels/index.js";
import { SRHT_MAX_K, WasmSrhtKernel, structuredKernelsAvailable } from "../kernels/structured.js";
import type { KernelTuning } from "../kernels/types.js";
import { defaultMeasurements, defineOperator, kernelOptions } from "./operator.js";
import type { SensingOperator } from "./types.js";

/**
 * Subsampled randomized Hadamard transform of vec(Z) (row-major, N = n1·n2 entries,
 * zero-padded to L = 2^⌈log₂ N⌉):
 *   A(Z) = (1/√m)·R·H·D·pad(vec Z),   A*(z) = (1/√m)·first N entries of D·H·Rᵀz,
 * with D = diag of i.i.d. random signs, H the unnormalized L×L Hadamard matrix (entries
 * ±1, H² = L·I), and R selecting m distinct rows drawn uniformly without replacement
 * (kept in increasing order). In the form of docs/methods.md ("Conventions") A_i has ±1 entries
 * (A_i)_j = H_{R_i, j}·D_j and A(Z)_i = ⟨A_i, Z⟩/√m; since every row of H D has unit-size
 * entries and HD/√L is orthogonal, E_R‖A(Z)‖² = (1/L)·‖H D x‖² = ‖Z‖_F² exactly for every Z.
 *
 * No matrix is stored: one apply or adjoint is one fast Walsh–Hadamard transform,
 * O(L log L). The factored paths form P = FGᵀ (n1·n2·k flops, below the transform cost)
 * and, for the adjoint, S = A*(z) densely, then multiply by the factors.
 *
 * Backends: unless `backend: "ts"`, the length-L vector lives in WASM memory and is
 * transformed by the cache-blocked, threaded FWHT of src/kernels/structured.ts (bitwise the
 * same as the level-by-level reference for any thread count).
 */
export class SrhtOperator implements SensingOperator {
  readonly type = "srht";
  readonly symmetricMeasurements = false;
  readonly backend: string;
  readonly bytes: number;
  readonly scale: number;
  /** Padded length L. */
  readonly length: number;
  private readonly buf: Float64Array;
  private readonly fwhtVector: WasmSrhtKernel | null = null;
  /** n1×n2 work matrices of the TS path (allocated on first use). */
  private work: { P: Matrix; S: Matrix } | null = null;

  /**
   * @param signs D_j ∈ {−1, +1} for the N = n1·n2 real entries (padding needs no sign)
   * @param rows the m selected rows of H, distinct, each in [0, L)
   */
  constructor(
    readonly n1: number,
    readonly n2: number,
    readonly signs: Int8Array,
    readonly rows: Int32Array,
    opts: SrhtBackendOptions = {},
  ) {
    const N = n1 * n2;
    if (signs.length !== N) throw new RangeError(`srht: ${signs.length} signs for n1·n2 = ${N} entries`);
    this.length = nextPowerOfTwo(N);
    this.m = rows.length;
    for (const r of rows) if (r < 0 || r >= this.length) throw new RangeError(`srht: row ${r} outside [0, ${this.length})`);
    this.scale = 1 / Math.sqrt(this.m);
    const name = opts.backend ?? "auto",
      threads = opts.threads ?? 0;
    checkKernelBackend("srht", name); // an unknown, unavailable or non-applicable backend is an error
    if (name !== "ts" && structuredKernelsAvailable()) {
      this.fwhtVector = new WasmSrhtKernel(n1, n2, signs, threads === 0 ? autoThreads(8 * this.length, opts.threadCap) : threads, opts.fwhtLogBlock);
      this.buf = this.fwhtVector.data;
      this.backend = this.fwhtVector.threads > 1 ? `wasm-simd+${this.fwhtVector.threads}threads` : "wasm-simd";
    } else {
      if (threads > 1) throw new RangeError(`srht: operator.threads = ${threads} needs the wasm backend`);
      this.buf = new Float64Array(this.length);
      this.backend = "ts";
    }
    this.bytes = signs.byteLength + rows.byteLength + this.buf.byteLength + (this.fwhtVector ? N : 2 * 8 * N);
  }

  readonly m: number;

  apply(Z: Matrix, out?: Float64Array): Float64Array {
    if (Z.rows !== this.n1 || Z.cols !== this.n2) throw new RangeError(`apply: Z is ${Z.rows}×${Z.cols}, operator takes ${this.n1}×${this.n2}`);
    const y = out ?? new Float64Array(this.m);
    const b = this.buf,
      d = this.signs,
      z = Z.data,
      N = z.length;
    for (let j = 0; j < N; j++) b[j] = d[j] * z[j];
    b.fill(0, N);
    this.transform();
    const s = this.scale,
      rows = this.rows;
    for (let i = 0; i < rows.length; i++) y[i] = s * b[rows[i]];
    return y;
  }

  adjoint(z: Float64Array, out?: Matrix): Matrix {
    if (z.length !== this.m) throw new RangeError(`adjoint: z has ${z.length} entries, operator has m = ${this.m}`);
    const S = out ?? zeros(this.n1, this.n2);
    const b = this.buf,
      s = this.scale,
      rows = this.rows;
    b.fill(0);
    for (let i = 0; i < rows.length; i++) b[rows[i]] = s * z[i];
    this.transform();
    const d = this.signs,
      o = S.data;
    for (let j = 0; j < o.length; j++) o[j] = d[j] * b[j];
    return S;
  }

  applyFactored(F: Matrix, G: Matrix, out: Float64Array): Float64Array {
    const k = F.cols;
    if (this.fwhtVector && k <= SRHT_MAX_K) {
      if (F.rows !== this.n1 || G.rows !== this.n2 || G.cols !== k)
        throw new RangeError(`applyFactored: factors ${F.rows}×${F.cols}, ${G.rows}×${G.cols} do not fit ${this.n1}×${this.n2}`);
      this.fwhtVector.fill(F.data, G.data, k);
      this.transform();
      const b = this.buf,
        s = this.scale,
        rows = this.rows;
      for (let i = 0; i < rows.length; i++) out[i] = s * b[rows[i]];
      return out;
    }
    const P = this.workMatrices().P;
    matmulNT(F, G, P);
    return this.apply(P, out);
  }

  adjointFactored(z: Float64Array, F: Matrix, G: Matrix, SG: Matrix | null, StF: Matrix | null): void {
    const k = F.cols;
    if (this.fwhtVector && k <= SRHT_MAX_K) {
      if (z.length !== this.m) throw new RangeError(`adjoint: z has ${z.length} entries, operator has m = ${this.m}`);
      const b = this.buf,
        s = this.scale,
        rows = this.rows;
      b.fill(0);
      for (let i = 0; i < rows.length; i++) b[rows[i]] = s * z[i];
      this.transform();
      this.fwhtVector.products(F.data, G.data, k, SG?.data ?? null, StF?.data ?? null);
      return;
    }
    const S = this.workMatrices().S;
    this.adjoint(z, S);
    if (SG) matmul(S, G, SG);
    if (StF) matmulTN(S, F, StF);
  }

  private workMatrices(): { P: Matrix; S: Matrix } {
    return (this.work ??= { P: zeros(this.n1, this.n2), S: zeros(this.n1, this.n2) });
  }

  /** The m×n1×n2 ±1 tensor (A_i)_j = H_{R_i, j}·D_j, H_{r,j} = (−1)^{popcount(r AND j)}. */
  denseTensor(): Float64Array {
    const N = this.n1 * this.n2;
    const T = new Float64Array(this.m * N);
    for (let i = 0; i < this.m; i++) {
      const r = this.rows[i];
      for (let j = 0; j < N; j++) T[i * N + j] = (popcount(r & j) & 1 ? -1 : 1) * this.signs[j];
    }
    return T;
  }

  /** buf ← H·buf. */
  private transform(): void {
    if (this.fwhtVector) this.fwhtVector.transform();
    else fwht(this.buf);
  }

  dispose(): void {
    this.fwhtVector?.dispose();
  }
}

function popcount(x: number): number {
  let c = 0;
  while (x) {
    x &= x - 1;
    c++;
  }
  return c;
}

/** Kernel backend of an SRHT operator: "auto" | "ts" | "wasm", threads (0 = automatic), and the run context's kernel tuning. */
export interface SrhtBackendOptions extends KernelTuning {
  backend?: string;
  threads?: number;
}

/**
 * An SRHT operator with m sampled rows: signs are drawn first (one uniform bit per entry
 * of vec(Z), in order), then the rows by Floyd's algorithm (m distinct uniform indices in
 * [0, L)), sorted increasingly. Requires m ≤ L.
 */
export function srhtOperator(m: number, n1: number, n2: number, rng: Rng, opts: SrhtBackendOptions = {}): SrhtOperator {
  const N = n1 * n2;
  const L = nextPowerOfTwo(N);
  if (!Number.isInteger(m) || m < 1 || m > L) throw new RangeError(`srht: m must be an integer in [1, ${L}] (the padded length 2^⌈log₂(n1·n2)⌉), got ${m}`);
  const signs = new Int8Array(N);
  for (let j = 0; j < N; j++) signs[j] = rng.uniform() < 0.5 ? -1 : 1;
  const rows = sampleWithoutReplacement(rng, L, m);
  return new SrhtOperator(n1, n2, signs, rows, opts);
}

/** Bytes an SRHT operator holds: signs, row indices, the length-L work buffer and two n1×n2 work matrices. */
export function srhtOperatorBytes(m: number, n1: number, n2: number): number {
  const N = n1 * n2;
  return N + 4 * m + 8 * nextPowerOfTwo(N) + 16 * N;
}

/** `srht`: subsampled randomized Hadamard transform of vec(Z). */
export const srhtDescriptor = defineOperator({
  type: "srht",
  summary: "subsampled randomized Hadamard transform of vec(Z) (m ≤ 2^⌈log₂(n1·n2)⌉ distinct rows; nothing of size m·n1·n2 stored)",
  options: { ...kernelOptions },
  measurements: defaultMeasurements,
  rules: (c) => {
    const L = nextPowerOfTwo(c.problem.n * c.problem.n2);
    return c.operator.m > L
      ? [
          {
            path: "operator.m",
            value: c.operator.m,
            message: `srht samples distinct rows of the ${L}×${L} Hadamard transform of vec(Z) (n1·n2 = ${c.problem.n * c.problem.n2} padded to a power of two), so operator.m must be ≤ ${L}`,
          },
        ]
      : [];
  },
  // signs, row indices, the length-L vector, and the WASM kernel's N bytes or the TS path's two n1×n2 work matrices
  bytes: (c) => {
    const N = c.problem.n * c.problem.n2;
    const wasm = c.operator.backend !== "ts" && structuredKernelsAvailable();
    return N + 4 * c.operator.m + 8 * nextPowerOfTwo(N) + (wasm ? N : 16 * N);
  },
  explainBytes: () => ({ formula: "signs, row indices and a padded length-L vector, plus the n1×n2 work of the transform", alternatives: [] }),
  example: { options: { m: 200 }, square: false },
  build: (c, rng, kernels) =>
    srhtOperator(c.operator.m, c.problem.n, c.problem.n2, rng, { ...kernels, backend: c.operator.backend, threads: c.operator.threads }),
});
