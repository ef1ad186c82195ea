import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ExplorerState, defaultState, encodeValue, flattenConfig, queryToState, stateToQuery } from "../../web/src/state.js";
import { listScenarios, scenarioState } from "../../web/src/scenarios.js";
import { parseSetValue } from "../../src/config/schema.js";
import { gridPoints, quickGrid } from "../../src/config/grid.js";
import { repoRoot } from "./browser.js";

/** States whose every run is a config the library accepts (the only states the page writes to the URL). */
const validState: fc.Arbitrary<ExplorerState> = fc
  .record({
    n: fc.integer({ min: 2, max: 40 }),
    rank: fc.integer({ min: 1, max: 2 }),
    kappa: fc.option(fc.double({ min: 1, max: 100, noNaN: true }), { nil: undefined }),
    spectrum: fc.option(fc.constantFrom("linspace", "geomspace"), { nil: undefined }),
    model: fc.constantFrom("symmetric", "asymmetric"),
    op: fc.option(fc.constantFrom("gaussian", "identity", "completion", "symmetric-gaussian"), { nil: undefined }),
    alpha: fc.option(fc.double({ min: 1e-8, max: 1, noNaN: true }), { nil: undefined }),
    eta: fc.option(fc.double({ min: 1e-6, max: 2, noNaN: true }), { nil: undefined }),
    seed: fc.option(fc.nat({ max: 2 ** 40 }), { nil: undefined }),
    sv: fc.boolean(),
    ks: fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
    edits: fc.array(fc.record({ at: fc.nat({ max: 5000 }), eta: fc.double({ min: 1e-4, max: 1, noNaN: true }), target: fc.boolean() }), { maxLength: 3 }),
    until: fc.option(fc.oneof(fc.nat({ max: 100000 }), fc.constant(Infinity)), { nil: undefined }),
    scenario: fc.option(fc.constantFrom("xiong-symmetric", "completion"), { nil: undefined }),
    xLog: fc.boolean(),
  })
  .map((a) => {
    const s = defaultState();
    const problem: Record<string, unknown> = { n: a.n, rank: a.rank };
    if (a.kappa !== undefined) problem.kappa = a.kappa;
    if (a.spectrum) problem.spectrum = a.spectrum;
    if (a.sv) problem.singularValues = Array.from({ length: a.rank }, (_, i) => 1 / (i + 1));
    s.config = { problem, model: { type: a.model } };
    if (a.model === "asymmetric") problem.truth = "general";
    if (a.op) s.config.operator = { type: a.op === "symmetric-gaussian" && a.model === "asymmetric" ? "gaussian" : a.op };
    if (a.alpha !== undefined) s.config.init = { alpha: a.alpha };
    if (a.eta !== undefined) s.config.method = { stepSize: a.eta };
    if (a.seed !== undefined) s.config.seed = a.seed;
    s.runs = a.ks.filter((k) => k <= a.n).map((k) => ({ "model.k": k }));
    s.edits = a.edits
      .sort((x, y) => x.at - y.at)
      .map((e) => (e.target ? { at: e.at, path: "stop.targetRelError", value: e.eta / 10 } : { at: e.at, path: "method.stepSize", value: e.eta }));
    s.until = a.until;
    s.scenario = a.scenario;
    s.xScale = a.xLog ? "log" : "linear";
    return s;
  });

describe("explorer state ⇄ URL", () => {
  it("every valid state survives stateToQuery → queryToState unchanged (property, 300 states)", () => {
    fc.assert(
      fc.property(validState, (s) => {
        const back = queryToState(stateToQuery(s));
        expect(back.notice).toBeUndefined();
        expect(back.state).toEqual(s);
        // and the text is stable: encoding the decoded state gives the same query
        expect(stateToQuery(back.state)).toBe(stateToQuery(s));
      }),
      { numRuns: 300 },
    );
  });

  it("values keep their JSON type: a number stays a number, a string that looks like a number stays a string", () => {
    for (const v of [0.1, 1e-12, 3, true, "gd", "1", "null", "a;b", [1, 0.5]]) {
      expect(parseSetValue(decodeURIComponent(encodeValue(v)))).toEqual(v);
    }
  });

  it("every scenario (the presets/ files) round-trips through the URL", () => {
    const names = listScenarios().map((s) => s.name);
    expect(names).toContain("xiong-symmetric");
    expect(names).toContain("xiong-worst-case");
    for (const name of names) {
      const s = scenarioState(name);
      const back = queryToState(stateToQuery(s));
      expect(back.notice, name).toBeUndefined();
      expect(back.state, name).toEqual(s);
    }
  });

  it("a scenario is the preset's quick config with one compare run per varied point", () => {
    const s = scenarioState("xiong-symmetric");
    const grid = quickGrid(JSON.parse(fs.readFileSync(path.join(repoRoot, "presets", "xiong-symmetric", "grid.json"), "utf8")));
    expect(s.runs).toEqual(gridPoints(grid));
    // the quick version: k ∈ {2, 3, 4} on the small problem
    expect([...new Set(s.runs.map((r) => r["model.k"]))]).toEqual([2, 3, 4]);
    expect(Object.fromEntries(flattenConfig(s.config))).toMatchObject({ "problem.n": 10, "operator.m": 200, "method.stepSize": 0.1, seed: 0 });
  });

  it("the empty query is the default state", () => {
    expect(queryToState("")).toEqual({ state: defaultState() });
    expect(stateToQuery(defaultState())).toBe("");
  });

  describe("a malformed URL gives the defaults and a notice naming the bad parameter", () => {
    const cases: [string, RegExp][] = [
      ["?problem.n=abc", /problem\.n/],
      ["?problem.n=-3", /problem\.n/],
      ["?problem.nn=3", /unknown field problem\.nn/],
      ["?bogus=1", /unknown parameter "bogus"/],
      ["?method.name=sgd", /method\.name: must be one of "gd"/],
      ["?t=-1", /parameter "t=-1"/],
      ["?t=1.5", /parameter "t=1\.5"/],
      ["?x=sideways", /parameter "x=sideways"/],
      ["?edit=10-method.stepSize=0.2", /parameter "edit=10-method\.stepSize=0\.2"/],
      ["?edit=10:problem.n=5", /problem\.n cannot change during a run/],
      ["?edit=10:method.stepSize=-1", /parameter "edit=10:method\.stepSize=-1"/],
      ["?edit=20:method.stepSize=0.1&edit=10:method.stepSize=0.2", /iteration order/],
      ["?run=model.k", /parameter "run=model\.k"/],
      ["?run=k=3", /"k" is not a config path/],
      ["?problem.n=5&problem.n=6", /"problem\.n" appears twice/],
      ["?problem.rank=9&problem.n=4", /problem\.rank: must be ≤ min\(n, n2\) = 4/],
      ["?scenario=../etc", /parameter "scenario=\.\.\/etc"/],
    ];
    for (const [query, named] of cases) {
      it(query, () => {
        const r = queryToState(query);
        expect(r.state).toEqual(defaultState());
        expect(r.notice).toMatch(named);
      });
    }
  });
});
