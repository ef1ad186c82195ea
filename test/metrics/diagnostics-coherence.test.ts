import { describe, expect, it } from "vitest";
import { errorColumnShare } from "../../src/metrics/diagnostics.js";
import { fromRows } from "../../src/linalg/index.js";

// M* = e₁e₁ᵀ + e₂e₂ᵀ in 2 × 3 (U = [e₁ e₂] of R², V = first two columns of I₃, σ = (1, 1))
const truth = {
  U: fromRows([
    [1, 0],
    [0, 1],
  ]),
  V: fromRows([
    [1, 0],
    [0, 1],
    [0, 0],
  ]),
  sigma: new Float64Array([1, 1]),
};
const factors = (F: number[][], G: number[][]) => ({ kind: "asymmetric" as const, F: fromRows(F), G: fromRows(G) });

describe("the error's largest column share (coherence of a completion error), computed from the factors column by column", () => {
  it("is 1 for an error in one column, with that column's observed count", () => {
    // P = FGᵀ = M* + (0.3, −0.4)ᵀ e₃ᵀ: all of ‖Δ‖² = 0.25 in column 2; Ω's columns: 2 appears twice
    const x = factors(
      [
        [1, 0, 0.3],
        [0, 1, -0.4],
      ],
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    );
    const s = errorColumnShare(x, truth, [0, 2, 1, 2, 0]);
    expect(s.share).toBeCloseTo(1, 15);
    expect(s.column).toBe(2);
    expect(s.observed).toBe(2);
  });
  it("is 1/n2 for an error spread evenly over the columns", () => {
    // Δ = FGᵀ − M* = [[1, 1, 1], [1, 1, 1]]: each column holds 2 of 6
    const x = factors(
      [
        [1, 0, 1],
        [0, 1, 1],
      ],
      [
        [1, 0, 1],
        [0, 1, 1],
        [0, 0, 1],
      ],
    );
    const s = errorColumnShare(x, truth, []);
    expect(s.share).toBeCloseTo(1 / 3, 14);
    expect(s.observed).toBe(0);
  });
  it("keeps its accuracy for a tiny error next to an O(1) product (no squared-norm cancellation)", () => {
    // Δ = 1e-10 in entry (1, 0) only: share 1 in column 0; a Gram form wᵀ(BᵀB)w would lose it to rounding
    const s = errorColumnShare(
      factors(
        [
          [1, 0],
          [1e-10, 1],
        ],
        [
          [1, 0],
          [0, 1],
          [0, 0],
        ],
      ),
      truth,
      [],
    );
    expect(s.column).toBe(0);
    expect(s.share).toBe(1);
  });
  it("is NaN when P = M* (no error to locate)", () => {
    expect(
      errorColumnShare(
        factors(
          [
            [1, 0],
            [0, 1],
          ],
          [
            [1, 0],
            [0, 1],
            [0, 0],
          ],
        ),
        truth,
        [0],
      ).share,
    ).toBeNaN();
  });
});
