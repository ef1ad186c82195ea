import { OP } from "./protocol.js";
import { powerOfTwoScale } from "../linalg/tsqr.js";
import { type KernelExports, type WasmMemory, ThreadPool, autoThreads, wasmInstance, wasmKernelModule } from "./wasm.js";

/**
 * WASM SIMD kernels of the error metrics at large sizes (see assembly/kernels.ts): the
 * tall-skinny QR behind the factored distance, the Gram matrices behind the imbalance and
 * max |x|. Each is bitwise its scalar reference (tsqrR of src/linalg/tsqr.ts, matmulTN of
 * src/linalg/matrix.ts), tested. With two threads the two sides (F with U·Σ, G with V) run
 * at once, one per thread — the same operations as one after the other, so the results do not
 * depend on the thread count.
 */

const HEADER = 65536;
const align64 = (v: number) => Math.ceil(v / 64) * 64;

/** A growable WASM memory (contents lost on growth). */
class Workspace {
  private inst: { k: KernelExports; memory: WasmMemory; buffer: SharedArrayBuffer } | null = null;
  private capacity = 0;
  constructor(private readonly what: string) {}
  /** The kernels over a memory of at least `bytes` bytes past the header; `grown` when it was re-created. */
  ensure(bytes: number): { k: KernelExports; memory: WasmMemory; heap: Float64Array; grown: boolean } {
    let grown = false;
    if (!this.inst || bytes > this.capacity) {
      this.capacity = Math.max(bytes, Math.floor(1.25 * this.capacity));
      this.inst = wasmInstance(HEADER + this.capacity, this.what);
      grown = true;
    }
    return { k: this.inst.k, memory: this.inst.memory, heap: new Float64Array(this.inst.buffer), grown };
  }
}

const gramSpace = new Workspace("the Gram matrix of the imbalance metric");

/** True when the metric kernels can run (WASM with SIMD and shared memory). */
export function metricKernelsAvailable(): boolean {
  return wasmKernelModule() !== null;
}

/**
 * The upper triangle (j ≥ i; lower left 0) of AᵀA for the p×n row-major A, bitwise the upper
 * triangle of matmulTN(A, A); null without WASM.
 */
export function wasmGramUpper(a: Float64Array, p: number, n: number): Float64Array | null {
  if (!metricKernelsAvailable()) return null;
  const aBytes = align64(8 * p * n);
  const { k, heap } = gramSpace.ensure(aBytes + align64(8 * n * n));
  heap.set(a.subarray(0, p * n), HEADER / 8);
  const c = HEADER + aBytes;
  k.gramUpper(HEADER, p, n, c);
  return heap.slice(c / 8, c / 8 + n * n);
}

/** The rows×cols matrix stored at heap[at..] with row stride `stride` (the kernel's padding), compacted. */
function unpad(h: Float64Array, at: number, rows: number, cols: number, stride: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) out.set(h.subarray(at + i * stride, at + i * stride + cols), i * cols);
  return out;
}

/** One side's R of s_a·[A | (s_f/s_a)·F]: blocks with their scales (row-major, unpadded). */
export interface TsqrSide {
  /** R_AA (r×r) of s_a·A: fixed, from the recording run. */
  Raa: Float64Array;
  /** R_AF (r×k) and R_FF (k×k), in units of s_f. */
  Raf: Float64Array;
  Rff: Float64Array;
  sa: number;
  sf: number;
}

/**
 * The factored distance's two tall-skinny QRs for one ground truth: W₁ = [A | F] and
 * W₂ = [−B | G] (A = UΣ n1×r, B = V n2×r). The reflectors of A's and −B's columns do not
 * depend on the factors, so they are computed once (tsqrR with recording, at the scales s_a,
 * s_b that bring max |A|, max |B| into [1, 2)) and kept in WASM memory; each evaluation copies
 * F and G in and applies them (tsqrApply), which leaves (k + 2r)·k instead of (k + r)² work per
 * row. The R factors are bitwise those of the scalar reference tsqrR(A, r, F, k, n1, s_a, s_f)
 * (tested).
 */
export class WasmTsqrPair {
  private readonly space = new Workspace("the tall-skinny QR of the error metric");
  private layout: Record<string, number> = { k: -1, nb: -1 };
  private heap!: Float64Array;
  private kern!: KernelExports;
  private pool: ThreadPool | null = null;
  private fixed: { Raa: Float64Array; Rbb: Float64Array; sa: number; sb: number } | null = null;
  /** 2 (one thread per side) or 1; by default {@link autoThreads} of the bytes the kernels read (results do not depend on it). */
  readonly threads: number;

  constructor(
    private readonly n1: number,
    private readonly n2: number,
    private readonly A: Float64Array,
    private readonly B: Float64Array,
    private readonly r: number,
    private readonly maxA: number,
    private readonly maxB: number,
    threads?: number,
  ) {
    this.threads = Math.min(2, threads ?? autoThreads(8 * (n1 + n2) * 2 * r));
  }

  private prepare(k: number, nb: number): void {
    if (this.layout.k === k && this.layout.nb === nb) return;
    const { n1, n2, r } = this;
    const w = Math.max(k, r) + 3;
    const sizes: [string, number][] = [
      ["f", n1 * k],
      ["g", n2 * k],
      ["rec1", n1 * r],
      ["rec2", n2 * r],
      ["tau1", Math.ceil(n1 / nb) * r],
      ["tau2", Math.ceil(n2 / nb) * r],
      ["x1", nb * w],
      ["x2", nb * w],
      ["v1", nb],
      ["v2", nb],
      ["raa", r * (r + 3)],
      ["rbb", r * (r + 3)],
      ["raf1", r * (k + 3)],
      ["rff1", k * (k + 3)],
      ["raf2", r * (k + 3)],
      ["rff2", k * (k + 3)],
      ["a1", 8],
      ["a2", 8],
    ];
    const o: Record<string, number> = { k, nb };
    let at = HEADER;
    for (const [name, entries] of sizes) {
      o[name] = at;
      at += align64(8 * entries);
    }
    const { k: kern, memory, heap, grown } = this.space.ensure(at - HEADER);
    // the fixed sides' reflectors: tsqrR of s_a·A and −s_b·B, recorded in place of A and B
    heap.set(this.A.subarray(0, n1 * r), o.rec1 / 8);
    heap.set(this.B.subarray(0, n2 * r), o.rec2 / 8);
    const sa = powerOfTwoScale(this.maxA),
      sb = powerOfTwoScale(this.maxB);
    kern.tsqrR(o.rec1, r, 0, 0, n1, sa, 0, o.raa, o.x1, o.v1, nb, o.rec1, o.tau1);
    kern.tsqrR(o.rec2, r, 0, 0, n2, -sb, 0, o.rbb, o.x2, o.v2, nb, o.rec2, o.tau2);
    this.fixed = { Raa: unpad(heap, o.raa / 8, r, r, r + 3), Rbb: unpad(heap, o.rbb / 8, r, r, r + 3), sa, sb };
    if (grown || !this.pool) {
      this.pool?.terminate();
      this.pool = this.threads > 1 ? new ThreadPool(wasmKernelModule()!, memory, 2) : null;
    }
    this.layout = o;
    this.heap = heap;
    this.kern = kern;
  }

  /** Writes one side's argument block (the layout of metricSide in assembly/kernels.ts). */
  private args(at: number, f: number, rec: number, tau: number, m: number, raf: number, rff: number, x: number, v: number): void {
    const o = this.layout;
    new Int32Array(this.heap.buffer, at, 11).set([f, o.k, rec, tau, this.r, m, raf, rff, x, v, o.nb]);
  }

  /**
   * Copies F (n1×k) and G (n2×k) in and returns the R factors of [A | F] and [−B | G] by
   * blocks; null when F or G holds a NaN or an infinity. With two threads the worker starts on
   * G's side as soon as G is copied, while F is copied here.
   */
  evaluate(F: Float64Array, G: Float64Array, k: number, nb: number): [TsqrSide, TsqrSide] | null {
    this.prepare(k, nb);
    const o = this.layout,
      h = this.heap,
      r = this.r,
      fx = this.fixed!;
    h.set(G.subarray(0, this.n2 * k), o.g / 8);
    this.args(o.a2, o.g, o.rec2, o.tau2, this.n2, o.raf2, o.rff2, o.x2, o.v2);
    if (this.pool) {
      this.pool.next();
      this.pool.postRaw(0, OP.METRIC_SIDE, [o.a2], 0, 0);
    }
    h.set(F.subarray(0, this.n1 * k), o.f / 8);
    this.args(o.a1, o.f, o.rec1, o.tau1, this.n1, o.raf1, o.rff1, o.x1, o.v1);
    this.kern.metricSide(o.a1);
    if (this.pool) this.pool.wait(0);
    else this.kern.metricSide(o.a2);
    const s1 = h[o.a1 / 8 + 6],
      s2 = h[o.a2 / 8 + 6];
    if (Number.isNaN(s1) || Number.isNaN(s2)) return null;
    const side = (raf: number, rff: number, Raa: Float64Array, sa: number, sf: number): TsqrSide => ({
      Raa,
      Raf: unpad(h, raf / 8, r, k, k + 3),
      Rff: unpad(h, rff / 8, k, k, k + 3),
      sa,
      sf,
    });
    return [side(o.raf1, o.rff1, fx.Raa, fx.sa, s1), side(o.raf2, o.rff2, fx.Rbb, fx.sb, s2)];
  }

  /** Stops the worker thread (the memory is freed with the object). */
  dispose(): void {
    this.pool?.terminate();
    this.pool = null;
  }
}
