import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dot, norm2, zeros } from "../../src/linalg/matrix.js";
import {
  DenseSensingOperator,
  PackedSymmetricOperator,
  RegeneratedGaussianOperator,
  buildGaussianOperator,
  gaussianOperator,
  gaussianOperatorBytes,
  packedLength,
  symmetricGaussianOperator,
} from "../../src/operators/gaussian.js";
import type { SensingOperator } from "../../src/operators/types.js";
import { getBackend, tsBackend } from "../../src/kernels/index.js";
import { ConfigError, resolveConfig } from "../../src/config/schema.js";
import { buildOperator, operatorBytes } from "../../src/catalogue/instance.js";
import { executeRun } from "../../src/run/runFolder.js";
import { main } from "../../src/cli/main.js";
import { createRng, type Rng } from "../../src/random/rng.js";
import { randn } from "../random-matrix.js";

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const maxAbs = (a: ArrayLike<number>) => maxAbsDiff(a, new Float64Array(a.length));

const ops: SensingOperator[] = [];
afterAll(() => ops.forEach((o) => o.dispose()));
const keep = <T extends SensingOperator>(o: T): T => (ops.push(o), o);

/**
 * ⟨A(Z), z⟩ = ⟨Z, A*(z)⟩: both sides are sums of the same m·n1·n2 products in different
 * orders, so they agree to ~√(m·n1·n2)·2⁻⁵³ relative to ‖A(Z)‖‖z‖ — 1e-12 is generous.
 */
function expectAdjoint(A: SensingOperator, rng: Rng): void {
  for (let t = 0; t < 3; t++) {
    const Z = randn(A.n1, A.n2, rng);
    const z = rng.fillNormal(new Float64Array(A.m)) as Float64Array;
    const Az = A.apply(Z);
    const lhs = dot(Az, z),
      rhs = dot(Z.data, A.adjoint(z).data);
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * norm2(Az) * norm2(z));
  }
}

describe("float32 operator storage", () => {
  for (const backend of ["ts", "wasm"]) {
    it(`defines the entries as the float32-rounded draws and is exactly adjoint (${backend})`, () => {
      const A64 = keep(gaussianOperator(203, 7, 9, createRng(5), getBackend(backend), "float64"));
      const A32 = keep(gaussianOperator(203, 7, 9, createRng(5), getBackend(backend), "float32"));
      const t64 = A64.denseTensor(),
        t32 = A32.denseTensor();
      for (let i = 0; i < t32.length; i++) expect(t32[i]).toBe(Math.fround(t64[i]));
      expect(A32.bytes).toBe(A64.bytes / 2);
      expectAdjoint(A32, createRng(6));
    });
  }

  it("gives the same measurements on wasm and ts (accumulation in float64, to 1e-12 relative)", () => {
    const a = keep(gaussianOperator(301, 11, 13, createRng(9), getBackend("wasm"), "float32"));
    const b = keep(gaussianOperator(301, 11, 13, createRng(9), tsBackend, "float32"));
    const rng = createRng(10);
    const Z = randn(11, 13, rng),
      z = rng.fillNormal(new Float64Array(301)) as Float64Array;
    const ya = a.apply(Z),
      yb = b.apply(Z);
    // |Δy_i| ≤ 143·2⁻⁵³·Σ|a z| ≈ 1e-14·‖·‖; compare against the largest |y|·1e-12 with margin
    expect(maxAbsDiff(ya, yb)).toBeLessThanOrEqual(1e-12 * maxAbs(yb) * 10);
    expect(maxAbsDiff(a.adjoint(z).data, b.adjoint(z).data)).toBeLessThanOrEqual(1e-12 * maxAbs(b.adjoint(z).data) * 10);
  });
});

describe("packed symmetric storage", () => {
  const n = 9,
    m = 157,
    k = 4;
  for (const backend of ["ts", "wasm"]) {
    it(`equals the dense symmetric operator of the same seed: values, apply, adjoint, factored (${backend})`, () => {
      const dense = keep(symmetricGaussianOperator(m, n, createRng(21), getBackend(backend), "float64")) as DenseSensingOperator;
      const packed = keep(symmetricGaussianOperator(m, n, createRng(21), getBackend(backend), "packed")) as PackedSymmetricOperator;
      expect(packed).toBeInstanceOf(PackedSymmetricOperator);
      // exactly the same A_i (what --save-instance writes)
      expect(Array.from(packed.denseTensor())).toEqual(Array.from(dense.denseTensor()));
      expect(packed.bytes).toBe(m * packedLength(n) * 8);
      const rng = createRng(22);
      const Z = randn(n, n, rng); // not symmetric: the skew part must be invisible to both
      const z = rng.fillNormal(new Float64Array(m)) as Float64Array;
      const yd = dense.apply(Z),
        yp = packed.apply(Z);
      // A_ab(Z_ab + Z_ba) vs A_ab Z_ab + A_ab Z_ba: one extra rounding per term, ≤ 1e-12 relative
      expect(maxAbsDiff(yp, yd)).toBeLessThanOrEqual(1e-12 * maxAbs(yd));
      const Sd = dense.adjoint(z),
        Sp = packed.adjoint(z);
      expect(maxAbsDiff(Sp.data, Sd.data)).toBeLessThanOrEqual(1e-12 * maxAbs(Sd.data));
      // A*(z) stays exactly symmetric
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) expect(Sp.data[a * n + b]).toBe(Sp.data[b * n + a]);
      const F = randn(n, k, rng),
        G = randn(n, k, rng);
      const fd = dense.applyFactored(F, G, new Float64Array(m)),
        fp = packed.applyFactored(F, G, new Float64Array(m));
      expect(maxAbsDiff(fp, fd)).toBeLessThanOrEqual(1e-12 * maxAbs(fd));
      const SGd = zeros(n, k),
        StFd = zeros(n, k),
        SGp = zeros(n, k),
        StFp = zeros(n, k);
      dense.adjointFactored(z, F, G, SGd, StFd);
      packed.adjointFactored(z, F, G, SGp, StFp);
      expect(maxAbsDiff(SGp.data, SGd.data)).toBeLessThanOrEqual(1e-12 * maxAbs(SGd.data));
      expect(maxAbsDiff(StFp.data, StFd.data)).toBeLessThanOrEqual(1e-12 * maxAbs(StFd.data));
      expectAdjoint(packed, createRng(23));
    });
  }

  it("is chosen by operator.storage and needs the symmetric-gaussian operator", () => {
    const cfg = resolveConfig({ seed: 3, problem: { n: 6, rank: 1 }, operator: { type: "symmetric-gaussian", m: 40, storage: "packed" } });
    const A = keep(buildOperator(cfg));
    expect(A).toBeInstanceOf(PackedSymmetricOperator);
    // packed rows (in the backend's memory, which may add its vectors), packed work vectors, P and S
    expect(operatorBytes(cfg)).toBeGreaterThanOrEqual(40 * 21 * 8 + 2 * 8 * 21 + 2 * 8 * 36);
    const D = keep(buildOperator(resolveConfig({ ...cfg, operator: { ...cfg.operator, storage: "float64" } })));
    expect(Array.from(A.denseTensor!())).toEqual(Array.from(D.denseTensor!()));
    expect(() => resolveConfig({ operator: { type: "gaussian", storage: "packed" } })).toThrow(ConfigError);
    expect(() => resolveConfig({ operator: { type: "gaussian", storage: "packed" } })).toThrow(/operator.storage.*symmetric-gaussian/);
  });
});

describe("threaded operators", () => {
  it("give the same numbers on 2 threads as on 1 (tolerance 0: the summation order of each output is unchanged)", () => {
    const base = { seed: 4, problem: { n: 13, rank: 2 }, operator: { type: "gaussian" as const, m: 211, backend: "wasm" as const } };
    const one = keep(buildOperator(resolveConfig({ ...base, operator: { ...base.operator, threads: 1 } })));
    const two = keep(buildOperator(resolveConfig({ ...base, operator: { ...base.operator, threads: 2 } })));
    expect(one.backend).toBe("wasm-simd");
    expect(two.backend).toBe("wasm-simd+2threads");
    const rng = createRng(1);
    const F = randn(13, 3, rng),
      G = randn(13, 3, rng),
      z = rng.fillNormal(new Float64Array(211)) as Float64Array;
    expect(Array.from(two.applyFactored(F, G, new Float64Array(211)))).toEqual(Array.from(one.applyFactored(F, G, new Float64Array(211))));
    const a1 = zeros(13, 3),
      b1 = zeros(13, 3),
      a2 = zeros(13, 3),
      b2 = zeros(13, 3);
    one.adjointFactored(z, F, G, a1, b1);
    two.adjointFactored(z, F, G, a2, b2);
    expect(Array.from(a2.data)).toEqual(Array.from(a1.data));
    expect(Array.from(b2.data)).toEqual(Array.from(b1.data));
  });
});

describe("the fused residual-and-adjoint pass", () => {
  const n = 11,
    m = 203,
    k = 3;
  const cases: [string, (rng: Rng) => SensingOperator][] = [];
  for (const backend of ["ts", "wasm"]) {
    cases.push([`gaussian float64 (${backend})`, (rng) => gaussianOperator(m, n, n + 2, rng, getBackend(backend), "float64")]);
    cases.push([`gaussian float32 (${backend})`, (rng) => gaussianOperator(m, n, n + 2, rng, getBackend(backend), "float32")]);
    cases.push([`symmetric-gaussian packed (${backend})`, (rng) => symmetricGaussianOperator(m, n, rng, getBackend(backend), "packed")]);
  }
  cases.push(["gaussian float64 (wasm, 2 threads)", (rng) => gaussianOperator(m, n, n + 2, rng, getBackend("wasm"), "float64", 2)]);
  for (const [name, make] of cases) {
    it(`gives r = A(FGᵀ) − y exactly and S = A*(r) to rounding, like applyFactored then adjoint (${name})`, () => {
      const A = keep(make(createRng(31)));
      expect(A.residualAndAdjoint).toBeTypeOf("function");
      const rng = createRng(32);
      const F = randn(A.n1, k, rng),
        G = randn(A.n2, k, rng),
        y = rng.fillNormal(new Float64Array(m)) as Float64Array;
      const r = new Float64Array(m),
        S = zeros(A.n1, A.n2);
      A.residualAndAdjoint!(F, G, y, r, S);
      const rRef = A.applyFactored(F, G, new Float64Array(m)).map((v, i) => v - y[i]);
      expect(Array.from(r)).toEqual(Array.from(rRef));
      const SRef = A.adjoint(rRef);
      // the same m products per entry summed in another order: ≤ m·2⁻⁵³·Σ|A_i r_i|/√m ≪ 1e-12·max|S|·m
      expect(maxAbsDiff(S.data, SRef.data)).toBeLessThanOrEqual(1e-12 * maxAbs(SRef.data));
      expect(maxAbs(S.data)).toBeGreaterThan(0);
    });
  }
});

describe("regenerate (matrix-free) storage", () => {
  for (const type of ["gaussian", "symmetric-gaussian"] as const) {
    it(`is exactly adjoint and deterministic, row i a pure function of (seed, i) (${type})`, () => {
      const n = 6,
        m = 120;
      const A = keep(new RegeneratedGaussianOperator(type, m, n, n, createRng(31)));
      const B = keep(new RegeneratedGaussianOperator(type, m, n, n, createRng(31)));
      expectAdjoint(A, createRng(32));
      // rows in any order, from another object of the same seed: identical
      const r50 = Array.from(A.rowValues(50, new Float64Array(n * n)));
      B.rowValues(3);
      expect(Array.from(B.rowValues(50, new Float64Array(n * n)))).toEqual(r50);
      // different rows differ; a different seed differs
      expect(Array.from(A.rowValues(51, new Float64Array(n * n)))).not.toEqual(r50);
      const C = new RegeneratedGaussianOperator(type, m, n, n, createRng(33));
      expect(Array.from(C.rowValues(50, new Float64Array(n * n)))).not.toEqual(r50);
      // apply is the GEMV of the tensor it reports (what --save-instance writes)
      const T = A.denseTensor();
      const Z = randn(n, n, createRng(34));
      const y = A.apply(Z);
      for (const i of [0, 17, m - 1]) {
        let s = 0;
        for (let j = 0; j < n * n; j++) s += T[i * n * n + j] * Z.data[j];
        expect(Math.abs(y[i] - s / Math.sqrt(m))).toBeLessThanOrEqual(1e-12 * maxAbs(y));
      }
      if (type === "symmetric-gaussian") for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) expect(T[a * n + b]).toBe(T[b * n + a]);
      expect(A.bytes).toBe(gaussianOperatorBytes(m, n, n, "regenerate"));
    });
  }

  it("has isometric scaling: the mean of ‖A(Z)‖²/‖Z‖² over rows is 1 within the sampling error", () => {
    // ‖A(Z)‖² = (1/m) Σ_i ⟨A_i, Z⟩², each ⟨A_i,Z⟩ ~ N(0, ‖Z‖²) i.i.d.: mean 1, std √(2/m) = 0.041 for m = 1200
    const n = 5,
      m = 1200;
    const A = new RegeneratedGaussianOperator("gaussian", m, n, n, createRng(41));
    const Z = randn(n, n, createRng(42));
    const ratio = norm2(A.apply(Z)) ** 2 / norm2(Z.data) ** 2;
    expect(Math.abs(ratio - 1)).toBeLessThan(5 * Math.sqrt(2 / m));
  });

  it("is selected by operator.storage, holds no m·n² data and refuses threads", () => {
    const cfg = resolveConfig({ seed: 2, problem: { n: 8, rank: 1 }, operator: { m: 30, storage: "regenerate" } });
    expect(keep(buildOperator(cfg))).toBeInstanceOf(RegeneratedGaussianOperator);
    expect(operatorBytes(cfg)).toBe(2 * 64 * 8 + 2 * 64 * 8); // two regenerated rows, P and S
    expect(() => resolveConfig({ operator: { storage: "regenerate", threads: 2 } })).toThrow(/operator.threads/);
    expect(() => buildGaussianOperator("gaussian", 10, 3, 3, createRng(1), { storage: "regenerate", backend: "wasm" })).toThrow(/regenerate.*ts backend/);
  });
});

describe("runs record the backend actually used", () => {
  it("writes wasm-simd (not auto) to config.json, and the ts backend when asked", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-backend-"));
    try {
      const cfg = { seed: 1, problem: { n: 6, rank: 1 }, operator: { m: 60 }, stop: { maxIterations: 3 } };
      executeRun(cfg, path.join(dir, "auto"));
      const auto = JSON.parse(fs.readFileSync(path.join(dir, "auto", "config.json"), "utf8"));
      expect(auto.operator.backend).toBe("auto");
      expect(auto.matsense.backend).toBe("wasm-simd");
      executeRun({ ...cfg, operator: { m: 60, backend: "ts" } }, path.join(dir, "ts"));
      expect(JSON.parse(fs.readFileSync(path.join(dir, "ts", "config.json"), "utf8")).matsense.backend).toBe("ts");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("accepts --threads and reports a bad value clearly", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-threads-"));
    let err = "";
    const io = { out: () => {}, err: (s: string) => void (err += s) };
    try {
      const code = await main(
        [
          "node",
          "matsense",
          "run",
          "-q",
          "--set",
          "operator.m=60",
          "--set",
          "problem.n=6",
          "--set",
          "stop.maxIterations=2",
          "--threads",
          "2",
          "--backend",
          "wasm",
          "--out",
          path.join(dir, "r"),
        ],
        io,
      );
      expect(code).toBe(0);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "r", "config.json"), "utf8")).operator.threads).toBe(2);
      const bad = await main(["node", "matsense", "run", "-q", "--set", "operator.m=60", "--threads", "two", "--out", path.join(dir, "bad")], io);
      expect(bad).toBe(2);
      expect(err).toMatch(/operator.threads/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
