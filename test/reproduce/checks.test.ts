import { describe, expect, it } from "vitest";
import { checkSchema, evaluateCheck } from "../../src/reproduce/presets.js";
import type { Aggregate } from "../../src/results/aggregate.js";

const point = (alpha: number, median: Record<string, number>, classes: string[] = []) => ({
  point: `a${alpha}`,
  params: { "init.alpha": alpha },
  runs: 1,
  statuses: { converged: 1 },
  median,
  anyClassMedian: {},
  excluded: {},
  classification: classes[0] ?? "",
  classes,
});

describe("the exponent check on a linear metric scale (Wind's iterations ∝ ln(1/α))", () => {
  // T(α) = 40 + 5.5·ln(1/α): the slope of T against ln α is exactly −5.5; on the log scale it is not a constant
  const alphas = [1e-2, 1e-4, 1e-6, 1e-8];
  const agg = { points: alphas.map((a) => point(a, { "iters_to_1e-2": 40 + 5.5 * Math.log(1 / a) })), runs: [] } as unknown as Aggregate;
  it("fits the metric itself against ln(param)", () => {
    const check = { type: "exponent", param: "init.alpha", metric: "iters_to_1e-2", metricScale: "linear", min: -5.51, max: -5.49 };
    const r = evaluateCheck(checkSchema.parse(check), agg);
    expect(r.verdict).toBe("pass");
    expect(r.measured).toMatch(/^slope -5\.50 over 4 points/);
    expect(r.expected).toContain("slope of iters_to_1e-2 vs ln");
  });
  it("the default log scale gives a different number (and fails the same bounds)", () => {
    const r = evaluateCheck(checkSchema.parse({ type: "exponent", param: "init.alpha", metric: "iters_to_1e-2", min: -5.51, max: -5.49 }), agg);
    expect(r.verdict).toBe("fail");
  });
});

describe("the class check on another class column (the symmetric part's fit)", () => {
  const agg = {
    points: [point(0.1, {}, ["sublinear", "sublinear"])],
    runs: [
      { id: "r0", point: "a0.1", status: "max-iterations", rate_class: "sublinear", sym_rate_class: "linear" },
      { id: "r1", point: "a0.1", status: "max-iterations", rate_class: "sublinear", sym_rate_class: "sublinear" },
    ],
  } as unknown as Aggregate;
  it("reads the runs' sym_rate_class instead of rate_class", () => {
    const r = evaluateCheck(checkSchema.parse({ type: "class", equals: "sublinear", column: "sym_rate_class" }), agg);
    expect(r.verdict).toBe("fail");
    expect(r.measured).toBe("1/2 runs sublinear (α=0.1: 1× linear, 1× sublinear)");
    expect(evaluateCheck(checkSchema.parse({ type: "class", equals: "sublinear" }), agg).verdict).toBe("pass");
  });
});
