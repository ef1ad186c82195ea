/**
 * The step-size advice after a divergence (issue 25, defect 11): never above the stable
 * step estimated for gradient descent, and following it does not diverge again. On main
 * c166446 the advice from the loss growth alone was 1.4 for a symmetric run whose
 * estimate is 0.381 (and 1.4 diverged again).
 */
import { describe, expect, it } from "vitest";
import { runConfig } from "../../src/run/run.js";
import { stableStepEstimate } from "../../src/run/warnings.js";
import { buildInstance } from "../../src/catalogue/instance.js";
import { resolveConfig } from "../../src/config/schema.js";

const cases = [
  { problem: { n: 20, rank: 2 }, operator: { m: 400 }, method: { stepSize: 1.5 } },
  { problem: { n: 20, rank: 2 }, operator: { m: 400 }, method: { stepSize: 5 } },
  { problem: { n: 20, rank: 2, truth: "general" }, model: { type: "asymmetric", k: 4 }, operator: { m: 600 }, method: { stepSize: 5 } },
  { problem: { n: 20, rank: 2, truth: "general" }, model: { type: "asymmetric", k: 4 }, operator: { m: 600 }, method: { stepSize: 30 } },
  { problem: { n: 10, rank: 2 }, model: { k: 5 }, operator: { type: "identity" }, method: { stepSize: 10 } },
];

describe("the suggested step after a divergence", () => {
  it.each(cases.map((c) => [`${c.model?.type ?? "symmetric"} ${c.operator.type ?? "gaussian"} η = ${c.method.stepSize}`, c] as const))(
    "%s: at most the stable-step estimate, and following it does not diverge",
    (_, c) => {
      // the ts backend where the operator has one (identity has no backend option: naming one is an error)
      const cfg = { ...c, stop: { maxIterations: 2000 }, operator: c.operator.type === "identity" ? c.operator : { backend: "ts", ...c.operator } };
      const first = runConfig(cfg);
      expect(first.result.status).toBe("diverged");
      const advice = /try method\.stepSize = ([0-9.e+-]+)/.exec((first.result.warnings ?? []).join("\n"));
      expect(advice, "a diverging run with growing loss gets advice").not.toBeNull();
      const eta = Number(advice![1]);
      const resolved = resolveConfig(cfg);
      expect(eta).toBeLessThanOrEqual(stableStepEstimate(resolved, buildInstance(resolved)).eta);
      const again = runConfig({ ...cfg, method: { stepSize: eta } });
      expect(again.result.status).not.toBe("diverged");
      // and it converges: the relative error falls by 10³ at least from its start near 1
      expect(again.result.final.rel_error).toBeLessThan(1e-3);
    },
  );
});
