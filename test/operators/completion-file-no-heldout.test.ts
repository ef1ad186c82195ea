import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { flattenRow } from "../../src/algorithms/driver.js";
import { runConfig } from "../../src/run/run.js";

const entries = path.resolve(__dirname, "../../examples/completion/entries.csv");
const config = (testFraction: number, truth: "none" | "file") => ({
  seed: 1,
  problem: { n: 40, n2: 30, rank: 3, truth, ...(truth === "file" ? { file: path.resolve(__dirname, "../../examples/completion/M.npy") } : {}) },
  operator: { type: "completion-file", file: entries, indexBase: 1, testFraction, backend: "ts" },
  model: { type: "asymmetric", k: 3 },
  init: { alpha: 0.01 },
  method: { name: "gd", stepSize: 0.1 },
  stop: { maxIterations: 50 },
  record: { every: 10 },
});

describe("completion-file with operator.testFraction = 0 (the default: no held-out entries)", () => {
  for (const truth of ["none", "file"] as const) {
    it(`runs (problem.truth "${truth}") and has no test_rel_error column — its 0/0 read as a divergence at iteration 0`, () => {
      const out = runConfig(config(0, truth));
      expect(out.result.status).toBe("max-iterations");
      expect(out.result.iterations).toBe(50);
      expect(Object.keys(flattenRow(out.result.rows[0]))).not.toContain("test_rel_error");
      // the loss falls, as with a held-out part (same training data up to the held-out entries)
      expect(out.result.final.loss).toBeLessThan(out.result.rows[0].loss);
      const held = runConfig(config(0.1, truth));
      expect(Object.keys(flattenRow(held.result.rows[0]))).toContain("test_rel_error");
    });
  }
});
