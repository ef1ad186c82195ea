import { describe, expect, it } from "vitest";
import { buildInit, buildInstance } from "../../src/catalogue/instance.js";
import { runConfig } from "../../src/run/run.js";
import { resolveConfig } from "../../src/config/schema.js";
import { MinibatchSampler } from "../../src/algorithms/minibatch.js";
import { FactoredStepper } from "../../src/algorithms/stepper.js";
import { type Matrix, zeros } from "../../src/linalg/matrix.js";
import { createRng } from "../../src/random/rng.js";
import { expectBitwiseResume } from "./resume-helper.js";

const strip = (rows: Record<string, number>[]) => rows.map(({ seconds: _s, ...r }) => r);
const base = {
  seed: 7,
  problem: { n: 10, rank: 2, kappa: 3 },
  operator: { m: 240 },
  init: { alpha: 0.05 },
  stop: { maxIterations: 120 },
};

describe("minibatch gd and scaled-gd (method.batchSize)", () => {
  it.each([
    ["gd", { type: "symmetric", k: 3 }],
    ["gd", { type: "asymmetric", k: 3 }],
    ["scaled-gd", { type: "asymmetric", k: 2 }],
  ])("%s on %o with batchSize = m is the full-batch method bit for bit", (name, model) => {
    const full = runConfig({ ...base, model, method: { name, stepSize: 0.1 } }).result.rows;
    const batch = runConfig({ ...base, model, method: { name, stepSize: 0.1, batchSize: 240 } }).result.rows;
    expect(strip(batch)).toEqual(strip(full));
  });

  it("an epoch visits every measurement exactly once (batches of b, the last smaller), and the next epoch is another permutation", () => {
    const s = new MinibatchSampler(10, 4, createRng(1));
    const mask = new Uint8Array(10),
      seen = new Int32Array(10);
    const sizes = [];
    const firstBatch = (): number[] => {
      s.next(mask);
      return [...mask.keys()].filter((i) => mask[i]);
    };
    for (let b = 0; b < 3; b++) {
      sizes.push(s.next(mask));
      mask.forEach((v, i) => (seen[i] += v));
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect([...seen]).toEqual(new Array(10).fill(1));
    const epochs = [firstBatch()];
    s.next(mask);
    s.next(mask);
    epochs.push(firstBatch());
    expect(epochs[1]).not.toEqual(epochs[0]);
  });

  it("over one epoch the batch gradients average to the full gradient: Σ_B (|B|/m)·S_B·G = S·G at a fixed point", () => {
    const cfg = resolveConfig({
      ...base,
      model: { type: "asymmetric", k: 3 },
      method: { name: "gd", stepSize: 0.1, batchSize: 70 },
      operator: { m: 240, backend: "ts" },
    });
    const inst = buildInstance(cfg);
    class Probe extends FactoredStepper {
      readonly method = "probe";
      protected update(): void {}
      products(SG: Matrix, StF: Matrix, stochastic: boolean): void {
        if (stochastic) this.gradientProducts(SG, StF);
        else this.adjointProducts(SG, StF);
      }
    }
    const init = buildInit(cfg, inst);
    if (init.kind !== "asymmetric") throw new Error("asymmetric expected");
    const p = new Probe(inst.operator, inst.y, init, 0.1);
    const full = [zeros(10, 3), zeros(10, 3)];
    p.products(full[0], full[1], false);
    p.useMinibatches(new MinibatchSampler(240, 70, createRng(3)));
    const sum = [new Float64Array(30), new Float64Array(30)],
      part = [zeros(10, 3), zeros(10, 3)];
    for (const size of [70, 70, 70, 30]) {
      p.products(part[0], part[1], true);
      for (let j = 0; j < 2; j++) part[j].data.forEach((v, i) => (sum[j][i] += (size / 240) * v));
    }
    for (let j = 0; j < 2; j++) {
      const scale = Math.max(...full[j].data.map(Math.abs));
      sum[j].forEach((v, i) => expect(Math.abs(v - full[j].data[i])).toBeLessThan(1e-13 * scale * 10));
    }
  });

  it("stochastic gd on a noiseless problem still converges (interpolation: every batch gradient vanishes at M*)", () => {
    const r = runConfig({
      ...base,
      model: { type: "symmetric", k: 2 },
      method: { name: "gd", stepSize: 0.05, batchSize: 60 },
      stop: { maxIterations: 20000, targetRelError: 1e-8 },
    });
    expect(r.result.status).toBe("converged");
  });

  it("resumes bitwise from a checkpoint state (the permutation, position and RNG are saved)", () => {
    expectBitwiseResume(resolveConfig({ ...base, model: { type: "asymmetric", k: 3 }, method: { name: "gd", stepSize: 0.1, batchSize: 50 } }), 7, 9);
  });

  it("refuses batchSize > m naming the field", () => {
    expect(() => runConfig({ ...base, method: { name: "gd", batchSize: 241 } })).toThrow(/method\.batchSize: must be ≤ operator\.m = 240/);
  });
});
