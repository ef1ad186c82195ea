import { describe, expect, it } from "vitest";
import { runConfig } from "../../src/run/run.js";
import { degreesOfFreedom, scientificWarnings, stableStepEstimate } from "../../src/run/warnings.js";
import { buildInstance } from "../../src/catalogue/instance.js";
import { resolveConfig } from "../../src/config/schema.js";

const quick = { stop: { maxIterations: 2 } };
const warningsOf = (c: Record<string, unknown>) => runConfig({ ...quick, ...c }).warnings;

describe("scientific warnings (warned, never refused)", () => {
  it("m below the degrees of freedom: r(2n − r + 1)/2 for PSD XXᵀ, r(n1 + n2 − r) otherwise, with the boundary exact", () => {
    // the issue's case: n = 20, r = 2, m = 10, which ended with loss 2e-16, rel_error 0.97 and no warning
    expect(warningsOf({ problem: { n: 20 }, operator: { m: 10 } }).join()).toMatch(/m = 10 measurements are fewer than the 39 degrees of freedom/);
    expect(degreesOfFreedom(resolveConfig({ problem: { n: 20, rank: 2 } })).dof).toBe(39);
    expect(warningsOf({ problem: { n: 20 }, operator: { m: 38 } }).join()).toMatch(/fewer than the 39/);
    expect(warningsOf({ problem: { n: 20 }, operator: { m: 39 } }).join()).not.toMatch(/degrees of freedom/);
    const general = { problem: { n: 20, n2: 15, rank: 2, truth: "general" }, model: { type: "asymmetric" } };
    expect(warningsOf({ ...general, operator: { m: 65 } }).join()).toMatch(/fewer than the 66 degrees of freedom of a rank-2 truth \(r\(n1 \+ n2 − r\)/);
    expect(warningsOf({ ...general, operator: { m: 66 } }).join()).not.toMatch(/degrees of freedom/);
  });

  it("k > min(n1, n2)", () => {
    expect(warningsOf({ problem: { n: 20 }, model: { k: 50 } }).join()).toMatch(/model\.k = 50 exceeds min\(n1, n2\) = 20/);
    expect(warningsOf({ problem: { n: 20 }, model: { k: 20 } }).join()).not.toMatch(/exceeds min/);
  });

  it("the stable-step estimate is 1/(2σ₁) for XXᵀ and 1/σ₁ for FGᵀ on the identity operator, and separates converging from non-converging steps", () => {
    const base = { problem: { n: 10, rank: 2, singularValues: [2, 1] }, operator: { type: "identity" }, init: { alpha: 0.01 } };
    const sym = resolveConfig(base);
    expect(stableStepEstimate(sym, buildInstance(sym)).eta).toBeCloseTo(1 / (2 * 2), 14);
    const asym = resolveConfig({ ...base, model: { type: "asymmetric" } });
    expect(stableStepEstimate(asym, buildInstance(asym)).eta).toBeCloseTo(1 / 2, 14);
    // f = ½‖XXᵀ − M*‖² has curvature 4σ₁ = 8 at X*: GD with η = 0.9·(2/8) converges, with η = 1.1·(2/8) cannot
    const below = runConfig({ ...base, method: { stepSize: 0.225 }, stop: { maxIterations: 3000 } });
    expect(below.warnings.join()).not.toMatch(/stable step/);
    expect(below.result.final.rel_error).toBeLessThan(1e-10);
    const above = runConfig({ ...base, method: { stepSize: 0.275 }, stop: { maxIterations: 3000 } });
    expect(above.warnings.join()).toMatch(/method\.stepSize = 0\.275 is above the estimated largest stable step 0\.250 .*estimated as 2\/L̂/);
    expect(above.result.final.rel_error).toBeGreaterThan(1e-3);
  });

  it("noise without a noise-aware stop names the error floor s·√(d·m/(m − d − 1))/‖M*‖_F, with the model's d", () => {
    // 20 × 40, FGᵀ, m = 200: d = 116, Wishart factor 200/83 = 2.41; ‖M*‖_F = √2 (σ = 1, 1)
    const rect = { problem: { n: 20, n2: 40, rank: 2, truth: "general", noise: 0.01 }, model: { type: "asymmetric" }, operator: { type: "gaussian", m: 200 } };
    const floor = (0.01 * Math.sqrt((116 * 200) / 83)) / Math.sqrt(2);
    const bare = (0.01 * Math.sqrt(116)) / Math.sqrt(2); // the formula without the Wishart factor, 1.55× too low
    expect(warningsOf(rect).join()).toContain(`${floor.toPrecision(3)} relative to ‖M*‖_F`);
    expect(warningsOf(rect).join()).not.toContain(bare.toPrecision(3));
    // PSD XXᵀ, Gaussian m = 400 (the default): d = r(2n − r + 1)/2 = 39
    const c = { problem: { n: 20, noise: 0.01 }, operator: { type: "gaussian", m: 400 } };
    expect(warningsOf(c).join()).toContain(`${((0.01 * Math.sqrt((39 * 400) / 360)) / Math.sqrt(2)).toPrecision(3)} relative to ‖M*‖_F`);
    expect(warningsOf({ ...c, stop: { maxIterations: 2, targetRelError: 1e-6 } }).join()).toMatch(
      /stop\.targetRelError = 0\.000001 is never reached|1e-6 is never reached/,
    );
    expect(warningsOf({ ...c, stop: { maxIterations: 2, targetRelError: 0.1 } }).join()).not.toMatch(/noise/);
    expect(warningsOf({ ...c, stop: { maxIterations: 2, noiseFloor: 1.5 } }).join()).not.toMatch(/noise/);
    expect(warningsOf({ problem: { n: 20 } }).join()).not.toMatch(/noise/);
    // no estimate for completion: the warning still says that nothing stops at the noise level
    const comp = { problem: { n: 20, rank: 2, truth: "general", noise: 0.01 }, model: { type: "asymmetric" }, operator: { type: "completion", p: 0.5 } };
    expect(warningsOf(comp).join()).toMatch(
      /no stop rule uses the noise level \(stop\.targetRelError is off; no noise-floor estimate for operator\.type "comp/,
    );
  });

  it("completion with a row or column of Ω holding fewer than r entries, counted from Ω", () => {
    const thin = resolveConfig({ problem: { n: 30, rank: 3, truth: "general" }, model: { type: "asymmetric" }, operator: { type: "completion", p: 0.08 } });
    const inst = buildInstance(thin);
    const op = inst.operator as unknown as { rowIndex: Int32Array; colIndex: Int32Array };
    const rows = new Array(30).fill(0),
      cols = new Array(30).fill(0);
    op.rowIndex.forEach((i) => rows[i]++);
    op.colIndex.forEach((j) => cols[j]++);
    const tr = rows.filter((c) => c < 3).length,
      tc = cols.filter((c) => c < 3).length;
    expect(tr + tc).toBeGreaterThan(0);
    expect(scientificWarnings(thin, inst).join()).toContain(`${tr} row(s) and ${tc} column(s) of Ω hold fewer than r = 3`);
    const dense = resolveConfig({ problem: { n: 30, rank: 3, truth: "general" }, model: { type: "asymmetric" }, operator: { type: "completion", p: 0.8 } });
    expect(scientificWarnings(dense, buildInstance(dense)).join()).not.toMatch(/Ω/);
  });
});
