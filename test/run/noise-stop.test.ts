import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { runConfig } from "../../src/run/run.js";
import { resolveConfig } from "../../src/config/schema.js";
import { noiseFloor } from "../../src/results/aggregate.js";
import { inspectRunFolder } from "../../src/results/validate.js";
import { csvWithoutSeconds as dropSeconds } from "../reliability/helpers.js";

// the noise-and-measurements preset's 20 × 40 point: FGᵀ, k = r = 2, Gaussian m = 400, s = 0.01, η = 0.5, α = 0.01
const base = {
  problem: { n: 20, n2: 40, rank: 2, truth: "general", noise: 0.01 },
  operator: { type: "gaussian", m: 400 },
  model: { type: "asymmetric", k: 2 },
  init: { alpha: 0.01, ratio: 3 },
  method: { name: "gd", stepSize: 0.5 },
  record: { schedule: "log", perDecade: 20 },
};
const withStop = (c: number, over: Record<string, unknown> = {}) => ({ ...base, ...over, stop: { maxIterations: 3000, noiseFloor: c } });

describe("stop.noiseFloor: stop at a multiple of the exact model's noise floor", () => {
  it("a noisy k = r run stops once its error is ≤ c·floor, before the error has settled, and summary-worthy fields record the floor", () => {
    const free = runConfig({ ...base, stop: { maxIterations: 3000 } });
    const out = runConfig(withStop(1.5));
    const floor = noiseFloor(out.config as unknown as Record<string, unknown>)!;
    const rel = out.result.final.rel_error,
      normM = out.result.final.abs_error / rel;
    expect(out.result.status).toBe("converged");
    expect(out.noiseStop).toMatchObject({ multiple: 1.5, floor, dof: 116, stopped: true });
    expect(out.noiseStop!.stopRelError).toBeCloseTo((1.5 * floor) / normM, 15);
    // it stops at the first iteration at or below 1.5·floor: the previous one was above (the iterates are the same as the free run's)
    const t = out.result.iterations;
    expect(rel).toBeLessThanOrEqual(out.noiseStop!.stopRelError);
    const before = runConfig({ ...base, stop: { maxIterations: t - 1 } }).result.final.rel_error;
    expect(before).toBeGreaterThan(out.noiseStop!.stopRelError);
    // the free run settles at the floor (ratio within 0.8–1.2 as measured by the preset) and took more iterations to get there
    expect(free.result.final.abs_error / floor).toBeGreaterThan(0.8);
    expect(free.result.final.abs_error / floor).toBeLessThan(1.2);
    expect(t).toBeLessThan(free.result.iterations);
    expect(free.warnings.join()).toMatch(/stop\.noiseFloor/);
    expect(out.warnings.join()).not.toMatch(/no stop rule uses the noise level/);
  });

  it("is inert without noise: the same trajectory, bit for bit, as without the rule", () => {
    const noiseless = { problem: { ...base.problem, noise: 0 } };
    const a = runConfig(withStop(2, noiseless)),
      b = runConfig({ ...base, ...noiseless, stop: { maxIterations: 3000 } });
    expect(a.result.iterations).toBe(3000);
    expect(a.result.rows.map((r) => r.rel_error)).toEqual(b.result.rows.map((r) => r.rel_error));
    expect(a.noiseStop).toMatchObject({ floor: 0, stopRelError: 0, stopped: false });
  });

  it("refuses a multiple below 1 and a noisy operator without a floor estimate, naming the field", () => {
    expect(() => resolveConfig(withStop(0.5))).toThrow(/stop\.noiseFloor: must be 0 \(off\) or a multiple ≥ 1/);
    expect(() => runConfig({ ...withStop(1.5), operator: { type: "completion", p: 0.5 } })).toThrow(
      /stop\.noiseFloor: no noise-floor estimate for operator\.type "completion"/,
    );
  });
});

async function cli(...args: string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await main(["node", "matsense", ...args], { out: () => undefined, err: (s) => void (err += s) });
  return { code, err };
}

describe("stop.noiseFloor across a resume", () => {
  it("a run resumed before the stop point stops where the uninterrupted run stops, with the same files", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-noise-stop-"));
    const cfg = path.join(root, "config.json");
    fs.writeFileSync(cfg, JSON.stringify(withStop(1.5)));
    const long = path.join(root, "long"),
      short = path.join(root, "short");
    expect((await cli("run", "-q", "--config", cfg, "--out", long)).code).toBe(0);
    const whole = JSON.parse(fs.readFileSync(path.join(long, "summary.json"), "utf8"));
    expect(whole.status).toBe("converged");
    expect(whole.noiseFloor.stopped).toBe(true);
    expect(inspectRunFolder(long).state).toBe("done");
    // the folder check reads the rule from summary.json: a converged status above the recorded stop level is damage
    const tampered = path.join(root, "tampered");
    fs.cpSync(long, tampered, { recursive: true });
    const lowered = { ...whole, noiseFloor: { ...whole.noiseFloor, stopRelError: whole.final.rel_error / 2 } };
    fs.writeFileSync(path.join(tampered, "summary.json"), JSON.stringify(lowered));
    expect(inspectRunFolder(tampered)).toMatchObject({ state: "damaged", reason: expect.stringMatching(/nor ≤ the noise-floor stop/) });
    const half = Math.floor(whole.iterations / 2);
    expect((await cli("run", "-q", "--config", cfg, "--set", `stop.maxIterations=${half}`, "--out", short)).code).toBe(0);
    const r = await cli("run", "-q", "--resume", short, "--set", "stop.maxIterations=3000");
    expect(r.err).toBe("");
    expect(dropSeconds(path.join(short, "metrics.csv"))).toBe(dropSeconds(path.join(long, "metrics.csv")));
    const resumed = JSON.parse(fs.readFileSync(path.join(short, "summary.json"), "utf8"));
    // the checksums cover files with a seconds column (metrics.csv, checkpoint.json), and the resumed run lists its attempts: compared without them
    const noClock = (s: Record<string, unknown>) => ({
      ...s,
      seconds: 0,
      sha256: undefined,
      attempts: undefined,
      final: { ...(s.final as object), seconds: 0 },
    });
    expect(noClock(resumed)).toEqual(noClock(whole));
  });
});
