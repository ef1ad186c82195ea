import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checkRunFolder, cliSpawn, slowBase, tmp, waitFor } from "../launchers/helpers.js";

/** A sweep of two slow runs on one worker; the signal arrives during the first. */
async function signalSweep(signal: NodeJS.Signals): Promise<{ code: number | null; err: string; dir: string; ids: string[] }> {
  const dir = tmp("signals");
  const gridFile = path.join(dir, "..", `${path.basename(dir)}-grid.json`);
  fs.writeFileSync(gridFile, JSON.stringify({ base: slowBase(30), seeds: 2 }));
  const p = cliSpawn(["sweep", "--grid", gridFile, "--out", dir, "--workers", "1", "--shard", "0/1"]);
  const first = path.join(dir, "base__seed=0");
  await waitFor(
    () => fs.existsSync(path.join(first, "metrics.csv.partial")) && fs.statSync(path.join(first, "metrics.csv.partial")).size > 100,
    30000,
    "the first run to start",
  );
  const t0 = Date.now();
  p.child.kill(signal);
  const { code } = await p.exited;
  expect(Date.now() - t0).toBeLessThan(10000); // not the 30 s of the run
  return { code, err: p.err(), dir, ids: ["base__seed=0", "base__seed=1"] };
}

describe("a sweep task stops cleanly on scheduler signals", () => {
  it("SIGTERM (scancel, time limit): the current run ends interrupted with complete files, the rest is skipped, exit 130", async () => {
    const r = await signalSweep("SIGTERM");
    expect(r.code).toBe(130); // EXIT_INTERRUPTED: non-zero, so Slurm records the task as not completed
    expect(r.err).toMatch(/SIGTERM received/);
    const f = checkRunFolder(path.join(r.dir, r.ids[0]));
    expect(f.status).toBe("interrupted");
    expect(f.rows).toBeGreaterThan(1);
    expect(fs.existsSync(path.join(r.dir, r.ids[1]))).toBe(false);
  });

  it("SIGUSR1 (Slurm's pre-timeout signal) does the same instead of opening the inspector, exit 130", async () => {
    const r = await signalSweep("SIGUSR1");
    expect(r.code).toBe(130);
    expect(r.err).not.toMatch(/Debugger listening/);
    expect(checkRunFolder(path.join(r.dir, r.ids[0])).status).toBe("interrupted");
    // without a terminal the sweep prints one plain line per finished run
    expect(r.err).toMatch(/matsense: \[1\/2\] base__seed=0 interrupted in [\d.]+ s/);
  });
});
