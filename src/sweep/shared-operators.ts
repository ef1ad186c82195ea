import type { ResolvedConfig } from "../config/schema.js";
import type { z } from "zod";
import type { KernelBackend } from "../kernels/types.js";
import { type WasmMemory, autoThreads, wasmAvailable, wasmMatrixBytes, wasmSharedMatrix, WASM_MAX_BYTES } from "../kernels/wasm.js";
import { operatorDescriptor } from "../config/schema.js";
import type { OperatorDescriptor, OperatorSharingHooks, SharedShape } from "../operators/operator.js";
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
export interface SharedOperatorHandle extends SharedShape {
  key: string;
  memory: WasmMemory;
  slots: number;
  type: string;
  n1: number;
  n2: number;
}

type AnyOperator = OperatorDescriptor<string, z.ZodRawShape>;

/** The sharing hooks of a config's operator and the shape of its stored matrix (null: not shareable). */
function sharingOf(config: ResolvedConfig): { hooks: OperatorSharingHooks<unknown>; shape: SharedShape } | null {
  const hooks = (operatorDescriptor(config.operator.type) as AnyOperator).sharing as OperatorSharingHooks<unknown> | undefined;
  const shape = hooks?.shape(config as never) ?? null;
  return hooks && shape ? { hooks, shape } : null;
}

/**
 * The sharing key of a run's operator (null when it cannot be shared: its descriptor has no
 * stored matrix to share, the ts backend, or too large for one WASM memory with `slots` working slots).
 */
export function sharedOperatorKey(config: ResolvedConfig, slots: number): string | null {
  const s = sharingOf(config);
  const o = config.operator as { type: string; m: number; backend?: string; storage?: string };
  if (!s || o.backend === "ts" || o.backend === "wasm-relaxed" || !wasmAvailable()) return null;
  if (wasmMatrixBytes(s.shape.rows, s.shape.cols, s.shape.storage, slots) > WASM_MAX_BYTES) return null;
  return JSON.stringify([config.seed, config.problem.n, config.problem.n2, o.type, o.m, o.storage]);
}

function threadsFor(config: ResolvedConfig, kind: SharedShape, threadCap: number): number {
  const t = (config.operator as { threads?: number }).threads ?? 0;
  return t === 0 ? autoThreads(kind.rows * kind.cols * (kind.storage === "float32" ? 4 : 8), threadCap) : t;
}

/**
 * Builds the operator of `config` (the same draws as {@link buildOperator}) in a new shared
 * memory with `slots` working slots, using `slot`, with automatic threads capped at
 * `threadCap` (the worker's run context); returns it and the handle to post.
 */
export function buildSharedOperator(
  config: ResolvedConfig,
  slot: number,
  slots: number,
  threadCap = Infinity,
): { operator: SensingOperator; handle: SharedOperatorHandle } {
  const s = sharingOf(config);
  const key = sharedOperatorKey(config, slots);
  if (!s || !key) throw new Error(`the ${config.operator.type} operator of this run cannot be shared`);
  const threads = threadsFor(config, s.shape, threadCap);
  let memory: WasmMemory | null = null;
  const backend: KernelBackend = {
    name: "wasm-simd",
    allocate(rows, cols, storage) {
      const stored = wasmSharedMatrix(rows, cols, storage, threads, slot, slots);
      memory = stored.memory;
      return stored;
    },
  };
  const operator = s.hooks.build(config as never, streamRng(config.seed, "operator"), backend, threads);
  const handle: SharedOperatorHandle = { key, memory: memory!, slots, ...s.shape, type: config.operator.type, n1: config.problem.n, n2: config.problem.n2 };
  return { operator, handle };
}

/** The operator of a handle, on this worker's `slot` (no draws, no copy of the entries), automatic threads capped at `threadCap`. */
export function attachSharedOperator(handle: SharedOperatorHandle, config: ResolvedConfig, slot: number, threadCap = Infinity): SensingOperator {
  const s = sharingOf(config)!;
  const stored = wasmSharedMatrix(handle.rows, handle.cols, handle.storage, threadsFor(config, s.shape, threadCap), slot, handle.slots, handle.memory);
  return s.hooks.attach(config as never, stored);
}

/**
 * Peak operator memory of running `configs` on `workers` parallel runs: without sharing, the
 * `workers` largest operators; with sharing, each shared operator counts once (the largest
 * `workers` distinct operators).
 */
export function sweepOperatorMemory(configs: ResolvedConfig[], workers: number): { unshared: number; shared: number } {
  const sizes = configs.map((c) => operatorBytes(c));
  const top = (v: number[]) =>
    [...v]
      .sort((a, b) => b - a)
      .slice(0, workers)
      .reduce((a, b) => a + b, 0);
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
  constructor(
    runs: { id: string; config: ResolvedConfig }[],
    readonly slots: number,
  ) {
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
