import * as fs from "node:fs";
import * as os from "node:os";
import * as v8 from "node:v8";
import { Worker } from "node:worker_threads";
import type { AllocateOptions, KernelBackend, StorageType, StoredMatrix } from "./types.js";
import { CTRL, OP, RAW_ARGS, SCALAR_BYTE, SLOT_INTS } from "./protocol.js";
import { WORKER_SOURCE } from "./worker-source.js";

/**
 * The WASM SIMD backend: AssemblyScript kernels (assembly/kernels.ts, compiled by
 * `npm run build` to dist/wasm/kernels.wasm) running over a matrix resident in its own
 * shared WebAssembly memory, optionally split over worker threads that share that memory.
 *
 * Memory layout of one stored matrix (byte offsets; page 0 is left to the module):
 *   [65536, +8·v)        x / z input vector   (v = max(rows, cols))
 *   [.., +8·v)           y output vector
 *   [.., +8·rows)        b (measurements) and r (residual) of the fused kernel
 *   [.., +8·P·cols)      the P = FUSED_PARTS partition sums of the fused kernel
 *   [64-aligned, …)      the rows × cols matrix, float64 or float32, row-major
 * The memory is created at its final size (initial = maximum pages), so the `values` view
 * never detaches. wasm32 memories stop at 65536 pages = 4 GiB.
 */

// Minimal typings of the WebAssembly JS API (the project's lib settings do not declare it,
// and a global declaration in a library's .d.ts could clash with a user's DOM lib).
/** A compiled WebAssembly module (opaque). */
export type WasmModule = object;
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Name recorded for this backend. */
export const WASM_BACKEND_NAME = "wasm-simd";
/** Largest wasm32 memory: 65536 pages of 64 KiB. */
export const WASM_MAX_BYTES = 65536 * 65536;
const PAGE = 65536;
const HEADER = PAGE;

/** Exports of the compiled kernels module (pointers are byte offsets, passed as i32 bit patterns). */
export interface KernelExports {
  gemv64(a: number, x: number, y: number, cols: number, r0: number, r1: number): void;
  gemv32(a: number, x: number, y: number, cols: number, r0: number, r1: number): void;
  gemvT64(a: number, z: number, y: number, rows: number, cols: number, c0: number, c1: number): void;
  gemvT32(a: number, z: number, y: number, rows: number, cols: number, c0: number, c1: number): void;
  fused64(a: number, x: number, b: number, r: number, acc: number, rows: number, cols: number, pLo: number, pHi: number, scale: number): void;
  fused32(a: number, x: number, b: number, r: number, acc: number, rows: number, cols: number, pLo: number, pHi: number, scale: number): void;
  fusedBatch64(a: number, x0: number, per: number, mask: number, rows: number, cols: number, pLo: number, pHi: number, scale: number): void;
  fusedBatch32(a: number, x0: number, per: number, mask: number, rows: number, cols: number, pLo: number, pHi: number, scale: number): void;
  sum64(x: number, i0: number, i1: number): number;
  fwht(x: number, len: number): void;
  compApply(ri: number, ci: number, f: number, g: number, out: number, k: number, e0: number, e1: number, scale: number): void;
  compSG(ri: number, ci: number, z: number, g: number, sg: number, k: number, e0: number, e1: number, scale: number): void;
  compStF(ri: number, ci: number, z: number, f: number, stf: number, k: number, m: number, c0: number, c1: number, scale: number): void;
  fwhtBlocks(x: number, logB: number, b0: number, b1: number): void;
  fwhtLevels(x: number, hLog: number, s: number, u0: number, u1: number): void;
  srhtFill(f: number, gt: number, d: number, b: number, n2: number, k: number, i0: number, i1: number): void;
  srhtSG(b: number, d: number, g: number, sg: number, n2: number, k: number, i0: number, i1: number): void;
  srhtStF(b: number, d: number, f: number, stf: number, n1: number, n2: number, k: number, j0: number, j1: number): void;
  maxAbs64(x: number, n: number): number;
  tsqrR(
    l: number,
    kl: number,
    q: number,
    kq: number,
    m: number,
    sl: number,
    sr: number,
    r: number,
    x: number,
    v: number,
    nb: number,
    rec: number,
    taus: number,
  ): void;
  tsqrApply(
    f: number,
    k: number,
    m: number,
    s: number,
    rec: number,
    taus: number,
    ka: number,
    rAF: number,
    rFF: number,
    x: number,
    v: number,
    nb: number,
  ): void;
  gramUpper(a: number, p: number, n: number, c: number): void;
  metricSide(args: number): void;
}

/** Candidate locations of a compiled module (`file` in dist/wasm/): from dist/kernels/ and from src/kernels/. */
function wasmCandidates(file: string): URL[] {
  return [new URL(`../wasm/${file}`, import.meta.url), new URL(`../../dist/wasm/${file}`, import.meta.url)];
}

/** The bytes of dist/wasm/`file`, or null when not found. */
function readModuleBytes(file: string): Buffer | null {
  for (const url of wasmCandidates(file)) {
    try {
      return fs.readFileSync(url);
    } catch {
      /* try the next location */
    }
  }
  return null;
}

/** Why the WASM backend is unavailable (null when it loaded). */
export let wasmUnavailableReason: string | null = null;
let wasmModule: WasmModule | null = null;

function loadModule(): WasmModule | null {
  const bytes = readModuleBytes("kernels.wasm");
  if (!bytes) {
    wasmUnavailableReason = "the compiled kernels (dist/wasm/kernels.wasm) were not found; run `npm run build`";
    return null;
  }
  try {
    // Shared memory (threads proposal) and SIMD must both be supported.
    new WA.Memory({ initial: 1, maximum: 1, shared: true });
    return new WA.Module(bytes);
  } catch (e) {
    wasmUnavailableReason = `this JavaScript engine cannot run the WASM SIMD kernels (${(e as Error).message})`;
    return null;
  }
}

wasmModule = loadModule();

/** The compiled kernels module, or null when unavailable (for the structured-operator kernels). */
export function wasmKernelModule(): WasmModule | null {
  return wasmModule;
}

/**
 * A new shared WebAssembly memory of at least `bytes` bytes (at its final size, so views
 * never detach) with an instance of the kernels on it. Throws a RangeError naming the bytes
 * when above the 4 GiB wasm32 limit.
 */
export function wasmInstance(bytes: number, what: string): { memory: WasmMemory; k: KernelExports; buffer: SharedArrayBuffer } {
  if (!wasmModule) throw new Error(wasmUnavailableReason ?? "the WASM kernels are unavailable");
  const pages = align(bytes, PAGE) / PAGE;
  if (pages * PAGE > WASM_MAX_BYTES) {
    throw new RangeError(
      `${what} needs ${pages * PAGE} bytes of WASM memory, more than the ${WASM_MAX_BYTES} bytes (4 GiB) a wasm32 memory can hold; use operator.backend "ts"`,
    );
  }
  const memory = new WA.Memory({ initial: pages, maximum: pages, shared: true });
  const k = new WA.Instance(wasmModule, { env: { memory } }).exports as unknown as KernelExports;
  return { memory, k, buffer: memory.buffer as SharedArrayBuffer };
}

/** True when the WASM SIMD kernels loaded. */
export function wasmAvailable(): boolean {
  return wasmModule !== null;
}

const align = (v: number, a: number) => Math.ceil(v / a) * a;

/**
 * Fixed number of row partitions of the fused kernel (assembly/kernels.ts FUSED_PARTS): each
 * partition sums its rows' contribution to Aᵀr separately and the partitions are added in
 * order, so the result is the same for any thread count ≤ FUSED_PARTS.
 */
export const FUSED_PARTS = 4;

/** Byte offsets of the vectors and the matrix in a stored matrix's memory. */
function layout(rows: number, cols: number, slot = 0, slots = 1) {
  const v = Math.max(rows, cols);
  // one set of working vectors per user of the memory (slots > 1: a matrix shared by the
  // runs of a sweep, each with its own vectors; slot 0 of 1 is the usual layout)
  const per = 2 * align(8 * v, 64) + 2 * align(8 * rows, 64) + align(8 * FUSED_PARTS * cols, 64);
  const xOff = HEADER + slot * per;
  const yOff = xOff + align(8 * v, 64);
  const bOff = yOff + align(8 * v, 64);
  const rOff = bOff + align(8 * rows, 64);
  const accOff = rOff + align(8 * rows, 64);
  const aOff = HEADER + slots * per;
  return { xOff, yOff, bOff, rOff, accOff, aOff, per };
}

/** Bytes of WASM memory a rows × cols matrix needs (vectors and the reserved page included; `slots` sets of vectors). */
export function wasmMatrixBytes(rows: number, cols: number, storage: StorageType, slots = 1): number {
  return align(layout(rows, cols, 0, slots).aOff + rows * cols * (storage === "float32" ? 4 : 8), PAGE);
}

// ---- worker pool over one memory -------------------------------------------------------

const SLOT = SLOT_INTS;

/**
 * A worker that has not finished a command after `timeoutMs` is declared dead and the call
 * fails (one kernel call streams at most 4 GiB, seconds even on a busy machine). Mutable
 * for tests.
 */
export const workerLimits = { timeoutMs: 60_000 };

const poolFinalizer = new FinalizationRegistry<Worker[]>((workers) => {
  for (const w of workers) void w.terminate();
});

/**
 * threads − 1 worker threads plus the calling thread, each running the same kernel on its
 * part of the index range. Commands go through an Int32Array on a SharedArrayBuffer:
 * the caller writes the arguments, bumps the sequence number and notifies; each worker
 * runs its part, stores the sequence number in its "done" slot and notifies back.
 * No messages are posted per call.
 */
export class ThreadPool {
  readonly workers: Worker[] = [];
  private readonly ctrl: Int32Array;
  private readonly result: Float64Array;
  private seq = 0;
  /** Set by a worker's "error" event (kept outside `this` so running workers do not keep the pool alive). */
  private readonly health: { dead: string | null } = { dead: null };

  constructor(
    module: WasmModule,
    memory: WasmMemory,
    readonly size: number,
  ) {
    const sab = new SharedArrayBuffer(4 * SLOT_INTS * Math.max(1, size - 1));
    this.ctrl = new Int32Array(sab);
    this.result = new Float64Array(sab);
    const health = this.health;
    for (let w = 0; w < size - 1; w++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctrl: sab, slot: w } });
      worker.unref();
      worker.on("error", (e) => {
        health.dead = `a kernel worker thread failed: ${e.message}`;
      });
      this.workers.push(worker);
    }
    const deadline = Date.now() + 30_000;
    for (let w = 0; w < size - 1; w++) {
      while (Atomics.load(this.ctrl, w * SLOT + CTRL.READY) === 0) {
        if (Date.now() > deadline) {
          this.terminate();
          throw new Error("kernel worker threads did not start within 30 s");
        }
        Atomics.wait(this.ctrl, w * SLOT + CTRL.READY, 0, 100);
      }
      if (Atomics.load(this.ctrl, w * SLOT + CTRL.READY) !== 1) {
        this.terminate();
        throw new Error("a kernel worker thread could not instantiate the WASM module");
      }
    }
    poolFinalizer.register(this, this.workers, this);
  }

  /** Starts `op` on worker w for [lo, hi) (`fused`: the fused kernel's r and acc offsets and scale). */
  post(
    w: number,
    op: number,
    a: number,
    x: number,
    y: number,
    rows: number,
    cols: number,
    lo: number,
    hi: number,
    fused?: { r: number; acc: number; scale: number },
  ): void {
    const c = this.ctrl,
      b = w * SLOT;
    if (fused) {
      c[b + CTRL.R] = fused.r | 0;
      c[b + CTRL.ACC] = fused.acc | 0;
      this.result[(4 * b + SCALAR_BYTE) / 8] = fused.scale;
    }
    c[b + CTRL.OP] = op;
    c[b + CTRL.A] = a | 0;
    c[b + CTRL.X] = x | 0;
    c[b + CTRL.Y] = y | 0;
    c[b + CTRL.ROWS] = rows;
    c[b + CTRL.COLS] = cols;
    c[b + CTRL.LO] = lo;
    c[b + CTRL.HI] = hi;
    Atomics.store(c, b + CTRL.SEQ, this.seq);
    Atomics.notify(c, b + CTRL.SEQ);
  }

  /**
   * Starts raw command `op` on worker w: `ints` go to the argument slots 3–7, 14, 15 (at most
   * 7; pointers as i32 bit patterns), [lo, hi) to slots 8, 9, `f` to the float slot.
   */
  postRaw(w: number, op: number, ints: number[], lo: number, hi: number, f = 0): void {
    const c = this.ctrl,
      b = w * SLOT;
    for (let i = 0; i < ints.length; i++) c[b + RAW_ARGS[i]] = ints[i] | 0;
    c[b + CTRL.LO] = lo;
    c[b + CTRL.HI] = hi;
    this.result[(4 * b + SCALAR_BYTE) / 8] = f;
    c[b + CTRL.OP] = op;
    Atomics.store(c, b + CTRL.SEQ, this.seq);
    Atomics.notify(c, b + CTRL.SEQ);
  }

  /** Next command number (call once per parallel command, before the posts). */
  next(): void {
    if (this.health.dead) throw new Error(this.health.dead);
    this.seq = (this.seq + 1) | 0;
  }

  /** Waits for worker w to finish the current command; returns its float64 result slot. */
  wait(w: number): number {
    const c = this.ctrl,
      b = w * SLOT;
    const start = Date.now();
    for (;;) {
      const done = Atomics.load(c, b + CTRL.DONE);
      if (done === this.seq) break;
      if (Date.now() - start > workerLimits.timeoutMs) {
        this.health.dead = `kernel worker thread ${w + 1} did not answer within ${workerLimits.timeoutMs / 1000} s`;
        this.terminate();
        throw new Error(this.health.dead);
      }
      Atomics.wait(c, b + CTRL.DONE, done, 1000);
    }
    if (c[b + CTRL.ERR] !== 0) throw new Error(`kernel worker thread ${w + 1} failed (code ${c[b + CTRL.ERR]})`);
    return this.result[(4 * b + SCALAR_BYTE) / 8];
  }

  terminate(): void {
    for (let w = 0; w < this.workers.length; w++) {
      const c = this.ctrl,
        b = w * SLOT;
      c[b + CTRL.OP] = OP.STOP;
      Atomics.store(c, b + CTRL.SEQ, (this.seq + 1) | 0);
      Atomics.notify(c, b + CTRL.SEQ);
      void this.workers[w].terminate();
    }
    this.workers.length = 0;
    poolFinalizer.unregister(this);
  }
}

/** Splits [0, n) into `parts` ranges whose inner boundaries are multiples of `quantum`. */
export function splitRange(n: number, parts: number, quantum: number): [number, number][] {
  const chunk = align(Math.ceil(n / parts), quantum);
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) out.push([Math.min(n, p * chunk), Math.min(n, (p + 1) * chunk)]);
  return out;
}

// ---- the stored matrix -------------------------------------------------------------------

/** g = acc_0 + acc_1 + … + acc_{P−1} in this order (whatever the thread count), acc_p = heap[p0 + p·cols, +cols). */
function sumPartitions(heap: Float64Array, p0: number, cols: number, g: Float64Array): void {
  g.set(heap.subarray(p0, p0 + cols));
  for (let p = 1; p < FUSED_PARTS; p++) {
    const o = p0 + p * cols;
    for (let j = 0; j < cols; j++) g[j] += heap[o + j];
  }
}

/** One run of {@link WasmStoredMatrix.residualTransposeBatch}: its slot, inputs x, b and outputs r, g. */
export interface BatchRun {
  slot: number;
  x: Float64Array;
  b: Float64Array;
  r: Float64Array;
  g: Float64Array;
}

class WasmStoredMatrix implements StoredMatrix {
  readonly backend: string;
  readonly values: Float64Array | Float32Array;
  readonly threads: number;
  /** The WASM memory holding the matrix (shared: it can be posted to other threads). */
  readonly memory: WasmMemory;
  private readonly k: KernelExports;
  private readonly heap: Float64Array;
  private readonly xOff: number;
  private readonly yOff: number;
  private readonly bOff: number;
  private readonly rOff: number;
  private readonly accOff: number;
  private readonly aOff: number;
  private pool: ThreadPool | null = null;
  /** Sets of working vectors in the memory (see {@link layout}). */
  readonly slots: number;
  private readonly rowParts: [number, number][];
  private readonly colParts: [number, number][];
  /** Partition ranges [pLo, pHi) of the fused kernel per thread (at most FUSED_PARTS threads take part). */
  private readonly fusedParts: [number, number][];
  private disposed = false;

  /**
   * @param share a matrix used by several runs at once: its memory (absent: create it), this
   *   user's slot of working vectors and the number of slots (see {@link layout})
   */
  constructor(
    module: WasmModule,
    readonly rows: number,
    readonly cols: number,
    readonly storage: StorageType,
    threads: number,
    share?: { memory?: WasmMemory; slot: number; slots: number },
    backend = WASM_BACKEND_NAME,
  ) {
    this.backend = backend;
    const slot = share?.slot ?? 0,
      slots = share?.slots ?? 1;
    this.slots = slots;
    if (!(slot >= 0 && slot < slots)) throw new RangeError(`slot ${slot} of a matrix with ${slots} slots`);
    const bytes = wasmMatrixBytes(rows, cols, storage, slots);
    if (bytes > WASM_MAX_BYTES) {
      throw new RangeError(
        `the ${rows} × ${cols} ${storage} operator needs ${bytes} bytes of WASM memory, more than the ${WASM_MAX_BYTES} bytes (4 GiB) ` +
          `a wasm32 memory can hold; use operator.storage "float32", "packed" (symmetric) or "regenerate", or operator.backend "ts"`,
      );
    }
    const pages = bytes / PAGE;
    if (share?.memory && share.memory.buffer.byteLength !== bytes)
      throw new RangeError(`the shared memory has ${share.memory.buffer.byteLength} bytes, the layout needs ${bytes}`);
    this.memory = share?.memory ?? new WA.Memory({ initial: pages, maximum: pages, shared: true });
    this.k = new WA.Instance(module, { env: { memory: this.memory } }).exports as unknown as KernelExports;
    ({ xOff: this.xOff, yOff: this.yOff, bOff: this.bOff, rOff: this.rOff, accOff: this.accOff, aOff: this.aOff } = layout(rows, cols, slot, slots));
    const buf = this.memory.buffer;
    this.heap = new Float64Array(buf, 0, this.aOff / 8);
    this.values = storage === "float32" ? new Float32Array(buf, this.aOff, rows * cols) : new Float64Array(buf, this.aOff, rows * cols);
    this.threads = Math.max(1, Math.min(threads, rows, cols));
    if (this.threads > 1) this.pool = new ThreadPool(module, this.memory, this.threads);
    this.rowParts = splitRange(rows, this.threads, 4);
    this.colParts = splitRange(cols, this.threads, 2);
    this.fusedParts = splitRange(FUSED_PARTS, Math.min(this.threads, FUSED_PARTS), 1);
  }

  private check(): void {
    if (this.disposed) throw new Error("the stored operator was disposed");
  }

  /**
   * Runs `op` on parts[1..] in the workers and `local` on parts[0] in this thread, then
   * waits for the workers; returns the sum of the workers' float64 results.
   */
  private parallel(
    op: number,
    parts: [number, number][],
    local: (lo: number, hi: number) => void,
    a = this.aOff,
    y = this.yOff,
    fused?: { r: number; acc: number; scale: number },
  ): number {
    const pool = this.pool;
    const used = Math.min(this.threads, parts.length);
    if (pool) {
      pool.next();
      for (let w = 1; w < used; w++) pool.post(w - 1, op, a, this.xOff, y, this.rows, this.cols, parts[w][0], parts[w][1], fused);
    }
    local(parts[0][0], parts[0][1]);
    let s = 0;
    if (pool) for (let w = 1; w < used; w++) s += pool.wait(w - 1);
    return s;
  }

  multiply(x: Float64Array, y: Float64Array): void {
    this.check();
    const { rows, cols, aOff, xOff, yOff } = this;
    this.heap.set(x.subarray(0, cols), xOff / 8);
    const f32 = this.storage === "float32";
    const kern = f32 ? this.k.gemv32 : this.k.gemv64;
    this.parallel(f32 ? OP.GEMV32 : OP.GEMV64, this.rowParts, (lo, hi) => kern(aOff, xOff, yOff, cols, lo, hi));
    y.set(this.heap.subarray(yOff / 8, yOff / 8 + rows));
  }

  multiplyTranspose(z: Float64Array, y: Float64Array): void {
    this.check();
    const { rows, cols, aOff, xOff, yOff } = this;
    this.heap.set(z.subarray(0, rows), xOff / 8);
    const f32 = this.storage === "float32";
    const kern = f32 ? this.k.gemvT32 : this.k.gemvT64;
    this.parallel(f32 ? OP.GEMVT32 : OP.GEMVT64, this.colParts, (lo, hi) => kern(aOff, xOff, yOff, rows, cols, lo, hi));
    y.set(this.heap.subarray(yOff / 8, yOff / 8 + cols));
  }

  residualTranspose(x: Float64Array, b: Float64Array, scale: number, r: Float64Array, g: Float64Array): void {
    this.check();
    const { rows, cols, aOff, xOff, bOff, rOff, accOff } = this;
    const heap = this.heap;
    heap.set(x.subarray(0, cols), xOff / 8);
    heap.set(b.subarray(0, rows), bOff / 8);
    const f32 = this.storage === "float32";
    const kern = f32 ? this.k.fused32 : this.k.fused64;
    this.parallel(f32 ? OP.FUSED32 : OP.FUSED64, this.fusedParts, (lo, hi) => kern(aOff, xOff, bOff, rOff, accOff, rows, cols, lo, hi, scale), aOff, bOff, {
      r: rOff,
      acc: accOff,
      scale,
    });
    r.set(heap.subarray(rOff / 8, rOff / 8 + rows));
    sumPartitions(heap, accOff / 8, cols, g);
  }

  /**
   * {@link residualTranspose} for several users of this matrix at once, one per working slot
   * (`slot` < {@link slots} ≤ 32, all different): one pass over the matrix computes every
   * run's r = scale·(M x) − b and g = Mᵀ r. Each run's r and g are bitwise those of
   * `residualTranspose` on its own (the kernel does the same arithmetic per run, block by
   * block, in the same order; see fusedBatch in assembly/kernels.ts), for any thread count.
   */
  residualTransposeBatch(runs: readonly BatchRun[], scale: number): void {
    this.check();
    const { rows, cols, aOff } = this;
    const heap = this.heap;
    let mask = 0;
    for (const run of runs) {
      if (!(run.slot >= 0 && run.slot < this.slots && run.slot < 32) || (mask >>> run.slot) & 1) {
        throw new RangeError(`batch slot ${run.slot}: must be distinct and < ${Math.min(this.slots, 32)}`);
      }
      mask |= 1 << run.slot;
      const o = layout(rows, cols, run.slot, this.slots);
      heap.set(run.x.subarray(0, cols), o.xOff / 8);
      heap.set(run.b.subarray(0, rows), o.bOff / 8);
    }
    const base = layout(rows, cols, 0, this.slots);
    const f32 = this.storage === "float32";
    const kern = f32 ? this.k.fusedBatch32 : this.k.fusedBatch64;
    const ints = [aOff, base.xOff, base.per, mask, rows, cols];
    const pool = this.pool,
      parts = this.fusedParts,
      used = Math.min(this.threads, parts.length);
    if (pool) {
      pool.next();
      for (let w = 1; w < used; w++) pool.postRaw(w - 1, f32 ? OP.FUSED_BATCH32 : OP.FUSED_BATCH64, ints, parts[w][0], parts[w][1], scale);
    }
    kern(aOff, base.xOff, base.per, mask, rows, cols, parts[0][0], parts[0][1], scale);
    if (pool) for (let w = 1; w < used; w++) pool.wait(w - 1);
    for (const run of runs) {
      const o = layout(rows, cols, run.slot, this.slots);
      run.r.set(heap.subarray(o.rOff / 8, o.rOff / 8 + rows));
      sumPartitions(heap, o.accOff / 8, cols, run.g);
    }
  }

  /**
   * Σ of all stored entries read through the kernels (float64 storage only), split over the
   * threads like gemv — used by the benchmark to measure the memory read bandwidth.
   */
  sumAll(): number {
    this.check();
    if (this.storage !== "float64") throw new RangeError("sumAll needs float64 storage");
    const n = this.rows * this.cols;
    const parts = splitRange(n, this.threads, 8);
    const base = this.aOff / 8;
    const shifted = parts.map(([lo, hi]): [number, number] => [base + lo, base + hi]);
    let local = 0;
    const workers = this.parallel(OP.SUM64, shifted, (lo, hi) => void (local = this.k.sum64(0, lo, hi)), 0);
    return local + workers;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.terminate();
    this.pool = null;
  }
}

/** The number of cores Node reports (os.availableParallelism, or the CPU count on older Node). */
export function availableCores(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/** Operators at least this large get 2 threads automatically (below, the per-call synchronization costs more than it saves). */
export const AUTO_THREADS_MIN_BYTES = 16 * 1024 * 1024;

/**
 * A thread count for the WASM backend: 0 = automatic — 2 threads for operators
 * ≥ {@link AUTO_THREADS_MIN_BYTES} (16 MiB) on ≥ 2 cores, else 1, and never more than ⌊cap⌋
 * (the run context's `KernelTuning.threadCap`; default Infinity). Results do not depend
 * on the thread count (the kernels sum every output in the same order whatever the split).
 */
export function autoThreads(bytes: number, cap = Infinity): number {
  const cores = availableCores();
  return Math.max(1, Math.min(bytes >= AUTO_THREADS_MIN_BYTES && cores >= 2 ? 2 : 1, Math.floor(cap)));
}

/** Fast Walsh–Hadamard transform in place (x.length a power of 2), on the WASM kernels. */
function wasmFwht(module: WasmModule): (x: Float64Array) => void {
  let memory: WasmMemory | null = null;
  let k: KernelExports | null = null;
  return (x: Float64Array) => {
    const need = align(HEADER + 8 * x.length, PAGE) / PAGE;
    if (!memory || memory.buffer.byteLength < need * PAGE) {
      memory = new WA.Memory({ initial: need, maximum: need, shared: true });
      k = new WA.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
    }
    const heap = new Float64Array(memory.buffer, HEADER, x.length);
    heap.set(x);
    // cache-blocked above 2^15 entries (bitwise the same result, see assembly/kernels.ts)
    const logL = Math.round(Math.log2(x.length)),
      logB = 15;
    if (logL > logB) {
      k!.fwhtBlocks(HEADER, logB, 0, x.length >> logB);
      for (let h = logB; h < logL; h += 3) k!.fwhtLevels(HEADER, h, Math.min(3, logL - h), 0, x.length >> Math.min(3, logL - h));
    } else k!.fwht(HEADER, x.length);
    x.set(heap);
  };
}

/**
 * A WASM stored matrix with `slots` sets of working vectors, using `slot`: on a new memory
 * (fill its values, then post `memory` to other threads) or, with `memory`, on the memory of
 * one built elsewhere with the same rows, cols, storage and slots — the runs of a sweep that
 * need the same operator then hold one copy of it. Results do not depend on the slot.
 */
export function wasmSharedMatrix(
  rows: number,
  cols: number,
  storage: StorageType,
  threads: number,
  slot: number,
  slots: number,
  memory?: WasmMemory,
): StoredMatrix & { readonly memory: WasmMemory } {
  if (!wasmModule) throw new Error(wasmUnavailableReason ?? "the WASM kernels are unavailable");
  return new WasmStoredMatrix(wasmModule, rows, cols, storage, threads, { memory, slot, slots });
}

/** A dense-matrix backend named `name` running the kernels of `module`. */
function moduleBackend(name: string, module: WasmModule): KernelBackend {
  return {
    name,
    maxBytes: WASM_MAX_BYTES,
    matrixBytes: wasmMatrixBytes,
    threads: true,
    allocate(rows: number, cols: number, storage: StorageType, opts: AllocateOptions = {}): StoredMatrix {
      const bytes = rows * cols * (storage === "float32" ? 4 : 8);
      const t = opts.threads === undefined || opts.threads === 0 ? autoThreads(bytes, opts.threadCap) : opts.threads;
      return new WasmStoredMatrix(module, rows, cols, storage, t, undefined, name);
    },
  };
}

/** The WASM SIMD backend, or null when it could not be loaded ({@link wasmUnavailableReason}). */
export const wasmBackend: (KernelBackend & { fwht(x: Float64Array): void }) | null = wasmModule
  ? { ...moduleBackend(WASM_BACKEND_NAME, wasmModule), fwht: wasmFwht(wasmModule) }
  : null;

// ---- the relaxed-SIMD backend (fused multiply-add), only on request ------------------------

/** Name of the relaxed-SIMD backend (config value `operator.backend: "wasm-relaxed"`). */
export const WASM_RELAXED_BACKEND_NAME = "wasm-relaxed";

/** V8's flag that enables relaxed SIMD in Node 20 (on by default from Node 22 / V8 11.4). */
const RELAXED_SIMD_FLAG = "--experimental-wasm-relaxed-simd";

let relaxed: { backend: KernelBackend | null; reason: string | null; fused: boolean } | null = null;

/** How {@link compileRelaxed} validates a module and sets a V8 flag (replaceable in tests). */
export interface RelaxedEngine {
  validate(bytes: Uint8Array): boolean;
  setFlag(flag: string): void;
}

const nodeEngine: RelaxedEngine = {
  validate: (bytes) => (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes),
  setFlag: (flag) => v8.setFlagsFromString(flag),
};

/**
 * Compiles a relaxed-SIMD module. When the engine does not validate it, V8's relaxed-SIMD
 * flag is set (it must be set before the module is compiled: Node 20 needs it, Node ≥ 22
 * and current Chromium have relaxed SIMD on by default) and the module is validated again.
 * Returns the module, or the reason it cannot run here.
 */
export function compileRelaxed(bytes: Uint8Array, engine: RelaxedEngine = nodeEngine): { module: WasmModule } | { reason: string } {
  if (!engine.validate(bytes)) {
    engine.setFlag(RELAXED_SIMD_FLAG);
    if (!engine.validate(bytes)) {
      return {
        reason:
          `this JavaScript engine does not support WebAssembly relaxed SIMD (Node ${process.version}; ` +
          `Node ≥ 22 has it by default, Node 20 after the V8 flag ${RELAXED_SIMD_FLAG}, which could not be set here)`,
      };
    }
  }
  return { module: new WA.Module(bytes) };
}

/** Compiles dist/wasm/kernels-relaxed.wasm (the dense kernels with f64x2.relaxed_madd) on first use. */
function loadRelaxed(): NonNullable<typeof relaxed> {
  if (relaxed) return relaxed;
  const fail = (reason: string) => (relaxed = { backend: null, reason, fused: false });
  if (!wasmModule) return fail(wasmUnavailableReason ?? "the WASM kernels are unavailable");
  const bytes = readModuleBytes("kernels-relaxed.wasm");
  if (!bytes) return fail("the compiled relaxed kernels (dist/wasm/kernels-relaxed.wasm) were not found; run `npm run build`");
  const c = compileRelaxed(bytes);
  if ("reason" in c) return fail(c.reason);
  relaxed = { backend: moduleBackend(WASM_RELAXED_BACKEND_NAME, c.module), reason: null, fused: relaxedMaddFuses(c.module) };
  return relaxed;
}

/**
 * True when relaxed_madd rounds once on this machine. Probe: gemvT64 on the 4 × 2 matrix
 * rows [−1, 0], [1 + e, 0], [0, 0], [0, 0] with z = [1, 1 − e, 0, 0], e = 2⁻³⁰; the relaxed
 * 4-row chain gives y₀ = −1 + (1 + e)(1 − e) = −e² = −2⁻⁶⁰ with one rounding, and 0 with two
 * (the product 1 − 2⁻⁶⁰ rounds to 1).
 */
function relaxedMaddFuses(module: WasmModule): boolean {
  const memory = new WA.Memory({ initial: 2, maximum: 2, shared: true });
  const k = new WA.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  const e = 2 ** -30,
    a = HEADER,
    z = HEADER + 64,
    y = HEADER + 128;
  new Float64Array(memory.buffer, a, 8).set([-1, 0, 1 + e, 0, 0, 0, 0, 0]);
  new Float64Array(memory.buffer, z, 4).set([1, 1 - e, 0, 0]);
  k.gemvT64(a, z, y, 4, 2, 0, 2);
  return new Float64Array(memory.buffer, y, 2)[0] === -(2 ** -60);
}

/** The relaxed-SIMD backend, compiling it on first use; throws a RangeError naming why it is unavailable. */
export function wasmRelaxedBackend(): KernelBackend {
  const r = loadRelaxed();
  if (!r.backend) throw new RangeError(`backend "${WASM_RELAXED_BACKEND_NAME}" is not available: ${r.reason}`);
  return r.backend;
}

/**
 * Whether the relaxed-SIMD backend can run here, and whether its multiply-add is fused
 * (one rounding) on this processor: { available, fused, reason }.
 */
export function wasmRelaxedStatus(): { available: boolean; fused: boolean; reason: string | null } {
  const r = loadRelaxed();
  return { available: r.backend !== null, fused: r.fused, reason: r.reason };
}
