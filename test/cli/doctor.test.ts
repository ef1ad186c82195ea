import { describe, expect, it } from "vitest";
import { adjointCheck, doctor, gradientCheck, imbalanceStepCheck, runDoctorChecks } from "../../src/cli/doctor.js";
import { main } from "../../src/cli/main.js";
import { resolveConfig } from "../../src/config/schema.js";
import type { SensingOperator } from "../../src/operators/types.js";
import { buildInstance } from "../../src/catalogue/instance.js";
import { createRng } from "../../src/random/rng.js";

/** An operator whose adjoint side is off by `factor` (a classic bug: a lost 1/√m or 2). */
function skewed(op: SensingOperator, factor: number, only?: "adjointFactored"): SensingOperator {
  return new Proxy(op, {
    get(target, prop, receiver) {
      if (prop === "adjoint" && !only)
        return (z: Float64Array) => {
          const S = target.adjoint(z);
          for (let i = 0; i < S.data.length; i++) S.data[i] *= factor;
          return S;
        };
      if (prop === "adjointFactored")
        return (z: Float64Array, F: never, G: never, SG: { data: Float64Array } | null, StF: { data: Float64Array } | null) => {
          target.adjointFactored(z, F, G, SG as never, StF as never);
          for (const M of [SG, StF]) if (M) for (let i = 0; i < M.data.length; i++) M.data[i] *= factor;
        };
      if (prop === "residualAndAdjoint") return undefined;
      return Reflect.get(target, prop, receiver);
    },
  });
}

describe("matsense doctor", () => {
  it("every check of the battery passes on this build, and the command exits 0", async () => {
    const results = runDoctorChecks();
    expect(results.length).toBeGreaterThanOrEqual(10);
    for (const r of results) expect(r.pass, `${r.name}: ${r.detail}`).toBe(true);
    let out = "";
    const code = await main(["node", "matsense", "doctor"], { out: (s) => void (out += s), err: () => {} });
    expect(code).toBe(0);
    expect(out).toMatch(/backends: .*ts/);
    expect(out).toMatch(/memory: [\d.]+ GiB free of [\d.]+ GiB/);
    expect(out).toMatch(new RegExp(`${results.length}/${results.length} checks pass`));
  });

  it("the checks discriminate: a wrong adjoint scale fails the adjoint and gradient checks, a wrong update the imbalance identity", () => {
    const sym = buildInstance(resolveConfig({ seed: 2, problem: { n: 10, rank: 2 }, operator: { type: "gaussian", m: 200, backend: "ts" } }));
    const asym = buildInstance(
      resolveConfig({
        seed: 4,
        problem: { n: 10, n2: 8, rank: 2, truth: "general" },
        operator: { type: "gaussian", m: 200, backend: "ts" },
        model: { type: "asymmetric" },
      }),
    );
    const rng = createRng(1);
    expect(adjointCheck(sym.operator, rng, "ok").pass).toBe(true);
    expect(gradientCheck(sym.operator, sym.y, rng, 3).pass).toBe(true);
    expect(imbalanceStepCheck(asym.operator, asym.y, rng, 3).pass).toBe(true);
    for (const factor of [2, 1 + 1e-6]) {
      expect(adjointCheck(skewed(sym.operator, factor), rng, "bad").pass, `factor ${factor}`).toBe(false);
    }
    expect(gradientCheck(skewed(sym.operator, 2), sym.y, rng, 3).pass).toBe(false);
    // the imbalance identity holds for any S, so it tests the update itself: a GD step whose
    // S·G, Sᵀ·F are not those of S = A*(r) (here 1% off) breaks it
    expect(imbalanceStepCheck(skewed(asym.operator, 1.01, "adjointFactored"), asym.y, rng, 3).pass).toBe(false);
  });

  it("a failing check makes the report say FAIL and the exit code 1", () => {
    let out = "";
    const code = doctor(
      (s) => void (out += s),
      () => [{ name: "x", pass: false, detail: "broken" }],
    );
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL {2}x\n {8}broken\n\n0\/1 checks pass/);
  });
});
