import { describe, expect, it } from "vitest";
import { runStepper } from "../../src/algorithms/driver.js";
import { GradientDescentSymmetric } from "../../src/algorithms/gd.js";
import { LOSS_INCREASE_STREAK, LossWatch, NonFiniteError, suggestedStepSize } from "../../src/algorithms/guards.js";
import { rightPrecondition } from "../../src/algorithms/precondition.js";
import type { Stepper } from "../../src/algorithms/stepper.js";
import { resolveConfig } from "../../src/config/schema.js";
import { zeros } from "../../src/linalg/matrix.js";
import { runConfig } from "../../src/run/run.js";
import { buildInit, buildInstance } from "../../src/catalogue/instance.js";

const base = {
  seed: 1,
  problem: { n: 10, rank: 2 },
  operator: { type: "gaussian", m: 200, backend: "ts" },
  init: { type: "spectral" },
  stop: { maxIterations: 300 },
} as const;

describe("numerical guards", () => {
  it("a diverged run names the iteration and the quantity that blew up", () => {
    const o = runConfig({ ...base, method: { name: "gd", stepSize: 5 }, stop: { maxIterations: 300, divergenceRelError: 1e300 } });
    expect(o.result.status).toBe("diverged");
    expect(o.result.divergedQuantity).toMatch(/^(X\[\d+, \d+\] = (NaN|-?Infinity) \(iterate\)|loss = (NaN|Infinity)|rel_error = (NaN|Infinity))/);
    expect(o.result.final.iteration).toBe(o.result.divergedAt);
    // below the bound of stop.divergenceRelError the quantity is the relative error
    const o2 = runConfig({ ...base, method: { name: "gd", stepSize: 5 } });
    expect(o2.result.divergedQuantity).toMatch(/^rel_error = \S+ > stop\.divergenceRelError = 1000000$/);
  });

  it("an overflowed factor in the preconditioner is a NonFiniteError (a divergence), not a failed Cholesky", () => {
    const W = zeros(4, 2);
    W.data.fill(1e200);
    expect(() => rightPrecondition(zeros(4, 2), W, 0, zeros(4, 2), "scaled-gd")).toThrow(NonFiniteError);
    expect(() => rightPrecondition(zeros(4, 2), W, 0, zeros(4, 2), "scaled-gd")).toThrow(
      /scaled-gd: the k×k Gram matrix WᵀW of the preconditioner has the non-finite entry Infinity/,
    );
    // a singular (finite) Gram matrix is still the solver error suggesting ScaledGD(λ)
    expect(() => rightPrecondition(zeros(4, 2), zeros(4, 2), 0, zeros(4, 2), "scaled-gd")).toThrow(/not positive definite.*scaled-gd-lambda/);
  });

  it("a step that throws NonFiniteError ends the run 'diverged' at that iteration, each iteration recorded once", () => {
    const cfg = resolveConfig({ ...base, method: { name: "gd", stepSize: 0.1 } });
    const inst = buildInstance(cfg);
    const x = buildInit(cfg, inst);
    const gd = new GradientDescentSymmetric(inst.operator, inst.y, x.kind === "symmetric" ? x.X : x.F, 0.1);
    const step = gd.step.bind(gd);
    gd.step = () => {
      if (gd.iteration === 7) throw new NonFiniteError("the Gram matrix has the non-finite entry Infinity");
      step();
    };
    const r = runStepper(gd as Stepper, inst.truth, { stop: cfg.stop, record: cfg.record });
    expect(r.status).toBe("diverged");
    expect(r.divergedAt).toBe(7);
    expect(r.divergedQuantity).toMatch(/Gram matrix/);
    expect(r.rows.map((row) => row.iteration)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("loss-increase warning: on f = ½λx² with GD at η > 2/λ the suggestion is exactly 1/λ, half the stable bound", () => {
    const lambda = 4,
      eta = 0.7; // |1 − ηλ| = 1.8 > 1: the loss grows by 3.24 per step
    const stub = { method: "gd", stepSize: eta } as Stepper;
    const w = new LossWatch(stub);
    let x = 1;
    for (let t = 0; t <= LOSS_INCREASE_STREAK; t++) {
      w.observe(t, 0.5 * lambda * x * x);
      x *= 1 - eta * lambda;
    }
    expect(w.warning).toMatch(new RegExp(`increased at ${LOSS_INCREASE_STREAK} consecutive iterations`));
    expect(suggestedStepSize(eta, (1 - eta * lambda) ** 2)).toBeCloseTo(1 / lambda, 14);
    expect(w.warning).toContain(`try method.stepSize = ${(1 / lambda).toPrecision(2)}`);
    // a loss that goes down at least once in every streak never warns
    const quiet = new LossWatch(stub);
    for (let t = 0; t < 200; t++) quiet.observe(t, t % 10 === 9 ? 0 : t);
    expect(quiet.warning).toBeUndefined();
  });

  it("a run that diverges after consecutive loss increases warns; the suggested step size then converges without a warning", () => {
    const o = runConfig({ ...base, method: { name: "gd", stepSize: 1 } });
    expect(o.result.status).toBe("diverged");
    const w = o.result.warnings?.join("\n") ?? "";
    const m = w.match(/try method\.stepSize = ([0-9.e+-]+)/);
    expect(m, w).not.toBeNull();
    const eta = Number(m![1]);
    expect(eta).toBeLessThan(1);
    const o2 = runConfig({ ...base, method: { name: "gd", stepSize: eta } });
    expect(o2.result.status).toBe("max-iterations");
    expect(o2.result.final.rel_error).toBeLessThan(1e-8);
    expect(o2.result.warnings).toBeUndefined();
  });

  it("gradient flow with a huge first trial step (1e300) adapts instead of reporting a step-size underflow", () => {
    const o = runConfig({
      ...base,
      init: { type: "small-random", alpha: 0.1 },
      method: { name: "gradient-flow", stepSize: 1e300 },
      stop: { maxIterations: 40 },
    });
    expect(o.result.status).toBe("max-iterations");
    expect(Number.isFinite(o.result.final.rel_error)).toBe(true);
    expect(o.result.final.extra.flow_time).toBeGreaterThan(0);
  });
});
