import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { expandGrid, shardRuns } from "../../src/config/grid.js";
import { SweepFolderError, missingShards, sweepStatus } from "../../src/results/status.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { writeJsonAtomic } from "../../src/io/files.js";
import { executeRun } from "../../src/run/runFolder.js";

const grid = {
  base: { problem: { n: 6, rank: 1 }, operator: { m: 60, backend: "ts" }, stop: { maxIterations: 30 } },
  vary: { "init.alpha": [0.1, 0.01] },
  seeds: 6,
};

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "matsense-status-"));
}

describe("sweep status from the folder", () => {
  it("counts done / failed / interrupted / started / missing per shard and lists the unfinished shards", async () => {
    const dir = tmp();
    const N = 4;
    // shards 0 and 2 finish; shard 1 has one run interrupted; shard 3 never starts
    await runSweep(grid, dir, { runner: "inline", shard: { index: 0, count: N } });
    await runSweep(grid, dir, { runner: "inline", shard: { index: 2, count: N } });
    const runs = expandGrid(grid);
    const s1 = shardRuns(runs, { index: 1, count: N });
    await runSweep(grid, dir, { runner: "inline", shard: { index: 1, count: N } });
    // a real interrupted run (consistent files: a made-up summary would read as damaged)
    let polls = 0;
    executeRun(s1[0].config, path.join(dir, s1[0].id), { shouldStop: () => ++polls > 3 });
    expect(JSON.parse(fs.readFileSync(path.join(dir, s1[0].id, "summary.json"), "utf8")).status).toBe("interrupted");
    fs.rmSync(path.join(dir, s1[1].id, "summary.json")); // killed mid-run: a folder without summary
    const st = sweepStatus(dir);
    expect(st.shards).toBe(N); // read from the shard manifests
    expect(st.total).toBe(12);
    const s3 = shardRuns(runs, { index: 3, count: N }).length;
    expect(st.counts).toEqual({ done: 12 - s3 - 2, failed: 0, interrupted: 1, started: 1, missing: s3, damaged: 0 });
    expect(st.perShard.map((s) => s.counts.done)).toEqual([3, 1, 3, 0]);
    expect(st.meanRunSeconds).toBeGreaterThan(0);
    // ETA = mean × (runs not done) / parallel (parallel = the one started run)
    expect(st.etaSeconds).toBeCloseTo(st.meanRunSeconds! * (12 - st.counts.done), 12);
    expect(missingShards(dir, N)).toEqual([1, 3]);
    expect(() => missingShards(dir, 3)).toThrow(SweepFolderError);
    expect(() => missingShards(dir, 3)).toThrow(/split into 4 shard\(s\), not 3/);
  });

  it("counts failed runs as unfinished unless skipFailed", async () => {
    const dir = tmp();
    await runSweep(grid, dir, { runner: "inline", shard: { index: 0, count: 2 } });
    await runSweep(grid, dir, { runner: "inline", shard: { index: 1, count: 2 } });
    const r = shardRuns(expandGrid(grid), { index: 1, count: 2 })[0];
    writeJsonAtomic(path.join(dir, r.id, "summary.json"), { status: "failed", iterations: 0, seconds: 0, final: null, warnings: [], events: [], error: "x" });
    expect(sweepStatus(dir).counts.failed).toBe(1);
    expect(missingShards(dir, 2)).toEqual([1]);
    expect(missingShards(dir, 2, { skipFailed: true })).toEqual([]);
  });

  it("refuses a folder without grid.json", () => {
    expect(() => sweepStatus(tmp())).toThrow(/not a sweep folder/);
  });

  it("refuses more shards than runs with a clear message (no per-shard arrays of 10⁹ entries), reads --allow-large folders", () => {
    const dir = tmp();
    const small = { ...grid, seeds: 2 };
    fs.writeFileSync(path.join(dir, "grid.json"), JSON.stringify(small));
    expect(missingShards(dir, 4)).toEqual([0, 1, 2, 3]);
    for (const n of [5, 1e9]) {
      expect(() => missingShards(dir, n)).toThrow(SweepFolderError);
      expect(() => sweepStatus(dir, { shards: n })).toThrow(new RegExp(`--shards ${n} is more than the sweep's 4 runs: give at most 4 shards`));
    }
    // a grid of more than MAX_GRID_RUNS (10⁵) runs, as `sweep --allow-large` writes it: status and missing read it
    const large = tmp();
    fs.writeFileSync(path.join(large, "grid.json"), JSON.stringify({ ...grid, seeds: 50_001 }));
    const st = sweepStatus(large, { shards: 3 });
    expect(st.total).toBe(100_002);
    expect(st.counts.missing).toBe(100_002);
    expect(st.perShard.map((s) => s.runs)).toEqual([33_334, 33_334, 33_334]);
  }, 60_000);
});
