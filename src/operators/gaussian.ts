import { type Matrix, matmulNT, symmetricPart, zeros } from "../linalg/matrix.js";
import { z } from "zod";
import { MAX_THREADS_PER_CORE } from "../io/config-fields.js";
import { chooseBackend } from "../kernels/index.js";
import { availableCores } from "../kernels/wasm.js";
import type { KernelBackend, StorageType, StoredMatrix } from "../kernels/types.js";
import type { ConfigIssue } from "../io/config-fields.js";
import { Rng } from "../random/rng.js";
import { MatrixSensingOperator, denseWorkBytes, drawRowsPerBlock } from "./base.js";
import { type Steps, runSteps } from "../io/turns.js";
import { type OperatorSharingHooks, type OperatorView, defaultMeasurements, defineOperator, kernelOptions } from "./operator.js";
import type { SensingOperator } from "./types.js";

/**
 * How a Gaussian operator holds its matrices A_i (`operator.storage`):
 * - "float64": the m × n1·n2 matrix in float64 (default, exact draws);
 * - "float32": the draws rounded to float32 — those float32 values *are* the entries (the
 *   run is exact for its own instance), accumulation in float64; half the bytes;
 * - "packed": symmetric-gaussian only — the n(n+1)/2 upper-triangle entries of each
 *   symmetric A_i in float64, the same values as "float64" for the same seed; about half
 *   the bytes;
 * - "regenerate": matrix-free — row i is regenerated from a counter-based seed (a pure
 *   function of the operator seed and i) at every apply/adjoint. This is a *different
 *   instance* from the stored storages for the same seed (a different random stream), but
 *   deterministic, with no memory limit on m·n1·n2.
 */
export type OperatorStorage = StorageType | "packed" | "regenerate";

/** Bytes a dense m × n1 × n2 operator needs in the given storage. */
export function denseOperatorBytes(m: number, n1: number, n2: number, storage: StorageType = "float64"): number {
  return m * n1 * n2 * (storage === "float32" ? 4 : 8);
}

/** Number of upper-triangle entries (a ≤ b) of an n × n matrix: n(n+1)/2. */
export function packedLength(n: number): number {
  return (n * (n + 1)) / 2;
}

/**
 * Bytes the stored data of a Gaussian operator takes for a storage: m·n1·n2·8 (float64),
 * m·n1·n2·4 (float32), m·n(n+1)/2·8 (packed), two n1·n2 float64 work rows (regenerate).
 */
export function gaussianOperatorBytes(m: number, n1: number, n2: number, storage: OperatorStorage = "float64"): number {
  switch (storage) {
    case "packed":
      return m * packedLength(n1) * 8;
    case "regenerate":
      return 2 * n1 * n2 * 8;
    default:
      return denseOperatorBytes(m, n1, n2, storage);
  }
}

function scaleInPlace(v: Float64Array, s: number): void {
  for (let i = 0; i < v.length; i++) v[i] *= s;
}

/** "wasm-simd", or "wasm-simd+2threads" when the multiplies run on several threads. */
function backendLabel(stored: StoredMatrix): string {
  const t = stored.threads ?? 1;
  return t > 1 ? `${stored.backend}+${t}threads` : stored.backend;
}

/**
 * A sensing operator given by an explicit stack of m matrices A_i (n1×n2), stored as an
 * m × (n1·n2) row-major matrix in a kernel backend:
 * A(Z)_i = scale·⟨A_i, Z⟩ (one GEMV), A*(z) = scale·Σ z_i A_i (one GEMVᵀ).
 *
 * In factored form the operator forms P = FGᵀ (n1·n2·k flops, small next to m·n1·n2) and
 * S = A*(z) once, then multiplies S by the factors.
 */
export class DenseSensingOperator extends MatrixSensingOperator {
  readonly m: number;
  readonly bytes: number;
  readonly backend: string;
  /** Threads running the multiplies. */
  readonly threads: number;

  constructor(
    readonly type: string,
    n1: number,
    n2: number,
    private readonly stored: StoredMatrix,
    readonly scale: number,
    readonly symmetricMeasurements: boolean,
  ) {
    super(n1, n2);
    this.m = stored.rows;
    if (stored.cols !== n1 * n2) throw new RangeError(`stored operator has ${stored.cols} columns, expected n1·n2 = ${n1 * n2}`);
    this.bytes = stored.values.byteLength;
    this.backend = backendLabel(stored);
    this.threads = stored.threads ?? 1;
  }

  apply(Z: Matrix, out?: Float64Array): Float64Array {
    this.checkApply(Z);
    const y = out ?? new Float64Array(this.m);
    this.stored.multiply(Z.data, y);
    scaleInPlace(y, this.scale);
    return y;
  }

  adjoint(z: Float64Array, out?: Matrix): Matrix {
    this.checkAdjoint(z);
    const S = out ?? zeros(this.n1, this.n2);
    this.stored.multiplyTranspose(z, S.data);
    scaleInPlace(S.data, this.scale);
    return S;
  }

  /** r = A(FGᵀ) − y and S = A*(r) in one pass over the stored matrix (see {@link SensingOperator.residualAndAdjoint}). */
  residualAndAdjoint(F: Matrix, G: Matrix, y: Float64Array, r: Float64Array, S: Matrix): void {
    matmulNT(F, G, this.P);
    this.checkAdjoint(y);
    this.stored.residualTranspose(this.P.data, y, this.scale, r, S.data);
    scaleInPlace(S.data, this.scale);
  }

  /** Runs that {@link residualAndAdjointBatch} can take at once (the stored matrix's working slots). */
  get batchSlots(): number {
    return this.stored.residualTransposeBatch ? Math.min(32, this.stored.slots ?? 1) : 1;
  }

  /**
   * {@link residualAndAdjoint} for several runs at once — r_i = A(F_i G_iᵀ) − y_i and
   * S_i = A*(r_i) for every run i, in one pass over the stored matrix (each block of rows is
   * read from memory once for all runs). Each run uses its own working slot (distinct, <
   * {@link batchSlots}); each run's r and S are bitwise those of `residualAndAdjoint` alone.
   */
  residualAndAdjointBatch(runs: readonly { slot: number; F: Matrix; G: Matrix; y: Float64Array; r: Float64Array; S: Matrix }[]): void {
    const batch = this.stored.residualTransposeBatch;
    if (!batch) throw new Error(`the ${this.backend} stored operator has no batched pass (it needs a WASM matrix with working slots)`);
    for (const run of runs) {
      this.checkAdjoint(run.y);
      matmulNT(run.F, run.G, run.S); // P = FGᵀ staged in S (copied into the run's slot before S is written)
    }
    batch.call(
      this.stored,
      runs.map((run) => ({ slot: run.slot, x: run.S.data, b: run.y, r: run.r, g: run.S.data })),
      this.scale,
    );
    for (const run of runs) scaleInPlace(run.S.data, this.scale);
  }

  denseTensor(): Float64Array {
    const v = this.stored.values;
    return v instanceof Float64Array ? v.slice() : Float64Array.from(v);
  }

  dispose(): void {
    this.stored.dispose();
  }
}

/**
 * Symmetric sensing matrices stored packed: row i holds the n(n+1)/2 upper-triangle entries
 * (A_i)_ab, a ≤ b, in row-major order of the triangle. Because A_i is symmetric,
 *   ⟨A_i, Z⟩ = Σ_a (A_i)_aa Z_aa + Σ_{a<b} (A_i)_ab (Z_ab + Z_ba),
 * so apply packs Z into z_p (z_p[aa] = Z_aa, z_p[ab] = Z_ab + Z_ba — the off-diagonal
 * weight 2 of the symmetric part is carried by the input) and does one GEMV over half the
 * bytes. The adjoint is exactly the transpose of that map: s_p = Σ_i z_i p_i by one GEMVᵀ,
 * then S_ab = S_ba = s_p[ab]. Same values as the dense symmetric operator for the same seed.
 */
export class PackedSymmetricOperator extends MatrixSensingOperator {
  readonly type = "symmetric-gaussian";
  readonly symmetricMeasurements = true;
  readonly m: number;
  readonly bytes: number;
  readonly backend: string;
  readonly threads: number;
  private readonly zp: Float64Array;
  private readonly sp: Float64Array;

  constructor(
    readonly n: number,
    private readonly stored: StoredMatrix,
    readonly scale: number,
  ) {
    super(n, n);
    this.m = stored.rows;
    if (stored.cols !== packedLength(n)) throw new RangeError(`packed operator has ${stored.cols} columns, expected n(n+1)/2 = ${packedLength(n)}`);
    this.bytes = stored.values.byteLength;
    this.backend = backendLabel(stored);
    this.threads = stored.threads ?? 1;
    this.zp = new Float64Array(packedLength(n));
    this.sp = new Float64Array(packedLength(n));
  }

  /** P, S and the two packed work vectors z_p, s_p. */
  override get workBytes(): number {
    return super.workBytes + this.zp.byteLength + this.sp.byteLength;
  }

  /** z_p[aa] = Z_aa, z_p[ab] = Z_ab + Z_ba (a < b). */
  private pack(Z: Matrix): Float64Array {
    const n = this.n,
      z = Z.data,
      zp = this.zp;
    let p = 0;
    for (let a = 0; a < n; a++) {
      zp[p++] = z[a * n + a];
      for (let b = a + 1; b < n; b++) zp[p++] = z[a * n + b] + z[b * n + a];
    }
    return zp;
  }

  /** S_ab = S_ba = scale·s_p[ab]. */
  private unpack(sp: Float64Array, S: Matrix): Matrix {
    const n = this.n,
      s = this.scale,
      d = S.data;
    let p = 0;
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        const v = s * sp[p++];
        d[a * n + b] = v;
        d[b * n + a] = v;
      }
    }
    return S;
  }

  apply(Z: Matrix, out?: Float64Array): Float64Array {
    this.checkApply(Z);
    const y = out ?? new Float64Array(this.m);
    this.stored.multiply(this.pack(Z), y);
    scaleInPlace(y, this.scale);
    return y;
  }

  adjoint(z: Float64Array, out?: Matrix): Matrix {
    this.checkAdjoint(z);
    this.stored.multiplyTranspose(z, this.sp);
    return this.unpack(this.sp, out ?? zeros(this.n, this.n));
  }

  /** r = A(FGᵀ) − y and S = A*(r) in one pass over the packed matrix. */
  residualAndAdjoint(F: Matrix, G: Matrix, y: Float64Array, r: Float64Array, S: Matrix): void {
    matmulNT(F, G, this.P);
    this.checkAdjoint(y);
    this.stored.residualTranspose(this.pack(this.P), y, this.scale, r, this.sp);
    this.unpack(this.sp, S);
  }

  denseTensor(): Float64Array {
    const n = this.n,
      np = packedLength(n),
      v = this.stored.values;
    const out = new Float64Array(this.m * n * n);
    for (let i = 0; i < this.m; i++) {
      let p = i * np;
      const o = i * n * n;
      for (let a = 0; a < n; a++) {
        for (let b = a; b < n; b++) {
          const x = v[p++];
          out[o + a * n + b] = x;
          out[o + b * n + a] = x;
        }
      }
    }
    return out;
  }

  dispose(): void {
    this.stored.dispose();
  }
}

/** fmix32 of MurmurHash3: a bijective 32-bit mixer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The generator of row i of a regenerated operator: the key state (8 uint32 words) with
 * the counter i mixed into every word, decorrelated by `split()` (splitmix64 seeding), so
 * row i is a pure function of (key, i) and can be recomputed in any order.
 */
function rowRng(key: readonly number[], i: number): Rng {
  const words = key.map((w, j) => (w ^ fmix32((i + Math.imul(j + 1, 0x9e3779b9)) >>> 0)) >>> 0);
  if (!words.some((w) => w !== 0)) words[1] = 1;
  return Rng.fromState({ words, spareNormal: null }).split();
}

/**
 * Matrix-free Gaussian sensing (`operator.storage: "regenerate"`): nothing of size m·n1·n2
 * is kept; the entries of A_i are regenerated from a counter-based seed whenever they are
 * needed (row i from {@link rowRng}(key, i), drawn in order (row, col); symmetric:
 * A_i = (B_i + B_iᵀ)/2 of such a B_i). apply and adjoint regenerate exactly the same rows,
 * so they are exactly adjoint. Each apply/adjoint costs m·n1·n2 Gaussian draws — much slower
 * than a stored operator, but m·n1·n2 is unlimited. Runs on the TS backend, one thread.
 *
 * For the same seed this is a different instance than the stored storages (the rows come
 * from per-row streams, not from one sequential stream).
 */
export class RegeneratedGaussianOperator extends MatrixSensingOperator {
  readonly backend = "ts-regenerate";
  readonly threads = 1;
  readonly bytes: number;
  readonly scale: number;
  readonly symmetricMeasurements: boolean;
  private readonly key: number[];
  private readonly row: Float64Array;
  private readonly B: Float64Array;

  constructor(
    readonly type: "gaussian" | "symmetric-gaussian",
    readonly m: number,
    n1: number,
    n2: number,
    rng: Rng,
  ) {
    super(n1, n2);
    if (type === "symmetric-gaussian" && n1 !== n2) throw new RangeError(`symmetric-gaussian needs n1 = n2, got ${n1}×${n2}`);
    this.symmetricMeasurements = type === "symmetric-gaussian";
    this.scale = 1 / Math.sqrt(m);
    this.key = rng.split().getState().words;
    this.row = new Float64Array(n1 * n2);
    this.B = new Float64Array(n1 * n2);
    this.bytes = gaussianOperatorBytes(m, n1, n2, "regenerate");
  }

  /** The unscaled A_i (n1·n2 entries, row-major) into `out` (or a work buffer). */
  rowValues(i: number, out: Float64Array = this.row): Float64Array {
    const r = rowRng(this.key, i);
    if (!this.symmetricMeasurements) {
      r.fillNormal(out);
      return out;
    }
    const n = this.n1;
    r.fillNormal(this.B);
    symmetricPart({ rows: n, cols: n, data: this.B }, { rows: n, cols: n, data: out });
    return out;
  }

  apply(Z: Matrix, out?: Float64Array): Float64Array {
    this.checkApply(Z);
    const y = out ?? new Float64Array(this.m);
    const z = Z.data,
      len = z.length;
    for (let i = 0; i < this.m; i++) {
      const a = this.rowValues(i);
      let s = 0;
      for (let j = 0; j < len; j++) s += a[j] * z[j];
      y[i] = this.scale * s;
    }
    return y;
  }

  adjoint(z: Float64Array, out?: Matrix): Matrix {
    this.checkAdjoint(z);
    const S = out ?? zeros(this.n1, this.n2);
    const d = S.data;
    d.fill(0);
    for (let i = 0; i < this.m; i++) {
      const zi = z[i];
      if (zi === 0) continue;
      const a = this.rowValues(i);
      for (let j = 0; j < d.length; j++) d[j] += a[j] * zi;
    }
    scaleInPlace(d, this.scale);
    return S;
  }

  /** The m × n1 × n2 tensor of the regenerated entries (for --save-instance; m·n1·n2·8 bytes). */
  denseTensor(): Float64Array {
    const len = this.n1 * this.n2;
    const out = new Float64Array(this.m * len);
    for (let i = 0; i < this.m; i++) this.rowValues(i, out.subarray(i * len, (i + 1) * len));
    return out;
  }

  dispose(): void {
    /* nothing held */
  }
}

/**
 * Gaussian sensing: A_i with i.i.d. N(0,1) entries, A(Z)_i = ⟨A_i, Z⟩/√m, so
 * E‖A(Z)‖² = ‖Z‖_F² for every Z. Entries are drawn in order (i, row, col) from `rng`;
 * with float32 storage each draw is rounded to float32 and that value *is* the entry.
 * Arguments (m, n1, n2, rng, backend, storage = "float64", threads, threadCap) as {@link gaussianOperatorSteps}.
 */
export function gaussianOperator(...args: Parameters<typeof gaussianOperatorSteps>): DenseSensingOperator {
  return runSteps(gaussianOperatorSteps(...args));
}

/**
 * {@link gaussianOperator} in steps: the draws fill blocks of about {@link DRAW_BLOCK_ENTRIES}
 * entries (whole rows A_i) in the same order, yielding after each; a build ended early
 * releases the stored matrix.
 */
export function* gaussianOperatorSteps(
  m: number,
  n1: number,
  n2: number,
  rng: Rng,
  backend: KernelBackend,
  storage: StorageType = "float64",
  threads?: number,
  threadCap?: number,
): Steps<DenseSensingOperator> {
  const stored = backend.allocate(m, n1 * n2, storage, { threads, threadCap });
  yield* filled(stored, function* () {
    const v = stored.values,
      len = n1 * n2,
      block = drawRowsPerBlock(len);
    for (let i = 0; i < m; i += block) {
      rng.fillNormal(v.subarray(i * len, Math.min(m, i + block) * len));
      yield;
    }
  });
  return new DenseSensingOperator("gaussian", n1, n2, stored, 1 / Math.sqrt(m), false);
}

/** Runs the filling steps of a freshly allocated matrix; when they end early (an interrupted build) the matrix is released. */
function* filled(stored: StoredMatrix, fill: () => Steps<void>): Steps<void> {
  let done = false;
  try {
    yield* fill();
    done = true;
  } finally {
    if (!done) stored.dispose();
  }
}

/**
 * Symmetric Gaussian sensing: A_i = (B_i + B_iᵀ)/2 with B_i i.i.d. N(0,1) entries (drawn
 * in order (i, row, col)), A(Z)_i = ⟨A_i, Z⟩/√m, so E‖A(Z)‖² = ‖Z‖_F² for symmetric Z.
 * The stored A_i are exactly symmetric. With storage "packed" only the upper triangles are
 * kept ({@link PackedSymmetricOperator}) — the same values for the same `rng`.
 * Arguments (m, n, rng, backend, storage = "float64", threads, threadCap) as {@link symmetricGaussianOperatorSteps}.
 */
export function symmetricGaussianOperator(...args: Parameters<typeof symmetricGaussianOperatorSteps>): DenseSensingOperator | PackedSymmetricOperator {
  return runSteps(symmetricGaussianOperatorSteps(...args));
}

/** {@link symmetricGaussianOperator} in steps (blocks of whole A_i, as in {@link gaussianOperatorSteps}). */
export function* symmetricGaussianOperatorSteps(
  m: number,
  n: number,
  rng: Rng,
  backend: KernelBackend,
  storage: StorageType | "packed" = "float64",
  threads?: number,
  threadCap?: number,
): Steps<DenseSensingOperator | PackedSymmetricOperator> {
  const nn = n * n;
  const packed = storage === "packed";
  const stored = backend.allocate(m, packed ? packedLength(n) : nn, packed ? "float64" : storage, { threads, threadCap });
  const v = stored.values;
  const B = new Float64Array(nn);
  const block = drawRowsPerBlock(nn);
  yield* filled(stored, function* () {
    for (let i = 0; i < m; i++) {
      if (i > 0 && i % block === 0) yield;
      rng.fillNormal(B);
      if (packed) {
        let p = i * packedLength(n);
        for (let a = 0; a < n; a++) {
          for (let b = a; b < n; b++) v[p++] = 0.5 * (B[a * n + b] + B[b * n + a]);
        }
        continue;
      }
      const o = i * nn;
      for (let a = 0; a < n; a++) {
        for (let b = a; b < n; b++) {
          const s = 0.5 * (B[a * n + b] + B[b * n + a]);
          v[o + a * n + b] = s;
          v[o + b * n + a] = s;
        }
      }
    }
  });
  if (packed) return new PackedSymmetricOperator(n, stored, 1 / Math.sqrt(m));
  return new DenseSensingOperator("symmetric-gaussian", n, n, stored, 1 / Math.sqrt(m), true);
}

/** Options of {@link buildGaussianOperator}. */
export interface GaussianOperatorOptions {
  /** "auto": packed for symmetric-gaussian, else float64. */
  storage?: OperatorStorage | "auto";
  /** "auto" | "ts" | "wasm" (auto: WASM SIMD when available and the operator fits, else TS). */
  backend?: string;
  /** Threads for the WASM backend (0 = automatic). */
  threads?: number;
  /** Cap on the automatic thread count (the run context's `KernelTuning.threadCap`; default Infinity). */
  threadCap?: number;
}

/**
 * A `gaussian` or `symmetric-gaussian` operator in any storage, with the backend chosen for
 * its size ({@link chooseBackend}: an explicitly requested backend that cannot hold it is an
 * error naming the bytes needed).
 */
export function buildGaussianOperator(...args: Parameters<typeof buildGaussianOperatorSteps>): SensingOperator {
  return runSteps(buildGaussianOperatorSteps(...args));
}

/** {@link buildGaussianOperator} in steps (the stored storages draw in blocks, see {@link gaussianOperatorSteps}). */
export function* buildGaussianOperatorSteps(
  type: "gaussian" | "symmetric-gaussian",
  m: number,
  n1: number,
  n2: number,
  rng: Rng,
  opts: GaussianOperatorOptions = {},
): Steps<SensingOperator> {
  const storage = autoStorage(type, opts.storage ?? "float64");
  const backendName = opts.backend ?? "auto";
  const issues = gaussianOptionIssues(type, { storage, backend: backendName, threads: opts.threads ?? 0 });
  if (issues.length) throw new RangeError(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  if (storage === "regenerate") return new RegeneratedGaussianOperator(type, m, n1, n2, rng);
  if (storage === "packed") {
    return yield* symmetricGaussianOperatorSteps(
      m,
      n1,
      rng,
      chooseBackend(backendName, m, packedLength(n1), "float64"),
      "packed",
      opts.threads,
      opts.threadCap,
    );
  }
  const backend = chooseBackend(backendName, m, n1 * n2, storage);
  return type === "gaussian"
    ? yield* gaussianOperatorSteps(m, n1, n2, rng, backend, storage, opts.threads, opts.threadCap)
    : yield* symmetricGaussianOperatorSteps(m, n1, rng, backend, storage, opts.threads, opts.threadCap);
}

/** Most threads `operator.threads` accepts: a small multiple of the cores (more only oversubscribes them). */
export function maxOperatorThreads(): number {
  return MAX_THREADS_PER_CORE * availableCores();
}

/** The options of the Gaussian family (`gaussian`, `symmetric-gaussian`): one schema object shared by both descriptors. */
export const gaussianOptions = {
  storage: z
    .enum(["auto", "float64", "float32", "packed", "regenerate"])
    .default("auto")
    .describe(
      'how Gaussian operators hold A: "auto" (default: "packed" for symmetric-gaussian — the same draws, results differ from "float64" only by ' +
        'summation order — else "float64"; the choice is recorded in config.json); "float64"; "float32" (the entries are float32 values, ' +
        'accumulation in float64, half the memory); "packed" (symmetric-gaussian only: the n(n+1)/2 upper-triangle entries, same values as ' +
        'float64); "regenerate" (matrix-free: rows regenerated from a counter-based seed every iteration — a different instance than the stored ' +
        "storages, slower, unlimited size)",
    ),
  ...kernelOptions,
};

/** storage "auto" → "packed" for symmetric-gaussian (same draws, half the bytes), else "float64". */
export function autoStorage(type: string, storage: OperatorStorage | "auto"): OperatorStorage {
  return storage === "auto" ? (type === "symmetric-gaussian" ? "packed" : "float64") : storage;
}

export function resolveGaussianOptions(c: GaussianView): Record<string, unknown> {
  return { storage: autoStorage(c.operator.type, c.operator.storage) };
}

type GaussianView = OperatorView<z.output<z.ZodObject<typeof gaussianOptions>>>;

/** Columns of the stored matrix and its entry type for a storage. */
function storedShape(c: GaussianView): { cols: number; entry: StorageType } {
  const { n, n2 } = c.problem;
  return c.operator.storage === "packed"
    ? { cols: packedLength(n), entry: "float64" }
    : { cols: n * n2, entry: c.operator.storage === "float32" ? "float32" : "float64" };
}

/**
 * Bytes a Gaussian operator of a config holds: the stored matrix in the backend it will
 * get (WASM: entries plus working vectors, page-aligned; TS: the entries), plus its work
 * arrays (P, S; packed: the packed vectors; regenerate: two rows).
 */
export function gaussianBytes(c: GaussianView): number {
  const { n, n2 } = c.problem;
  const { m, storage, backend } = c.operator;
  if (storage === "regenerate") return gaussianOperatorBytes(m, n, n2, "regenerate") + denseWorkBytes(n, n2);
  const { cols, entry } = storedShape(c);
  let stored = m * cols * (entry === "float32" ? 4 : 8);
  try {
    const b = chooseBackend(backend, m, cols, entry);
    if (b.matrixBytes) stored = b.matrixBytes(m, cols, entry);
  } catch {
    /* an explicit backend that cannot hold it: the build reports it */
  }
  return stored + denseWorkBytes(n, n2) + (storage === "packed" ? 2 * 8 * packedLength(n) : 0);
}

function explainGaussianBytes(c: GaussianView): { formula: string; alternatives: { set: string; bytes: number }[] } {
  const storages =
    c.operator.type === "symmetric-gaussian" ? (["float64", "float32", "packed", "regenerate"] as const) : (["float64", "float32", "regenerate"] as const);
  const formula =
    c.operator.storage === "float32"
      ? "m·n1·n2·4 (float32)"
      : c.operator.storage === "packed"
        ? "m·n(n+1)/2·8 (packed)"
        : c.operator.storage === "regenerate"
          ? "two n1×n2 float64 rows and two n1×n2 work matrices (regenerate, matrix-free)"
          : "m·n1·n2·8 (float64)";
  return {
    formula: `${formula}, plus two n1×n2 float64 work matrices`,
    alternatives: storages
      .filter((s) => s !== c.operator.storage)
      .map((s) => ({ set: `operator.storage = "${s}"`, bytes: gaussianBytes({ ...c, operator: { ...c.operator, storage: s } }) })),
  };
}

/**
 * The rules of the Gaussian options (storage, backend, threads) for an operator type,
 * stated once: the config applies them whichever operator is chosen, and
 * {@link buildGaussianOperator} applies them to direct calls.
 */
export function gaussianOptionIssues(type: string, o: { storage: string; backend: string; threads: number }): ConfigIssue[] {
  const errors: ConfigIssue[] = [];
  if (o.storage === "packed" && type !== "symmetric-gaussian") {
    errors.push({ path: "operator.storage", value: "packed", message: 'packed storage needs operator.type "symmetric-gaussian" (use "float64" or "float32")' });
  }
  if (o.storage === "regenerate" && type !== "gaussian" && type !== "symmetric-gaussian") {
    errors.push({ path: "operator.storage", value: "regenerate", message: 'regenerate storage needs operator.type "gaussian" or "symmetric-gaussian"' });
  }
  if (o.storage === "regenerate" && (o.backend === "wasm" || o.backend === "wasm-relaxed")) {
    const message = 'operator.storage "regenerate" runs on the ts backend; use operator.backend "auto" or "ts"';
    errors.push({ path: "operator.backend", value: o.backend, message });
  }
  if (o.threads > 1 && (o.backend === "ts" || o.storage === "regenerate")) {
    errors.push({
      path: "operator.threads",
      value: o.threads,
      message: `must be 0 (auto) or 1 with ${o.backend === "ts" ? 'operator.backend "ts"' : 'operator.storage "regenerate"'}; threads need the wasm backend`,
    });
  }
  const maxThreads = maxOperatorThreads();
  if (o.threads > maxThreads) {
    errors.push({
      path: "operator.threads",
      value: o.threads,
      message: `must be ≤ ${maxThreads} (${MAX_THREADS_PER_CORE} × the ${availableCores()} cores of this machine; 0 = automatic)`,
    });
  }
  return errors;
}

export function gaussianOptionRules(c: GaussianView): ConfigIssue[] {
  return gaussianOptionIssues(c.operator.type, c.operator);
}

/** The shared storage of a stored Gaussian operator: its matrix shape (none for regenerate). */
const gaussianSharing: OperatorSharingHooks<z.output<z.ZodObject<typeof gaussianOptions>>> = {
  shape: (c) => {
    const { n, n2 } = c.problem,
      o = c.operator;
    if (o.storage === "packed") return { rows: o.m, cols: packedLength(n), storage: "float64", packed: true };
    if (o.storage === "float64" || o.storage === "float32") return { rows: o.m, cols: n * n2, storage: o.storage, packed: false };
    return null;
  },
  build: (c, rng, backend, threads) => {
    const { n, n2 } = c.problem,
      o = c.operator;
    if (o.storage === "packed") return symmetricGaussianOperator(o.m, n, rng, backend, "packed", threads);
    const storage = o.storage as StorageType;
    return o.type === "gaussian"
      ? gaussianOperator(o.m, n, n2, rng, backend, storage, threads)
      : symmetricGaussianOperator(o.m, n, rng, backend, storage, threads);
  },
  attach: (c, stored) => {
    const scale = 1 / Math.sqrt(stored.rows),
      o = c.operator;
    if (o.storage === "packed") return new PackedSymmetricOperator(c.problem.n, stored, scale);
    return new DenseSensingOperator(o.type, c.problem.n, c.problem.n2, stored, scale, o.type === "symmetric-gaussian");
  },
};

/** `gaussian`: A_i with i.i.d. N(0, 1) entries. */
export const gaussianDescriptor = defineOperator({
  type: "gaussian",
  summary: "A_i with i.i.d. N(0, 1) entries, A(Z)_i = ⟨A_i, Z⟩/√m (E‖A(Z)‖² = ‖Z‖_F²)",
  options: gaussianOptions,
  fusedPass: (c) => c.operator.storage !== "regenerate",
  measurements: defaultMeasurements,
  optionRules: gaussianOptionRules,
  resolveOptions: resolveGaussianOptions,
  bytes: gaussianBytes,
  explainBytes: explainGaussianBytes,
  example: { options: { m: 300 }, square: false },
  sharing: gaussianSharing,
  build: (c, rng, kernels) => buildGaussianOperator("gaussian", c.operator.m, c.problem.n, c.problem.n2, rng, { ...c.operator, threadCap: kernels?.threadCap }),
  buildSteps: (c, rng, kernels) =>
    buildGaussianOperatorSteps("gaussian", c.operator.m, c.problem.n, c.problem.n2, rng, { ...c.operator, threadCap: kernels?.threadCap }),
});

/** `symmetric-gaussian`: A_i = (B_i + B_iᵀ)/2. */
export const symmetricGaussianDescriptor = defineOperator({
  type: "symmetric-gaussian",
  summary: "A_i = (B_i + B_iᵀ)/2, B_i i.i.d. N(0, 1) (isometric on symmetric Z; square problems only)",
  options: gaussianOptions,
  symmetricMeasurements: () => true,
  fusedPass: (c) => c.operator.storage !== "regenerate",
  measurements: defaultMeasurements,
  rules: (c) =>
    c.problem.n2 !== c.problem.n
      ? [{ path: "operator.type", value: "symmetric-gaussian", message: `needs a square problem (n2 = ${c.problem.n2} ≠ n = ${c.problem.n})` }]
      : [],
  optionRules: gaussianOptionRules,
  resolveOptions: resolveGaussianOptions,
  bytes: gaussianBytes,
  explainBytes: explainGaussianBytes,
  example: { options: { m: 300 }, square: true },
  sharing: gaussianSharing,
  build: (c, rng, kernels) =>
    buildGaussianOperator("symmetric-gaussian", c.operator.m, c.problem.n, c.problem.n2, rng, { ...c.operator, threadCap: kernels?.threadCap }),
  buildSteps: (c, rng, kernels) =>
    buildGaussianOperatorSteps("symmetric-gaussian", c.operator.m, c.problem.n, c.problem.n2, rng, { ...c.operator, threadCap: kernels?.threadCap }),
});
