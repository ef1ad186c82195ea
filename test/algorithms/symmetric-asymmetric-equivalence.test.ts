import { describe, expect, it } from "vitest";
import { runConfig } from "../../src/run/run.js";

/**
 * The curse of symmetry in its exact form (docs/methods.md, step-size convention): with a PSD M*,
 * symmetric Aᵢ (so S = A*(A(P) − y) is symmetric whenever P is) and F₀ = G₀ = X₀, simultaneous GD on FGᵀ
 * keeps F = G: F ← F − η S G = X − η S X. Symmetric GD takes X ← X − η′ (S + Sᵀ) X = X − 2η′ S X, so FGᵀ at
 * step η is XXᵀ at η′ = η/2 — and since 2·(η/2) = η exactly in floating point, bit for bit.
 */
const base = {
  seed: 5,
  problem: { n: 12, rank: 2, truth: "psd" as const },
  operator: { type: "symmetric-gaussian" as const, m: 150 },
  init: { type: "small-random" as const, alpha: 0.05 },
  stop: { maxIterations: 400, targetRelError: 0 },
  record: { every: 1 },
};
const eta = 0.5;
const asym = (operator: "symmetric-gaussian" | "gaussian" = "symmetric-gaussian") =>
  runConfig({
    ...base,
    operator: { ...base.operator, type: operator },
    model: { type: "asymmetric", k: 4 },
    init: { ...base.init, type: "identical" },
    method: { name: "gd", stepSize: eta },
  });
const sym = (stepSize: number, operator: "symmetric-gaussian" | "gaussian" = "symmetric-gaussian") =>
  runConfig({ ...base, operator: { ...base.operator, type: operator }, model: { type: "symmetric", k: 4 }, method: { name: "gd", stepSize } });
const trajectory = (rows: { iteration: number; loss: number; rel_error: number; abs_error: number }[]) =>
  rows.map((r) => [r.iteration, r.loss, r.rel_error, r.abs_error]);

describe("FGᵀ with F₀ = G₀, PSD M* and symmetric Aᵢ is XXᵀ at half the step", () => {
  it("at step η equals XXᵀ at η/2 bit for bit: every recorded loss and error, and the final factors F = G = X", () => {
    const a = asym(),
      s = sym(eta / 2);
    expect(a.result.rows.length).toBe(401);
    expect(trajectory(a.result.rows)).toEqual(trajectory(s.result.rows));
    const fa = a.stepper.factors(),
      fs = s.stepper.factors();
    if (fa?.kind !== "asymmetric" || fs?.kind !== "symmetric") throw new Error("unexpected factor kinds");
    expect(Array.from(fa.F.data)).toEqual(Array.from(fs.X.data));
    expect(Array.from(fa.G.data)).toEqual(Array.from(fs.X.data));
    // over-parameterized (k = 4 > r = 2): the shared trajectory is the slow one, not a run at the 1e-10 floor
    expect(a.result.final.rel_error).toBeGreaterThan(1e-4);
  });

  it("is not XXᵀ at the same η (the factor 2 of the convention matters)", () => {
    const a = asym(),
      s = sym(eta);
    expect(s.result.rows[1].loss).not.toBe(a.result.rows[1].loss);
  });

  it("is not XXᵀ under general Gaussian Aᵢ: a non-symmetric S makes G drift from F", () => {
    const a = asym("gaussian"),
      s = sym(eta / 2, "gaussian");
    const fa = a.stepper.factors();
    if (fa?.kind !== "asymmetric") throw new Error("unexpected factor kind");
    let diff = 0;
    for (let i = 0; i < fa.F.data.length; i++) diff = Math.max(diff, Math.abs(fa.F.data[i] - fa.G.data[i]));
    expect(diff).toBeGreaterThan(1e-6);
    expect(a.result.final.rel_error).not.toBe(s.result.final.rel_error);
  });
});
