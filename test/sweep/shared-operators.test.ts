import { operatorBytes } from "../../src/catalogue/instance.js";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/schema.js";
import { OperatorSharing, sharedOperatorKey, sweepOperatorMemory } from "../../src/sweep/shared-operators.js";
import { wasmAvailable } from "../../src/kernels/wasm.js";
import { metricsWithoutTime } from "../reliability/helpers.js";

const root = path.resolve(__dirname, "../..");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-share-"));

describe("operator sharing keys and bookkeeping", () => {
  const cfg = (over: Record<string, unknown>) => resolveConfig({ problem: { n: 6, rank: 2 }, operator: { type: "gaussian", m: 100 }, ...over });

  it.skipIf(!wasmAvailable())("keys runs by seed, shape and operator config only (not method, κ or init)", () => {
    const a = sharedOperatorKey(cfg({ method: { name: "gd", stepSize: 0.1 } }), 2);
    expect(a).not.toBeNull();
    expect(sharedOperatorKey(cfg({ method: { name: "scaled-gd", stepSize: 0.5 }, problem: { n: 6, rank: 2, kappa: 10 } }), 2)).toBe(a);
    expect(sharedOperatorKey(cfg({ seed: 1 }), 2)).not.toBe(a);
    expect(sharedOperatorKey(cfg({ operator: { type: "gaussian", m: 101 } }), 2)).not.toBe(a);
    expect(sharedOperatorKey(cfg({ operator: { type: "gaussian", m: 100, storage: "float32" } }), 2)).not.toBe(a);
    expect(sharedOperatorKey(cfg({ operator: { type: "gaussian", m: 100, backend: "ts" } }), 2)).toBeNull();
    expect(sharedOperatorKey(cfg({ operator: { type: "completion", p: 0.5 } }), 2)).toBeNull();
  });

  it.skipIf(!wasmAvailable())("lets the first run of a key build, holds the others until the handle arrives, and hands a failed builder's job on", () => {
    const runs = ["a", "b", "c"].map((id) => ({ id, config: cfg({}) })).concat([{ id: "z", config: cfg({ seed: 9 }) }]);
    const s = new OperatorSharing(runs, 2);
    expect(s.sharedOperators).toBe(1); // "z" is alone: not shared
    expect(s.assign("z", 0)).toBeUndefined();
    const first = s.assign("a", 0)!;
    expect(first.handle).toBeUndefined(); // a builds
    expect(s.ready("b")).toBe(false);
    s.finished("a"); // a failed before delivering
    expect(s.ready("b")).toBe(true);
    expect(s.assign("b", 1)!.handle).toBeUndefined(); // b builds now
    const handle = { key: first.key } as never;
    s.delivered(handle);
    expect(s.ready("c")).toBe(true);
    expect(s.assign("c", 0)!.handle).toBe(handle);
  });

  it("counts a shared operator once in the sweep's peak operator memory", () => {
    const runs = [0.1, 0.2, 0.3, 0.4].map((eta) => cfg({ method: { name: "gd", stepSize: eta } }));
    const mem = sweepOperatorMemory(runs, 2);
    const one = operatorBytes(runs[0]); // the operator's exact bytes (catalogue): its stored matrix and work arrays
    expect(mem.unshared).toBe(2 * one);
    expect(mem.shared).toBe(wasmAvailable() ? one : 2 * one);
  });
});

describe.skipIf(!wasmAvailable())("sweeps on worker threads share one operator copy", () => {
  it("runs the runs of one operator on one shared copy with metrics bitwise those of unshared runs", async () => {
    // worker threads need the compiled entry: use the built library (npm test builds first)
    const { runSweep } = await import(path.join(root, "dist/sweep/sweep.js"));
    for (const operator of [
      { type: "gaussian", m: 240 },
      { type: "symmetric-gaussian", m: 240 },
    ]) {
      const grid = {
        name: "share",
        base: {
          problem: { n: 8, rank: 2, truth: "psd" },
          operator,
          model: { type: operator.type === "gaussian" ? "asymmetric" : "symmetric", k: 3 },
          init: { alpha: 0.05 },
          stop: { maxIterations: 200 },
          record: { every: 10 },
        },
        vary: { "method.stepSize": [0.05, 0.1, 0.15, 0.2] },
        seeds: 1,
      };
      const shared = tmp(),
        alone = tmp();
      const a = await runSweep(grid, shared, { runner: "threads", workers: 2 });
      expect(a.sharedOperators).toBe(1);
      const b = await runSweep(grid, alone, { runner: "inline" });
      expect(b.sharedOperators).toBeUndefined();
      for (const r of a.runs) {
        expect(a.entries.find((e: { id: string }) => e.id === r.id).status).not.toBe("failed");
        expect(metricsWithoutTime(path.join(shared, r.id))).toBe(metricsWithoutTime(path.join(alone, r.id)));
        const cfgA = JSON.parse(fs.readFileSync(path.join(shared, r.id, "config.json"), "utf8"));
        const cfgB = JSON.parse(fs.readFileSync(path.join(alone, r.id, "config.json"), "utf8"));
        expect(cfgA.matsense.backend).toBe(cfgB.matsense.backend);
      }
    }
  }, 60_000);
});
