import { describe, expect, it } from "vitest";
import { errorColumnShare } from "../../src/metrics/diagnostics.js";
import { fromRows } from "../../src/linalg/index.js";

describe("the error's largest column share (coherence of a completion error)", () => {
  const Mstar = fromRows([[1, 0, 0], [0, 1, 0]]);
  it("is 1 for an error in one column, with that column's observed count", () => {
    const P = fromRows([[1, 0, 0.3], [0, 1, -0.4]]);
    // Δ = 0.3 e₁e₃ᵀ − 0.4 e₂e₃ᵀ: all of ‖Δ‖² = 0.25 in column 2; Ω's columns: 2 appears twice
    expect(errorColumnShare(P, Mstar, [0, 2, 1, 2, 0])).toEqual({ share: 1, column: 2, observed: 2 });
  });
  it("is 1/n2 for an error spread evenly over the columns", () => {
    const P = fromRows([[2, 1, 1], [1, 2, 1]]);
    const s = errorColumnShare(P, Mstar, []);
    expect(s.share).toBeCloseTo(1 / 3, 15);
    expect(s.observed).toBe(0);
  });
  it("is NaN when P = M* (no error to locate)", () => {
    expect(errorColumnShare(Mstar, Mstar, [0]).share).toBeNaN();
  });
});
