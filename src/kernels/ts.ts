import type { AllocateOptions, KernelBackend, StorageType, StoredMatrix } from "./types.js";

/** Σ_j a[o + j]·x[j] for j < cols, with 4 partial sums ((s0 + s1) + (s2 + s3)). */
function rowDot(a: Float64Array | Float32Array, o: number, x: Float64Array, cols: number): number {
  const c4 = cols - (cols % 4);
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  let j = 0;
  for (; j < c4; j += 4) {
    s0 += a[o + j] * x[j];
    s1 += a[o + j + 1] * x[j + 1];
    s2 += a[o + j + 2] * x[j + 2];
    s3 += a[o + j + 3] * x[j + 3];
  }
  for (; j < cols; j++) s0 += a[o + j] * x[j];
  return s0 + s1 + (s2 + s3);
}

/**
 * The plain-TypeScript reference kernels: y = M x by row dot products (4 independent
 * partial sums per row to shorten the dependency chain), y = Mᵀ z by row axpys, and the
 * fused residual + transpose product (each row's dot, then its axpy while it is in cache).
 * Accumulation is always in float64.
 */
class TsStoredMatrix implements StoredMatrix {
  readonly backend = "ts";
  readonly values: Float64Array | Float32Array;
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly storage: StorageType,
  ) {
    const len = rows * cols;
    this.values = storage === "float32" ? new Float32Array(len) : new Float64Array(len);
  }

  multiply(x: Float64Array, y: Float64Array): void {
    for (let i = 0; i < this.rows; i++) y[i] = rowDot(this.values, i * this.cols, x, this.cols);
  }

  multiplyTranspose(z: Float64Array, y: Float64Array): void {
    const { rows, cols, values: a } = this;
    y.fill(0, 0, cols);
    for (let i = 0; i < rows; i++) {
      const zi = z[i];
      if (zi === 0) continue;
      const o = i * cols;
      for (let j = 0; j < cols; j++) y[j] += a[o + j] * zi;
    }
  }

  residualTranspose(x: Float64Array, b: Float64Array, scale: number, r: Float64Array, g: Float64Array): void {
    const { rows, cols, values: a } = this;
    g.fill(0, 0, cols);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      const ri = rowDot(a, o, x, cols) * scale - b[i];
      r[i] = ri;
      if (ri === 0) continue;
      for (let j = 0; j < cols; j++) g[j] += a[o + j] * ri;
    }
  }

  dispose(): void {
    /* garbage collected */
  }
}

/** The reference backend (always available). */
export const tsBackend: KernelBackend = {
  name: "ts",
  allocate(rows: number, cols: number, storage: StorageType, opts: AllocateOptions = {}): StoredMatrix {
    if (opts.threads !== undefined && opts.threads > 1) {
      throw new RangeError(`the ts backend runs on one thread; operator.threads = ${opts.threads} needs the wasm backend`);
    }
    return new TsStoredMatrix(rows, cols, storage);
  },
};
