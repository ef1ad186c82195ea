import { describe, expect, it } from "vitest";
import { type Matrix, matmulNT, zeros } from "../../src/linalg/index.js";
import { CompletionOperator, completionOperator } from "../../src/operators/completion.js";
import { srhtOperator } from "../../src/operators/srht.js";
import { fwhtReference } from "../../src/kernels/fwht.js";
import { FWHT_LOG_BLOCK, WasmFwhtVector, structuredKernelsAvailable } from "../../src/kernels/structured.js";
import type { SensingOperator } from "../../src/operators/types.js";
import { createRng, type Rng } from "../../src/random/rng.js";

// The WASM kernels of the structured operators sum every output entry in the order of the
// plain-TS reference, so they must agree with it BITWISE (not just to 1e-12), on one thread
// and on two — which also makes every identity test of the TS operators (adjoint,
// factored = dense, isometry) a test of the kernels.

const wasm = structuredKernelsAvailable();

function randn(rows: number, cols: number, rng: Rng): Matrix {
  const M = zeros(rows, cols);
  rng.fillNormal(M.data);
  return M;
}

function expectBitwise(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  let diff = -1;
  for (let i = 0; i < a.length && diff < 0; i++) if (!Object.is(a[i], b[i])) diff = i;
  expect(diff, diff >= 0 ? `first difference at ${diff}: ${a[diff]} vs ${b[diff]}` : "").toBe(-1);
}

/** applyFactored and adjointFactored (with some zero residuals) of `ops[0]` (TS) and the others agree bitwise. */
function compareFactored(ops: SensingOperator[], k: number, rng: Rng): void {
  const [ref, ...rest] = ops;
  const F = randn(ref.n1, k, rng),
    G = randn(ref.n2, k, rng);
  const z = new Float64Array(ref.m);
  rng.fillNormal(z);
  for (let e = 0; e < z.length; e += 7) z[e] = 0;
  const y0 = ref.applyFactored(F, G, new Float64Array(ref.m));
  const SG0 = zeros(ref.n1, k),
    StF0 = zeros(ref.n2, k);
  ref.adjointFactored(z, F, G, SG0, StF0);
  for (const op of rest) {
    expectBitwise(op.applyFactored(F, G, new Float64Array(op.m)), y0);
    const SG = zeros(op.n1, k),
      StF = zeros(op.n2, k);
    op.adjointFactored(z, F, G, SG, StF);
    expectBitwise(SG.data, SG0.data);
    expectBitwise(StF.data, StF0.data);
    // one output at a time gives the same values
    const SG2 = zeros(op.n1, k);
    op.adjointFactored(z, F, G, SG2, null);
    expectBitwise(SG2.data, SG0.data);
  }
}

describe.skipIf(!wasm)("WASM completion kernels", () => {
  it("reproduce the TS reference bitwise on 1 and 2 threads, for odd and even k", () => {
    const make = (backend: string, threads: number) => completionOperator(53, 41, 0.3, createRng(5), { backend, threads });
    const ops = [make("ts", 1), make("wasm", 1), make("wasm", 2)];
    expect(ops.map((o) => o.backend)).toEqual(["ts", "wasm-simd", "wasm-simd+2threads"]);
    for (const k of [1, 2, 3, 4, 7]) compareFactored(ops, k, createRng(100 + k));
    for (const o of ops) o.dispose();
  });

  it("keep their results when a wider factor re-creates the memory, and the index arrays stay valid", () => {
    const ref = completionOperator(30, 20, 0.4, createRng(8), { backend: "ts" });
    const op = completionOperator(30, 20, 0.4, createRng(8), { backend: "wasm", threads: 2 });
    compareFactored([ref, op], 2, createRng(1));
    compareFactored([ref, op], 9, createRng(2));
    expect(Array.from(op.rowIndex)).toEqual(Array.from(ref.rowIndex));
    expect(Array.from(op.colIndex)).toEqual(Array.from(ref.colIndex));
  });

  it("handle an observed set that is not row-sorted (one thread then does S·G) bitwise like the reference", () => {
    const rng = createRng(3);
    const m = 300,
      rows = new Int32Array(m),
      cols = new Int32Array(m);
    for (let e = 0; e < m; e++) {
      rows[e] = rng.integer(17);
      cols[e] = rng.integer(13);
    }
    const ref = new CompletionOperator(17, 13, 0.5, rows.slice(), cols.slice(), { backend: "ts" });
    const op = new CompletionOperator(17, 13, 0.5, rows.slice(), cols.slice(), { backend: "wasm", threads: 2 });
    compareFactored([ref, op], 3, createRng(4));
  });

  it("refuse threads on the ts backend", () => {
    expect(() => completionOperator(5, 5, 0.5, createRng(1), { backend: "ts", threads: 2 })).toThrow(/threads = 2 needs the wasm backend/);
  });
});

describe.skipIf(!wasm)("the cache-blocked WASM fast Walsh–Hadamard transform", () => {
  for (const logL of [1, 5, FWHT_LOG_BLOCK, FWHT_LOG_BLOCK + 1, FWHT_LOG_BLOCK + 4]) {
    it(`equals the level-by-level reference bitwise at L = 2^${logL} on 1 and 2 threads, with the default and a small cache block`, () => {
      const L = 2 ** logL,
        rng = createRng(logL);
      const x = new Float64Array(L);
      rng.fillNormal(x);
      const ref = fwhtReference(x.slice());
      // the block is a run context's tuning (KernelTuning.fwhtLogBlock): only the order of independent butterflies changes
      for (const logBlock of [FWHT_LOG_BLOCK, 4]) {
        for (const t of [1, 2]) {
          const v = new WasmFwhtVector(L, t, 0, logBlock);
          v.data.set(x);
          v.transform();
          expectBitwise(v.data, ref);
          v.dispose();
        }
      }
    });
  }

  it("is an involution up to L: H(Hx) = L·x exactly for integer inputs (all sums exact in float64)", () => {
    const L = 2 ** (FWHT_LOG_BLOCK + 2),
      v = new WasmFwhtVector(L, 2),
      rng = createRng(9);
    const x = new Float64Array(L);
    for (let i = 0; i < L; i++) x[i] = rng.integer(2001) - 1000;
    v.data.set(x);
    v.transform();
    v.transform();
    for (let i = 0; i < L; i += 97) expect(v.data[i]).toBe(L * x[i]);
    v.dispose();
  });
});

describe.skipIf(!wasm)("WASM SRHT kernels", () => {
  it("reproduce the TS path (matmulNT, dense adjoint, matmul) bitwise on 1 and 2 threads, L above the FWHT block", () => {
    // N = 190·180 = 34200 → L = 65536 = 2^16 > 2^FWHT_LOG_BLOCK, so the blocked passes run
    const make = (backend: string, threads: number) => srhtOperator(3000, 190, 180, createRng(6), { backend, threads });
    const ops = [make("ts", 1), make("wasm", 1), make("wasm", 2)];
    expect(ops[0].backend).toBe("ts");
    expect(ops[2].backend).toBe("wasm-simd+2threads");
    for (const k of [1, 3, 8]) compareFactored(ops, k, createRng(20 + k));
    // and the dense apply of the factored product agrees with the factored path
    const rng = createRng(2),
      F = randn(190, 3, rng),
      G = randn(180, 3, rng);
    expectBitwise(ops[2].apply(matmulNT(F, G)), ops[0].applyFactored(F, G, new Float64Array(3000)));
    for (const o of ops) o.dispose();
  });
});
