import { describe, expect, it } from "vitest";
import { runConfig } from "../../src/run/run.js";

/** A k = r symmetric problem with κ = 10 (the slowest local direction sets the rate). */
const base = {
  seed: 3,
  problem: { n: 15, rank: 2, kappa: 10 },
  operator: { backend: "ts" as const },
  init: { alpha: 0.01 },
  stop: { maxIterations: 20000, targetRelError: 1e-8 },
};

describe("heavy-ball momentum GD", () => {
  it("with β = 0 is exactly gd: the same metrics bit for bit", () => {
    const strip = (rows: Record<string, number>[]) => rows.map(({ seconds: _s, ...r }) => r);
    for (const model of [{ type: "symmetric" as const }, { type: "asymmetric" as const, k: 3 }]) {
      const cfg = { ...base, model, stop: { maxIterations: 200 } };
      const gd = runConfig({ ...cfg, method: { name: "gd", stepSize: 0.1 } }).result.rows;
      const hb = runConfig({ ...cfg, method: { name: "heavy-ball", stepSize: 0.1, momentum: 0 } }).result.rows;
      expect(strip(hb)).toEqual(strip(gd));
    }
  });

  it("converges linearly about 1/(1 − β) times faster than gd near the solution", () => {
    // Near M*, GD contracts the slowest direction (curvature λ) by 1 − ηλ per step; heavy
    // ball's characteristic equation z² − (1 + β − ηλ) z + β = 0 has the root
    // z ≈ 1 − ηλ/(1 − β) when ηλ ≪ (1 − β)², so the iteration count to a level drops by
    // 1/(1 − β) = 2 for β = 1/2 (the small-init alignment phase is sped up the same way).
    const gd = runConfig({ ...base, method: { name: "gd", stepSize: 0.1 } }).result;
    const hb = runConfig({ ...base, method: { name: "heavy-ball", stepSize: 0.1, momentum: 0.5 } }).result;
    expect(gd.status).toBe("converged");
    expect(hb.status).toBe("converged");
    const ratio = gd.iterations / hb.iterations;
    expect(ratio).toBeGreaterThan(1.7);
    expect(ratio).toBeLessThan(2.2);
  });

  it("refuses β outside [0, 1) at the config boundary, naming the field", () => {
    expect(() => runConfig({ method: { name: "heavy-ball", momentum: 1 } })).toThrow(/method\.momentum.*< 1/);
  });
});
