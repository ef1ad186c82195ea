/**
 * Resume, not restart, for batched sweeps (issue 24 item 1, issue 25 item 4): a `sweep --batch`
 * killed with SIGKILL mid-run and run again continues every unfinished run of its group from
 * that run's own checkpoint — the runs of one group then continue from different iterations —
 * and every metrics.csv is byte for byte (wall-time column aside) the one of an unbatched,
 * uninterrupted sweep. Fails when batched runs restart from iteration 0 (no second attempt in
 * summary.json).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { built, metricsWithoutTime, referenceSweep, runFolderProblems, start, waitFor } from "./helpers.js";

// 4 runs on one stored 600 × 576 Gaussian operator (one batch group: GD at k = 3 and ScaledGD at
// k = r = 2, each to 2 500 and 4 000 iterations, so two runs leave the group early); ≈ 1 s of
// CPU per run, checkpoints every 0.05 s
const grid = {
  base: {
    problem: { n: 24, rank: 2, truth: "general" },
    operator: { type: "gaussian", m: 600 },
    model: { type: "asymmetric", k: 3 },
    init: { alpha: 0.05 },
    method: { name: "gd", stepSize: 0.2 },
    stop: { targetRelError: 0 },
  },
  variants: [
    { name: "GD", set: {} },
    { name: "ScaledGD", set: { "method.name": "scaled-gd", "method.stepSize": 0.4, "model.k": 2 } },
  ],
  vary: { "stop.maxIterations": [2500, 4000] },
  seeds: 1,
};

function json(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** The run folders of a sweep folder (every subfolder with a config.json). */
function runIds(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => fs.existsSync(path.join(dir, n, "config.json")))
    .sort();
}

describe.skipIf(!built)("batched sweep resume (needs `npm run build`)", () => {
  it("a `sweep --batch` killed with SIGKILL continues each run from its own checkpoint, bitwise as an unbatched uninterrupted sweep", async () => {
    const { root, gridFile: g, ref } = await referenceSweep(grid);
    const ids = runIds(ref);
    expect(ids.length).toBe(4);

    const dir = path.join(root, "batched");
    const args = ["sweep", "-q", "--batch", "-g", g, "--out", dir, "--checkpoint-every", "0.05"];
    const p = start(args);
    // every run of the group has written a checkpoint (they advance in lockstep), then a little more
    for (const id of ids) expect(await waitFor(path.join(dir, id, "checkpoint.json"), 60_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    p.child.kill("SIGKILL");
    expect((await p.done).signal).toBe("SIGKILL");
    const at = new Map(ids.map((id) => [id, (json(path.join(dir, id, "checkpoint.json")) as { iteration: number }).iteration]));
    const unfinished = ids.filter((id) => !fs.existsSync(path.join(dir, id, "summary.json")));
    expect(unfinished.length, "the kill came after every run had finished: make the runs longer").toBeGreaterThan(0);

    const again = await start(args).done;
    expect(again.code, again.err).toBe(0);
    for (const id of ids) {
      expect(runFolderProblems(path.join(dir, id)), id).toEqual([]);
      expect(metricsWithoutTime(path.join(dir, id)), id).toBe(metricsWithoutTime(path.join(ref, id)));
    }
    for (const id of unfinished) {
      const s = json(path.join(dir, id, "summary.json"));
      const from = at.get(id)!;
      expect(from, id).toBeGreaterThan(0);
      // resumed, not restarted: the second attempt began at the checkpoint's iteration
      expect(s.attempts, id).toEqual([
        { from: 0, iterations: from },
        { from, iterations: (s.iterations as number) - from },
      ]);
    }
  }, 240_000);
});
