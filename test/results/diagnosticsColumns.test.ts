import { describe, expect, it } from "vitest";
import { diagnosticsColumns } from "../../src/results/diagnosticsColumns.js";
import { fitRates } from "../../src/results/rates.js";
import { evaluateCheck } from "../../src/reproduce/presets.js";
import type { Aggregate } from "../../src/results/aggregate.js";

/** A synthetic metrics table: spurious part c/t, signal part linear, alignment falling. */
function table(T = 4000) {
  const it: number[] = [];
  for (let t = 1; t <= T; t = Math.max(t + 1, Math.floor(t * 1.1))) it.push(t);
  const spurious = it.map((t) => 0.5 / t);
  const signal = it.map((t) => Math.exp(-0.01 * t));
  const rel = it.map((_, i) => Math.hypot(spurious[i], signal[i]));
  return {
    iteration: it,
    signal_error: signal,
    spurious_norm: spurious,
    cross_error: it.map(() => 0),
    rel_error: rel,
    loss: rel.map((e) => e * e),
    alignment_F: it.map((t) => 1 / t),
    alignment_G: it.map((t) => 2 / t),
    imbalance_min_eig: it.map(() => 0.02),
    slow_mode_norm2: it.map(() => 0.03),
    operator_factor: it.map(() => 0.7),
    perturbation_ratio: it.map((t) => 0.3 + 0.1 / t),
  };
}

describe("runs.csv diagnostics columns", () => {
  const data = table();
  // the synthetic error is sublinear; the rate prediction is compared on runs classified linear
  const fit = { ...fitRates(data.iteration, data.rel_error), classification: "linear" as const };
  const c = diagnosticsColumns(data, fit, { method: { stepSize: 0.5 }, model: { k: 3 }, problem: { rank: 2 } });

  it("fits the 1/T law of the spurious part (log-log slope −1)", () => {
    // c/t is exactly a power law: the least-squares log-log slope is −1 to rounding
    expect(c.spurious_loglog_slope).toBeCloseTo(-1, 10);
  });

  it("ends the alignment phase when every alignment column is ≤ 0.1", () => {
    // alignment_G = 2/t ≤ 0.1 first at t ≥ 20: the first recorded iteration ≥ 20
    expect(c.alignment_iters).toBe(data.iteration.find((t) => t >= 20));
  });

  it("predicts −ln(1 − η q) from the slow mode, keeps −ln(1 − η|λ_min|) as the bound quantity, and reports fitted/predicted", () => {
    expect(c.predicted_rate).toBeCloseTo(-Math.log(1 - 0.5 * 0.03), 14);
    expect(c.imbalance_bound_rate).toBeCloseTo(-Math.log(1 - 0.5 * 0.02), 14);
    expect(c.rate_over_predicted).toBeCloseTo(fit.linearRate / c.predicted_rate, 14);
    expect(c.operator_factor).toBeCloseTo(0.7, 14);
  });

  it("blanks the spurious log-log slope of a linear spurious part and the signal rate of a sublinear signal part", () => {
    const lin = { ...data, spurious_norm: data.iteration.map((t) => Math.exp(-0.002 * t)), signal_error: data.iteration.map((t) => 0.5 / t) };
    const d = diagnosticsColumns(lin, fit, { method: { stepSize: 0.5 }, model: { k: 3 }, problem: { rank: 2 } });
    expect(d.spurious_loglog_slope).toBeNaN();
    expect(d.signal_linear_rate).toBeNaN();
    expect(c.signal_linear_rate).toBeCloseTo(0.01, 6);
  });

  it("predicts no rate for a run that did not converge linearly", () => {
    const sub = diagnosticsColumns(data, fitRates(data.iteration, data.rel_error), { method: { stepSize: 0.5 }, model: { k: 3 }, problem: { rank: 2 } });
    expect(fitRates(data.iteration, data.rel_error).classification).toBe("sublinear");
    expect(sub.predicted_rate).toBeUndefined();
  });

  it("predicts no imbalance rate for k = r (the rate is set by σ_r there)", () => {
    const exact = diagnosticsColumns(data, fit, { method: { stepSize: 0.5 }, model: { k: 2 }, problem: { rank: 2 } });
    expect(exact.predicted_rate).toBeUndefined();
    expect(exact.imbalance_min_eig).toBeCloseTo(0.02, 14);
  });

  it("reports the perturbation ratio range over iterations ≥ 1 and the outcome flags", () => {
    expect(c.perturbation_ratio_max).toBeCloseTo(0.4, 14);
    expect(c.perturbation_ratio_min).toBeCloseTo(0.3 + 0.1 / data.iteration[data.iteration.length - 1], 14);
    expect(c.recovered).toBe(0); // final error ≈ 1.25e-4
    expect(c.interpolated).toBe(0);
  });

  it("takes the fit window on the flow's time t for a gradient-flow run (flow_time recorded)", () => {
    // adaptive steps: t = 10·iteration; the error fit on t covers t ∈ [T/2, T] = iterations [200, 400]
    const iteration = Array.from({ length: 401 }, (_, i) => i);
    const flow_time = iteration.map((i) => 10 * i);
    const rel = flow_time.map((t) => Math.exp(-0.001 * t));
    const flow = {
      ...data,
      iteration,
      flow_time,
      rel_error: rel,
      signal_error: rel,
      spurious_norm: rel,
      cross_error: rel.map(() => 0),
      operator_factor: iteration.map((i) => (i >= 200 ? 0.5 : 2)),
    };
    const ffit = fitRates(flow_time, rel);
    expect(ffit.from).toBe(2000);
    expect(ffit.linearRate).toBeCloseTo(0.001, 10);
    expect(diagnosticsColumns(flow, ffit, {}).operator_factor).toBe(0.5);
  });

  it("calls a run interpolated only once its loss has converged with the error frozen, else undecided", () => {
    const it = [0, 1000, 2000, 3000, 4000];
    const base = { iteration: it, signal_error: it.map(() => 0.01), spurious_norm: it.map(() => 0.05), cross_error: it.map(() => 0) };
    const cols = (rel: number[], loss: number[]) => diagnosticsColumns({ ...base, rel_error: rel, loss }, fitRates(it, rel), {});
    // loss converged, error 0.05 frozen (|ln(e(T)/e(T/2))| = 0): interpolated, whatever the error's size (also 0.011)
    expect(cols([1, 0.2, 0.05, 0.05, 0.05], [1, 1e-3, 1e-14, 1e-20, 1e-25])).toMatchObject({ interpolated: 1, recovered: 0, undecided: 0 });
    expect(cols([1, 0.2, 0.011, 0.011, 0.011], [1, 1e-3, 1e-14, 1e-20, 1e-25]).interpolated).toBe(1);
    // loss below the floor but the error still moving by 2 % over [T/2, T]: not frozen, undecided
    expect(cols([1, 0.2, 0.05, 0.0495, 0.049], [1, 1e-3, 1e-14, 1e-20, 1e-25])).toMatchObject({ interpolated: 0, undecided: 1 });
    // the loss still above 1e-12: undecided at this budget, not "neither"
    expect(cols([1, 0.2, 0.05, 0.05, 0.05], [1, 1e-3, 1e-8, 1e-10, 1e-11])).toMatchObject({ interpolated: 0, undecided: 1 });
    // on a path to M* the loss falls like the error squared (ratio 2); toward an interpolant much faster
    expect(cols([1, 0.1, 0.01, 0.003, 0.001], [1, 1e-2, 1e-4, 9e-6, 1e-6]).loss_over_error_decrease).toBeCloseTo(2, 12);
    expect(cols([1, 0.2, 0.05, 0.049, 0.048], [1, 1e-3, 1e-8, 1e-9, 1e-10]).loss_over_error_decrease).toBeGreaterThan(50);
    // recovered: final error below 1e-6
    expect(cols([1, 0.2, 1e-4, 1e-6, 1e-8], [1, 1e-3, 1e-8, 1e-12, 1e-16])).toMatchObject({ recovered: 1, interpolated: 0, undecided: 0 });
  });

  it("adds nothing for runs without diagnostics", () => {
    expect(diagnosticsColumns({ iteration: [0, 1], rel_error: [1, 0.5] }, fit, {})).toEqual({});
  });
});

describe("the fraction check", () => {
  const agg = {
    points: [{ point: "a", params: { "init.alpha": 0.1 }, runs: 4, statuses: { converged: 4 }, median: {}, classification: "", classes: [] }],
    runs: [1, 1, 0, 0].map((v, i) => ({ id: `r${i}`, point: "a", status: "converged", recovered: v })),
  } as unknown as Aggregate;
  it("passes when the share of matching runs is inside the bounds and fails otherwise", () => {
    expect(evaluateCheck({ type: "fraction", metric: "recovered", min: 1, atLeast: 0.5, atMost: 1 }, agg).verdict).toBe("pass");
    expect(evaluateCheck({ type: "fraction", metric: "recovered", min: 1, atLeast: 0.6, atMost: 1 }, agg).verdict).toBe("fail");
    expect(evaluateCheck({ type: "fraction", metric: "recovered", min: 1, atLeast: 0, atMost: 0.4 }, agg).verdict).toBe("fail");
  });
});

describe("the aggregate's point table", () => {
  it("shows the imbalance-predicted rate next to the fitted one when recorded", async () => {
    const { formatPointTable } = await import("../../src/results/aggregate.js");
    const point = (median: Record<string, number>) => ({
      point: "p",
      params: { "init.alpha": 0.1 },
      runs: 1,
      statuses: { converged: 1 },
      median,
      classification: "linear",
      classes: ["linear"],
    });
    const agg = (median: Record<string, number>) => ({ paths: ["init.alpha"], errorMetric: "rel_error", points: [point(median)] }) as unknown as Aggregate;
    const withPred = formatPointTable(agg({ linear_rate: 0.0318, predicted_rate: 0.0394 }));
    expect(withPred).toContain("predicted λ");
    expect(withPred).toContain("3.94e-2");
    expect(formatPointTable(agg({ linear_rate: 0.0318 }))).not.toContain("predicted");
  });
});
