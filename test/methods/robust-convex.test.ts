import { describe, expect, it } from "vitest";
import { runConfig } from "../../src/run/run.js";
import { buildInstance } from "../../src/catalogue/instance.js";
import { resolveConfig } from "../../src/config/schema.js";
import { singularValueShrink } from "../../src/algorithms/svt.js";
import { fromRows, frobeniusDistance, matmul, matmulNT, diag } from "../../src/linalg/index.js";

describe("robust ℓ1 subgradient method (Li, Zhu, So & Vidal)", () => {
  const base = {
    seed: 7,
    problem: { n: 10, rank: 2, truth: "psd" as const, outliers: 0.1, outlierScale: 10 },
    operator: { type: "gaussian" as const, m: 400 },
    model: { type: "symmetric" as const },
    init: { type: "spectral" as const },
    stop: { maxIterations: 900, targetRelError: 1e-8 },
    record: { every: 100 },
  };

  it("corrupts round(0.1·m) measurements, chosen by the outliers stream", () => {
    const inst = buildInstance(resolveConfig(base));
    expect(inst.outlierIndices!.length).toBe(40);
    let changed = 0;
    for (let i = 0; i < inst.y.length; i++) if (inst.y[i] !== inst.yClean[i]) changed++;
    expect(changed).toBe(40);
  });

  it("recovers M* exactly with 10% outliers, where the ℓ2 loss (GD) converges to a biased point", () => {
    const l1 = runConfig({ ...base, method: { name: "subgradient-l1", stepSize: 0.1, decay: 0.97 } });
    const l2 = runConfig({ ...base, method: { name: "gd", stepSize: 0.2 } });
    // ℓ1 minimizer is M* (exact recovery under the ℓ1/ℓ2 RIP with < 1/2 outliers); geometric steps
    // reach it linearly, 1e-8 within ~550 iterations here
    expect(l1.result.status).toBe("converged");
    expect(l2.result.status).toBe("max-iterations");
    // the least-squares fit absorbs the outliers' energy (‖outliers‖ ≈ 10·√0.1·‖y‖): an O(1) error
    expect(l2.result.final.rel_error).toBeGreaterThan(0.1);
    // without outliers the very same ℓ2 run recovers M*: the failure is the outliers'
    const clean = runConfig({ ...base, problem: { ...base.problem, outliers: 0 }, method: { name: "gd", stepSize: 0.2 } });
    expect(clean.result.status).toBe("converged");
    expect(l1.result.final.extra.l1_loss).toBeGreaterThan(0);
  });
});

describe("singular value thresholding (Cai, Candès & Shen)", () => {
  it("D_τ shrinks singular values by τ and drops those below", () => {
    // Y = U diag(3, 1.5, 0.2) Vᵀ with orthogonal U, V: D_1(Y) = U diag(2, 0.5, 0) Vᵀ exactly
    const c = Math.cos(0.3),
      s = Math.sin(0.3);
    const U = fromRows([
      [c, -s, 0],
      [s, c, 0],
      [0, 0, 1],
    ]);
    const V = fromRows([
      [1, 0, 0],
      [0, c, s],
      [0, -s, c],
    ]);
    const Y = matmulNT(matmul(U, diag([3, 1.5, 0.2])), V);
    const { X, rank } = singularValueShrink(Y, 1);
    expect(rank).toBe(2);
    expect(frobeniusDistance(X, matmulNT(matmul(U, diag([2, 0.5, 0])), V))).toBeLessThan(1e-13);
  });

  it("and GD both recover a low-rank completion instance", () => {
    const base = {
      seed: 6,
      problem: { n: 30, rank: 2, truth: "general" as const },
      operator: { type: "completion" as const, p: 0.7 },
      model: { type: "asymmetric" as const },
      init: { alpha: 1e-2 },
      stop: { maxIterations: 800, targetRelError: 1e-8 },
      record: { every: 50 },
    };
    // 630 observed entries for r(n1 + n2 − r) = 116 degrees of freedom: nuclear-norm minimization
    // is exact here, and with τ = 5‖y‖ the SVT fixed point is M* (reached linearly, ~380 iterations)
    const svt = runConfig({ ...base, method: { name: "svt", stepSize: 1.2 } });
    const gd = runConfig({ ...base, method: { name: "gd", stepSize: 0.3 } });
    expect(svt.result.status).toBe("converged");
    expect(svt.result.final.extra.rank).toBe(2);
    expect(gd.result.status).toBe("converged");
    expect(svt.result.rows[0].rel_error).toBe(1); // X₀ = D_τ(0) = 0
  });
});
