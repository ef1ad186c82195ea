import { describe, expect, it } from "vitest";
import { RunTicker, progressLine } from "../../src/cli/progress-lines.js";
import { SweepProgress } from "../../src/cli/sweep.js";

describe("progress without a terminal", () => {
  it("a sweep prints one plain line per finished run, with an ETA from the mean run time", () => {
    const lines: string[] = [];
    const p = new SweepProgress(true, (s) => void lines.push(s), false);
    p.start(4, 0, 1);
    p.update(1, false, { id: "a__seed=0", point: "a", seed: 0, params: {}, status: "converged", seconds: 1.5, final_rel_error: 1e-11 });
    p.update(2, true, { id: "a__seed=1", point: "a", seed: 1, params: {}, status: "failed", error: "boom" });
    p.stop();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^matsense: \[1\/4\] a__seed=0 converged in 1\.5 s \(rel_error 1\.00e-11\); 0 failed; eta \d+s\n$/);
    expect(lines[1]).toMatch(/^matsense: \[2\/4\] a__seed=1 failed: boom; 1 failed; eta/);
  });

  it("is silent when quiet", () => {
    const lines: string[] = [];
    const p = new SweepProgress(false, (s) => void lines.push(s), false);
    p.start(2, 0, 1);
    p.update(1, false, { id: "x", point: "x", seed: 0, params: {}, status: "converged" });
    expect(lines).toEqual([]);
  });

  it("ETA = elapsed / done × remaining", () => {
    const line = progressLine(2, 6, { id: "r", point: "r", seed: 0, params: {}, status: "max-iterations", seconds: 10 }, 0, 20);
    expect(line).toMatch(/eta 40s$/); // 20 s for 2 runs, 4 to go
  });

  it("a long run prints a line every ~10 s with iteration, rel_error, rate and ETA", () => {
    let t = 0;
    const lines: string[] = [];
    const tick = new RunTicker(
      1000,
      (s) => void lines.push(s),
      10,
      () => t,
    );
    for (let i = 1; i <= 500; i++) {
      t = i * 0.1; // 10 iterations per second
      tick.update(i, 1 / i);
    }
    expect(lines).toHaveLength(5); // at 10, 20, 30, 40, 50 s
    expect(lines[0]).toBe("matsense: iteration 100/1000, rel_error 1.00e-2, 10 it/s, eta 1m30s\n");
  });
});
