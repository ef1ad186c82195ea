import { afterEach, describe, expect, it } from "vitest";
import {
  WASM_MAX_BYTES,
  availableBackends,
  chooseBackend,
  fastWalshHadamard,
  fwhtReference,
  getBackend,
  tsBackend,
  wasmAvailable,
  wasmUnavailableReason,
} from "../../src/kernels/index.js";
import { AUTO_THREADS_MIN_BYTES, autoThreads, splitRange, workerLimits } from "../../src/kernels/wasm.js";
import * as os from "node:os";
import type { StorageType, StoredMatrix } from "../../src/kernels/types.js";
import { resolveConfig } from "../../src/config/schema.js";
import { createRng } from "../../src/random/rng.js";

// These tests need the compiled kernels (dist/wasm/kernels.wasm, made by `npm run build`,
// which `npm test` runs first). Without them the suite fails loudly instead of skipping.
const wasm = () => getBackend("wasm");

/** Fills a WASM and a TS matrix with the same N(0,1) entries (rounded identically for float32). */
function pair(rows: number, cols: number, storage: StorageType, threads: number, seed: number): [StoredMatrix, StoredMatrix] {
  const a = wasm().allocate(rows, cols, storage, { threads });
  const b = tsBackend.allocate(rows, cols, storage);
  createRng(seed).fillNormal(a.values);
  b.values.set(a.values);
  return [a, b];
}

function randVec(n: number, seed: number): Float64Array {
  return createRng(seed).fillNormal(new Float64Array(n)) as Float64Array;
}

/** max_i Σ_j |M_ij x_j| — the scale of the rounding error of any summation order of row i. */
function absRowScale(M: StoredMatrix, x: Float64Array): number {
  let best = 0;
  for (let i = 0; i < M.rows; i++) {
    let s = 0;
    for (let j = 0; j < M.cols; j++) s += Math.abs(M.values[i * M.cols + j] * x[j]);
    best = Math.max(best, s);
  }
  return best;
}
function absColScale(M: StoredMatrix, z: Float64Array): number {
  const acc = new Float64Array(M.cols);
  for (let i = 0; i < M.rows; i++) for (let j = 0; j < M.cols; j++) acc[j] += Math.abs(M.values[i * M.cols + j] * z[i]);
  return Math.max(...acc);
}
const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const live: StoredMatrix[] = [];
afterEach(() => {
  while (live.length) live.pop()!.dispose();
  workerLimits.timeoutMs = 60_000;
});

describe("the WASM SIMD backend", () => {
  it("is loaded, registered as wasm and chosen by auto", () => {
    expect(wasmUnavailableReason).toBeNull();
    expect(wasmAvailable()).toBe(true);
    expect(getBackend("auto").name).toBe("wasm-simd");
    expect(getBackend("wasm").name).toBe("wasm-simd");
    expect(availableBackends()).toEqual(expect.arrayContaining(["ts", "wasm", "wasm-simd"]));
  });

  // Shapes with odd row/column counts and counts that are not multiples of 4 (row blocking)
  // or 2 (f64x2 lanes), so every tail path of the kernels runs.
  const shapes: [number, number][] = [
    [1, 1],
    [1, 7],
    [3, 5],
    [4, 2],
    [7, 13],
    [9, 11],
    [17, 33],
    [64, 100],
    [101, 3],
  ];
  for (const storage of ["float64", "float32"] as const) {
    it.each(shapes)(`gemv and gemvᵀ equal the TS reference to 1e-12 relative (${storage}, %i×%i)`, (rows, cols) => {
      const [a, b] = pair(rows, cols, storage, 1, rows * 1000 + cols);
      live.push(a);
      const x = randVec(cols, 7),
        z = randVec(rows, 8);
      const y1 = new Float64Array(rows),
        y2 = new Float64Array(rows),
        u1 = new Float64Array(cols),
        u2 = new Float64Array(cols);
      a.multiply(x, y1);
      b.multiply(x, y2);
      a.multiplyTranspose(z, u1);
      b.multiplyTranspose(z, u2);
      // Same products, different summation order: |Δ| ≤ (len·2⁻⁵³)·Σ|a x| ≤ 1e-12·Σ|a x| for len ≤ 100.
      expect(maxAbsDiff(y1, y2)).toBeLessThanOrEqual(1e-12 * absRowScale(b, x));
      expect(maxAbsDiff(u1, u2)).toBeLessThanOrEqual(1e-12 * absColScale(b, z));
      // and it is a real product: y ≠ 0 for Gaussian data
      expect(y1.some((v) => v !== 0)).toBe(true);
    });
  }

  it("stores float32 entries as float32 values", () => {
    const [a] = pair(5, 9, "float32", 1, 3);
    live.push(a);
    expect(a.values).toBeInstanceOf(Float32Array);
    for (const v of a.values) expect(Math.fround(v)).toBe(v);
  });

  for (const storage of ["float64", "float32"] as const) {
    it(`gives bitwise the same result on 2 threads as on 1 (${storage}; rows split on multiples of 4, columns split, per-output summation order unchanged)`, () => {
      for (const [rows, cols] of [
        [37, 101],
        [1001, 257],
        [6, 3],
      ] as [number, number][]) {
        const one = wasm().allocate(rows, cols, storage, { threads: 1 });
        const two = wasm().allocate(rows, cols, storage, { threads: 2 });
        live.push(one, two);
        createRng(rows).fillNormal(one.values);
        two.values.set(one.values);
        expect(two.threads).toBe(2);
        const x = randVec(cols, 1),
          z = randVec(rows, 2);
        const y1 = new Float64Array(rows),
          y2 = new Float64Array(rows),
          u1 = new Float64Array(cols),
          u2 = new Float64Array(cols);
        for (let rep = 0; rep < 3; rep++) {
          one.multiply(x, y1);
          two.multiply(x, y2);
          one.multiplyTranspose(z, u1);
          two.multiplyTranspose(z, u2);
          // tolerance 0: each y_i / u_j is summed in the same order whichever thread computes it
          expect(Array.from(y2)).toEqual(Array.from(y1));
          expect(Array.from(u2)).toEqual(Array.from(u1));
        }
      }
    });
  }

  for (const storage of ["float64", "float32"] as const) {
    it(`fused residual + transpose product: r bitwise as gemv·scale − b, g = Aᵀr to 1e-12, on TS and WASM (${storage})`, () => {
      // shapes hit every tail: rows < 4·FUSED_PARTS (empty partitions), odd columns, leftover rows
      for (const [rows, cols] of [
        [1, 1],
        [3, 5],
        [7, 13],
        [17, 33],
        [64, 100],
        [101, 3],
        [1001, 257],
      ] as [number, number][]) {
        const [a, b] = pair(rows, cols, storage, 1, rows * 31 + cols);
        live.push(a);
        const x = randVec(cols, 5),
          yv = randVec(rows, 6),
          scale = 1 / Math.sqrt(rows);
        for (const M of [a, b]) {
          const r = new Float64Array(rows),
            g = new Float64Array(cols),
            y = new Float64Array(rows),
            gRef = new Float64Array(cols);
          M.residualTranspose(x, yv, scale, r, g);
          // the two-pass path: y = M x, r = y·scale − b, then Mᵀ r
          M.multiply(x, y);
          const rRef = y.map((v, i) => v * scale - yv[i]);
          expect(Array.from(r)).toEqual(Array.from(rRef));
          M.multiplyTranspose(r, gRef);
          // another summation order of the same products: ≤ rows·2⁻⁵³·Σ|a r| < 1e-12·Σ|a r|
          expect(maxAbsDiff(g, gRef)).toBeLessThanOrEqual(1e-12 * absColScale(b, r));
          expect(g.some((v) => v !== 0)).toBe(true);
        }
      }
    });

    it(`fused residual + transpose product is bitwise the same on 1, 2, 3 and 4 threads (${storage}; fixed row partitions added in a fixed order)`, () => {
      for (const [rows, cols] of [
        [37, 101],
        [1001, 257],
        [6, 3],
      ] as [number, number][]) {
        const ms = [1, 2, 3, 4].map((threads) => wasm().allocate(rows, cols, storage, { threads }));
        live.push(...ms);
        createRng(rows + 1).fillNormal(ms[0].values);
        for (const M of ms.slice(1)) M.values.set(ms[0].values);
        const x = randVec(cols, 3),
          yv = randVec(rows, 4);
        const out = ms.map((M) => {
          const r = new Float64Array(rows),
            g = new Float64Array(cols);
          for (let rep = 0; rep < 2; rep++) M.residualTranspose(x, yv, 0.5, r, g);
          return [Array.from(r), Array.from(g)];
        });
        for (const o of out.slice(1)) expect(o).toEqual(out[0]);
      }
    });
  }

  it("chooses 2 threads automatically from 16 MiB on ≥ 2 cores, and never more than the cap a sweep passes", () => {
    const two = os.availableParallelism() >= 2 ? 2 : 1;
    expect(autoThreads(AUTO_THREADS_MIN_BYTES - 1)).toBe(1);
    expect(autoThreads(AUTO_THREADS_MIN_BYTES)).toBe(two);
    expect(autoThreads(2 ** 31, 1)).toBe(1);
    expect(autoThreads(2 ** 31, 1.9)).toBe(1); // the cap is rounded down
    // the cap is an argument, not a setting: the next call without it is not capped
    expect(autoThreads(2 ** 31)).toBe(two);
  });

  it("splits ranges on the quantum and covers [0, n) exactly", () => {
    expect(splitRange(37, 2, 4)).toEqual([
      [0, 20],
      [20, 37],
    ]);
    expect(splitRange(3, 2, 4)).toEqual([
      [0, 3],
      [3, 3],
    ]);
    expect(splitRange(101, 2, 2)).toEqual([
      [0, 52],
      [52, 101],
    ]);
  });

  it("fails with an error instead of hanging when a worker thread dies", async () => {
    const m = wasm().allocate(64, 64, "float64", { threads: 2 });
    live.push(m);
    const x = randVec(64, 1),
      y = new Float64Array(64);
    m.multiply(x, y);
    const pool = (m as unknown as { pool: { workers: { terminate(): Promise<number> }[] } }).pool;
    await pool.workers[0].terminate();
    workerLimits.timeoutMs = 300;
    expect(() => m.multiply(x, y)).toThrow(/worker thread/);
  });

  it("refuses threads > 1 on the ts backend and an explicit backend too small for the operator, naming the bytes", () => {
    expect(() => tsBackend.allocate(4, 4, "float64", { threads: 2 })).toThrow(/one thread.*wasm/);
    // 70000 × 70000 float64 = 39.2 GB > 4 GiB: an error for "wasm" (before allocating), ts for "auto"
    expect(() => chooseBackend("wasm", 70000, 70000, "float64")).toThrow(/needs \d+ bytes.*4294967296/);
    expect(chooseBackend("auto", 70000, 70000, "float64").name).toBe("ts");
    expect(chooseBackend("auto", 100, 100, "float64").name).toBe("wasm-simd");
    expect(WASM_MAX_BYTES).toBe(2 ** 32);
  });

  it("names unknown backends and the allowed ones", () => {
    expect(() => getBackend("cuda")).toThrow(/backend "cuda" is not available; available: auto, ts, wasm/);
    expect(() => resolveConfig({ operator: { backend: "cuda" } })).toThrow(/operator.backend/);
    expect(() => resolveConfig({ operator: { backend: "ts", threads: 2 } })).toThrow(/operator.threads.*wasm/);
  });
});

describe("the fast Walsh–Hadamard transform", () => {
  it("matches the definition H_ij = (−1)^popcount(i&j) and H² = n·I, on WASM and the reference", () => {
    for (const n of [1, 2, 4, 8, 64, 1024]) {
      const x = randVec(n, n);
      const w = fastWalshHadamard(x.slice());
      const r = fwhtReference(x.slice());
      // the definition, O(n²), for small n
      if (n <= 64) {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) {
            let p = i & j,
              sign = 1;
            while (p) {
              sign = -sign;
              p &= p - 1;
            }
            s += sign * x[j];
          }
          // log₂n rounding steps on sums of |x| ~ n: 1e-12 relative to Σ|x|
          expect(Math.abs(r[i] - s)).toBeLessThanOrEqual(1e-12 * n * 4);
        }
      }
      // WASM does exactly the same butterflies in the same order: bitwise equal
      expect(Array.from(w)).toEqual(Array.from(r));
      const back = fastWalshHadamard(w.slice());
      for (let i = 0; i < n; i++) expect(Math.abs(back[i] / n - x[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(x[i])) * Math.log2(2 * n));
    }
    expect(() => fastWalshHadamard(new Float64Array(6))).toThrow(/power-of-2/);
  });
});
