import { describe, expect, it } from "vitest";
import { buildInit } from "../../src/catalogue/instance.js";
import { resolveConfig } from "../../src/config/schema.js";
import { type Matrix, matmul, matmulNT } from "../../src/linalg/matrix.js";
import type { Factors } from "../../src/problem/factors.js";

const cfg = (depth: number, init: Record<string, unknown>, seed = 4) =>
  resolveConfig({
    seed,
    problem: { n: 7, n2: 5, rank: 2, truth: "general" },
    operator: { type: "completion", p: 0.5 },
    model: { type: "deep", depth, k: 6 },
    init: { type: "small-random", ...init },
    method: { name: "gd", stepSize: 0.1 },
  });

/** P = W_N ⋯ W_2 W_1 with W_1 = Gᵀ. */
function product(f: Factors): Matrix {
  if (f.kind !== "asymmetric") throw new Error("deep init is asymmetric");
  let P = f.F;
  for (let j = (f.middle ?? []).length - 1; j >= 0; j--) P = matmul(P, f.middle![j]);
  return matmulNT(P, f.G);
}

describe('init.alphaOf "product" (the end-to-end scale of Arora et al.\'s code)', () => {
  it.each([2, 3, 4])('depth %i: the factors are those of alphaOf "factor" at α\' = α^{1/N}/√k, bit for bit', (depth) => {
    const alpha = 1e-3;
    const a = buildInit(cfg(depth, { alpha, ratio: 2, alphaOf: "product" }));
    const b = buildInit(cfg(depth, { alpha: Math.pow(alpha, 1 / depth) / Math.sqrt(6), ratio: 2 }));
    expect(a).toEqual(b);
    // absent and "factor" are the same init
    expect(buildInit(cfg(depth, { alpha, alphaOf: "factor" }))).toEqual(buildInit(cfg(depth, { alpha })));
  });

  it("E‖W_N⋯W_1‖_F² = n1·n2·α²/(k·ratio²) for every depth (mean over 300 seeds within 12 %)", () => {
    // for independent centred Gaussian factors E‖P‖_F² = n1·n2·k^{N−1}·∏ std² exactly; one draw's ‖P‖_F²/E has a
    // relative standard deviation below 1 at these sizes (measured 0.4–0.8), so the mean of 300 draws is within
    // 12 % with probability > 0.99 (≥ 2.6 standard errors)
    for (const depth of [2, 3, 4]) {
      const alpha = 0.01,
        ratio = 1.5;
      let sum = 0;
      const seeds = 300;
      for (let s = 0; s < seeds; s++) {
        const P = product(buildInit(cfg(depth, { alpha, ratio, alphaOf: "product" }, s)));
        for (const v of P.data) sum += v * v;
      }
      const expected = (7 * 5 * alpha * alpha) / (6 * ratio * ratio);
      expect(Math.abs(sum / seeds / expected - 1)).toBeLessThan(0.12);
    }
  });

  it("is refused for other models and inits, naming the field", () => {
    const other = (model: Record<string, unknown>, init: Record<string, unknown>) => () =>
      resolveConfig({ problem: { n: 7, rank: 2 }, operator: { type: "completion", p: 0.5 }, model, init: { alphaOf: "product", ...init } });
    expect(other({ type: "asymmetric", k: 3 }, {})).toThrow(/init\.alphaOf: scales the end-to-end product of model\.type "deep"/);
    expect(other({ type: "deep", depth: 3, k: 3 }, { type: "file", dir: "x" })).toThrow(/init\.alphaOf/);
    expect(other({ type: "deep", depth: 3, k: 3 }, {})).not.toThrow();
  });
});
