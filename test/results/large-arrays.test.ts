/**
 * No stack overflow on large arrays (issue 25, defect 6): `Math.min(...a)` passes every
 * element as an argument and throws "Maximum call stack size exceeded" beyond ~1.2·10⁵
 * elements — on long runs with diagnostics and on completion with n2 = 2·10⁵.
 */
import { describe, expect, it } from "vitest";
import { diagnosticsColumns } from "../../src/results/diagnosticsColumns.js";
import { fitRates } from "../../src/results/rates.js";
import { scientificWarnings } from "../../src/run/warnings.js";
import { buildInstance } from "../../src/catalogue/instance.js";
import { resolveConfig } from "../../src/config/schema.js";
import { maxOf, minOf } from "../../src/linalg/extrema.js";

describe("extrema of large arrays", () => {
  it("minOf/maxOf agree with Math.min/max on small arrays (NaN, empty, ±∞) and work on 10⁶ elements", () => {
    for (const a of [[3, -1, 2], [NaN, 1], [], [Infinity, -Infinity], [-0, 0]]) {
      expect(minOf(a)).toBe(Math.min(...a));
      expect(maxOf(a)).toBe(Math.max(...a));
    }
    const big = Float64Array.from({ length: 1e6 }, (_, i) => Math.sin(i));
    expect(() => Math.min(...big)).toThrow(RangeError);
    expect(minOf(big)).toBe(big.reduce((m, v) => Math.min(m, v), Infinity));
    expect(maxOf(big)).toBe(big.reduce((m, v) => Math.max(m, v), -Infinity));
  });

  it("diagnostics columns of a 2·10⁵-row run: the perturbation ratio's min and max", () => {
    const T = 200_000;
    const iteration = Array.from({ length: T }, (_, i) => i);
    const decay = iteration.map((t) => Math.exp(-t / 5e4));
    const data = {
      iteration,
      rel_error: decay,
      signal_error: decay,
      spurious_norm: decay,
      cross_error: decay,
      perturbation_ratio: iteration.map((t) => 1 + t / T),
    };
    const cols = diagnosticsColumns(data, fitRates(iteration, decay), {});
    // the ratio 1 + t/T over t ≥ 1: min 1 + 1/T, max 1 + (T−1)/T
    expect(cols.perturbation_ratio_min).toBe(1 + 1 / T);
    expect(cols.perturbation_ratio_max).toBe(1 + (T - 1) / T);
  });

  it("the completion warning with n2 = 2·10⁵ columns (most of them unobserved)", () => {
    const cfg = resolveConfig({
      problem: { n: 4, n2: 200_000, rank: 2, truth: "general" },
      model: { type: "asymmetric" },
      operator: { type: "completion", p: 0.001 },
    });
    const w = scientificWarnings(cfg, buildInstance(cfg));
    expect(w.join()).toMatch(/fewest: 0 in a row|fewest: \d+ in a row, 0 in a column/);
  });
});
