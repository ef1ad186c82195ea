import type { Matrix } from "../linalg/matrix.js";
import { zeros } from "../linalg/matrix.js";
import type { KernelBackend, StorageType } from "../kernels/types.js";
import { wasmSharedMatrix } from "../kernels/wasm.js";
import type { Rng } from "../random/rng.js";
import { type DenseSensingOperator, gaussianOperator } from "./gaussian.js";
import type { SensingOperator } from "./types.js";

/**
 * One stream of a stored Gaussian operator for several runs that share it (runs of a sweep
 * that differ in κ, α, k, method or init but draw the same operator).
 *
 * Each run gets a {@link OperatorBatch.member} — a SensingOperator that answers everything
 * from the shared operator, except the fused pass r = A(FGᵀ) − y, S = A*(r): when a run asks
 * for it, the batch computes it in ONE pass over the stored matrix for every member whose
 * point is known (the F, G, y it last asked with), keeps the other members' results, and hands
 * them out when those members ask next — if their F, G and y still hold exactly the values
 * the results were computed from (compared entry by entry; otherwise the member's pass is
 * recomputed). Runs that advance in lockstep (one iteration each in turn) therefore read the
 * operator once per iteration for all of them. The results are bitwise those of the run's
 * own `residualAndAdjoint` (the batched kernel's contract, tested), so every run's metrics
 * are bitwise those of running it alone. A member that {@link OperatorBatch.leave}s (its
 * run stopped) is no longer computed.
 */
export class OperatorBatch {
  private readonly members: (MemberState | null)[];
  /** Passes over the stored matrix so far (batched or not). */
  passes = 0;
  /** Run-iterations whose fused pass came from a batched pass run by another member. */
  hits = 0;

  /** @param operator a Gaussian operator whose stored matrix has ≥ `size` working slots ({@link DenseSensingOperator.batchSlots}) */
  constructor(
    readonly operator: DenseSensingOperator,
    readonly size: number,
  ) {
    if (!(size >= 1 && size <= operator.batchSlots)) {
      throw new RangeError(`a batch of ${size} runs needs an operator with ≥ ${size} working slots; this one has ${operator.batchSlots}`);
    }
    this.members = Array.from({ length: size }, () => null);
  }

  /** The operator of run `slot` (0 ≤ slot < size; one member per slot). */
  member(slot: number): SensingOperator {
    if (!(slot >= 0 && slot < this.size) || this.members[slot]) throw new RangeError(`batch slot ${slot}: must be unused and < ${this.size}`);
    const state: MemberState = { slot, active: true, F: null, G: null, y: null, cache: null };
    this.members[slot] = state;
    return new BatchMember(this, state);
  }

  /** Run `slot` stopped: its point is no longer part of the batched passes. */
  leave(slot: number): void {
    const s = this.members[slot];
    if (s) {
      s.active = false;
      s.cache = null;
    }
  }

  /** r ← A(FGᵀ) − y and S ← A*(r) for member `state` (see the class comment). */
  residualAndAdjoint(state: MemberState, F: Matrix, G: Matrix, y: Float64Array, r: Float64Array, S: Matrix): void {
    state.F = F;
    state.G = G;
    state.y = y;
    const c = state.cache;
    if (c && equal(c.F, F.data) && equal(c.G, G.data) && equal(c.y, y)) {
      r.set(c.r);
      S.data.set(c.S.data);
      state.cache = null;
      this.hits++;
      return;
    }
    type Run = { slot: number; F: Matrix; G: Matrix; y: Float64Array; r: Float64Array; S: Matrix };
    const runs: Run[] = [{ slot: state.slot, F, G, y, r, S }];
    for (const o of this.members) {
      if (!o || o === state || !o.active || !o.F || !o.G || !o.y) continue;
      const oc = o.cache;
      if (oc && equal(oc.F, o.F.data) && equal(oc.G, o.G.data) && equal(oc.y, o.y)) continue; // already computed at its point
      const cache = oc ?? {
        F: new Float64Array(o.F.data.length),
        G: new Float64Array(o.G.data.length),
        y: new Float64Array(o.y.length),
        r: new Float64Array(o.y.length),
        S: zeros(S.rows, S.cols),
      };
      cache.F.set(o.F.data);
      cache.G.set(o.G.data);
      cache.y.set(o.y);
      o.cache = cache;
      runs.push({ slot: o.slot, F: o.F, G: o.G, y: o.y, r: cache.r, S: cache.S });
    }
    this.passes++;
    if (runs.length === 1) this.operator.residualAndAdjoint(F, G, y, r, S);
    else this.operator.residualAndAdjointBatch(runs);
  }

  /** Frees the shared operator. */
  dispose(): void {
    this.operator.dispose();
  }
}

interface MemberState {
  slot: number;
  active: boolean;
  /** The point the member last asked at (live matrices of its stepper). */
  F: Matrix | null;
  G: Matrix | null;
  y: Float64Array | null;
  /** A result computed for it by another member's pass, with the values it was computed from. */
  cache: { F: Float64Array; G: Float64Array; y: Float64Array; r: Float64Array; S: Matrix } | null;
}

/** Bitwise equality of two float64 arrays of the same length (NaN payloads included). */
function equal(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const u = new BigUint64Array(a.buffer, a.byteOffset, a.length),
    v = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false;
  return true;
}

/** One run's view of a batched operator: the shared operator, with the fused pass going through the batch. */
class BatchMember implements SensingOperator {
  constructor(
    private readonly batch: OperatorBatch,
    private readonly state: MemberState,
  ) {}
  private get op(): DenseSensingOperator {
    return this.batch.operator;
  }
  get type(): string {
    return this.op.type;
  }
  get m(): number {
    return this.op.m;
  }
  get n1(): number {
    return this.op.n1;
  }
  get n2(): number {
    return this.op.n2;
  }
  get symmetricMeasurements(): boolean {
    return this.op.symmetricMeasurements;
  }
  get backend(): string {
    return this.op.backend;
  }
  get bytes(): number {
    return this.op.bytes;
  }
  get scale(): number {
    return this.op.scale;
  }
  apply(Z: Matrix, out?: Float64Array): Float64Array {
    return this.op.apply(Z, out);
  }
  adjoint(z: Float64Array, out?: Matrix): Matrix {
    return this.op.adjoint(z, out);
  }
  applyFactored(F: Matrix, G: Matrix, out: Float64Array): Float64Array {
    return this.op.applyFactored(F, G, out);
  }
  adjointFactored(z: Float64Array, F: Matrix, G: Matrix, SG: Matrix | null, StF: Matrix | null): void {
    this.op.adjointFactored(z, F, G, SG, StF);
  }
  residualAndAdjoint(F: Matrix, G: Matrix, y: Float64Array, r: Float64Array, S: Matrix): void {
    this.batch.residualAndAdjoint(this.state, F, G, y, r, S);
  }
  denseTensor(): Float64Array {
    return this.op.denseTensor();
  }
  /** Leaves the batch (the shared operator is freed by {@link OperatorBatch.dispose}). */
  dispose(): void {
    this.batch.leave(this.state.slot);
  }
}

/**
 * A general Gaussian operator (the same draws from `rng` as {@link gaussianOperator}: the
 * operator of every config with this seed, shape and storage) on the WASM backend with
 * `size` working slots, as a batch of `size` runs.
 */
export function gaussianOperatorBatch(m: number, n1: number, n2: number, rng: Rng, storage: StorageType, threads: number, size: number): OperatorBatch {
  const backend: KernelBackend = {
    name: "wasm-simd",
    allocate: (rows, cols, st) => wasmSharedMatrix(rows, cols, st, threads, 0, size),
  };
  return new OperatorBatch(gaussianOperator(m, n1, n2, rng, backend, storage, threads), size);
}
