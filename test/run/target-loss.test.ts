import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runConfig } from "../../src/run/run.js";
import { executeRun } from "../../src/run/runFolder.js";
import { resolveConfig } from "../../src/config/schema.js";
import { inspectRunFolder } from "../../src/results/validate.js";
import { parseCsv } from "../../src/results/results.js";
import { cli } from "../cli/cli-helpers.js";

/** metrics.csv rows without the clock column. */
const metricsRows = (dir: string) => parseCsv(fs.readFileSync(path.join(dir, "metrics.csv"), "utf8")).map(({ seconds: _s, ...r }) => r);

const base = {
  seed: 2,
  problem: { n: 12, rank: 2, truth: "general" },
  operator: { type: "completion", p: 0.6 },
  model: { type: "deep", depth: 3, k: 12 },
  init: { type: "small-random", alpha: 1e-2, ratio: 1, alphaOf: "product" },
  method: { name: "gd", stepSize: 0.2 },
  record: { schedule: "log", perDecade: 10 },
};

describe("stop.targetLoss: stop once the loss ½‖A(P) − y‖² is at or below a level", () => {
  it("stops (converged) at the first iteration with loss ≤ target, on the trajectory of the run without the rule", () => {
    const target = 1e-6;
    const out = runConfig({ ...base, stop: { maxIterations: 20000, targetLoss: target } });
    expect(out.result.status).toBe("converged");
    const t = out.result.iterations;
    expect(out.result.final.loss).toBeLessThanOrEqual(target);
    const before = runConfig({ ...base, stop: { maxIterations: t - 1 } }).result;
    expect(before.final.loss).toBeGreaterThan(target);
    // the rule only ends the run: the rows are those of the run without it
    const strip = (rows: { seconds: number }[]) => rows.map(({ seconds: _s, ...r }) => r);
    const recorded = new Set(out.result.rows.map((r) => r.iteration));
    const same = before.rows.filter((r) => recorded.has(r.iteration));
    expect(same).toHaveLength(out.result.rows.length - 1);
    expect(strip(out.result.rows.slice(0, -1))).toEqual(strip(same));
  });

  it("is off when absent or 0, works without M* (and without held-out entries), and is refused below 0, naming the field", () => {
    const off = runConfig({ ...base, stop: { maxIterations: 300 } });
    const zero = runConfig({ ...base, stop: { maxIterations: 300, targetLoss: 0 } });
    expect(off.result.status).toBe("max-iterations");
    expect(zero.result.rows.map((r) => r.loss)).toEqual(off.result.rows.map((r) => r.loss));
    const file = path.resolve(import.meta.dirname, "../../examples/completion/entries.csv");
    const none = runConfig({
      seed: 1,
      problem: { n: 40, n2: 30, rank: 3, truth: "none" },
      operator: { type: "completion-file", file, indexBase: 1 },
      model: { type: "asymmetric", k: 3 },
      init: { alpha: 0.01 },
      method: { name: "gd", stepSize: 0.1 },
      stop: { maxIterations: 5000, targetLoss: 1e-3 },
    });
    // without operator.testFraction there is no test_rel_error column (it was 0/0 = NaN, read as a divergence at iteration 0)
    expect(none.result.status).toBe("converged");
    expect(none.result.final.loss).toBeLessThanOrEqual(1e-3);
    expect(none.result.final.extra.test_rel_error).toBeUndefined();
    expect(() => resolveConfig({ ...base, stop: { targetLoss: -1 } })).toThrow(/stop\.targetLoss: must be ≥ 0 \(got -1\)/);
  });

  it("the run folder validates, and a summary that says converged with the loss above the target is damaged", () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-target-loss-")), "r");
    executeRun({ ...base, stop: { maxIterations: 20000, targetLoss: 1e-5 } }, dir);
    expect(inspectRunFolder(dir, { readMetrics: true }).state).toBe("done");
    const cfgFile = path.join(dir, "config.json");
    const cfg = JSON.parse(fs.readFileSync(cfgFile, "utf8"));
    cfg.stop.targetLoss = 1e-30;
    fs.writeFileSync(cfgFile, JSON.stringify(cfg));
    const damaged = inspectRunFolder(dir, { readMetrics: true });
    expect(damaged.state).toBe("damaged");
    expect(JSON.stringify(damaged)).toMatch(/is not ≤ stop\.targetLoss = 1e-30/);
  });

  it("a run resumed before the stop point stops where the uninterrupted run stops, with the same metrics", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-target-loss-"));
    const cfg = path.join(root, "config.json");
    fs.writeFileSync(cfg, JSON.stringify({ ...base, stop: { maxIterations: 20000, targetLoss: 1e-5 } }));
    const long = path.join(root, "long"),
      short = path.join(root, "short");
    expect((await cli("run", "-q", "--config", cfg, "--out", long)).code).toBe(0);
    const whole = JSON.parse(fs.readFileSync(path.join(long, "summary.json"), "utf8"));
    expect(whole.status).toBe("converged");
    const half = Math.floor(whole.iterations / 2);
    expect((await cli("run", "-q", "--config", cfg, "--set", `stop.maxIterations=${half}`, "--out", short)).code).toBe(0);
    const r = await cli("run", "-q", "--resume", short, "--set", "stop.maxIterations=20000");
    expect(r.err).toBe("");
    expect(metricsRows(short)).toEqual(metricsRows(long));
    expect(metricsRows(long).length).toBeGreaterThan(20);
    expect(JSON.parse(fs.readFileSync(path.join(short, "summary.json"), "utf8")).status).toBe("converged");
  });
});
