import { describe, expect, it } from "vitest";
import { measure } from "../../src/algorithms/driver.js";
import type { Stepper } from "../../src/algorithms/stepper.js";
import { lowRankProduct, randomOrthonormal } from "../../src/problem/truth.js";
import { createRng } from "../../src/random/rng.js";
import { resolveConfig } from "../../src/config/schema.js";
import { runConfig } from "../../src/run/run.js";
import { truthNorm } from "../../src/metrics/metrics.js";
import { buildTruth } from "../../src/catalogue/instance.js";
import { productSingularValues } from "../../src/metrics/metrics.js";
import * as path from "node:path";

/*
 * record.singularValues of the matrix-variable methods (svt, mirror-descent): the columns
 * sv_i are the singular values of the iterate X itself (they were written as 0).
 */

/** A stepper standing at a fixed matrix X (no factors, like svt and mirror-descent). */
function atMatrix(X: ReturnType<typeof lowRankProduct>): Stepper {
  const at = { method: "fixed", model: "matrix", iteration: 0, events: [], factors: () => null, product: () => X, residual: () => new Float64Array(1) };
  return at as unknown as Stepper;
}

const record = (singularValues: number) => resolveConfig({ record: { singularValues } }).record;

describe("record.singularValues of a matrix iterate", () => {
  it("are the singular values of X: U diag(3, 2, 0.5) Vᵀ gives 3, 2, 0.5 and then 0 (to 1e-14·σ₁)", () => {
    const rng = createRng(5);
    const X = lowRankProduct(randomOrthonormal(7, 3, rng), [3, 2, 0.5], randomOrthonormal(5, 3, rng));
    const truth = buildTruth(resolveConfig({ seed: 1, problem: { n: 7, n2: 5, rank: 2, truth: "general" }, model: { type: "asymmetric" } }));
    const row = measure(atMatrix(X), truth, truthNorm(truth), 0, { record: record(5) });
    const want = [3, 2, 0.5, 0, 0];
    want.forEach((s, i) => expect(Math.abs(row.extra[`sv_${i + 1}`] - s)).toBeLessThan(3e-14));
  });

  // Weyl: |σ_i(X) − σ_i(M*)| ≤ ‖X − M*‖₂ ≤ ‖X − M*‖_F = abs_error, with σ_i(M*) = 0 for i > r —
  // at every recorded iteration; once abs_error < σ_r(M*) the bound rules out the 0 written before for sv_1 … sv_r
  const cases = {
    "svt (completion)": { seed: 24, problem: { n: 12, rank: 2 }, operator: { type: "completion", p: 0.6 }, method: { name: "svt", stepSize: 1.2 } },
    "mirror-descent (Gaussian)": { seed: 33, problem: { n: 10, rank: 2 }, method: { name: "mirror-descent", stepSize: 0.2 } },
  };
  for (const [name, cfg] of Object.entries(cases)) {
    it(`${name}: every recorded sv_i is within abs_error of σ_i(M*) (Weyl), and the run ends within σ_r(M*) of M*`, () => {
      const config = resolveConfig({ ...cfg, stop: { maxIterations: 400 }, record: { every: 20, singularValues: 4 } } as never);
      const out = runConfig(config);
      const sigma = [...out.instance.truth.sigma, 0, 0];
      const rows = out.result.rows;
      for (const row of rows) {
        for (let i = 0; i < 4; i++) expect(Math.abs(row.extra[`sv_${i + 1}`] - sigma[i])).toBeLessThanOrEqual(row.abs_error * (1 + 1e-12) + 1e-15);
      }
      const last = rows[rows.length - 1];
      const r = out.instance.truth.sigma.length;
      expect(last.abs_error).toBeLessThan(sigma[r - 1]);
    });
  }
});

describe('record.singularValues without M* (problem.truth "none")', () => {
  it("are the product's singular values, not NaN (which read as a divergence at iteration 0)", () => {
    const entries = path.resolve(__dirname, "../../examples/completion/entries.csv");
    const out = runConfig({
      seed: 1,
      problem: { n: 40, n2: 30, rank: 3, truth: "none" },
      operator: { type: "completion-file", file: entries, indexBase: 1, testFraction: 0.1, backend: "ts" },
      model: { type: "asymmetric", k: 3 },
      init: { alpha: 0.01 },
      method: { name: "gd", stepSize: 0.1 },
      stop: { maxIterations: 50 },
      record: { every: 10, singularValues: 3 },
    });
    expect(out.result.status).toBe("max-iterations");
    const last = out.result.rows[out.result.rows.length - 1];
    const want = productSingularValues(out.stepper.factors()!);
    for (let i = 0; i < 3; i++) expect(last.extra[`sv_${i + 1}`]).toBe(want[i]);
    expect(last.extra.sv_1).toBeGreaterThan(0);
  });
});
