/**
 * The interface between the operators and the fast backends of the hot loop.
 *
 * A {@link StoredMatrix} owns a dense rows × cols matrix (row-major) in whatever memory the
 * backend likes (a JS typed array, WASM linear memory shared with worker threads, …) and
 * multiplies it with vectors. The plain-TypeScript backend (`ts`) is the reference; every
 * other backend must agree with it to ~1e-12 relative on the same inputs.
 */

/** How the entries are stored: float64, or float32 values accumulated in float64. */
export type StorageType = "float64" | "float32";

export interface StoredMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly storage: StorageType;
  /** Name of the backend that owns the memory (recorded in results). */
  readonly backend: string;
  /**
   * The stored entries, row-major (a view into the backend's memory). Fill it once right
   * after {@link KernelBackend.allocate}; do not write to it after the first multiply.
   */
  readonly values: Float64Array | Float32Array;
  /** y = M x  (x has `cols` entries, y has `rows`). */
  multiply(x: Float64Array, y: Float64Array): void;
  /** y = Mᵀ z  (z has `rows` entries, y has `cols`). */
  multiplyTranspose(z: Float64Array, y: Float64Array): void;
  /**
   * Fused residual and transpose product, one pass over M:
   *   r = scale·(M x) − b   (rows entries; bitwise the same as `multiply`, then ·scale, then − b),
   *   g = Mᵀ r              (cols entries).
   * Each row is read from memory once and reused from cache for g, so an iteration that
   * needs both costs one pass over the stored matrix instead of two. g is summed in an
   * order that may differ from `multiplyTranspose` (rounding-level differences only).
   */
  residualTranspose(x: Float64Array, b: Float64Array, scale: number, r: Float64Array, g: Float64Array): void;
  /**
   * {@link residualTranspose} for several runs at once, one per working slot of a matrix built
   * with several slots (WASM backends): one pass over M for all of them, each run's r and g
   * bitwise those of `residualTranspose` alone. Absent on backends without slots.
   */
  residualTransposeBatch?(runs: readonly { slot: number; x: Float64Array; b: Float64Array; r: Float64Array; g: Float64Array }[], scale: number): void;
  /** Sets of working vectors (runs that can be batched); 1 when absent. */
  readonly slots?: number;
  /** Releases the memory (the object must not be used afterwards). */
  dispose(): void;
  /** Threads that run the multiplies (1 when absent). */
  readonly threads?: number;
}

/**
 * Tuning of the kernels that a run's context passes down to the operators it builds (see
 * `RunContext` in catalogue/context.ts): never a process-wide setting, so two runs in one
 * process can use different values. Results do not depend on any of it. Absent fields take
 * the defaults.
 */
export interface KernelTuning {
  /**
   * Cap on the automatic thread count (`operator.threads` = 0) of the operators a run builds;
   * default Infinity (no cap). A sweep with W parallel runs on C cores gives each run
   * ⌊C/W⌋. Explicit thread counts are not capped.
   */
  threadCap?: number;
  /** log₂ of the cache block of the blocked fast Walsh–Hadamard transform (SRHT); default 15 (2¹⁵ float64 = 256 KiB). */
  fwhtLogBlock?: number;
}

/** Options of {@link KernelBackend.allocate}. */
export interface AllocateOptions {
  /** Threads for the multiplies: 0 or absent = automatic; backends without threads accept only 1. */
  threads?: number;
  /** Cap on the automatic thread count ({@link KernelTuning.threadCap}; default Infinity). */
  threadCap?: number;
}

export interface KernelBackend {
  /** "ts", "wasm-simd", … */
  readonly name: string;
  /** A zero-filled rows × cols matrix in this backend's memory. */
  allocate(rows: number, cols: number, storage: StorageType, opts?: AllocateOptions): StoredMatrix;
  /** Largest matrix (bytes of backend memory, see {@link KernelBackend.matrixBytes}) it can hold; absent = no backend limit. */
  readonly maxBytes?: number;
  /** Bytes of backend memory a rows × cols matrix takes (entries plus working vectors). */
  matrixBytes?(rows: number, cols: number, storage: StorageType): number;
  /** True when `allocate` accepts threads > 1. */
  readonly threads?: boolean;
}
