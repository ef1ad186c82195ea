import { describe, expect, it } from "vitest";
import { resolveConfig, type ResolvedConfig } from "../../src/config/schema.js";
import { buildInit, buildInstance } from "../../src/catalogue/instance.js";
import { runContext } from "../../src/catalogue/context.js";
import { createStepper } from "../../src/catalogue/registry.js";
import { driveStepper, type RunResult } from "../../src/algorithms/driver.js";
import { runConfig } from "../../src/run/run.js";
import { gaussianOperatorBatch, type OperatorBatch } from "../../src/operators/batch.js";
import { streamRng } from "../../src/random/rng.js";

// Runs that share a stored operator advance together: one batched pass computes every run's
// residual and A*(residual). The contract is that each run's metrics are bitwise those of
// running it alone (same config ⇒ same numbers, batched or not, any thread count).

/** A κ × method sweep on one operator (same seed, shape and operator config), like scaledgd-kappa in small. */
function sweep(maxIterations: number[]): ResolvedConfig[] {
  const variants = [
    { kappa: 1, method: { name: "gd", stepSize: 0.2 } },
    { kappa: 10, method: { name: "scaled-gd", stepSize: 0.4 } },
    { kappa: 10, method: { name: "gd", stepSize: 0.2 } },
    { kappa: 30, method: { name: "scaled-gd", stepSize: 0.4 } },
  ];
  return variants.map((v, i) =>
    resolveConfig({
      seed: 3,
      problem: { n: 9, rank: 2, truth: "general", kappa: v.kappa },
      operator: { type: "gaussian", m: 400 },
      model: { type: "asymmetric", k: 3 },
      init: { type: "small-random", alpha: 0.05 },
      method: v.method,
      stop: { maxIterations: maxIterations[i] },
    }),
  );
}

/** The runs of `configs` driven in lockstep (one iteration each in turn, the real driver) on one batched operator. */
function runBatched(configs: ResolvedConfig[], threads: number): { results: RunResult[]; batch: OperatorBatch } {
  const c0 = configs[0];
  const batch = gaussianOperatorBatch(c0.operator.m, c0.problem.n, c0.problem.n2, streamRng(c0.seed, "operator"), "float64", threads, configs.length);
  const runs = configs.map((config, slot) => {
    const inst = buildInstance(config, runContext({ operatorProvider: () => batch.member(slot) }));
    const stepper = createStepper(config, inst, buildInit(config, inst));
    return { inst, gen: driveStepper(stepper, inst.truth, { stop: config.stop, record: config.record }) };
  });
  const results: RunResult[] = [];
  const active = new Set(runs.keys());
  while (active.size) {
    for (const i of [...active]) {
      const next = runs[i].gen.next();
      if (next.done) {
        results[i] = next.value;
        runs[i].inst.operator.dispose(); // leaves the batch
        active.delete(i);
      }
    }
  }
  return { results, batch };
}

const metrics = (r: RunResult) => JSON.stringify({ status: r.status, iterations: r.iterations, rows: r.rows });

describe("runs sharing a stored operator advance with one stream of it", () => {
  for (const threads of [1, 2]) {
    it(`gives every run of a κ × method sweep bitwise its solo metrics, with fewer passes over the operator (${threads} thread(s))`, () => {
      const configs = sweep([40, 40, 40, 40]);
      const solo = configs.map((c) => {
        const out = runConfig(c);
        out.instance.operator.dispose();
        return out.result;
      });
      const { results, batch } = runBatched(configs, threads);
      try {
        results.forEach((r, i) => expect(metrics(r)).toBe(metrics(solo[i])));
        expect(solo[0].rows.length).toBe(41);
        // iteration 0 of each run measures alone (the first residual takes the two-pass path);
        // after that one pass serves all four runs: ~40 passes instead of 160
        expect(batch.passes).toBeLessThan(60);
        expect(batch.hits).toBeGreaterThan(100);
      } finally {
        batch.dispose();
      }
    });
  }

  it("lets runs that stop early leave the batch, the others unchanged", () => {
    const configs = sweep([5, 40, 12, 40]);
    const { results, batch } = runBatched(configs, 1);
    try {
      results.forEach((r, i) => {
        const out = runConfig(configs[i]);
        out.instance.operator.dispose();
        expect(metrics(r)).toBe(metrics(out.result));
      });
      expect(results.map((r) => r.iterations)).toEqual([5, 40, 12, 40]);
    } finally {
      batch.dispose();
    }
  });

  it("refuses a batch larger than the operator's working slots and a slot used twice", () => {
    const c = sweep([1])[0];
    const batch = gaussianOperatorBatch(c.operator.m, 9, 9, streamRng(1, "operator"), "float64", 1, 2);
    try {
      batch.member(0);
      expect(() => batch.member(0)).toThrow(/batch slot 0: must be unused and < 2/);
      expect(() => batch.member(2)).toThrow(/batch slot 2/);
    } finally {
      batch.dispose();
    }
  });
});
