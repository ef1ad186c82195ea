/**
 * Concurrency (issue 15.7): two writers on one folder. On main, two `run --out same` mixed
 * one run's metrics with the other's summary (or died with ENOENT on the partial file), and
 * two `sweep --out C` garbled metrics.csv files while both exited 0.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { built, runFolderProblems, start, tmp } from "./helpers.js";

describe.skipIf(!built)("two writers on one folder (needs `npm run build`)", () => {
  it("two `run --out same` at once: one runs, the other is refused with exit 2 naming the owner; the folder is one consistent run", async () => {
    const dir = path.join(tmp(), "same");
    const args = (seed: number) => [
      "run",
      "-q",
      "--out",
      dir,
      "--set",
      `seed=${seed}`,
      "--set",
      "problem.n=20",
      "--set",
      "operator.m=400",
      "--set",
      "stop.maxIterations=4000",
    ];
    const a = start(args(1)),
      b = start(args(2));
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const codes = [ra.code, rb.code].sort();
    expect(codes).toEqual([0, 2]);
    const loser = ra.code === 2 ? ra : rb;
    // refused as a live writer's folder, or (when the machine is so loaded that the first run
    // finished before the second started) as a folder that already holds a result
    expect(loser.err).toMatch(/is being written by another matsense process \(pid \d+ on .+, since .+\)|already holds a result/);
    const winnerSeed = ra.code === 0 ? 1 : 2;
    expect(runFolderProblems(dir, winnerSeed)).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")).iterations).toBe(4000);
  });

  it("two `sweep --out C` at once: every run folder ends complete and consistent, and a later sweep finds nothing to do", async () => {
    const root = tmp();
    const grid = path.join(root, "grid.json");
    fs.writeFileSync(
      grid,
      JSON.stringify({
        name: "c",
        base: { problem: { n: 12, rank: 2 }, operator: { m: 300 }, method: { name: "gd", stepSize: 0.1 }, stop: { maxIterations: 1200 } },
        vary: { "model.k": [2, 3, 4] },
        seeds: 4,
      }),
    );
    const dir = path.join(root, "C");
    const a = start(["sweep", "-w", "2", "-g", grid, "--out", dir]);
    const b = start(["sweep", "-w", "1", "-g", grid, "--out", dir]);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    // exit 0, or 5 when the other sweep still held some runs when this one ended
    for (const r of [ra, rb]) expect([0, 5], r.err).toContain(r.code);
    const runs = fs.readdirSync(dir).filter((d) => d.startsWith("model.k="));
    expect(runs).toHaveLength(12);
    for (const id of runs) {
      expect(runFolderProblems(path.join(dir, id)), id).toEqual([]);
      const s = JSON.parse(fs.readFileSync(path.join(dir, id, "summary.json"), "utf8"));
      expect(s.status).toBe("max-iterations");
      expect(
        fs
          .readFileSync(path.join(dir, id, "metrics.csv"), "utf8")
          .trim()
          .split("\n"),
      ).toHaveLength(1202);
    }
    // a sweep run afterwards finds nothing to do and exits 0
    const c = start(["sweep", "-q", "-g", grid, "--out", dir]);
    expect((await c.done).code).toBe(0);
  });
});
