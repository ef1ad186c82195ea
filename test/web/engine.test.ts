import { flattenRow } from "../../src/algorithms/driver.js";
import { describe, expect, it } from "vitest";
import { Session, SessionError, explorerConfig } from "../../web/src/engine.js";
import { type ExplorerState, defaultState, linkUntil, queryToState, stateToQuery } from "../../web/src/state.js";
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { EXPLORER_MEMORY_LIMIT, explorerProblems } from "../../web/src/checks.js";
import { repoRoot } from "./browser.js";
import { alphaLaw, oneOverTApplies, theoryCurves, worstCaseApplies, worstCaseRate } from "../../web/src/theory.js";
import { metricsCsv, runCommands } from "../../web/src/export.js";
import { listScenarios, scenarioState } from "../../web/src/scenarios.js";
import { runConfig } from "../../src/run/run.js";
import { fitRates, lsSlope } from "../../src/results/rates.js";
import { resolveConfig } from "../../src/config/schema.js";
import { degreesOfFreedom } from "../../src/run/warnings.js";

const state = (config: Record<string, unknown>, extra: Partial<ExplorerState> = {}): ExplorerState => ({ ...defaultState(), config, ...extra });

/** A symmetric k = r sensing problem that converges linearly (n = 12, m = 5·24·2). */
const linearProblem = {
  seed: 3,
  problem: { n: 12, rank: 2 },
  init: { alpha: 0.1 },
  method: { stepSize: 0.02 },
  stop: { maxIterations: 100000 },
  record: { every: 1 },
};

const relErrors = (s: Session, i = 0) => s.runs[i].rows.map((r) => r.rel_error);

describe("explorer compute session", () => {
  it("gives exactly the library's numbers: the same rows as runConfig (the CLI's code path) for the same config", () => {
    const config = { seed: 1, problem: { n: 10, rank: 2, truth: "general" }, model: { type: "asymmetric", k: 3 }, stop: { maxIterations: 300 } };
    const s = new Session(state(config));
    s.advance(Infinity);
    const cli = runConfig(explorerConfig(config)).result;
    expect(s.runs[0].status).toBe(cli.status);
    expect(s.runs[0].rows.map(({ seconds, ...r }) => r)).toEqual(cli.rows.map(flattenRow).map(({ seconds, ...r }) => r));
    s.dispose();
  });

  it("records the diagnostics columns as the CLI does (record.diagnostics, noisy data)", () => {
    const config = { seed: 3, problem: { n: 9, noise: 0.01 }, init: { alpha: 0.001 }, stop: { maxIterations: 120 }, record: { diagnostics: true } };
    const s = new Session(state(config));
    s.advance(Infinity);
    const cli = runConfig(explorerConfig(config)).result;
    expect(Object.keys(s.runs[0].rows[0])).toContain("spurious_norm");
    expect(s.runs[0].rows.map(({ seconds, ...r }) => r)).toEqual(cli.rows.map(flattenRow).map(({ seconds, ...r }) => r));
    s.dispose();
  });

  it("compare runs share one instance (same M*, same operator) and advance in lockstep", () => {
    const s = new Session(state({ problem: { n: 10, rank: 2 }, stop: { maxIterations: 50 } }, { runs: [{ "model.k": 2 }, { "model.k": 4 }] }));
    expect(s.runs[0].instance).toBe(s.runs[1].instance);
    s.advance(20);
    expect(s.t).toBe(20);
    expect(s.runs.map((r) => r.rows.length)).toEqual([20, 20]);
    s.dispose();
  });

  it("a live step-size change takes effect at the next iteration: before it the run is unchanged, after it the linear rate scales with η", () => {
    const plain = new Session(state(linearProblem));
    plain.advance(601);
    const edited = new Session(state(linearProblem));
    edited.advance(400);
    edited.edit("method.stepSize", 0.04);
    edited.advance(601);
    const a = relErrors(plain),
      b = relErrors(edited);
    // rows 0…400 are the iterates before the edit: bit-identical; row 401 is after one step with the new η
    expect(b.slice(0, 401)).toEqual(a.slice(0, 401));
    expect(b[401]).not.toBe(a[401]);
    // Near M* GD is the linear map e ← (I − ηH)e: the slowest mode decays at λ(η) = −ln(1 − ηh), so
    // λ(2η)/λ(η) = ln(1 − 2ηh)/ln(1 − ηh) ∈ [2, 2.05] for ηh ≤ 0.05 (here λ ≈ 0.02 ⇒ ηh ≈ 0.02);
    // the windows [300, 400] and [500, 600] are past the transient and above the rounding floor
    const rate = (e: number[], from: number, to: number) =>
      -lsSlope(
        Array.from({ length: to - from }, (_, i) => from + i),
        e.slice(from, to).map(Math.log),
      );
    const before = rate(a, 300, 400),
      after = rate(b, 500, 600);
    expect(after / before).toBeGreaterThan(1.9);
    expect(after / before).toBeLessThan(2.2);
    // without the edit the rate stays where it was
    expect(rate(a, 500, 600) / before).toBeLessThan(1.2);
    plain.dispose();
    edited.dispose();
  });

  it("replaying a state with its live edits gives bit-identical numbers (what a shared URL does)", () => {
    const live = new Session(state(linearProblem, { runs: [{ "model.k": 2 }, { "model.k": 3 }] }));
    live.advance(150);
    live.edit("method.stepSize", 0.08);
    live.advance(230);
    live.edit("stop.targetRelError", 1e-3);
    live.advance(Infinity);
    const replay = new Session(state(linearProblem, { runs: [{ "model.k": 2 }, { "model.k": 3 }], edits: live.edits.slice() }));
    replay.advance(Infinity);
    expect(live.edits.map((e) => e.at)).toEqual([150, 230]);
    for (const i of [0, 1]) {
      expect(replay.runs[i].status).toBe(live.runs[i].status);
      expect(relErrors(replay, i)).toEqual(relErrors(live, i));
    }
    expect(live.runs[0].status).toBe("converged");
    live.dispose();
    replay.dispose();
  });

  it("the link of a finished session replays its final rows and statuses (xiong-symmetric's log schedule, max-iterations)", () => {
    // the defect: played to the end (T = 600, last row at T), the link said t=600 and reopened paused at
    // the last log-schedule row before T (the final row is measured by the call that finds the run stopped)
    const sc = scenarioState("xiong-symmetric");
    sc.config = { ...sc.config, stop: { ...(sc.config.stop as object), maxIterations: 600 } };
    const live = new Session(sc);
    live.advance(Infinity);
    const T = live.t;
    expect(T).toBe(600);
    expect(live.runs.some((r) => r.status === "max-iterations" && r.rows.at(-1)!.iteration === 600)).toBe(true);
    const until = linkUntil(live.t, false, live.done());
    const decoded = queryToState(stateToQuery({ ...sc, until }));
    expect(new URLSearchParams(stateToQuery({ ...sc, until })).get("t")).toBe("end");
    const replay = new Session(decoded.state);
    replay.advance(decoded.state.until!);
    expect(replay.t).toBe(T);
    for (let i = 0; i < live.runs.length; i++) {
      expect(replay.runs[i].status).toBe(live.runs[i].status);
      expect(relErrors(replay, i)).toEqual(relErrors(live, i));
    }
    // what "t=600" replays: the same iterates, but paused before the stopped runs' final rows
    const old = new Session({ ...decoded.state, until: T });
    old.advance(T);
    const stoppedAtT = live.runs.findIndex((r) => r.status === "max-iterations");
    expect(old.runs[stoppedAtT].status).toBeUndefined();
    expect(old.runs[stoppedAtT].rows.at(-1)!.iteration).toBeLessThan(T);
    // paused mid-run, the link keeps the iteration
    expect(linkUntil(250, false, false)).toBe(250);
    expect(linkUntil(250, true, false)).toBeUndefined();
    for (const s of [live, replay, old]) s.dispose();
  });

  it("a live rebalancing trigger fires one-step rebalancing at the chosen iteration", () => {
    const s = new Session(
      state({
        seed: 2,
        problem: { n: 10, rank: 2, truth: "general" },
        model: { type: "asymmetric", k: 3 },
        init: { alpha: 0.05 },
        method: { stepSize: 0.5 },
        stop: { maxIterations: 200 },
      }),
    );
    s.advance(50);
    s.edit("method.rebalanceAtIteration", 60);
    s.advance(100);
    expect(s.runs[0].events.map((e) => e.message)).toEqual([expect.stringMatching(/^rebalanced at iteration 60 /)]);
    // rebalancing makes FᵀF = I: the imbalance FᵀF − GᵀG jumps from O(α²) to order 1 (‖I − GᵀG‖ ≥ ‖I‖ − ‖GᵀG‖)
    const at = (t: number) => s.runs[0].rows.find((r) => r.iteration === t)!.imbalance_norm;
    expect(at(59)).toBeLessThan(0.05);
    expect(at(60)).toBeGreaterThan(0.5);
    s.dispose();
  });

  it("a live edit the library refuses (η ≤ 0) is rejected with the field's message and changes nothing", () => {
    const s = new Session(state(linearProblem));
    s.advance(10);
    expect(() => s.edit("method.stepSize", -1)).toThrow(/method\.stepSize: must be > 0 \(got -1\)/);
    expect(() => s.edit("problem.n", 5)).toThrow(/cannot change during a run/);
    expect(s.runs[0].stepper.stepSize).toBe(0.02);
    expect(s.edits).toEqual([]);
    s.dispose();
  });

  it("a diverging step size stops the run with status diverged and the iteration, never a NaN trace", () => {
    const s = new Session(state({ ...linearProblem, method: { stepSize: 5 } }));
    s.advance(Infinity);
    const r = s.runs[0];
    expect(r.status).toBe("diverged");
    expect(r.divergedAt).toBeGreaterThan(0);
    expect(s.t).toBeLessThan(200);
    s.dispose();
  });

  it("refuses what the CLI refuses, with the CLI's message, and only warns where the CLI warns (k > min(n1, n2), m < dof)", () => {
    const bad = (config: Record<string, unknown>) => {
      try {
        new Session(state(config)).dispose();
      } catch (e) {
        return (e as SessionError).problems;
      }
      return [];
    };
    const warnings = (config: Record<string, unknown>) => {
      const s = new Session(state(config));
      const w = s.runs[0].warnings;
      s.dispose();
      return w.join(" ");
    };
    // the CLI runs these and warns (src/run/warnings.ts), so the explorer runs them too
    expect(bad({ problem: { n: 10 }, model: { k: 11 } })).toEqual([]);
    expect(warnings({ problem: { n: 10 }, model: { k: 11 } })).toMatch(/model\.k = 11 exceeds min\(n1, n2\) = 10/);
    expect(bad({ problem: { n: 10 }, operator: { m: 18 } })).toEqual([]);
    expect(warnings({ problem: { n: 10 }, operator: { m: 18 } })).toMatch(/unidentifiable: m = 18 measurements are fewer than the 19 degrees of freedom/);
    expect(bad({ method: { stepSize: 0 } })).toEqual([{ path: "method.stepSize", message: expect.stringMatching(/must be > 0/) }]);
    // too big for the browser: the CLI's refusal (same function, same text) at the explorer's limit
    const big = { problem: { n: 300 }, operator: { m: 4000 } };
    const refused = bad(big);
    expect(refused).toHaveLength(1);
    expect(refused[0].path).toBe("operator.m");
    const cli = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, "bin", "matsense.js"),
        "run",
        "-q",
        "--set",
        "problem.n=300",
        "--set",
        "operator.m=4000",
        "--max-memory",
        String(EXPLORER_MEMORY_LIMIT),
        "--out",
        path.join(os.tmpdir(), `matsense-web-refused-${process.pid}`),
      ],
      { encoding: "utf8" },
    );
    expect(cli.status).toBe(2);
    const cliMessage = /operator\.m: (the run needs .*?) \(got 4000\)/.exec(cli.stderr)?.[1];
    expect(cliMessage).toBeDefined();
    expect(refused[0].message.startsWith(cliMessage!)).toBe(true);
  });

  it("degrees of freedom (the library's one function): r(n1 + n2 − r) for the FGᵀ model, nr − r(r − 1)/2 for XXᵀ on a PSD truth", () => {
    expect(degreesOfFreedom(resolveConfig({ problem: { n: 6, n2: 4, rank: 2, truth: "general" }, model: { type: "asymmetric" } })).dof).toBe(2 * (6 + 4 - 2));
    expect(degreesOfFreedom(resolveConfig({ problem: { n: 6, rank: 3 } })).dof).toBe(6 * 3 - (3 * 2) / 2);
    // a PSD truth fitted by FGᵀ: the model's set of general rank-r matrices (the CLI's warning, shown by the explorer)
    expect(degreesOfFreedom(resolveConfig({ problem: { n: 20, rank: 2 }, model: { type: "asymmetric" } })).dof).toBe(2 * (20 + 20 - 2));
    const s = new Session(state({ problem: { n: 20, rank: 2 }, model: { type: "asymmetric" }, operator: { m: 60 } }));
    expect(s.runs[0].warnings.join(" ")).toMatch(/fewer than the 76 degrees of freedom/);
    s.dispose();
    expect(explorerProblems(resolveConfig({ operator: { type: "identity" }, problem: { n: 3, rank: 2 } }))).toEqual([]);
  });

  it("a large identity problem (n = 20000, the link that threw an uncaught RangeError) is refused with the CLI's memory message", () => {
    const d = queryToState("?problem.n=20000&operator.type=identity");
    expect(d.notice).toBeUndefined();
    let problems: { path: string; message: string }[] = [];
    try {
      new Session(d.state).dispose();
    } catch (e) {
      expect(e).toBeInstanceOf(SessionError);
      problems = (e as SessionError).problems;
    }
    // y and A(M*) alone are 2·n² doubles = 6.4 GB
    const message = /^the run needs \d+ bytes \(8\.9 GiB\), more than the limit of 1073741824 bytes .*reduce problem\.n/;
    expect(problems).toEqual([{ path: "problem.n", message: expect.stringMatching(message) }]);
  });

  it("every preset loads as a scenario the explorer accepts, and its runs start", () => {
    for (const { name, note } of listScenarios()) {
      expect(note, name).toMatch(/\. .+\./);
      const s = new Session(scenarioState(name));
      s.advance(3);
      expect(s.t, name).toBe(3);
      expect(
        s.runs.every((r) => r.rows.length === 3),
        name,
      ).toBe(true);
      s.dispose();
    }
  });
});

describe("theory beside the data", () => {
  it("the scalar worst case decays at exactly λ = −ln(1 − η·8α²/9) (fitted rate within 1 %)", () => {
    // xiong-worst-case at α = 0.2: the fit over the tail of a long run
    const config = {
      problem: { n: 2, rank: 1, singularValues: [1] },
      operator: { type: "identity" },
      model: { type: "asymmetric", k: 2 },
      init: { type: "scaled-identity", alpha: 0.2, ratio: 3 },
      method: { stepSize: 0.5 },
      stop: { maxIterations: 1500, targetRelError: 1e-12 },
    };
    const s = new Session(state(config));
    s.advance(Infinity);
    const rows = s.runs[0].rows.filter((r) => r.iteration >= 700);
    const fitted = -lsSlope(
      rows.map((r) => r.iteration),
      rows.map((r) => Math.log(r.rel_error)),
    );
    const c = s.runs[0].config;
    expect(worstCaseApplies(c)).toBe(true);
    expect(worstCaseRate(0.5, 0.2, 3)).toBeCloseTo(-Math.log(1 - (0.5 * 8 * 0.04) / 9), 15);
    expect(Math.abs(fitted / worstCaseRate(0.5, 0.2, 3) - 1)).toBeLessThan(0.01);
    // the drawn theory curve passes through the last point with that slope
    const last = rows[rows.length - 1];
    const [curve] = theoryCurves(c, { iteration: last.iteration, value: last.rel_error });
    expect(curve.label).toBe("theory: (1 − η·8α²/9)ᵗ");
    const p0 = curve.points[0],
      p1 = curve.points[curve.points.length - 1];
    expect(p1).toEqual({ iteration: last.iteration, value: last.rel_error });
    expect(Math.log(p0.value / p1.value) / (p1.iteration - p0.iteration)).toBeCloseTo(worstCaseRate(0.5, 0.2, 3), 12);
    s.dispose();
  });

  it("the 1/T reference is drawn only for symmetric GD with k > r, as e(T)·T/t", () => {
    const over = resolveConfig({ problem: { n: 10, rank: 2 }, model: { k: 3 } });
    const exact = resolveConfig({ problem: { n: 10, rank: 2 }, model: { k: 2 } });
    expect(oneOverTApplies(over)).toBe(true);
    expect(oneOverTApplies(exact)).toBe(false);
    expect(theoryCurves(exact, { iteration: 1000, value: 1e-3 })).toEqual([]);
    const [c] = theoryCurves(over, { iteration: 1000, value: 1e-3 });
    expect(c.label).toBe("theory: ∝ 1/T");
    for (const p of c.points) expect(p.value * p.iteration).toBeCloseTo(1, 12);
  });

  it("the α² law: exact λ(α) in the worst case, else C·α² with C fitted in log space", () => {
    const pts = [0.1, 0.05, 0.025].map((alpha) => ({ alpha, rate: 3 * alpha * alpha }));
    const law = alphaLaw(pts)!;
    for (const p of law.points) expect(p.rate / (p.alpha * p.alpha)).toBeCloseTo(3, 10);
    const exact = alphaLaw(pts, (a) => worstCaseRate(0.5, a, 3))!;
    expect(exact.points[0].rate).toBeCloseTo(worstCaseRate(0.5, 0.025, 3), 15);
    expect(alphaLaw([{ alpha: 0.1, rate: 1 }])).toBeNull();
  });

  it("the fitted read-out classifies k = r as linear and k > r as sublinear (xiong-symmetric, quick size)", () => {
    const s = new Session(
      state(
        {
          problem: { n: 10, rank: 2 },
          operator: { m: 200 },
          init: { alpha: 0.01 },
          method: { stepSize: 0.1 },
          stop: { maxIterations: 20000, targetRelError: 1e-12 },
          record: { schedule: "log", perDecade: 20 },
        },
        { runs: [{ "model.k": 2 }, { "model.k": 3 }] },
      ),
    );
    s.advance(Infinity);
    const fits = s.runs.map((r) =>
      fitRates(
        r.rows.map((x) => x.iteration),
        r.rows.map((x) => x.rel_error),
        { status: r.status },
      ),
    );
    expect(fits.map((f) => f.classification)).toEqual(["linear", "sublinear"]);
    s.dispose();
  });
});

describe("exports", () => {
  it("the run command has one --set per field and reproduces the explorer's numbers through the library", () => {
    const st = state({ seed: 4, problem: { n: 8, rank: 1 }, method: { name: "gd", stepSize: 0.2 } }, { runs: [{ "model.k": 1 }, { "model.k": 2 }] });
    const { commands, note } = runCommands(st, ["model.k=1", "model.k=2"]);
    expect(commands[1]).toBe(
      "npx matsense run --set seed=4 --set problem.n=8 --set problem.rank=1 --set method.name=gd --set method.stepSize=0.2 --set model.k=2 --out " +
        "runs/model.k=2",
    );
    expect(note).toBeUndefined();
    st.edits = [{ at: 10, path: "method.stepSize", value: 0.3 }];
    expect(runCommands(st, []).note).toMatch(/method\.stepSize=0\.3 at iteration 10\) cannot be expressed on the command line/);
  });

  it("the metrics CSV has a run column and the CLI's columns, numbers at full precision", () => {
    const csv = metricsCsv([{ label: "a,b", rows: [{ iteration: 0, seconds: 0, loss: 0.1, abs_error: 1 / 3, rel_error: NaN, sv_1: 2 }] }]);
    expect(csv).toBe(`run,iteration,seconds,loss,abs_error,rel_error,sv_1\n"a,b",0,0,0.1,${1 / 3},nan,2\n`);
  });
});
