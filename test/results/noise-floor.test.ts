import { describe, expect, it } from "vitest";
import { noiseFloor } from "../../src/results/aggregate.js";

const config = (over: Record<string, unknown> = {}) => ({
  problem: { n: 20, n2: 40, rank: 2, truth: "general", noise: 0.01 },
  operator: { type: "gaussian", m: 400 },
  ...over,
});

describe("the exact model's noise floor s·√(d·m/(m − d − 1)), d = r(n1 + n2 − r)", () => {
  it("uses the rectangular manifold dimension and the Wishart inflation", () => {
    // d = 2·(20 + 40 − 2) = 116, m/(m − d − 1) = 400/283
    expect(noiseFloor(config())).toBeCloseTo(0.01 * Math.sqrt((116 * 400) / 283), 15);
  });
  it("tends to s·√d with many measurements", () => {
    expect(noiseFloor(config({ operator: { type: "gaussian", m: 1e9 } }))! / (0.01 * Math.sqrt(116))).toBeCloseTo(1, 6);
  });
  it("is undefined without noise, for a PSD truth, a non-Gaussian operator or m ≤ d + 1", () => {
    expect(noiseFloor(config({ problem: { n: 20, n2: 40, rank: 2, truth: "general", noise: 0 } }))).toBeUndefined();
    expect(noiseFloor(config({ problem: { n: 20, rank: 2, truth: "psd", noise: 0.01 } }))).toBeUndefined();
    expect(noiseFloor(config({ operator: { type: "completion", m: 400 } }))).toBeUndefined();
    expect(noiseFloor(config({ operator: { type: "gaussian", m: 117 } }))).toBeUndefined();
  });
});
