import { afterEach, describe, expect, it } from "vitest";
import type { StorageType, StoredMatrix } from "../../src/kernels/types.js";
import { wasmSharedMatrix } from "../../src/kernels/wasm.js";
import { getBackend } from "../../src/kernels/index.js";
import { DenseSensingOperator } from "../../src/operators/gaussian.js";
import { zeros } from "../../src/linalg/matrix.js";
import { createRng } from "../../src/random/rng.js";

// The batched fused pass: several runs sharing one stored operator advance with one stream
// of it. Its contract is bitwise: each run's r and g equal those of the one-run fused pass.

const live: StoredMatrix[] = [];
afterEach(() => {
  while (live.length) live.pop()!.dispose();
});

const vec = (n: number, seed: number) => createRng(seed).fillNormal(new Float64Array(n)) as Float64Array;
const same = (a: Float64Array, b: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** A matrix with `slots` working slots and a one-slot copy of it (same entries). */
function pair(rows: number, cols: number, storage: StorageType, threads: number, slots: number): [StoredMatrix, StoredMatrix] {
  const batch = wasmSharedMatrix(rows, cols, storage, threads, 0, slots);
  const single = getBackend("wasm").allocate(rows, cols, storage, { threads: 1 });
  createRng(rows + cols).fillNormal(batch.values);
  single.values.set(batch.values);
  live.push(batch, single);
  return [batch, single];
}

describe("the batched fused pass (one stream of the operator for several runs)", () => {
  // odd shapes: partial 4-row blocks, partitions of unequal size, an odd column count
  const shapes: [number, number][] = [
    [5, 3],
    [37, 21],
    [130, 64],
  ];
  for (const storage of ["float64", "float32"] as const) {
    for (const threads of [1, 2]) {
      it.each(shapes)(`gives every run bitwise its one-run r and g (${storage}, ${threads} thread(s), %i×%i, runs in slots 0, 2, 3 of 5)`, (rows, cols) => {
        const [batch, single] = pair(rows, cols, storage, threads, 5);
        const runs = [0, 2, 3].map((slot) => ({
          slot,
          x: vec(cols, 10 + slot),
          b: vec(rows, 20 + slot),
          r: new Float64Array(rows),
          g: new Float64Array(cols),
        }));
        batch.residualTransposeBatch!(runs, 0.3);
        for (const run of runs) {
          const r = new Float64Array(rows),
            g = new Float64Array(cols);
          single.residualTranspose(run.x, run.b, 0.3, r, g);
          expect(same(run.r, r)).toBe(true);
          expect(same(run.g, g)).toBe(true);
          expect(g.some((v) => v !== 0)).toBe(true);
        }
        // a run that left the batch: the others' results do not change
        const [, ...rest] = runs;
        const before = rest.map((run) => run.g.slice());
        batch.residualTransposeBatch!(rest, 0.3);
        rest.forEach((run, i) => expect(same(run.g, before[i])).toBe(true));
      });
    }
  }

  it("refuses a slot outside the matrix's slots or used twice, naming it", () => {
    const [batch] = pair(8, 6, "float64", 1, 2);
    const run = (slot: number) => ({ slot, x: vec(6, 1), b: vec(8, 2), r: new Float64Array(8), g: new Float64Array(6) });
    expect(() => batch.residualTransposeBatch!([run(2)], 1)).toThrow(/batch slot 2: must be distinct and < 2/);
    expect(() => batch.residualTransposeBatch!([run(1), run(1)], 1)).toThrow(/batch slot 1/);
  });

  it("gives the Gaussian operator's residualAndAdjoint bitwise for each run of a batch (r = A(FGᵀ) − y, S = A*(r))", () => {
    const n = 7,
      m = 90,
      k = 3;
    const [batch, single] = pair(m, n * n, "float64", 2, 3);
    const scale = 1 / Math.sqrt(m);
    const opB = new DenseSensingOperator("gaussian", n, n, batch, scale, false);
    const opS = new DenseSensingOperator("gaussian", n, n, single, scale, false);
    expect(opB.batchSlots).toBe(3);
    const runs = [0, 1, 2].map((slot) => {
      const F = zeros(n, k),
        G = zeros(n, k);
      createRng(100 + slot).fillNormal(F.data);
      createRng(200 + slot).fillNormal(G.data);
      return { slot, F, G, y: vec(m, 300 + slot), r: new Float64Array(m), S: zeros(n, n) };
    });
    opB.residualAndAdjointBatch(runs);
    for (const run of runs) {
      const r = new Float64Array(m),
        S = zeros(n, n);
      opS.residualAndAdjoint(run.F, run.G, run.y, r, S);
      expect(same(run.r, r)).toBe(true);
      expect(same(run.S.data, S.data)).toBe(true);
    }
  });
});
