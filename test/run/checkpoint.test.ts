import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { executeRun } from "../../src/run/runFolder.js";
import { ResumeError, prepareResume, readCheckpoint } from "../../src/run/checkpoint.js";
import { decodeNpy } from "../../src/io/npy.js";
import { SVT_FULL_SVD_LIMIT } from "../../src/algorithms/svt.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-ckpt-"));

/** metrics.csv without the wall-clock `seconds` column (the only column that is not a function of the config). */
function metricsWithoutSeconds(dir: string): string {
  const lines = fs.readFileSync(path.join(dir, "metrics.csv"), "utf8").trimEnd().split("\n");
  const col = lines[0].split(",").indexOf("seconds");
  return lines
    .map((l) =>
      l
        .split(",")
        .filter((_, i) => i !== col)
        .join(","),
    )
    .join("\n");
}

function withStop(config: Record<string, unknown>, maxIterations: number): Record<string, unknown> {
  return { ...config, stop: { ...(config.stop as object), maxIterations } };
}

const cases: [string, Record<string, unknown>][] = [
  [
    "symmetric GD, linear schedule",
    {
      seed: 3,
      problem: { n: 12, rank: 2 },
      operator: { type: "gaussian", m: 300 },
      model: { type: "symmetric", k: 3 },
      init: { alpha: 0.01 },
      method: { name: "gd", stepSize: 0.2 },
      stop: { maxIterations: 60 },
      record: { every: 7 },
    },
  ],
  [
    "asymmetric GD with rebalancing on a residual trigger, log schedule",
    {
      seed: 4,
      problem: { n: 10, n2: 12, rank: 2, truth: "general" },
      operator: { type: "gaussian", m: 320 },
      model: { type: "asymmetric", k: 3 },
      init: { alpha: 0.01 },
      method: { name: "gd", stepSize: 0.2, rebalanceBelowRelResidual: 0.3 },
      stop: { maxIterations: 60 },
      record: { schedule: "log", perDecade: 10, singularValues: 2 },
    },
  ],
  [
    "PrecGD (damping from the residual)",
    {
      seed: 5,
      problem: { n: 12, rank: 2 },
      operator: { type: "gaussian", m: 300 },
      model: { type: "symmetric", k: 4 },
      init: { alpha: 0.01 },
      method: { name: "precgd", stepSize: 0.3 },
      stop: { maxIterations: 60 },
      record: { every: 1 },
    },
  ],
  [
    "gradient flow on XXᵀ (adaptive steps: flow time, trial step, FSAL stage), a first trial step that is rejected",
    {
      seed: 6,
      problem: { n: 10, rank: 2 },
      operator: { type: "gaussian", m: 200 },
      model: { type: "symmetric", k: 3 },
      init: { alpha: 0.01 },
      method: { name: "gradient-flow", stepSize: 5, tolerance: 1e-8 },
      stop: { maxIterations: 60 },
      record: { every: 1 },
    },
  ],
  [
    "gradient flow on FGᵀ, log schedule",
    {
      seed: 7,
      problem: { n: 9, n2: 11, rank: 2, truth: "general" },
      operator: { type: "gaussian", m: 250 },
      model: { type: "asymmetric", k: 3 },
      init: { alpha: 0.05 },
      method: { name: "gradient-flow", stepSize: 0.1, tolerance: 1e-6 },
      stop: { maxIterations: 60 },
      record: { schedule: "log", perDecade: 10 },
    },
  ],
  [
    "SVT on a completion instance (dual iterate Y, current X and its rank)",
    {
      seed: 8,
      problem: { n: 20, rank: 2, truth: "general" },
      operator: { type: "completion", p: 0.5 },
      model: { type: "asymmetric" },
      method: { name: "svt", stepSize: 1.2 },
      stop: { maxIterations: 60 },
      record: { every: 1 },
    },
  ],
  [
    "heavy-ball momentum on FGᵀ (the previous iterate of the momentum term)",
    {
      seed: 9,
      problem: { n: 10, n2: 12, rank: 2, truth: "general" },
      operator: { type: "gaussian", m: 300 },
      model: { type: "asymmetric", k: 3 },
      init: { alpha: 0.05 },
      method: { name: "heavy-ball", stepSize: 0.1, momentum: 0.6 },
      stop: { maxIterations: 60 },
      record: { every: 1 },
    },
  ],
  [
    "Levenberg–Marquardt (the CG steps of the last step are a column)",
    {
      seed: 11,
      problem: { n: 8, rank: 2 },
      operator: { type: "gaussian", m: 150 },
      model: { type: "symmetric", k: 3 },
      init: { alpha: 0.05 },
      method: { name: "levenberg-marquardt", stepSize: 0.5, damping: 1e-3 },
      stop: { maxIterations: 60 },
      record: { every: 1 },
    },
  ],
];

describe("checkpoint and resume", () => {
  for (const backend of ["ts", "wasm"]) {
    for (const [name, base] of cases) {
      const config = { ...base, operator: { ...(base.operator as object), backend } };
      it(`${name} (${backend}): a finished run continued to 2T has the metrics of an uninterrupted 2T run, bit for bit`, () => {
        const full = tmp(),
          part = tmp();
        executeRun(withStop(config, 60), full);
        executeRun(withStop(config, 23), part);
        const { config: resumed, resume } = prepareResume(part, ["stop.maxIterations=60"]);
        expect(resume.state.iteration).toBe(23);
        executeRun(resumed, part, { resume });
        expect(metricsWithoutSeconds(part)).toBe(metricsWithoutSeconds(full));
        const s = JSON.parse(fs.readFileSync(path.join(part, "summary.json"), "utf8"));
        const f = JSON.parse(fs.readFileSync(path.join(full, "summary.json"), "utf8"));
        expect(s.events).toEqual(f.events);
        expect(s.iterations).toBe(60);
      });
    }

    it(`an interrupted run (${backend}) resumes bitwise, and a crash after periodic checkpoints resumes bitwise`, () => {
      const config = { ...cases[1][1], operator: { ...(cases[1][1].operator as object), backend } };
      const full = tmp(),
        cut = tmp(),
        crashed = tmp();
      executeRun(withStop(config, 60), full);
      let t = 0;
      executeRun(withStop(config, 60), cut, { shouldStop: () => ++t > 31 });
      expect(JSON.parse(fs.readFileSync(path.join(cut, "summary.json"), "utf8")).status).toBe("interrupted");
      const a = prepareResume(cut, []);
      executeRun(a.config, cut, { resume: a.resume });
      expect(metricsWithoutSeconds(cut)).toBe(metricsWithoutSeconds(full));

      // a checkpoint after every iteration; the run dies at iteration 37 (an exception mid-run)
      expect(() =>
        executeRun(withStop(config, 60), crashed, {
          checkpointSeconds: 0,
          onIteration: (it) => {
            if (it === 37) throw new Error("simulated crash");
          },
        }),
      ).toThrow("simulated crash");
      expect(readCheckpoint(crashed).state.iteration).toBe(37);
      const b = prepareResume(crashed, []);
      executeRun(b.config, crashed, { resume: b.resume });
      expect(metricsWithoutSeconds(crashed)).toBe(metricsWithoutSeconds(full));
    });
  }

  it("saves the final iterate exactly (F.npy, G.npy equal the checkpoint's factors)", () => {
    const dir = tmp();
    executeRun(withStop(cases[1][1], 15), dir);
    const { state } = readCheckpoint(dir);
    for (const name of ["F", "G"]) {
      const npy = decodeNpy(fs.readFileSync(path.join(dir, `${name}.npy`)));
      expect(npy.shape).toEqual([state.arrays[name].rows, state.arrays[name].cols]);
      expect(Array.from(npy.data)).toEqual(Array.from(state.arrays[name].data));
    }
    const sym = tmp();
    executeRun(withStop(cases[0][1], 5), sym);
    expect(fs.existsSync(path.join(sym, "X.npy"))).toBe(true);
  });

  it("refuses to resume with a changed problem, a checkpoint beyond maxIterations, or no checkpoint", () => {
    const dir = tmp();
    executeRun(withStop(cases[0][1], 20), dir);
    expect(() => prepareResume(dir, ["init.alpha=0.02"])).toThrow(/init\.alpha would change the run/);
    expect(() => prepareResume(dir, ["stop.maxIterations=10"])).toThrow(/iteration 20, beyond stop.maxIterations = 10/);
    expect(() => prepareResume(tmp(), [])).toThrow(ResumeError);
    const md = tmp();
    executeRun({ ...withStop(cases[0][1], 3), method: { name: "mirror-descent", stepSize: 0.1 } }, md);
    expect(() => prepareResume(md, [])).toThrow(/no checkpoint\.json/);
  });

  it("a gradient flow interrupted mid-run, or crashed after periodic checkpoints, resumes bitwise (the step control continues)", () => {
    const config = cases.find(([name]) => name.startsWith("gradient flow on XXᵀ"))![1];
    const full = tmp(),
      cut = tmp(),
      crashed = tmp();
    executeRun(config, full);
    const steps = fs.readFileSync(path.join(full, "metrics.csv"), "utf8").trimEnd().split("\n");
    const column = (name: string) => steps.slice(1).map((l) => Number(l.split(",")[steps[0].split(",").indexOf(name)]));
    // the flow's step size changes along the run (rejections and growth), so a resumed flow must carry it
    expect(new Set(column("flow_step")).size).toBeGreaterThan(10);
    let t = 0;
    executeRun(config, cut, { shouldStop: () => ++t > 17 });
    const a = prepareResume(cut, []);
    expect(a.resume.state.iteration).toBeGreaterThan(10);
    expect(a.resume.state.iteration).toBeLessThan(60);
    executeRun(a.config, cut, { resume: a.resume });
    expect(metricsWithoutSeconds(cut)).toBe(metricsWithoutSeconds(full));
    expect(() =>
      executeRun(config, crashed, {
        checkpointSeconds: 0,
        onIteration: (it) => {
          if (it === 29) throw new Error("simulated crash");
        },
      }),
    ).toThrow("simulated crash");
    const b = prepareResume(crashed, []);
    expect(b.resume.state.iteration).toBe(29);
    executeRun(b.config, crashed, { resume: b.resume });
    expect(metricsWithoutSeconds(crashed)).toBe(metricsWithoutSeconds(full));
  });

  it.each([
    ["scaled-gd", {}],
    ["scaled-gd-lambda", { lambda: 0.1 }],
    ["agn", {}],
    ["gauss-newton", {}],
    ["subgradient-l1", { decay: 0.99 }],
    ["adam", {}],
  ])("%s: a finished run continued to 2T has the metrics of an uninterrupted 2T run, bit for bit", (name, options) => {
    const config = {
      seed: 12,
      problem: { n: 8, n2: 9, rank: 2, truth: "general" },
      operator: { type: "gaussian", m: 200, backend: "ts" },
      model: { type: "asymmetric", k: 2 },
      init: { alpha: 0.1 },
      method: { name, stepSize: name === "adam" ? 0.01 : 0.2, ...options },
      stop: { maxIterations: 40 },
      record: { every: 1 },
    };
    const full = tmp(),
      part = tmp();
    executeRun(config, full);
    executeRun(withStop(config, 17), part);
    const { config: resumed, resume } = prepareResume(part, ["stop.maxIterations=40"]);
    executeRun(resumed, part, { resume });
    expect(metricsWithoutSeconds(part)).toBe(metricsWithoutSeconds(full));
  });

  it("SVT above the full-SVD size (truncated SVD: warm-start basis and its RNG) resumes bitwise", () => {
    const config = {
      seed: 10,
      problem: { n: SVT_FULL_SVD_LIMIT + 10, rank: 3, truth: "general" },
      operator: { type: "completion", p: 0.3 },
      model: { type: "asymmetric" },
      method: { name: "svt", stepSize: 1.2, tau: 1 },
      stop: { maxIterations: 8 },
      record: { every: 1 },
    };
    const full = tmp(),
      part = tmp();
    executeRun(config, full);
    executeRun(withStop(config, 4), part);
    const { config: resumed, resume } = prepareResume(part, ["stop.maxIterations=8"]);
    expect(Object.keys(resume.state.arrays)).toContain("svt_basis");
    expect(resume.state.scalars.svt_rank).toBeGreaterThan(0);
    executeRun(resumed, part, { resume });
    expect(metricsWithoutSeconds(part)).toBe(metricsWithoutSeconds(full));
  });
});
