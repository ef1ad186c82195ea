import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { mergeSweepFolders } from "../../src/launchers/merge.js";
import { expandGrid } from "../../src/config/grid.js";
import { sweepStatus } from "../../src/results/status.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { executeRun } from "../../src/run/runFolder.js";

const grid = {
  base: { problem: { n: 6, rank: 1 }, operator: { m: 60, backend: "ts" }, stop: { maxIterations: 20 } },
  seeds: 6,
};

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "matsense-merge-"));
}

describe("merging sweep folders of one grid (one per machine)", () => {
  it("copies the finished runs the target lacks or holds unfinished, and nothing else", async () => {
    const a = tmp(),
      b = tmp();
    await runSweep(grid, a, { runner: "inline", shard: { index: 0, count: 2 } });
    await runSweep(grid, b, { runner: "inline", shard: { index: 1, count: 2 } });
    const ids = expandGrid(grid).map((r) => r.id);
    // a run killed mid-way in A that B finished: its config.json (written first, with matsense's provenance) and a partial metrics.csv
    executeRun(expandGrid(grid)[1].config, path.join(a, ids[1]), { shouldStop: () => true });
    fs.rmSync(path.join(a, ids[1], "summary.json"));
    fs.renameSync(path.join(a, ids[1], "metrics.csv"), path.join(a, ids[1], "metrics.csv.partial"));
    const before = fs.readFileSync(path.join(a, ids[0], "metrics.csv"), "utf8");
    const r = mergeSweepFolders(a, [b]);
    expect(r.copied[b]).toBe(3);
    expect(sweepStatus(a).counts.done).toBe(6);
    expect(fs.readdirSync(path.join(a, ids[1])).sort()).toEqual(fs.readdirSync(path.join(b, ids[1])).sort());
    expect(fs.readFileSync(path.join(a, ids[0], "metrics.csv"), "utf8")).toBe(before);
    expect(mergeSweepFolders(a, [b]).copied[b]).toBe(0); // idempotent
  });

  it("never replaces a target's run folder holding a file matsense did not write: refused naming it, nothing copied there", async () => {
    const a = tmp(),
      b = tmp();
    await runSweep(grid, a, { runner: "inline", shard: { index: 0, count: 2 } });
    await runSweep(grid, b, { runner: "inline", shard: { index: 1, count: 2 } });
    // a run of B's shard that A holds interrupted, with the user's notes next to it
    const run = expandGrid(grid).find((r) => !fs.existsSync(path.join(a, r.id)))!;
    const id = run.id;
    executeRun(run.config, path.join(a, id), { shouldStop: () => true });
    fs.writeFileSync(path.join(a, id, "notes.txt"), "mine");
    const before = fs.readdirSync(path.join(a, id)).sort();
    expect(() => mergeSweepFolders(a, [b])).toThrow(new RegExp(`${id}.* holds files matsense did not write \\(notes\\.txt\\)`));
    expect(fs.readdirSync(path.join(a, id)).sort()).toEqual(before);
    expect(fs.readFileSync(path.join(a, id, "notes.txt"), "utf8")).toBe("mine");
    expect(fs.readdirSync(path.join(a, ".staging"))).toEqual([]);
  });

  it("refuses a folder of another grid before copying anything", async () => {
    const a = tmp(),
      c = tmp();
    await runSweep(grid, a, { runner: "inline", shard: { index: 0, count: 2 } });
    await runSweep({ ...grid, seeds: 2 }, c, { runner: "inline" });
    expect(() => mergeSweepFolders(a, [c])).toThrow(/different grid/);
    expect(sweepStatus(a).counts.done).toBe(3);
  });
});
