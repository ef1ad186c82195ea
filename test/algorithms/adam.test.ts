import { describe, expect, it } from "vitest";
import { buildInit, buildInstance } from "../../src/catalogue/instance.js";
import { createStepper } from "../../src/catalogue/registry.js";
import { resolveConfig } from "../../src/config/schema.js";
import { expectBitwiseResume } from "./resume-helper.js";

describe("adam", () => {
  it.each(["symmetric", "asymmetric"])("on %s factors resumes bitwise from a saved state (moments and β powers are saved)", (type) => {
    const cfg = resolveConfig({ seed: 3, problem: { n: 8, rank: 2 }, model: { type, k: 3 }, operator: { m: 150 }, method: { name: "adam", stepSize: 0.01 } });
    expectBitwiseResume(cfg, 5, 6);
  });

  it("takes a first step of size ≈ η in every entry (m̂ = g, v̂ = g² at t = 1)", () => {
    const cfg = resolveConfig({
      seed: 3,
      problem: { n: 8, rank: 2 },
      model: { type: "asymmetric", k: 3 },
      operator: { m: 150 },
      method: { name: "adam", stepSize: 1e-3, epsilon: 1e-12 },
    });
    const inst = buildInstance(cfg);
    const x0 = buildInit(cfg, inst);
    if (x0.kind !== "asymmetric") throw new Error("asymmetric expected");
    const F0 = x0.F.data.slice();
    createStepper(cfg, inst, x0).step();
    // |Δ| = η|g|/(|g| + ε) = η up to ε/|g|
    for (let i = 0; i < F0.length; i++) expect(Math.abs(Math.abs(F0[i] - x0.F.data[i]) - 1e-3)).toBeLessThan(1e-9);
  });
});
