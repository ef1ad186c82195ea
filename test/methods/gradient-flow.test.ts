import { describe, expect, it } from "vitest";
import { clone, frobeniusDistance, frobeniusNorm } from "../../src/linalg/index.js";
import { GradientDescentAsymmetric, GradientDescentSymmetric } from "../../src/algorithms/gd.js";
import { GradientFlow } from "../../src/algorithms/gradientFlow.js";
import { buildInit, buildInstance } from "../../src/catalogue/instance.js";
import { copyFactors, runConfig } from "../../src/run/run.js";
import { resolveConfig } from "../../src/config/schema.js";

describe("gradient flow (adaptive Dormand–Prince 5(4))", () => {
  const config = resolveConfig({
    seed: 5,
    problem: { n: 6, rank: 1, truth: "psd" },
    operator: { type: "gaussian", m: 60 },
    model: { type: "symmetric", k: 2 },
    init: { alpha: 0.3 },
  });
  const inst = buildInstance(config);
  const x0 = buildInit(config, inst);
  const T = 3;
  const reference = new GradientFlow(inst.operator, inst.y, copyFactors(x0), 0.01, 1e-11);
  reference.advanceTo(T);
  const Pflow = clone(reference.product());

  it("is matched by GD as η → 0: the gap at time T = η·t is first order in η (halving η halves it)", () => {
    // GD is explicit Euler on dX/dt = −∇f: global error c₁η + O(η²), so gap(η)/gap(η/2) = 2 + O(η).
    // Measured deviation from 2 is < 1e-3 at these η; we allow 1%. The flow itself is accurate to
    // ~1e-10 (tolerance 1e-11), 1e-6 of the smallest gap, so it cannot fake the ratio.
    const gaps = [0.02, 0.01, 0.005].map((eta) => {
      const x = copyFactors(x0);
      if (x.kind !== "symmetric") throw new Error("unreachable");
      const gd = new GradientDescentSymmetric(inst.operator, inst.y, x.X, eta);
      for (let i = 0; i < Math.round(T / eta); i++) gd.step();
      return frobeniusDistance(gd.product(), Pflow) / frobeniusNorm(Pflow);
    });
    expect(Math.abs(gaps[0] / gaps[1] - 2)).toBeLessThan(0.02);
    expect(Math.abs(gaps[1] / gaps[2] - 2)).toBeLessThan(0.02);
    expect(gaps[2]).toBeGreaterThan(1e-5); // a real gap, far above the flow's own error
    expect(reference.time).toBe(T);
  });

  it("has an error controlled by method.tolerance (global error ≲ 100·tol over this run)", () => {
    for (const tol of [1e-6, 1e-8]) {
      const f = new GradientFlow(inst.operator, inst.y, copyFactors(x0), 0.01, tol);
      f.advanceTo(T);
      const err = frobeniusDistance(f.product(), Pflow) / frobeniusNorm(Pflow);
      expect(err).toBeLessThan(100 * tol);
      expect(err).toBeGreaterThan(0);
    }
  });

  it("also tracks GD on FGᵀ (simultaneous updates are Euler steps of dF/dt = −SG, dG/dt = −SᵀF)", () => {
    const c = resolveConfig({
      seed: 6,
      problem: { n: 5, n2: 4, rank: 1, truth: "general" },
      operator: { type: "gaussian", m: 60 },
      model: { type: "asymmetric", k: 2 },
      init: { alpha: 0.3 },
    });
    const ins = buildInstance(c);
    const xa = buildInit(c, ins);
    const flow = new GradientFlow(ins.operator, ins.y, copyFactors(xa), 0.01, 1e-11);
    flow.advanceTo(2);
    const gaps = [0.01, 0.005].map((eta) => {
      const x = copyFactors(xa);
      if (x.kind !== "asymmetric") throw new Error("unreachable");
      const gd = new GradientDescentAsymmetric(ins.operator, ins.y, x.F, x.G, eta);
      for (let i = 0; i < Math.round(2 / eta); i++) gd.step();
      return frobeniusDistance(gd.product(), flow.product());
    });
    expect(Math.abs(gaps[0] / gaps[1] - 2)).toBeLessThan(0.02);
  });

  it("runs through matsense run with a flow_time column that increases with every accepted step", () => {
    const out = runConfig({ ...config, method: { name: "gradient-flow", stepSize: 0.01, tolerance: 1e-8 }, stop: { maxIterations: 50, targetRelError: 0 } });
    const times = out.result.rows.map((r) => r.extra.flow_time);
    expect(times[0]).toBe(0);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    expect(out.result.rows.length).toBe(51);
  });
});
