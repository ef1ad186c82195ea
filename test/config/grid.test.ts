import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/schema.js";
import { expandGrid, parseShard, pointName, quickGrid, runName, shardRuns } from "../../src/config/grid.js";

describe("sweep grids", () => {
  const grid = {
    base: { problem: { n: 8, rank: 2 }, method: { name: "gd", stepSize: 0.2 } },
    vary: { "init.alpha": [0.1, 0.05, 0.02], "model.k": [3, 4] },
    seeds: 4,
  };

  it("expands the documented format into the Cartesian product × seeds", () => {
    const runs = expandGrid(grid);
    expect(runs).toHaveLength(3 * 2 * 4);
    const r = runs.find((x) => x.params["init.alpha"] === 0.05 && x.params["model.k"] === 4 && x.seed === 2)!;
    expect(r.config).toMatchObject({ seed: 2, init: { alpha: 0.05 }, model: { k: 4 }, problem: { n: 8, rank: 2 } });
    expect(r.id).toBe("init.alpha=0.05__model.k=4__seed=2");
    expect(new Set(runs.map((x) => x.id)).size).toBe(runs.length);
  });

  it("accepts an explicit seed list, zipped parameters and named variants", () => {
    const runs = expandGrid({
      base: { problem: { n: 8, rank: 2 } },
      zip: [{ "method.stepSize": [0.1, 0.2], "stop.maxIterations": [10, 20] }],
      variants: [
        { name: "A", set: {} },
        { name: "B x", set: { "init.alpha": 0.5 } },
      ],
      seeds: [7, 9],
    });
    expect(runs).toHaveLength(2 * 2 * 2);
    const b = runs.find((r) => r.params.variant === "B x" && r.params["method.stepSize"] === 0.2 && r.seed === 9)!;
    expect(b.config).toMatchObject({ init: { alpha: 0.5 }, method: { stepSize: 0.2 }, stop: { maxIterations: 20 }, seed: 9 });
    expect(b.id).toBe("variant=B-x__method.stepSize=0.2__stop.maxIterations=20__seed=9");
  });

  it("names folders stably and safely", () => {
    expect(pointName({})).toBe("base");
    expect(runName({ "init.type": "small random/x" }, 0)).toBe("init.type=small-random-x__seed=0");
    expect(pointName({ "problem.singularValues": [1, 0.5] })).toMatch(/^problem.singularValues=h[0-9a-f]{8}$/);
  });

  it("rejects invalid grids and invalid run configs with the field named", () => {
    expect(() => expandGrid({ vary: { "init.alpha": [] } })).toThrow(ConfigError);
    expect(() => expandGrid({ zip: [{ "init.alpha": [1, 2], "model.k": [1] }] })).toThrow(/same length/);
    expect(() => expandGrid({ vary: { seed: [1, 2] } })).toThrow(/seeds/);
    expect(() => expandGrid({ vary: { "method.name": ["gd", "nope"] } })).toThrow(/method.name.*\[in run method.name=nope__seed=0\]/s);
  });

  it("splits runs into disjoint shards that cover the sweep", () => {
    const runs = expandGrid(grid);
    const parts = [0, 1, 2].map((i) => shardRuns(runs, parseShard(`${i}/3`)));
    expect(
      parts
        .flat()
        .map((r) => r.id)
        .sort(),
    ).toEqual(runs.map((r) => r.id).sort());
    expect(parts.map((p) => p.length)).toEqual([8, 8, 8]);
    expect(() => parseShard("3/3")).toThrow(ConfigError);
    expect(() => parseShard("a/3")).toThrow(ConfigError);
  });

  it("applies the quick section", () => {
    const q = quickGrid({ ...grid, quick: { set: { "problem.n": 5 }, vary: { "model.k": [2] }, seeds: 1 } });
    expect(q.base).toMatchObject({ problem: { n: 5, rank: 2 } });
    expect(q.vary["model.k"]).toEqual([2]);
    expect(q.vary["init.alpha"]).toEqual([0.1, 0.05, 0.02]);
    expect(expandGrid(q)).toHaveLength(3);
  });
});
