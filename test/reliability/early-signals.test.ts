/**
 * Signals outside a command's own handlers (issue 25.7): while matsense starts (module
 * loading, ≈ 0.2–0.7 s) a signal used to kill it by the default action (no message, killed
 * by SIGINT); now it exits at once with 128 + the signal's number and one line. A sweep
 * stopped by a signal skips its final aggregation (which takes tens of seconds at 10⁵ runs).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { built, sleep, start, tmp, waitFor } from "./helpers.js";

describe.skipIf(!built)("signals at start-up and at a sweep's end (needs `npm run build`)", () => {
  it("a signal in the first moments exits with 128 + its number, not by the default action", async () => {
    const dir = tmp();
    for (const [sig, code, delay] of [["SIGINT", 130, 300], ["SIGTERM", 143, 450], ["SIGINT", 130, 600]] as const) {
      const p = start(["run", "-q", "--out", path.join(dir, `r${delay}`), "--set", "problem.n=30", "--set", "stop.maxIterations=100000000"]);
      await sleep(delay);
      p.child.kill(sig);
      const r = await p.done;
      expect(r.signal, `${sig} after ${delay} ms: ${r.err}`).toBeNull();
      expect(r.code, r.err).toBe(code);
      // the start-up handler's line, or the run's own when it had started by then
      expect(r.err).toMatch(sig === "SIGINT" ? /(SIGINT|interrupt) received/ : /SIGTERM received/);
    }
  }, 60_000);

  it("a sweep stopped by a signal skips its final aggregation and says how to run it", async () => {
    const root = tmp();
    const g = path.join(root, "g.json");
    fs.writeFileSync(g, JSON.stringify({ base: { problem: { n: 30, rank: 2 }, stop: { maxIterations: 100000000 } }, vary: { "model.k": [3] }, seeds: 1 }));
    const dir = path.join(root, "s");
    const p = start(["sweep", "-q", "-w", "1", "-g", g, "--out", dir]);
    expect(await waitFor(path.join(dir, "model.k=3__seed=0", "metrics.csv.partial"), 60_000)).toBe(true);
    await sleep(200);
    p.child.kill("SIGINT");
    const r = await p.done;
    expect(r.code, r.err).toBe(130);
    expect(r.err).toContain("aggregation skipped");
    expect(fs.existsSync(path.join(dir, "runs.csv"))).toBe(false);
  }, 60_000);
});
