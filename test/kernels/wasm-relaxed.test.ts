import { afterEach, describe, expect, it } from "vitest";
import { getBackend, tsBackend } from "../../src/kernels/index.js";
import { compileRelaxed, wasmRelaxedStatus } from "../../src/kernels/wasm.js";
import type { StorageType, StoredMatrix } from "../../src/kernels/types.js";
import { resolveConfig } from "../../src/config/schema.js";
import { buildInstance } from "../../src/catalogue/instance.js";
import { createRng } from "../../src/random/rng.js";

// The relaxed-SIMD backend (fused multiply-add). Node 20 enables relaxed SIMD through a V8
// flag that the loader sets before compiling; Node ≥ 22 has it by default. These tests need
// it (this project runs on Node ≥ 20), so an engine without it fails them loudly.
const relaxed = () => getBackend("wasm-relaxed");

const live: StoredMatrix[] = [];
afterEach(() => {
  while (live.length) live.pop()!.dispose();
});

/** The same N(0, 1) entries in a relaxed, a default-WASM and a TS matrix. */
function triple(rows: number, cols: number, storage: StorageType, threads: number, seed: number): StoredMatrix[] {
  const out = [
    relaxed().allocate(rows, cols, storage, { threads }),
    getBackend("wasm").allocate(rows, cols, storage, { threads }),
    tsBackend.allocate(rows, cols, storage),
  ];
  createRng(seed).fillNormal(out[0].values);
  for (const m of out.slice(1)) m.values.set(out[0].values);
  live.push(out[0], out[1]);
  return out;
}

const vec = (n: number, seed: number) => createRng(seed).fillNormal(new Float64Array(n)) as Float64Array;

/** Per output j: Σ_i |M_ij z_i| (or Σ_j |M_ij x_j| by rows) — the scale of any summation order's rounding error. */
function absScale(M: StoredMatrix, v: Float64Array, transpose: boolean): Float64Array {
  const out = new Float64Array(transpose ? M.cols : M.rows);
  for (let i = 0; i < M.rows; i++) {
    for (let j = 0; j < M.cols; j++) out[transpose ? j : i] += Math.abs(M.values[i * M.cols + j] * v[transpose ? i : j]);
  }
  return out;
}

function fused(M: StoredMatrix, x: Float64Array, b: Float64Array, scale: number): [Float64Array, Float64Array] {
  const r = new Float64Array(M.rows),
    g = new Float64Array(M.cols);
  M.residualTranspose(x, b, scale, r, g);
  return [r, g];
}

describe("the wasm-relaxed backend (fused multiply-add)", () => {
  it("is available on this engine, reports whether relaxed_madd fuses, and is never chosen automatically", () => {
    const s = wasmRelaxedStatus();
    expect(s.reason).toBeNull();
    expect(s.available).toBe(true);
    expect(relaxed().name).toBe("wasm-relaxed");
    expect(getBackend("auto").name).toBe("wasm-simd");
  });

  // odd shapes: every tail path (4-row blocks, column pairs, the odd last column) runs
  const shapes: [number, number][] = [
    [1, 1],
    [3, 5],
    [4, 2],
    [9, 11],
    [17, 33],
    [101, 64],
  ];
  for (const storage of ["float64", "float32"] as const) {
    it.each(shapes)(`gemv, gemvᵀ and the fused pass match the TS reference to 1e-12 of Σ|a·x| (${storage}, %i×%i)`, (rows, cols) => {
      const [a, , t] = triple(rows, cols, storage, 1, rows * 100 + cols);
      const x = vec(cols, 1),
        z = vec(rows, 2),
        b = vec(rows, 3);
      const y1 = new Float64Array(rows),
        y2 = new Float64Array(rows),
        u1 = new Float64Array(cols),
        u2 = new Float64Array(cols);
      a.multiply(x, y1);
      t.multiply(x, y2);
      a.multiplyTranspose(z, u1);
      t.multiplyTranspose(z, u2);
      // Fused or not, each output of a length-L sum is within L·2⁻⁵³·Σ|terms| of the exact value
      // (one rounding less per term with FMA), so two orders differ by ≤ 2·L·2⁻⁵³·Σ|terms| ≤ 1e-12·Σ|terms| for L ≤ 101.
      const sx = absScale(t, x, false),
        sz = absScale(t, z, true);
      y1.forEach((v, i) => expect(Math.abs(v - y2[i])).toBeLessThanOrEqual(1e-12 * sx[i]));
      u1.forEach((v, j) => expect(Math.abs(v - u2[j])).toBeLessThanOrEqual(1e-12 * sz[j]));
      const [r1, g1] = fused(a, x, b, 0.7),
        [r2, g2] = fused(t, x, b, 0.7);
      r1.forEach((v, i) => expect(Math.abs(v - r2[i])).toBeLessThanOrEqual(1e-12 * (0.7 * sx[i] + Math.abs(b[i]))));
      // g = Aᵀr: the r difference propagates linearly (Σ_i |a_ij|·|Δr_i|), plus the two summation orders' rounding
      const sr = absScale(t, r2, true),
        dr = absScale(
          t,
          r1.map((v, i) => Math.abs(v - r2[i])),
          true,
        );
      g1.forEach((v, j) => expect(Math.abs(v - g2[j])).toBeLessThanOrEqual(1e-12 * sr[j] + 1.01 * dr[j]));
    });
  }

  it("is bitwise reproducible run to run and for a fresh copy of the matrix (float64, 1 and 2 threads)", () => {
    for (const threads of [1, 2]) {
      const [a] = triple(203, 150, "float64", threads, 11);
      const [c] = triple(203, 150, "float64", threads, 11);
      const x = vec(150, 4),
        b = vec(203, 5);
      const [r0, g0] = fused(a, x, b, 0.5);
      for (const M of [a, a, c]) {
        const [r, g] = fused(M, x, b, 0.5);
        expect(Buffer.from(r.buffer).equals(Buffer.from(r0.buffer))).toBe(true);
        expect(Buffer.from(g.buffer).equals(Buffer.from(g0.buffer))).toBe(true);
      }
    }
  });

  it("rounds differently from the default wasm backend where relaxed_madd fuses (the FMA path is the one that runs)", () => {
    const { fused: fuses } = wasmRelaxedStatus();
    const [a, w] = triple(64, 100, "float64", 1, 12);
    const x = vec(100, 6),
      b = vec(64, 7);
    const [ra, ga] = fused(a, x, b, 1),
      [rw, gw] = fused(w, x, b, 1);
    const differs = ra.some((v, i) => v !== rw[i]) || ga.some((v, j) => v !== gw[j]);
    // with two roundings the relaxed module's sums are reassociated only in gemvᵀ's 4-row chain, so they differ too;
    // with one rounding they must differ (6 400 products, each exact instead of rounded)
    if (fuses) expect(differs).toBe(true);
    expect(typeof fuses).toBe("boolean");
  });

  it("is refused with a message naming relaxed SIMD and the Node versions when the engine lacks it, after trying the V8 flag", () => {
    const flags: string[] = [];
    const out = compileRelaxed(new Uint8Array(8), { validate: () => false, setFlag: (f) => void flags.push(f) });
    expect(flags).toEqual(["--experimental-wasm-relaxed-simd"]);
    expect("reason" in out && out.reason).toMatch(/does not support WebAssembly relaxed SIMD.*Node ≥ 22/);
  });

  it("is used by a gaussian operator only when the config asks for it, and refused by completion with the field named", () => {
    const base = {
      seed: 1,
      problem: { n: 12, rank: 2, truth: "general" },
      model: { type: "asymmetric", k: 2 },
      method: { name: "gd", stepSize: 0.1 },
      stop: { maxIterations: 2 },
    } as const;
    const asked = buildInstance(resolveConfig({ ...base, operator: { type: "gaussian", m: 300, backend: "wasm-relaxed" } }));
    const auto = buildInstance(resolveConfig({ ...base, operator: { type: "gaussian", m: 300 } }));
    try {
      expect(asked.operator.backend).toBe("wasm-relaxed");
      expect(auto.operator.backend).toBe("wasm-simd");
    } finally {
      asked.operator.dispose();
      auto.operator.dispose();
    }
    expect(() => buildInstance(resolveConfig({ ...base, operator: { type: "completion", p: 0.5, backend: "wasm-relaxed" } }))).toThrow(
      /operator\.backend "wasm-relaxed" applies to the gaussian and symmetric-gaussian operators only/,
    );
  });
});
