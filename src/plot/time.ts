import * as fs from "node:fs";
import * as path from "node:path";
import { type Aggregate, type CurveTable, UNENDED_STATUSES, quantileSorted } from "../results/aggregate.js";
import { readRunFolder } from "../results/results.js";

/*
 * Continuous time for figures that put gradient descent and the gradient flow side by side:
 * a GD iteration is a step of length η, so t = η·iteration; the flow's iterations are its
 * adaptive Runge–Kutta steps and its `flow_time` column is t itself. Plotting both against
 * "iteration" would compare step counts of different lengths.
 */

/** The config.json of the first ended run of a parameter point (the grid's base when none). */
export function pointConfig(agg: Aggregate, point: string): Record<string, unknown> {
  for (const r of agg.runs) {
    if (r.point !== point || UNENDED_STATUSES.includes(String(r.status))) continue;
    const f = path.join(agg.dir, String(r.id), "config.json");
    if (fs.existsSync(f)) return JSON.parse(fs.readFileSync(f, "utf8")) as Record<string, unknown>;
  }
  return agg.grid.base;
}

/** True for a gradient-flow config (its iterations are adaptive steps, its time is flow_time). */
export function isFlowConfig(config: Record<string, unknown>): boolean {
  return (config.method as { name?: string } | undefined)?.name === "gradient-flow";
}

/** True when the sweep's points mix the gradient flow with iterative methods (then figures use t = η·iteration). */
export function mixesFlow(agg: Aggregate): boolean {
  const flows = agg.curves.map((c) => isFlowConfig(pointConfig(agg, c.point)));
  return flows.some((f) => f) && flows.some((f) => !f);
}

/** The time axis of one run's metrics: flow_time for the gradient flow, η·iteration otherwise. */
export function runTime(config: Record<string, unknown>, data: Record<string, number[]>): number[] {
  if (isFlowConfig(config) && data.flow_time) return data.flow_time;
  const eta = Number((config.method as { stepSize?: number } | undefined)?.stepSize);
  return data.iteration.map((it) => it * eta);
}

/** Linear interpolation of ln y at time t between recorded points (NaN outside [t₀, t_end]). */
function logInterp(ts: number[], ys: number[], t: number): number {
  if (!(t >= ts[0] && t <= ts[ts.length - 1])) return NaN;
  let lo = 0,
    hi = ts.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] <= t) lo = mid;
    else hi = mid;
  }
  if (ts[hi] === ts[lo]) return ys[lo];
  const w = (t - ts[lo]) / (ts[hi] - ts[lo]);
  if (ys[lo] > 0 && ys[hi] > 0) return Math.exp((1 - w) * Math.log(ys[lo]) + w * Math.log(ys[hi]));
  return (1 - w) * ys[lo] + w * ys[hi];
}

/**
 * A point's curves on the time axis. Iterative methods: the same medians with x = η·iteration.
 * The gradient flow: seeds take different adaptive steps, so the time grid is the median over
 * seeds of the flow time at each recorded step, every seed's metric is interpolated onto it
 * (linearly in ln value), and the median and 10–90 % quantiles are taken there; `counts` is
 * the number of seeds whose run covers each time.
 */
export function timeCurve(agg: Aggregate, curve: CurveTable, metrics: string[]): CurveTable {
  const config = pointConfig(agg, curve.point);
  if (!isFlowConfig(config)) {
    const eta = Number((config.method as { stepSize?: number } | undefined)?.stepSize);
    return { ...curve, iterations: curve.iterations.map((it) => it * eta) };
  }
  const runs = agg.runs
    .filter((r) => r.point === curve.point && !UNENDED_STATUSES.includes(String(r.status)))
    .map((r) => readRunFolder(path.join(agg.dir, String(r.id))).metrics)
    .filter((t): t is NonNullable<typeof t> => t !== undefined && t.data.flow_time !== undefined);
  if (runs.length === 0) return { ...curve, iterations: [], counts: [], metrics: {} };
  const len = Math.max(...runs.map((t) => t.data.iteration.length));
  const grid: number[] = [];
  for (let j = 0; j < len; j++) {
    const ts = runs
      .filter((t) => j < t.data.iteration.length)
      .map((t) => t.data.flow_time[j])
      .sort((a, b) => a - b);
    const t = quantileSorted(ts, 0.5);
    if (grid.length === 0 || t > grid[grid.length - 1]) grid.push(t);
  }
  const out: CurveTable = { point: curve.point, params: curve.params, iterations: grid, counts: [], metrics: {} };
  for (const m of metrics) out.metrics[m] = { median: [], q10: [], q90: [] };
  for (const t of grid) {
    out.counts.push(runs.filter((r) => t >= r.data.flow_time[0] && t <= r.data.flow_time[r.data.flow_time.length - 1]).length);
    for (const m of metrics) {
      const vals = runs
        .filter((r) => r.data[m])
        .map((r) => logInterp(r.data.flow_time, r.data[m], t))
        .filter((v) => !Number.isNaN(v))
        .sort((a, b) => a - b);
      out.metrics[m].median.push(quantileSorted(vals, 0.5));
      out.metrics[m].q10.push(quantileSorted(vals, 0.1));
      out.metrics[m].q90.push(quantileSorted(vals, 0.9));
    }
  }
  return out;
}

/** The x-axis label of a figure: "iteration", or the continuous time when GD and the flow are mixed. */
export function xAxisLabel(time: boolean): string {
  return time ? "time t = η·iteration (flow: integrated time)" : "iteration";
}
