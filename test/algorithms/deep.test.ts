import { describe, expect, it } from "vitest";
import { DeepGradientDescent } from "../../src/algorithms/deep.js";
import { buildInstance } from "../../src/catalogue/instance.js";
import { expectBitwiseResume } from "./resume-helper.js";
import { resolveConfig } from "../../src/config/schema.js";
import { type Matrix, matmul, matmulNT, zeros } from "../../src/linalg/matrix.js";
import { createRng } from "../../src/random/rng.js";
import { runConfig } from "../../src/run/run.js";

const strip = (rows: Record<string, number>[]) => rows.map(({ seconds: _s, ...r }) => r);
const base = { seed: 9, problem: { n: 9, n2: 7, rank: 2, truth: "general" }, operator: { m: 200 }, init: { alpha: 0.05 }, stop: { maxIterations: 150 } };

describe('deep factorization P = W_N⋯W_1 (model.type "deep")', () => {
  it("depth 2 is the asymmetric FGᵀ model bit for bit (F = W_2, G = W_1ᵀ), on every backend path", () => {
    for (const operator of [{ m: 200 }, { m: 200, backend: "ts" }, { type: "completion", p: 0.5 }]) {
      const cfg = { ...base, operator, method: { name: "gd", stepSize: 0.2 }, record: { effectiveRank: true } };
      const fg = runConfig({ ...cfg, model: { type: "asymmetric", k: 3 } }).result.rows;
      const deep = runConfig({ ...cfg, model: { type: "deep", k: 3, depth: 2 } }).result.rows;
      expect(strip(deep)).toEqual(strip(fg));
    }
  });

  it("adam on depth 2 is adam on FGᵀ bit for bit; adam on depth 3 resumes bitwise from a saved state", () => {
    const cfg = { ...base, method: { name: "adam", stepSize: 0.01 }, stop: { maxIterations: 80 } };
    const fg = runConfig({ ...cfg, model: { type: "asymmetric", k: 3 } }).result.rows;
    const deep = runConfig({ ...cfg, model: { type: "deep", k: 3, depth: 2 } }).result.rows;
    expect(strip(deep)).toEqual(strip(fg));
    const c3 = resolveConfig({ ...cfg, model: { type: "deep", k: 3, depth: 3 } });
    expectBitwiseResume(c3, 4, 5);
  });

  it("depth 3 and 4: the step is −η times the exact gradient of f(W_1, …, W_N) (central finite differences)", () => {
    const cfg = resolveConfig({ ...base, model: { type: "asymmetric", k: 3 }, operator: { m: 200, backend: "ts" } });
    const inst = buildInstance(cfg);
    const rng = createRng(5);
    for (const depth of [3, 4]) {
      const rand = (r: number, c: number) => {
        const M = zeros(r, c);
        rng.fillNormal(M.data, 0.5);
        return M;
      };
      const WN = rand(9, 3),
        G = rand(7, 3),
        middle = Array.from({ length: depth - 2 }, () => rand(3, 3));
      const loss = () => {
        let P: Matrix = WN;
        for (let j = middle.length - 1; j >= 0; j--) P = matmul(P, middle[j]);
        const r = inst.operator.apply(matmulNT(P, G));
        let s = 0;
        for (let i = 0; i < r.length; i++) s += (r[i] - inst.y[i]) ** 2;
        return s / 2;
      };
      const params = [WN, G, ...middle];
      const fd = params.map((W) =>
        Float64Array.from(W.data, (_, i) => {
          const h = 1e-6,
            v = W.data[i];
          W.data[i] = v + h;
          const fp = loss();
          W.data[i] = v - h;
          const fm = loss();
          W.data[i] = v;
          return (fp - fm) / (2 * h);
        }),
      );
      const before = params.map((W) => W.data.slice());
      const eta = 1e-3;
      new DeepGradientDescent(inst.operator, inst.y, WN, G, middle, eta).step();
      params.forEach((W, p) => {
        const scale = Math.max(...fd[p].map(Math.abs));
        W.data.forEach((v, i) => expect(Math.abs((before[p][i] - v) / eta - fd[p][i])).toBeLessThan(1e-6 * scale));
      });
    }
  });

  it("depth 3 from a small init recovers a rank-2 truth (loss → 0) and records effective_rank", () => {
    const r = runConfig({
      ...base,
      model: { type: "deep", k: 4, depth: 3 },
      init: { alpha: 0.3 },
      method: { name: "gd", stepSize: 0.3 },
      stop: { maxIterations: 20000, targetRelError: 1e-6 },
      record: { effectiveRank: true, every: 100 },
    });
    expect(r.result.status).toBe("converged");
    expect(Math.abs(r.result.final.extra.effective_rank - 2)).toBeLessThan(0.2);
  });

  it("refuses methods without a deep stepper, and the FGᵀ-only options, naming the field", () => {
    expect(() => runConfig({ ...base, model: { type: "deep", depth: 3 }, method: { name: "scaled-gd" } })).toThrow(
      /method\.name: model\.type "deep" runs with "gd", "adam"/,
    );
    expect(() => runConfig({ ...base, model: { type: "deep", depth: 3 }, method: { name: "gd", balanceWeight: 1 } })).toThrow(
      /method\.balanceWeight: is not available with model\.type "deep"/,
    );
    expect(() => runConfig({ ...base, model: { type: "deep", depth: 1 } })).toThrow(/model\.depth/);
  });
});
