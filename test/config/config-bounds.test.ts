import * as os from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, resolveConfig } from "../../src/config/schema.js";

function issues(input: unknown): { path: string; message: string }[] {
  try {
    resolveConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
}

describe("config fields bounded by what they mean", () => {
  it("record.singularValues ≤ min(n1, n2): the product has no more singular values", () => {
    expect(issues({ problem: { n: 20 }, record: { singularValues: 20 } })).toEqual([]);
    const [i] = issues({ problem: { n: 20 }, record: { singularValues: 1e9 } });
    expect(i.path).toBe("record.singularValues");
    expect(i.message).toMatch(/≤ min\(n1, n2\) = 20/);
    expect(issues({ problem: { n: 30, n2: 12, truth: "general" }, model: { type: "asymmetric" }, record: { singularValues: 13 } })[0].message).toMatch(/= 12/);
  });

  it("integers above 2^53 − 1 are refused as unsafe, not as non-integers", () => {
    const [i] = issues({ operator: { m: 9007199254740992 } });
    expect(i.path).toBe("operator.m");
    expect(i.message).toMatch(/exceeds the largest safe integer 2\^53 − 1 = 9007199254740991/);
    expect(issues({ operator: { m: 2.5 } })[0].message).toBe("must be an integer");
    expect(issues({ seed: 2 ** 53 })[0].message).toMatch(/safe integer/);
  });

  it("operator.threads ≤ 4 × the cores", () => {
    const cores = os.availableParallelism();
    expect(issues({ operator: { threads: 4 * cores } })).toEqual([]);
    const [i] = issues({ operator: { threads: 4 * cores + 1 } });
    expect(i.path).toBe("operator.threads");
    expect(i.message).toMatch(new RegExp(`must be ≤ ${4 * cores}`));
  });

  it("rules name the field the user wrote: rebalancing by residual blames rebalanceBelowRelResidual", () => {
    const [i] = issues({ problem: { n: 4, rank: 1 }, model: { type: "asymmetric", k: 6 }, method: { rebalanceBelowRelResidual: 0.1 } });
    expect(i.path).toBe("method.rebalanceBelowRelResidual");
  });

  it("a resolved config is returned as is (validated once) and resolving is idempotent on copies", () => {
    const c = resolveConfig({ problem: { n: 7 } });
    expect(resolveConfig(c)).toBe(c);
    expect(resolveConfig(structuredClone(c))).toEqual(c);
  });

  it("storage rules are stated once and apply at the boundary: regenerate on the wasm backend is a config error naming operator.backend", () => {
    const [i] = issues({ operator: { storage: "regenerate", backend: "wasm" } });
    expect(i.path).toBe("operator.backend");
    expect(i.message).toMatch(/runs on the ts backend/);
  });
});
