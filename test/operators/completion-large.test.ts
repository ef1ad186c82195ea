import { completionCapacity } from "../../src/operators/completion.js";
import { describe, expect, it } from "vitest";
import { runConfig } from "../../src/run/run.js";
import { operatorBytes } from "../../src/catalogue/instance.js";
import { resolveConfig } from "../../src/config/schema.js";

describe("matrix completion at the issue's size (n1 = n2 = 10⁵, p = 10⁻³, #Ω ≈ 10⁷, k = r = 10)", () => {
  it("runs a few GD iterations within its memory budget, the loss decreasing and the metrics from the factors", () => {
    const config = resolveConfig({
      seed: 1,
      problem: { n: 100_000, rank: 10, truth: "general" },
      operator: { type: "completion", p: 1e-3 },
      model: { type: "asymmetric", k: 10 },
      init: { type: "small-random", alpha: 1e-4 },
      method: { name: "gd", stepSize: 0.5 },
      stop: { maxIterations: 3 },
      record: { every: 1 },
    });
    // budget: Ω (8 B per entry) and the kernels' staging vector (8 B) = operatorBytes; y, y_clean
    // and the residual (8 B each per entry); the index arrays of the sampler, garbage once Ω is
    // in WASM memory but still in the RSS (8 B per entry); factors, truth, gradients (≈ 12 · 8 MB)
    const m = 1e-3 * 1e10;
    expect(operatorBytes(config)).toBe(16 * completionCapacity(1e5, 1e5, 1e-3)); // the allocated capacity, m + 6√m + 16
    const budget = operatorBytes(config) + 4 * 8 * m + 12 * 8 * 1e5 * 10;
    global.gc?.();
    const before = process.memoryUsage().rss;
    const out = runConfig(config);
    const grown = process.memoryUsage().rss - before;
    expect(out.result.status).toBe("max-iterations");
    const rows = out.result.rows;
    expect(rows.length).toBe(4);
    for (let i = 1; i < rows.length; i++) expect(Number(rows[i].loss)).toBeLessThan(Number(rows[i - 1].loss));
    expect(Number(rows[3].rel_error)).toBeGreaterThan(0);
    expect(Number(rows[3].rel_error)).toBeLessThan(1);
    // an n1×n2 float64 matrix would be 80 GB; the run stays within 1.5 × its budget (≈ 0.58 GB)
    expect(grown).toBeLessThan(1.5 * budget);
    expect(out.instance.operator.bytes).toBeGreaterThanOrEqual(16 * out.instance.operator.m);
    out.instance.operator.dispose();
  }, 120_000);
});
