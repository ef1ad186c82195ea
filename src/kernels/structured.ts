import { OP } from "./protocol.js";
import { type KernelExports, type WasmMemory, ThreadPool, splitRange, wasmInstance, wasmKernelModule } from "./wasm.js";

/**
 * WASM SIMD kernels of the matrix-free structured operators (matrix completion over Ω and
 * the fast Walsh–Hadamard transform of SRHT), each over its own shared WebAssembly memory
 * with optional worker threads. Every output entry is computed with the same operations in
 * the same order as the plain-TS reference, so the results are bitwise those of the
 * reference and do not depend on the thread count (see assembly/kernels.ts).
 */

const HEADER = 65536;
const align64 = (v: number) => Math.ceil(v / 64) * 64;

/** Runs a raw kernel command on parts[1..] in the workers and `local` on parts[0] here. */
function runParts(pool: ThreadPool | null, op: number, ints: number[], f: number, parts: [number, number][], local: (lo: number, hi: number) => void): void {
  if (pool) {
    pool.next();
    for (let w = 1; w < parts.length; w++) pool.postRaw(w - 1, op, ints, parts[w][0], parts[w][1], f);
  }
  local(parts[0][0], parts[0][1]);
  if (pool) for (let w = 1; w < parts.length; w++) pool.wait(w - 1);
}

/** First index e of the sorted array a[0..n) with a[e] ≥ v. */
function lowerBound(a: Int32Array, v: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The completion kernels for one observed set Ω (row-sorted, as drawn): the index arrays live
 * in WASM memory ({@link rowIndex}, {@link colIndex} are views of it), next to a staging
 * vector of |Ω| float64 and the factors F, G and products SG, StF (sized for the largest k
 * seen; a larger k re-creates the memory).
 *   apply:  out_e = scale·⟨F_i, G_j⟩                 (entries split evenly between threads)
 *   SG:     SG_i = Σ_{e=(i,j)} scale·z_e·G_j        (threads own disjoint row ranges)
 *   StF:    (SᵀF)_j = Σ_{e=(i,j)} scale·z_e·F_i     (threads own disjoint column ranges and
 *                                                    each scans Ω, keeping entry order)
 */
export class WasmCompletionKernel {
  readonly threads: number;
  rowIndex: Int32Array;
  colIndex: Int32Array;
  private k!: KernelExports;
  private memory!: WasmMemory;
  private pool: ThreadPool | null = null;
  private kCap = 0;
  private off = { ri: 0, ci: 0, z: 0, f: 0, g: 0, sg: 0, stf: 0 };
  private heap!: Float64Array;
  /** Entry ranges of the threads for the apply kernel and (row-aligned) for SG; column ranges for StF. */
  private readonly applyParts: [number, number][];
  private readonly sgParts: [number, number][];
  private readonly stfParts: [number, number][];
  private disposed = false;

  constructor(
    readonly n1: number,
    readonly n2: number,
    rowIndex: Int32Array,
    colIndex: Int32Array,
    threads: number,
  ) {
    this.threads = Math.max(1, Math.min(threads, n1, n2));
    const m = rowIndex.length;
    this.allocate(1, rowIndex, colIndex);
    this.rowIndex = new Int32Array(this.memory.buffer, this.off.ri, m);
    this.colIndex = new Int32Array(this.memory.buffer, this.off.ci, m);
    this.applyParts = splitRange(m, this.threads, 2);
    // rows sorted (Ω drawn in row-major order): threads own disjoint row ranges for SG;
    // otherwise one thread does all of SG (the others get empty ranges)
    let sorted = true;
    for (let e = 1; e < m && sorted; e++) sorted = rowIndex[e - 1] <= rowIndex[e];
    this.sgParts = sorted
      ? splitRange(n1, this.threads, 1).map(([a, b]): [number, number] => [lowerBound(this.rowIndex, a), lowerBound(this.rowIndex, b)])
      : splitRange(m, this.threads, m);
    this.stfParts = splitRange(n2, this.threads, 1);
  }

  /** Bytes of WASM memory for |Ω| = m entries and k columns. */
  static bytes(n1: number, n2: number, m: number, k: number): number {
    return HEADER + align64(4 * m) * 2 + align64(8 * m) + 2 * align64(8 * n1 * k) + 2 * align64(8 * n2 * k);
  }

  private allocate(kCap: number, ri: Int32Array, ci: Int32Array): void {
    const { n1, n2 } = this;
    const m = ri.length;
    const { memory, k } = wasmInstance(WasmCompletionKernel.bytes(n1, n2, m, kCap), `the completion operator (|Ω| = ${m}, k = ${kCap})`);
    const o = { ri: HEADER, ci: 0, z: 0, f: 0, g: 0, sg: 0, stf: 0 };
    o.ci = o.ri + align64(4 * m);
    o.z = o.ci + align64(4 * m);
    o.f = o.z + align64(8 * m);
    o.g = o.f + align64(8 * n1 * kCap);
    o.sg = o.g + align64(8 * n2 * kCap);
    o.stf = o.sg + align64(8 * n1 * kCap);
    new Int32Array(memory.buffer, o.ri, m).set(ri);
    new Int32Array(memory.buffer, o.ci, m).set(ci);
    this.pool?.terminate();
    this.memory = memory;
    this.k = k;
    this.off = o;
    this.kCap = kCap;
    this.heap = new Float64Array(memory.buffer);
    this.pool = this.threads > 1 ? new ThreadPool(wasmKernelModule()!, memory, this.threads) : null;
    this.rowIndex = new Int32Array(memory.buffer, o.ri, m);
    this.colIndex = new Int32Array(memory.buffer, o.ci, m);
  }

  private ensure(k: number): void {
    if (this.disposed) throw new Error("the completion operator was disposed");
    if (k > this.kCap) this.allocate(k, this.rowIndex, this.colIndex);
  }

  /** out_e = scale·⟨F_{ri[e]}, G_{ci[e]}⟩ (F n1×k, G n2×k row-major data). */
  apply(F: Float64Array, G: Float64Array, k: number, scale: number, out: Float64Array): void {
    this.ensure(k);
    const o = this.off,
      h = this.heap;
    h.set(F.subarray(0, this.n1 * k), o.f / 8);
    h.set(G.subarray(0, this.n2 * k), o.g / 8);
    const kern = this.k;
    runParts(this.pool, OP.COMP_APPLY, [o.ri, o.ci, o.f, o.g, o.z, k], scale, this.applyParts, (lo, hi) =>
      kern.compApply(o.ri, o.ci, o.f, o.g, o.z, k, lo, hi, scale),
    );
    out.set(h.subarray(o.z / 8, o.z / 8 + this.rowIndex.length));
  }

  /** SG ← A*(z)·G and StF ← A*(z)ᵀ·F with A*(z) = scale·Σ_e z_e e_i e_jᵀ (either output may be null). */
  adjoint(z: Float64Array, F: Float64Array, G: Float64Array, k: number, scale: number, SG: Float64Array | null, StF: Float64Array | null): void {
    if (!SG && !StF) return;
    this.ensure(k);
    const o = this.off,
      h = this.heap,
      kern = this.k,
      m = this.rowIndex.length;
    h.set(z.subarray(0, m), o.z / 8);
    if (SG) {
      h.set(G.subarray(0, this.n2 * k), o.g / 8);
      h.fill(0, o.sg / 8, o.sg / 8 + this.n1 * k);
      runParts(this.pool, OP.COMP_SG, [o.ri, o.ci, o.z, o.g, o.sg, k], scale, this.sgParts, (lo, hi) =>
        kern.compSG(o.ri, o.ci, o.z, o.g, o.sg, k, lo, hi, scale),
      );
      SG.set(h.subarray(o.sg / 8, o.sg / 8 + this.n1 * k));
    }
    if (StF) {
      h.set(F.subarray(0, this.n1 * k), o.f / 8);
      runParts(this.pool, OP.COMP_STF, [o.ri, o.ci, o.z, o.f, o.stf, k, m], scale, this.stfParts, (lo, hi) =>
        kern.compStF(o.ri, o.ci, o.z, o.f, o.stf, k, m, lo, hi, scale),
      );
      StF.set(h.subarray(o.stf / 8, o.stf / 8 + this.n2 * k));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.terminate();
    this.pool = null;
  }
}

/** Default log₂ of the FWHT block (2^15 float64 = 256 KiB, in the L2 cache with room to spare); a run's context may set another. */
export const FWHT_LOG_BLOCK = 15;

/**
 * A float64 vector of length L = 2^q in WASM memory with an in-place, cache-blocked, threaded
 * fast Walsh–Hadamard transform: levels h < B inside contiguous blocks of B entries, then
 * levels h ≥ B on panels of columns (stride B), so the vector is streamed from memory about
 * twice per transform instead of log₂ L times. Bitwise the same result as the unblocked
 * level-by-level transform for any thread count (only independent butterflies are reordered).
 */
export class WasmFwhtVector {
  /** The vector (a view of WASM memory): write the input, call {@link transform}, read the output. */
  readonly data: Float64Array;
  readonly threads: number;
  protected readonly k: KernelExports;
  protected readonly pool: ThreadPool | null;
  protected readonly buffer: SharedArrayBuffer;
  /** Byte offset of the `extraBytes` after the vector. */
  protected readonly extra: number;
  private readonly logL: number;
  protected disposed = false;

  /** @param logBlock log₂ of the cache block (`KernelTuning.fwhtLogBlock`; the result does not depend on it) */
  constructor(
    readonly length: number,
    threads: number,
    extraBytes = 0,
    readonly logBlock = FWHT_LOG_BLOCK,
  ) {
    if (length < 1 || (length & (length - 1)) !== 0) throw new RangeError(`the FWHT length must be a power of 2, got ${length}`);
    if (!Number.isInteger(logBlock) || logBlock < 1) throw new RangeError(`the FWHT log block must be an integer ≥ 1, got ${logBlock}`);
    this.logL = Math.round(Math.log2(length));
    this.extra = HEADER + align64(8 * length);
    const { memory, k, buffer } = wasmInstance(this.extra + extraBytes, `an FWHT vector of length ${length}`);
    this.k = k;
    this.buffer = buffer;
    this.data = new Float64Array(buffer, HEADER, length);
    this.threads = Math.max(1, threads);
    this.pool = this.threads > 1 ? new ThreadPool(wasmKernelModule()!, memory, this.threads) : null;
  }

  /** data ← H·data (unnormalized, natural order). */
  transform(): void {
    if (this.disposed) throw new Error("the FWHT vector was disposed");
    const L = this.length,
      k = this.k;
    if (L < 2) return;
    const logB = Math.min(this.logL, this.logBlock);
    const blocks = L >> logB;
    const t = this.threads;
    if (blocks === 1 || t === 1) {
      k.fwhtBlocks(HEADER, logB, 0, blocks);
      for (let h = logB; h < this.logL; h += 3) k.fwhtLevels(HEADER, h, Math.min(3, this.logL - h), 0, L >> Math.min(3, this.logL - h));
      return;
    }
    runParts(this.pool, OP.FWHT_BLOCKS, [HEADER, logB], 0, splitRange(blocks, t, 1), (lo, hi) => k.fwhtBlocks(HEADER, logB, lo, hi));
    // the remaining levels, three per pass over memory (radix-8 in registers)
    for (let h = logB; h < this.logL; h += 3) {
      const sLev = Math.min(3, this.logL - h);
      runParts(this.pool, OP.FWHT_LEVELS, [HEADER, h, sLev], 0, splitRange(L >> sLev, t, 2), (lo, hi) => k.fwhtLevels(HEADER, h, sLev, lo, hi));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.terminate();
  }
}

/** Largest factor width k the SRHT kernels reserve memory for (wider factors use the TS products). */
export const SRHT_MAX_K = 32;

/**
 * The SRHT operator's WASM memory: the length-L vector with its blocked FWHT, the signs D
 * (int8) and room for factors of up to {@link SRHT_MAX_K} columns, with the factored
 * products that never form the n1×n2 matrices:
 *   fill:     x[i·n2 + j] = D_{i·n2+j}·⟨F_i, G_j⟩ (x[N..L) = 0)     (rows split between threads)
 *   products: SG_i = Σ_j s_ij·G_j, (SᵀF)_j = Σ_i s_ij·F_i with s_ij = D_{i·n2+j}·x[i·n2 + j]
 *             (rows, resp. columns, split between threads)
 * Each entry is summed in the order of the TS path (matmulNT / matmul / matmulTN), so the
 * results are bitwise those of the reference.
 */
export class WasmSrhtKernel extends WasmFwhtVector {
  private readonly off: { d: number; f: number; gt: number; g: number; sg: number; stf: number };
  private readonly rowParts: [number, number][];
  private readonly colParts: [number, number][];

  constructor(
    readonly n1: number,
    readonly n2: number,
    signs: Int8Array,
    threads: number,
    logBlock = FWHT_LOG_BLOCK,
  ) {
    const N = n1 * n2;
    let L = 1;
    while (L < N) L *= 2;
    const K = SRHT_MAX_K;
    const sizes = [align64(N), align64(8 * n1 * K), align64(8 * n2 * K), align64(8 * n2 * K), align64(8 * n1 * K), align64(8 * n2 * K)];
    super(
      L,
      threads,
      sizes.reduce((a, b) => a + b, 0),
      logBlock,
    );
    let o = this.extra;
    const at = (i: number) => {
      const v = o;
      o += sizes[i];
      return v;
    };
    this.off = { d: at(0), f: at(1), gt: at(2), g: at(3), sg: at(4), stf: at(5) };
    new Int8Array(this.buffer, this.off.d, N).set(signs);
    this.rowParts = splitRange(n1, this.threads, 1);
    this.colParts = splitRange(n2, this.threads, 1);
  }

  /** data[0..N) = D ∘ vec(F Gᵀ), data[N..L) = 0 (F n1×k, G n2×k, k ≤ SRHT_MAX_K). */
  fill(F: Float64Array, G: Float64Array, k: number): void {
    const { n1, n2, off: o } = this;
    const h = new Float64Array(this.buffer);
    h.set(F.subarray(0, n1 * k), o.f / 8);
    const gt = o.gt / 8;
    for (let j = 0; j < n2; j++) for (let l = 0; l < k; l++) h[gt + l * n2 + j] = G[j * k + l];
    const kern = this.k;
    runParts(this.pool, OP.SRHT_FILL, [o.f, o.gt, o.d, HEADER, n2, k], 0, this.rowParts, (lo, hi) => kern.srhtFill(o.f, o.gt, o.d, HEADER, n2, k, lo, hi));
    this.data.fill(0, n1 * n2);
  }

  /** SG ← S·G and StF ← Sᵀ·F with S = D ∘ data[0..N) as an n1×n2 matrix (either output may be null). */
  products(F: Float64Array, G: Float64Array, k: number, SG: Float64Array | null, StF: Float64Array | null): void {
    const { n1, n2, off: o } = this;
    const h = new Float64Array(this.buffer);
    const kern = this.k;
    if (SG) {
      h.set(G.subarray(0, n2 * k), o.g / 8);
      runParts(this.pool, OP.SRHT_SG, [HEADER, o.d, o.g, o.sg, n2, k], 0, this.rowParts, (lo, hi) => kern.srhtSG(HEADER, o.d, o.g, o.sg, n2, k, lo, hi));
      SG.set(h.subarray(o.sg / 8, o.sg / 8 + n1 * k));
    }
    if (StF) {
      h.set(F.subarray(0, n1 * k), o.f / 8);
      runParts(this.pool, OP.SRHT_STF, [HEADER, o.d, o.f, o.stf, n1, n2, k], 0, this.colParts, (lo, hi) =>
        kern.srhtStF(HEADER, o.d, o.f, o.stf, n1, n2, k, lo, hi),
      );
      StF.set(h.subarray(o.stf / 8, o.stf / 8 + n2 * k));
    }
  }
}

/** True when the structured-operator WASM kernels can run. */
export function structuredKernelsAvailable(): boolean {
  return wasmKernelModule() !== null;
}
