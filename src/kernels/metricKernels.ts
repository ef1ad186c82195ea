import { OP } from "./protocol.js";
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

/** The c×c matrix stored at heap[at..] with row stride c + 3 (the kernel's padding), compacted. */
function unpad(h: Float64Array, at: number, c: number): Float64Array {
  const out = new Float64Array(c * c);
  for (let i = 0; i < c; i++) out.set(h.subarray(at + i * (c + 3), at + i * (c + 3) + c), i * c);
  return out;
}

/**
 * The factored distance's two tall-skinny QRs for one ground truth: its blocks Q₁ (n1×r) and
 * Q₂ (n2×r) are copied into WASM memory once; each evaluation copies the current factors in
 * and computes R₁ of [s₁·F | s₁·Q₁] and R₂ of [s₂·G | −s₂·Q₂].
 */
export class WasmTsqrPair {
  private readonly space = new Workspace("the tall-skinny QR of the error metric");
  private layout = { f: 0, g: 0, q1: 0, q2: 0, x1: 0, x2: 0, v1: 0, v2: 0, r1: 0, r2: 0, a1: 0, a2: 0, k: -1, nb: -1 };
  private heap!: Float64Array;
  private kern!: KernelExports;
  private pool: ThreadPool | null = null;
  /** 2 (one thread per side) or 1; by default {@link autoThreads} of the bytes the kernels read (results do not depend on it). */
  readonly threads: number;

  constructor(private readonly n1: number, private readonly n2: number, private readonly Q1: Float64Array, private readonly Q2: Float64Array, private readonly r: number, threads?: number) {
    this.threads = Math.min(2, threads ?? autoThreads(8 * (n1 + n2) * 2 * r));
  }

  private prepare(k: number, nb: number): void {
    if (this.layout.k === k && this.layout.nb === nb) return;
    const { n1, n2, r } = this;
    const c = k + r;
    const sizes: [keyof typeof this.layout, number][] = [
      ["f", n1 * k], ["g", n2 * k], ["q1", n1 * r], ["q2", n2 * r], ["x1", nb * (c + 3)], ["x2", nb * (c + 3)], ["v1", nb], ["v2", nb],
      ["r1", c * (c + 3)], ["r2", c * (c + 3)], ["a1", 8], ["a2", 8],
    ];
    const o = { ...this.layout, k, nb };
    let at = HEADER;
    for (const [name, entries] of sizes) {
      o[name] = at;
      at += align64(8 * entries);
    }
    const { k: kern, memory, heap, grown } = this.space.ensure(at - HEADER);
    heap.set(this.Q1.subarray(0, n1 * r), o.q1 / 8);
    heap.set(this.Q2.subarray(0, n2 * r), o.q2 / 8);
    if (grown || !this.pool) {
      this.pool?.terminate();
      this.pool = this.threads > 1 ? new ThreadPool(wasmKernelModule()!, memory, 2) : null;
    }
    this.layout = o;
    this.heap = heap;
    this.kern = kern;
  }

  /** Writes one side's argument block (the layout of metricSide in assembly/kernels.ts). */
  private args(at: number, l: number, q: number, m: number, r: number, x: number, v: number, negQ: boolean, maxQ: number): void {
    const o = this.layout;
    new Int32Array(this.heap.buffer, at, 10).set([l, o.k, q, this.r, m, r, x, v, o.nb, negQ ? 1 : 0]);
    this.heap[at / 8 + 5] = maxQ;
  }

  /**
   * Copies F (n1×k) and G (n2×k) in and returns R₁ of s₁·[F | Q₁] and R₂ of s₂·[G | −Q₂]
   * (c×c each) with s₁, s₂ the powers of two of powerOfTwoScale for max(max |F|, maxQ1) and
   * max(max |G|, maxQ2); null when F or G holds a NaN or an infinity. With two threads the
   * worker starts on G's side as soon as G is copied, while F is copied here.
   */
  evaluate(F: Float64Array, G: Float64Array, k: number, nb: number, maxQ1: number, maxQ2: number): { R1: Float64Array; R2: Float64Array; s1: number; s2: number } | null {
    this.prepare(k, nb);
    const o = this.layout, h = this.heap, c = k + this.r;
    h.set(G.subarray(0, this.n2 * k), o.g / 8);
    this.args(o.a2, o.g, o.q2, this.n2, o.r2, o.x2, o.v2, true, maxQ2);
    if (this.pool) {
      this.pool.next();
      this.pool.postRaw(0, OP.METRIC_SIDE, [o.a2], 0, 0);
    }
    h.set(F.subarray(0, this.n1 * k), o.f / 8);
    this.args(o.a1, o.f, o.q1, this.n1, o.r1, o.x1, o.v1, false, maxQ1);
    this.kern.metricSide(o.a1);
    if (this.pool) this.pool.wait(0);
    else this.kern.metricSide(o.a2);
    const s1 = h[o.a1 / 8 + 6], s2 = h[o.a2 / 8 + 6];
    if (Number.isNaN(s1) || Number.isNaN(s2)) return null;
    return { R1: unpad(h, o.r1 / 8, c), R2: unpad(h, o.r2 / 8, c), s1, s2 };
  }

  /** Stops the worker thread (the memory is freed with the object). */
  dispose(): void {
    this.pool?.terminate();
    this.pool = null;
  }
}
