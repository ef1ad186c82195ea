/**
 * Resume, not restart (issue 25.8): a sweep killed mid-run (SIGKILL, or Slurm's warning
 * signal SIGUSR1) continues each unfinished run from its checkpoint, and the result is
 * the uninterrupted sweep's bit for bit (metrics.csv without the wall-time column);
 * summary.json lists the iterations each attempt contributed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { built, metricsWithoutTime, start, tmp, waitFor } from "./helpers.js";

// one run ≈ 1 s of CPU: long enough to be killed between checkpoints (every 0.05 s)
const grid = { base: { problem: { n: 30, rank: 2 }, stop: { maxIterations: 4000, targetRelError: 0 } }, vary: { "model.k": [3] }, seeds: 2 };
const ids = ["model.k=3__seed=0", "model.k=3__seed=1"];

function json(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** Kills a sweep with `signal` once run 0 has written a checkpoint, then runs it again to the end; returns the checkpoint's iteration. */
async function killAndResume(root: string, g: string, dir: string, signal: NodeJS.Signals): Promise<number> {
  const args = ["sweep", "-q", "-w", "1", "-g", g, "--out", dir, "--checkpoint-every", "0.05"];
  const p = start(args);
  const ckpt = path.join(dir, ids[0], "checkpoint.json");
  expect(await waitFor(ckpt, 60_000)).toBe(true);
  await new Promise((r) => setTimeout(r, 300));
  p.child.kill(signal);
  const r = await p.done;
  if (signal === "SIGKILL") expect(r.signal).toBe("SIGKILL");
  else {
    // the warning signal ends the run "interrupted" with a checkpoint at its last iteration
    expect(r.code, r.err).toBe(130);
    const s = json(path.join(dir, ids[0], "summary.json"));
    expect(s.status).toBe("interrupted");
    expect((json(ckpt) as { iteration: number }).iteration).toBe(s.iterations);
  }
  const at = (json(ckpt) as { iteration: number }).iteration;
  expect(at).toBeGreaterThan(0);
  expect(at).toBeLessThan(4000);
  const again = await start(args).done;
  expect(again.code, again.err).toBe(0);
  return at;
}

describe.skipIf(!built)("sweep resume (needs `npm run build`)", () => {
  it("a sweep killed mid-run (SIGKILL, SIGUSR1) continues from its checkpoint, bitwise as uninterrupted", async () => {
    const root = tmp();
    const g = path.join(root, "grid.json");
    fs.writeFileSync(g, JSON.stringify(grid));
    const ref = path.join(root, "ref");
    const r0 = await start(["sweep", "-q", "-w", "1", "-g", g, "--out", ref]).done;
    expect(r0.code, r0.err).toBe(0);
    for (const signal of ["SIGKILL", "SIGUSR1"] as const) {
      const dir = path.join(root, signal);
      const at = await killAndResume(root, g, dir, signal);
      for (const id of ids) expect(metricsWithoutTime(path.join(dir, id)), `${signal} ${id}`).toBe(metricsWithoutTime(path.join(ref, id)));
      const s = json(path.join(dir, ids[0], "summary.json"));
      expect(s.status).toBe("max-iterations");
      // the first attempt's iterations up to its checkpoint, then the resumed attempt's: they sum to the run's
      expect(s.attempts, signal).toEqual([
        { from: 0, iterations: at },
        { from: at, iterations: 4000 - at },
      ]);
      expect(json(path.join(ref, ids[0], "summary.json")).attempts).toBeUndefined();
      expect(fs.readdirSync(path.join(dir, ids[0])).filter((n) => n.startsWith(".matsense-staging") || n.endsWith(".partial"))).toEqual([]);
    }
  }, 240_000);

  it("a run killed before its first checkpoint is not offered --resume, and --force restarts it cleanly", async () => {
    const root = tmp();
    const cfg = path.join(root, "c.json");
    fs.writeFileSync(cfg, JSON.stringify({ ...grid.base, model: { k: 3 } }));
    const dir = path.join(root, "run");
    const p = start(["run", "-q", "--config", cfg, "--out", dir]);
    expect(await waitFor(path.join(dir, "config.json"), 60_000)).toBe(true);
    p.child.kill("SIGKILL");
    expect((await p.done).signal).toBe("SIGKILL");
    expect(fs.existsSync(path.join(dir, "checkpoint.json"))).toBe(false);
    const plain = await start(["run", "-q", "--config", cfg, "--out", dir]).done;
    expect(plain.code).toBe(2);
    expect(plain.err).toContain("--force");
    expect(plain.err).not.toContain("--resume");
    const resumed = await start(["run", "-q", "--resume", dir]).done;
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(/no checkpoint\.json.*use --force/);
    const forced = await start(["run", "-q", "--config", cfg, "--out", dir, "--force"]).done;
    expect(forced.code, forced.err).toBe(0);
    expect(json(path.join(dir, "summary.json")).status).toBe("max-iterations");
    expect(fs.readdirSync(dir).filter((n) => n.includes("partial") || n.includes("staging") || n.includes("lock"))).toEqual([]);
  }, 120_000);
});
