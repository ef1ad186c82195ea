import type { ResolvedConfig } from "../config/schema.js";
import type { KernelBackend, StorageType } from "../kernels/types.js";
import { type WasmMemory, autoThreads, wasmAvailable, wasmMatrixBytes, wasmSharedMatrix, WASM_MAX_BYTES } from "../kernels/wasm.js";
import { DenseSensingOperator, PackedSymmetricOperator, gaussianOperator, packedLength, symmetricGaussianOperator } from "../operators/gaussian.js";
import type { SensingOperator } from "../operators/types.js";
import { operatorBytes } from "../catalogue/instance.js";
import { streamRng } from "../random/rng.js";

/**
 * One copy of a stored Gaussian operator for all the runs of a sweep that need it.
 *
 * The operator of a run depends only on the seed, the problem shape and the operator config
 * (it is drawn from the seed's "operator" stream): runs that agree on those — e.g. every κ
 * and every method of `scaledgd-kappa` — need the same operator. A sweep on worker threads
 * lets the first such run build it in a shared WebAssembly memory with one set of working
 * vectors per worker (a slot), posts that memory to the main thread, and hands it to the
 * other runs, which attach to it instead of drawing their own copy. The entries are the
 * same draws by the same code, and the kernels' results do not depend on the slot, so every
 * run's metrics are bitwise those of an unshared run.
 */

/** What a worker needs to attach to a shared operator (structured-cloneable: the memory is shared). */
export interface SharedOperatorHandle {
  key: string;
  memory: WasmMemory;
  slots: number;
  rows: number;
  cols: number;
  storage: StorageType;
  packed: boolean;
  type: "gaussian" | "symmetric-gaussian";
  n1: number;
  n2: number;
}

type StoredKind = { rows: number; cols: number; storage: StorageType; packed: boolean };

function storedKind(config: ResolvedConfig): StoredKind | null {
  const o = config.operator;
  if (o.type !== "gaussian" && o.type !== "symmetric-gaussian") return null;
  const { n, n2 } = config.problem;
  if (o.storage === "packed") return { rows: o.m, cols: packedLength(n), storage: "float64", packed: true };
  if (o.storage === "float64" || o.storage === "float32") return { rows: o.m, cols: n * n2, storage: o.storage, packed: false };
  return null;
}

/**
 * The sharing key of a run's operator (null when it cannot be shared: not a stored Gaussian
 * operator, the ts backend, or too large for one WASM memory with `slots` working slots).
 */
export function sharedOperatorKey(config: ResolvedConfig, slots: number): string | null {
  const kind = storedKind(config);
  if (!kind || config.operator.backend === "ts" || config.operator.backend === "wasm-relaxed" || !wasmAvailable()) return null;
  if (wasmMatrixBytes(kind.rows, kind.cols, kind.storage, slots) > WASM_MAX_BYTES) return null;
  const o = config.operator;
  return JSON.stringify([config.seed, config.problem.n, config.problem.n2, o.type, o.m, o.storage]);
}

function threadsFor(config: ResolvedConfig, kind: StoredKind): number {
  const t = config.operator.threads;
  return t === 0 ? autoThreads(kind.rows * kind.cols * (kind.storage === "float32" ? 4 : 8)) : t;
}

/**
 * Builds the operator of `config` (the same draws as {@link buildOperator}) in a new shared
 * memory with `slots` working slots, using `slot`; returns it and the handle to post.
 */
export function buildSharedOperator(config: ResolvedConfig, slot: number, slots: number): { operator: SensingOperator; handle: SharedOperatorHandle } {
  const kind = storedKind(config);
  const key = sharedOperatorKey(config, slots);
  if (!kind || !key) throw new Error(`the ${config.operator.type} operator of this run cannot be shared`);
  const threads = threadsFor(config, kind);
  let memory: WasmMemory | null = null;
  const backend: KernelBackend = {
    name: "wasm-simd",
    allocate(rows, cols, storage) {
      const stored = wasmSharedMatrix(rows, cols, storage, threads, slot, slots);
      memory = stored.memory;
      return stored;
    },
  };
  const { n, n2 } = config.problem, o = config.operator;
  const rng = streamRng(config.seed, "operator");
  const operator = kind.packed
    ? symmetricGaussianOperator(o.m, n, rng, backend, "packed", threads)
    : o.type === "gaussian"
      ? gaussianOperator(o.m, n, n2, rng, backend, kind.storage, threads)
      : symmetricGaussianOperator(o.m, n, rng, backend, kind.storage, threads);
  const handle: SharedOperatorHandle = { key, memory: memory!, slots, ...kind, type: o.type as "gaussian" | "symmetric-gaussian", n1: n, n2 };
  return { operator, handle };
}

/** The operator of a handle, on this worker's `slot` (no draws, no copy of the entries). */
export function attachSharedOperator(handle: SharedOperatorHandle, config: ResolvedConfig, slot: number): SensingOperator {
  const kind = storedKind(config)!;
  const stored = wasmSharedMatrix(handle.rows, handle.cols, handle.storage, threadsFor(config, kind), slot, handle.slots, handle.memory);
  const scale = 1 / Math.sqrt(handle.rows);
  if (handle.packed) return new PackedSymmetricOperator(handle.n1, stored, scale);
  return new DenseSensingOperator(handle.type, handle.n1, handle.n2, stored, scale, handle.type === "symmetric-gaussian");
}

/**
 * Peak operator memory of running `configs` on `workers` parallel runs: without sharing, the
 * `workers` largest operators; with sharing, each shared operator counts once (the largest
 * `workers` distinct operators).
 */
export function sweepOperatorMemory(configs: ResolvedConfig[], workers: number): { unshared: number; shared: number } {
  const sizes = configs.map((c) => operatorBytes(c));
  const top = (v: number[]) => [...v].sort((a, b) => b - a).slice(0, workers).reduce((a, b) => a + b, 0);
  const byKey = new Map<string, number>();
  configs.forEach((c, i) => byKey.set(sharedOperatorKey(c, workers) ?? `#${i}`, sizes[i]));
  return { unshared: top(sizes), shared: top([...byKey.values()]) };
}

/** The `share` field of a sweep task: which operator, this worker's slot, and the handle once built. */
export interface TaskShare {
  key: string;
  slot: number;
  slots: number;
  /** Absent: this run builds the operator and posts its handle. */
  handle?: SharedOperatorHandle;
}

/**
 * Bookkeeping of a sweep's shared operators (main thread): which runs share which operator
 * (keys used by ≥ 2 runs), who builds it, when its handle arrived, and when its last run
 * finished (the main thread then drops the memory).
 */
export class OperatorSharing {
  private readonly keyOf = new Map<string, string>();
  private readonly left = new Map<string, number>();
  private readonly state = new Map<string, { builder: string } | SharedOperatorHandle>();

  /** @param runs the runs to execute, with resolved configs; `slots` = the number of worker threads */
  constructor(runs: { id: string; config: ResolvedConfig }[], readonly slots: number) {
    const keys = runs.map((r) => (slots > 1 ? sharedOperatorKey(r.config, slots) : null));
    const count = new Map<string, number>();
    for (const k of keys) if (k) count.set(k, (count.get(k) ?? 0) + 1);
    runs.forEach((r, i) => {
      const k = keys[i];
      if (k && count.get(k)! >= 2) {
        this.keyOf.set(r.id, k);
        this.left.set(k, count.get(k)!);
      }
    });
  }

  /** Number of distinct shared operators. */
  get sharedOperators(): number {
    return this.left.size;
  }

  /** False while another run is building this run's operator (start something else, or wait). */
  ready(id: string): boolean {
    const k = this.keyOf.get(id);
    const s = k ? this.state.get(k) : undefined;
    return !(s && "builder" in s);
  }

  /** The task's `share` field for run `id` on worker `slot` (the first run of a key builds). */
  assign(id: string, slot: number): TaskShare | undefined {
    const key = this.keyOf.get(id);
    if (!key) return undefined;
    const s = this.state.get(key);
    if (s && !("builder" in s)) return { key, slot, slots: this.slots, handle: s };
    this.state.set(key, { builder: id });
    return { key, slot, slots: this.slots };
  }

  /** A worker posted the handle of the operator it built. */
  delivered(handle: SharedOperatorHandle): void {
    if (this.left.has(handle.key)) this.state.set(handle.key, handle);
  }

  /** Run `id` finished (any status): a builder that never delivered passes the job on; the last run frees the operator. */
  finished(id: string): void {
    const key = this.keyOf.get(id);
    if (!key) return;
    const s = this.state.get(key);
    if (s && "builder" in s && s.builder === id) this.state.delete(key);
    const left = this.left.get(key)! - 1;
    this.left.set(key, left);
    if (left === 0) this.state.delete(key);
  }
}
