import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/schema.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { batchGroups, batchKey } from "../../src/sweep/batch-runs.js";
import { metricsWithoutTime } from "../reliability/helpers.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-batch-"));

describe("a sweep whose runs share a stored operator, batched", () => {
  const cfg = (over: Record<string, unknown>) => resolveConfig({ problem: { n: 6, rank: 2 }, operator: { type: "gaussian", m: 100 }, ...over });

  it("groups runs by seed, shape, m and storage only, and leaves other operators and backends alone", () => {
    const a = cfg({}),
      b = cfg({ method: { name: "scaled-gd", stepSize: 0.5 }, problem: { n: 6, rank: 2, kappa: 10 } });
    expect(batchKey(a)).not.toBeNull();
    expect(batchKey(b)).toBe(batchKey(a));
    expect(batchKey(cfg({ seed: 4 }))).not.toBe(batchKey(a));
    expect(batchKey(cfg({ operator: { type: "gaussian", m: 100, backend: "ts" } }))).toBeNull();
    expect(batchKey(cfg({ operator: { type: "gaussian", m: 100, backend: "wasm-relaxed" } }))).toBeNull();
    expect(batchKey(cfg({ operator: { type: "completion", p: 0.5 } }))).toBeNull();
    const configs = [a, cfg({ seed: 4 }), b, cfg({ operator: { type: "completion", p: 0.5 } })];
    expect(batchGroups(["a", "s4", "b", "c"], configs)).toEqual([["a", "b"], ["s4"], ["c"]]);
  });

  it("gives every run bitwise the metrics of the unbatched sweep (κ × method × step size, runs of different lengths)", async () => {
    const grid = {
      name: "batch",
      base: {
        problem: { n: 9, rank: 2, truth: "general" },
        operator: { type: "gaussian", m: 400 },
        model: { type: "asymmetric", k: 3 },
        init: { alpha: 0.05 },
        method: { name: "gd", stepSize: 0.2 },
        stop: { maxIterations: 150, targetRelError: 1e-6 },
        record: { every: 5 },
      },
      variants: [
        { name: "GD", set: {} },
        { name: "ScaledGD", set: { "method.name": "scaled-gd", "method.stepSize": 0.4 } },
      ],
      vary: { "problem.kappa": [1, 10, 30] },
      seeds: 1,
    };
    const batched = tmp(),
      alone = tmp();
    const a = await runSweep(grid, batched, { runner: "inline", batch: true });
    const b = await runSweep(grid, alone, { runner: "inline" });
    expect(a.runs.length).toBe(6);
    // one group of 6 runs: after each run's first iteration, one pass serves every run still going
    expect(a.batched!.groups).toBe(1);
    expect(a.batched!.shared).toBeGreaterThan(2 * a.batched!.passes);
    expect(b.batched).toBeUndefined();
    const iterations = new Set<number>();
    for (const r of a.runs) {
      const entry = a.entries.find((e) => e.id === r.id)!;
      expect(entry.status).not.toBe("failed");
      expect(metricsWithoutTime(path.join(batched, r.id))).toBe(metricsWithoutTime(path.join(alone, r.id)));
      iterations.add(JSON.parse(fs.readFileSync(path.join(batched, r.id, "summary.json"), "utf8")).iterations);
    }
    expect(iterations.size).toBeGreaterThan(1); // some runs stopped early and left the batch
    // a second batched sweep over the same folder skips the finished runs
    const again = await runSweep(grid, batched, { runner: "inline", batch: true });
    expect(again.skipped).toBe(6);

    // killed mid-batch (the stop flag after 40 polls), then run again: the same metrics as the unbatched sweep
    const resumed = tmp();
    let polls = 0;
    const first = await runSweep(grid, resumed, { runner: "inline", batch: true, shouldStop: () => ++polls > 40 });
    expect(first.interrupted).toBe(true);
    expect(first.entries.some((e) => e.status === "interrupted")).toBe(true);
    const interrupted = first.entries.filter((e) => e.status === "interrupted").map((e) => e.id);
    const stoppedAt = new Map(interrupted.map((id) => [id, JSON.parse(fs.readFileSync(path.join(resumed, id, "summary.json"), "utf8")).iterations]));
    const second = await runSweep(grid, resumed, { runner: "inline", batch: true });
    expect(second.interrupted).toBe(false);
    for (const r of a.runs) expect(metricsWithoutTime(path.join(resumed, r.id))).toBe(metricsWithoutTime(path.join(alone, r.id)));
    // the interrupted runs continued from their checkpoints (written at the iteration they stopped at), not from 0
    for (const id of interrupted) {
      const s = JSON.parse(fs.readFileSync(path.join(resumed, id, "summary.json"), "utf8"));
      const from = stoppedAt.get(id);
      expect(from, id).toBeGreaterThan(0);
      expect(s.attempts, id).toEqual([
        { from: 0, iterations: from },
        { from, iterations: s.iterations - from },
      ]);
    }
  }, 60_000);
});
