import { describe, expect, it } from "vitest";
import { ConfigError, applySets, describeConfig, resolveConfig } from "../../src/config/schema.js";
import { configErrorOf } from "../config-error.js";

function errorOf(input: unknown): ConfigError {
  return configErrorOf(() => resolveConfig(input));
}

describe("config resolution", () => {
  it("fills every default and the derived ones (n2 = n, m = 5·(n1+n2)·r, k = r)", () => {
    const c = resolveConfig({});
    expect(c.seed).toBe(0);
    expect(c.problem.n2).toBe(c.problem.n);
    expect(c.operator.m).toBe(5 * 2 * c.problem.n * c.problem.rank);
    expect(c.model.k).toBe(c.problem.rank);
    expect(c.init.ratio).toBe(3);
    expect(c.stop.targetRelError).toBe(0);
    const c2 = resolveConfig({ problem: { n: 10, n2: 7, rank: 2, truth: "general" }, model: { type: "asymmetric", k: 3 }, operator: { m: 99 } });
    expect(c2.problem.n2).toBe(7);
    expect(c2.operator.m).toBe(99);
    expect(c2.model.k).toBe(3);
  });

  it("ignores operator.m for the identity operator (m = n1·n2)", () => {
    expect(resolveConfig({ operator: { type: "identity", m: 5 }, problem: { n: 6 } }).operator.m).toBe(36);
  });

  it.each([
    [{ problem: { n: 0 } }, "problem.n", /≥ 1/],
    [{ problem: { rank: 2.5 } }, "problem.rank", /integer/],
    [{ init: { alpha: -1 } }, "init.alpha", /> 0/],
    [{ method: { stepSize: "big" } }, "method.stepSize", /number/],
    [{ operator: { type: "fourier" } }, "operator.type", /one of "gaussian", "symmetric-gaussian", "identity"/],
    [{ problem: { kappa: 0.5 } }, "problem.kappa", /≥ 1/],
    [{ problem: { n: 5, rank: 6 } }, "problem.rank", /≤ min/],
    [{ problem: { truth: "general" } }, "model.type", /symmetric model/],
    [{ problem: { rank: 2, singularValues: [1] } }, "problem.singularValues", /exactly/],
    [{ stop: { maxIterations: -3 } }, "stop.maxIterations", /≥ 0/],
    [{ model: { typ: "x" } }, "model", /unknown field model\.typ/],
  ])("rejects %j naming the field, the value and what is allowed", (input, field, pattern) => {
    const e = errorOf(input);
    expect(e.message).toContain(field);
    expect(e.message).toMatch(pattern);
  });

  it("reports the offending value", () => {
    expect(errorOf({ init: { alpha: -1 } }).message).toContain("(got -1)");
    expect(errorOf({ operator: { type: "fourier" } }).message).toContain('(got "fourier")');
  });

  it("applies --set assignments with JSON values", () => {
    const raw: Record<string, unknown> = {};
    applySets(raw, ["init.alpha=0.01", "model.type=asymmetric", "problem.singularValues=[1,0.5]"]);
    expect(raw).toEqual({ init: { alpha: 0.01 }, model: { type: "asymmetric" }, problem: { singularValues: [1, 0.5] } });
    expect(() => applySets(raw, ["init.alpha"])).toThrow(/path=value/);
  });

  it("describes every field with a description", () => {
    const fields = describeConfig();
    const paths = fields.map((f) => f.path);
    for (const p of [
      "seed",
      "problem.n",
      "problem.n2",
      "problem.rank",
      "problem.truth",
      "problem.kappa",
      "problem.spectrum",
      "problem.singularValues",
      "problem.noise",
      "operator.type",
      "operator.m",
      "model.type",
      "model.k",
      "init.type",
      "init.alpha",
      "init.ratio",
      "method.name",
      "method.stepSize",
      "stop.maxIterations",
      "stop.targetRelError",
      "stop.maxSeconds",
      "record.every",
    ]) {
      expect(paths).toContain(p);
    }
    for (const f of fields) expect(f.description.length).toBeGreaterThan(3);
  });
});
